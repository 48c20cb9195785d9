/**
 * Service recovery pages (A-11 §280.6): the case list with filters, and a case page with the response behind it,
 * the assignee, due date and status (a resolution is required to resolve), and the notes thread.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ComponentChildren } from 'preact'
import { canManageWebhooks } from '../auth/permissions.ts'
import type { FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import {
  addRecoveryNote, getRecoveryCase, listCaseAssignees, listRecoveryCases, listSurveys, NOTE_MAX, RECOVERY_STATUS_LABELS, RECOVERY_STATUS_MOVES,
  RECOVERY_STATUSES, RESOLUTION_MAX, updateRecoveryCase, type CaseAssignee, type RecoveryCaseSummary, type RecoveryCaseView, type RecoveryStatus,
} from '../surveys/index.ts'
import { Checkbox, CsrfField, EmptyState, ErrorSummary, Pagination, SelectField, SummaryList, TextArea, TextField } from './components.tsx'
import { asForm, attempt, formText } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'

const PAGE_SIZE = 25
const STATUS_FILTERS = ['open', ...RECOVERY_STATUSES, 'all'] as const
type StatusFilter = (typeof STATUS_FILTERS)[number]
const STATUS_FILTER_LABELS: Readonly<Record<StatusFilter, string>> = { open: 'Open (new or in progress)', ...RECOVERY_STATUS_LABELS, all: 'All' }

interface ListQuery { status?: string; assignee?: string; overdue?: string; surveyId?: string; page?: string }

const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : null)

function StatusTag({ status }: { status: RecoveryStatus }) {
  return <span class={`usa-tag cx-case-status cx-case-status--${status}`}>{RECOVERY_STATUS_LABELS[status]}</span>
}

function Due({ item }: { item: Pick<RecoveryCaseSummary, 'dueOn' | 'overdue'> }) {
  if (!item.dueOn) return <span class="text-base">No due date</span>
  return <>{item.dueOn}{item.overdue && <> <span class="usa-tag cx-overdue">Overdue</span></>}</>
}

export async function registerRecoveryPages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  app.get<{ Querystring: ListQuery }>('/recovery', async (request, reply) => {
    const actor = requireActor(request)
    const q = request.query
    const status: StatusFilter = STATUS_FILTERS.includes(q.status as StatusFilter) ? (q.status as StatusFilter) : 'open'
    const assignee = q.assignee === 'me' || q.assignee === 'none' ? q.assignee : undefined
    const overdue = q.overdue === 'true'
    const surveys = (await listSurveys(db, actor, { page: 1, pageSize: 500 })).items
    const surveyId = surveys.some((s) => s.id === q.surveyId) ? q.surveyId : undefined
    const page = Math.max(1, Math.min(100_000, Number.parseInt(q.page ?? '1', 10) || 1))
    const { items, total } = await listRecoveryCases(db, actor, { status: status === 'all' ? undefined : status, assignee, overdue, surveyId, page, pageSize: PAGE_SIZE })
    const filtered = status !== 'open' || assignee !== undefined || overdue || surveyId !== undefined
    return sendPage(request, reply, 'Recovery cases', (
      <>
        <h1>Recovery cases</h1>
        <p class="usa-intro">People who gave negative feedback and asked to be contacted (A-11 §280.6, service recovery). Assign each case, follow up, and record how it was resolved.</p>
        {actor.grants.some((g) => canManageWebhooks(actor, g.organizationPath ?? '/')) && (
          <p>Send cases to another system with <a href="/webhooks">webhooks</a>.</p>
        )}
        <form class="usa-form usa-form--large cx-filters" method="get" action="/recovery" role="search" aria-label="Filter recovery cases">
          <SelectField name="status" label="Status" value={status} options={STATUS_FILTERS.map((s) => ({ value: s, label: STATUS_FILTER_LABELS[s] }))} />
          <SelectField name="assignee" label="Assigned to" value={assignee} emptyLabel="Anyone" options={[{ value: 'me', label: 'Me' }, { value: 'none', label: 'No one yet' }]} />
          <SelectField name="surveyId" label="Survey" value={surveyId} emptyLabel="All surveys" options={surveys.map((s) => ({ value: s.id, label: `${s.name} (${s.serviceName})` }))} />
          <Checkbox name="overdue" value="true" label="Overdue only" checked={overdue} />
          <button class="usa-button" type="submit">Filter</button>
        </form>
        {items.length === 0 ? (
          <EmptyState title={filtered ? 'No cases match' : 'No open recovery cases'}>
            <p>{filtered ? 'Try other filters.' : 'A case opens when a respondent gives negative feedback and asks to be contacted.'}</p>
          </EmptyState>
        ) : (
          <>
            <p role="status">{total} case{total === 1 ? '' : 's'}</p>
            <table class="usa-table usa-table--borderless usa-table--stacked width-full">
              <caption class="usa-sr-only">Recovery cases</caption>
              <thead><tr><th scope="col">Opened</th><th scope="col">Survey</th><th scope="col">Status</th><th scope="col">Due</th><th scope="col">Assigned to</th><th scope="col">Updated</th></tr></thead>
              <tbody>
                {items.map((c) => (
                  <tr key={c.id} class={c.overdue ? 'cx-row-overdue' : undefined}>
                    <th scope="row" data-label="Opened"><a href={`/recovery/${c.id}`}>{when(c.createdAt)}</a></th>
                    <td data-label="Survey">{c.surveyName}<br /><span class="text-base">{c.serviceName}</span></td>
                    <td data-label="Status"><StatusTag status={c.status} /></td>
                    <td data-label="Due"><Due item={c} /></td>
                    <td data-label="Assigned to">{c.assigneeName ?? <span class="text-base">No one</span>}</td>
                    <td data-label="Updated">{when(c.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pagination path="/recovery" query={{ status, assignee, overdue: overdue ? 'true' : undefined, surveyId }} page={page} pageSize={PAGE_SIZE} total={total} />
          </>
        )}
      </>
    ))
  })

  interface WorkValues { assigneeUserId?: string; dueOn?: string; status?: string; resolution?: string; note?: string }

  const showCase = async (request: FastifyRequest, reply: FastifyReply, id: string, options: { reveal?: boolean; values?: WorkValues; errors?: FieldErrors; message?: string; noteErrors?: FieldErrors } = {}) => {
    const actor = requireActor(request)
    const view = await getRecoveryCase(db, actor, id, { reveal: options.reveal === true })
    const assignees = view.abilities.work ? await listCaseAssignees(db, actor, id) : []
    const status = options.errors || options.noteErrors ? 400 : 200
    return sendPage(request, reply, `Recovery case: ${view.surveyName}`, (csrf) => (
      <CasePage view={view} assignees={assignees} csrf={csrf} values={options.values} errors={options.errors} message={options.message} noteErrors={options.noteErrors} />
    ), status)
  }

  app.get<{ Params: { id: string } }>('/recovery/:id', async (request, reply) => showCase(request, reply, request.params.id))

  app.post<{ Params: { id: string } }>('/recovery/:id/reveal', async (request, reply) => showCase(request, reply, request.params.id, { reveal: true }))

  app.post<{ Params: { id: string } }>('/recovery/:id', async (request, reply) => {
    const body = asForm(request.body)
    const values: WorkValues = { assigneeUserId: formText(body, 'assigneeUserId'), dueOn: formText(body, 'dueOn').trim(), status: formText(body, 'status'), resolution: formText(body, 'resolution') }
    if (!(RECOVERY_STATUSES as readonly string[]).includes(values.status ?? '')) {
      return showCase(request, reply, request.params.id, { values, errors: { status: 'Choose a status.' } })
    }
    const result = await attempt(() => updateRecoveryCase(db, requireActor(request), request.params.id, {
      assigneeUserId: values.assigneeUserId || null, dueOn: values.dueOn || null, status: values.status as RecoveryStatus, resolution: values.resolution,
    }))
    if (!result.ok) return showCase(request, reply, request.params.id, { values, errors: result.fields, message: result.message })
    return redirectWithFlash(request, reply, `/recovery/${request.params.id}`, result.value.status === 'resolved' ? 'Case resolved.' : 'Case updated.')
  })

  app.post<{ Params: { id: string } }>('/recovery/:id/notes', async (request, reply) => {
    const note = formText(asForm(request.body), 'body')
    const result = await attempt(() => addRecoveryNote(db, requireActor(request), request.params.id, note))
    if (!result.ok) return showCase(request, reply, request.params.id, { values: { note }, noteErrors: result.fields })
    return redirectWithFlash(request, reply, `/recovery/${request.params.id}#notes`, 'Note added.')
  })
}

interface CasePageProps {
  readonly view: RecoveryCaseView
  readonly assignees: readonly CaseAssignee[]
  readonly csrf: string
  readonly values?: { assigneeUserId?: string; dueOn?: string; status?: string; resolution?: string; note?: string } | undefined
  readonly errors?: FieldErrors | undefined
  readonly noteErrors?: FieldErrors | undefined
  readonly message?: string | undefined
}

function CasePage({ view, assignees, csrf, values, errors, noteErrors, message }: CasePageProps) {
  const statuses = [view.status, ...RECOVERY_STATUS_MOVES[view.status]]
  const assigneeOptions = [...assignees]
  if (view.assigneeUserId && !assignees.some((a) => a.id === view.assigneeUserId)) assigneeOptions.push({ id: view.assigneeUserId, name: view.assigneeName ?? 'Former assignee', email: '' })
  const caseRows: [string, ComponentChildren][] = [
    ['Status', <StatusTag status={view.status} />],
    ['Opened', when(view.createdAt)],
    ['Due', <Due item={view} />],
    ['Assigned to', view.assigneeName],
    ['Organization', view.organizationName],
  ]
  if (view.status === 'resolved') caseRows.push(['Resolved', when(view.resolvedAt)], ['Resolution', <span class="cx-pre">{view.resolution}</span>])
  return (
    <>
      <h1>Recovery case</h1>
      <p class="usa-intro">{view.surveyName} · {view.serviceName}</p>
      <SummaryList rows={caseRows} />

      <h2 id="response">The response</h2>
      {view.revealed ? (
        <div class="usa-alert usa-alert--warning usa-alert--slim" role="status"><div class="usa-alert__body"><p class="usa-alert__text">Personal information is shown. Your viewing was recorded in the audit log.</p></div></div>
      ) : (
        <p>Personal information in written answers (email addresses, phone numbers, and the like) is masked.</p>
      )}
      <SummaryList rows={[
        ['Submitted', when(view.response.submittedAt)],
        ['Channel', view.response.channel],
        ['Language', view.response.language],
        ...view.response.answers.map((a): [string, string] => [a.prompt, a.answer]),
      ]} />
      <div class="cx-actions">
        <a class="usa-button usa-button--outline" href={`/responses/${view.responseId}`}>Open the response in the inbox</a>
        {view.abilities.reveal && !view.revealed && (
          <form method="post" action={`/recovery/${view.id}/reveal`}>
            <CsrfField token={csrf} />
            <button type="submit" class="usa-button usa-button--secondary">Reveal personal information</button>
          </form>
        )}
      </div>

      {view.abilities.work && (
        <form class="usa-form usa-form--large" method="post" action={`/recovery/${view.id}`} noValidate>
          <h2 id="work">Work this case</h2>
          <ErrorSummary message={message} errors={errors} labels={{ assigneeUserId: 'Assigned to', dueOn: 'Due date', status: 'Status', resolution: 'Resolution' }} />
          <CsrfField token={csrf} />
          <SelectField name="assigneeUserId" label="Assigned to" value={values?.assigneeUserId ?? view.assigneeUserId} emptyLabel="No one" errors={errors}
            options={assigneeOptions.map((a) => ({ value: a.id, label: a.email ? `${a.name} (${a.email})` : a.name }))} />
          <TextField name="dueOn" label="Due date" type="date" hint="Format: YYYY-MM-DD" value={values?.dueOn ?? view.dueOn} errors={errors} />
          <SelectField name="status" label="Status" value={values?.status ?? view.status} errors={errors} options={statuses.map((s) => ({ value: s, label: RECOVERY_STATUS_LABELS[s] }))} />
          <TextArea name="resolution" label="Resolution" hint="Required to resolve: what was done for the person, and the outcome." maxLength={RESOLUTION_MAX}
            value={values?.resolution ?? view.resolution} errors={errors} />
          <button type="submit" class="usa-button">Save changes</button>
        </form>
      )}

      <h2 id="notes">Notes</h2>
      {view.notes.length === 0 ? <p>No notes yet.</p> : (
        <ol class="usa-list usa-list--unstyled cx-notes">
          {view.notes.map((n) => (
            <li key={n.id} class="cx-note">
              <p class="cx-note__meta"><strong>{n.authorLabel}</strong> · {when(n.createdAt)}</p>
              <p class="cx-pre">{n.body}</p>
            </li>
          ))}
        </ol>
      )}
      {view.abilities.work && (
        <form class="usa-form usa-form--large" method="post" action={`/recovery/${view.id}/notes`} noValidate>
          <ErrorSummary errors={noteErrors} labels={{ body: 'Note' }} />
          <CsrfField token={csrf} />
          <TextArea name="body" label="Note" hint="Notes are kept as written; they cannot be edited or deleted." maxLength={NOTE_MAX} value={values?.note} errors={noteErrors} required />
          <button type="submit" class="usa-button usa-button--outline">Add note</button>
        </form>
      )}
    </>
  )
}
