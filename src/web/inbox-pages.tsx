/**
 * The feedback inbox pages: `/inbox` (every survey the viewer can read) and `/surveys/:id/inbox` (one survey) with a
 * filter form, a results table with a checkbox per row for bulk triage, and Newer/Older keyset navigation;
 * `/responses/:id` shows one response in words, its tags and triage buttons, and, for people allowed to, an audited
 * "Reveal personal information" button. Free text is masked everywhere until revealed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { CHANNEL_LABELS, CHANNELS } from '../a11/channels.ts'
import { formatFiscalQuarter } from '../a11/fiscal-year.ts'
import { BRANCHES, DRIVER_KEYS, type Branch, type DriverKey } from '../a11/survey-model.ts'
import type { Actor } from '../auth/actor.ts'
import { Invalid, type FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import {
  decodeCursor, getResponse, listResponses, listSurveys, RESPONSE_STATUSES, revealResponse, TRIAGE_ACTIONS, triageResponses, trustLabel, visibleSurvey,
  type InboxFilter, type InboxItem, type ResponseDetail, type ResponseStatus, type TriageAction,
} from '../surveys/index.ts'
import { Checkbox, CsrfField, EmptyState, ErrorSummary, SelectField, SummaryList, TextField, yesNo } from './components.tsx'
import { asForm, attempt, formList, formText, safeNext } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'

const PAGE_SIZE = 25

const STATUS_LABELS: Readonly<Record<ResponseStatus, string>> = { inbox: 'Inbox', archived: 'Archived', spam: 'Spam', trash: 'Trash' }
const ACTION_LABELS: Readonly<Record<TriageAction, string>> = {
  flag: 'Flag', unflag: 'Remove flag', spam: 'Mark as spam', archive: 'Archive', inbox: 'Move to inbox', trash: 'Move to trash',
  restore: 'Restore from trash', tag: 'Add tag', untag: 'Remove tag',
}
const ACTION_DONE: Readonly<Record<TriageAction, string>> = {
  flag: 'Flagged', unflag: 'Removed the flag from', spam: 'Marked as spam', archive: 'Archived', inbox: 'Moved to the inbox',
  trash: 'Moved to the trash', restore: 'Restored', tag: 'Tagged', untag: 'Untagged',
}
const DRIVER_LABELS: Readonly<Record<DriverKey, string>> = {
  effectiveness: 'Effectiveness', ease: 'Ease', efficiency: 'Efficiency', transparency: 'Transparency', humanity: 'Humanity', employee: 'Employee', other: 'Other',
}
const TRUST_OPTIONS = [
  { value: '0', label: '0: thumbs down' }, { value: '1', label: '1: thumbs up, or strongly disagree' }, { value: '2', label: '2: disagree' },
  { value: '3', label: '3: neutral' }, { value: '4', label: '4: agree' }, { value: '5', label: '5: strongly agree' },
]
const FILTER_KEYS = ['q', 'from', 'to', 'serviceId', 'surveyId', 'channel', 'trust', 'branch', 'driver', 'language', 'tag', 'status', 'flagged', 'hasText', 'contactRequested'] as const
type FilterKey = (typeof FILTER_KEYS)[number]
type QueryString = Partial<Record<FilterKey | 'cursor', string>>

const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
const whenShort = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
const oneOf = <T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined => (allowed as readonly string[]).includes(value ?? '') ? value as T : undefined
const matching = (value: string | undefined, pattern: RegExp): string | undefined => (value !== undefined && pattern.test(value) ? value : undefined)

/** Query-string values as typed filters; a malformed value is ignored rather than failing the page. */
function readFilter(query: QueryString): { filter: InboxFilter; values: Partial<Record<FilterKey, string>>; cursor: string | undefined } {
  const day = /^\d{4}-\d{2}-\d{2}$/
  const uuid = /^[0-9a-f-]{36}$/
  const trust = matching(query.trust, /^[0-5]$/)
  const q = query.q?.trim().slice(0, 200) || undefined
  const tag = query.tag?.trim().toLowerCase().slice(0, 40) || undefined
  let from = matching(query.from, day)
  let to = matching(query.to, day)
  if (from && to && from > to) [from, to] = [to, from]
  const values: Partial<Record<FilterKey, string>> = {
    q, from, to, serviceId: matching(query.serviceId, uuid), surveyId: matching(query.surveyId, uuid), channel: oneOf(query.channel, CHANNELS), trust,
    branch: oneOf(query.branch, BRANCHES), driver: oneOf(query.driver, DRIVER_KEYS), language: matching(query.language, /^[a-z]{2}(-[A-Z]{2})?$/), tag,
    status: oneOf(query.status, RESPONSE_STATUSES), flagged: query.flagged === 'true' ? 'true' : undefined, hasText: query.hasText === 'true' ? 'true' : undefined,
    contactRequested: query.contactRequested === 'true' ? 'true' : undefined,
  }
  let cursor: string | undefined = query.cursor
  try {
    if (cursor) decodeCursor(cursor)
  } catch {
    cursor = undefined
  }
  return {
    values, cursor,
    filter: {
      ...values, trust: trust === undefined ? undefined : Number(trust), branch: values.branch as Branch | undefined, driver: values.driver as DriverKey | undefined,
      status: values.status as ResponseStatus | undefined, flagged: values.flagged ? true : undefined, hasText: values.hasText ? true : undefined,
      contactRequested: values.contactRequested ? true : undefined,
    },
  }
}

function queryHref(path: string, values: Partial<Record<string, string>>): string {
  const params = new URLSearchParams(Object.entries(values).filter((entry): entry is [string, string] => Boolean(entry[1])))
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

interface InboxScope {
  readonly path: string
  readonly survey: { readonly id: string; readonly name: string } | null
}

interface InboxView {
  readonly scope: InboxScope
  readonly query: QueryString
  readonly message?: string | undefined
  readonly errors?: FieldErrors | undefined
}

async function renderInbox(runtime: Runtime, request: FastifyRequest, reply: FastifyReply, view: InboxView, status = 200): Promise<FastifyReply> {
  const actor = requireActor(request)
  const { scope } = view
  const { filter, values, cursor } = readFilter(view.query)
  if (scope.survey) values.surveyId = undefined
  const page = await listResponses(runtime.db, actor, { ...filter, surveyId: scope.survey?.id ?? filter.surveyId }, { limit: PAGE_SIZE, cursor })
  const surveys = (await listSurveys(runtime.db, actor, { page: 1, pageSize: 500 })).items
  const services = [...new Map(surveys.map((s) => [s.serviceId, s.serviceName])).entries()].sort((a, b) => a[1].localeCompare(b[1]))
  const title = scope.survey ? `Feedback inbox: ${scope.survey.name}` : 'Feedback inbox'
  const filtering = Object.values(values).some(Boolean) || Boolean(cursor)
  const here = queryHref(scope.path, { ...values, cursor })
  const triage = page.items.some((i) => i.abilities.triage)
  return sendPage(request, reply, title, (csrf) => (
    <>
      <h1>{title}</h1>
      <p class="usa-intro">Post-transaction feedback (A-11 §280.14), newest first. Personal information in free text is masked; open a response to act on it.</p>
      <ErrorSummary message={view.message} errors={view.errors} labels={{ ids: 'Responses', applyTag: 'Tag', action: 'Action' }} />
      <form class="usa-form usa-form--large cx-filters" method="get" action={scope.path} role="search" aria-label="Filter responses">
        <TextField name="q" label="Search the answers" value={values.q} />
        <TextField name="from" label="From (UTC)" type="date" value={values.from} />
        <TextField name="to" label="To (UTC)" type="date" value={values.to} />
        <SelectField name="serviceId" label="Service" value={values.serviceId} emptyLabel="All" options={services.map(([value, label]) => ({ value, label }))} />
        {!scope.survey && <SelectField name="surveyId" label="Survey" value={values.surveyId} emptyLabel="All" options={surveys.map((s) => ({ value: s.id, label: s.name }))} />}
        <SelectField name="channel" label="Channel" value={values.channel} emptyLabel="All" options={CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))} />
        <SelectField name="trust" label="Trust answer" value={values.trust} emptyLabel="Any" options={TRUST_OPTIONS} />
        <SelectField name="branch" label="Branch" value={values.branch} emptyLabel="Any" options={[{ value: 'positive', label: 'Positive' }, { value: 'negative', label: 'Negative' }]} />
        <SelectField name="driver" label="Driver" value={values.driver} emptyLabel="Any" options={DRIVER_KEYS.map((d) => ({ value: d, label: DRIVER_LABELS[d] }))} />
        <TextField name="language" label="Language code" value={values.language} maxLength={5} />
        <TextField name="tag" label="Tag" value={values.tag} maxLength={40} />
        <SelectField name="status" label="Folder" value={values.status ?? 'inbox'} options={RESPONSE_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))} />
        <fieldset class="usa-fieldset">
          <legend class="usa-sr-only">Only responses that</legend>
          <Checkbox name="flagged" value="true" label="Flagged only" checked={values.flagged === 'true'} />
          <Checkbox name="hasText" value="true" label="With written comments" checked={values.hasText === 'true'} />
          <Checkbox name="contactRequested" value="true" label="Asked to be contacted" checked={values.contactRequested === 'true'} />
        </fieldset>
        <button class="usa-button" type="submit">Filter</button>
      </form>
      {page.items.length === 0 ? (
        <EmptyState title={filtering ? 'No responses match' : 'The inbox is empty'}>
          <p>{filtering ? 'Try other filters, or another folder.' : 'Responses to your surveys appear here as they arrive.'}</p>
        </EmptyState>
      ) : (
        <form method="post" action="/inbox/bulk" class="cx-inbox">
          <CsrfField token={csrf} />
          <input type="hidden" name="return" value={here} />
          <p role="status">Showing {plural(page.items.length, 'response')}{page.prevCursor || page.nextCursor ? ' on this page' : ''}.</p>
          <ResultsTable items={page.items} />
          {triage && (
            <fieldset class="usa-fieldset cx-bulk">
              <legend class="usa-legend">With the selected responses</legend>
              <SelectField name="action" label="Action" emptyLabel="Choose an action" options={TRIAGE_ACTIONS.map((a) => ({ value: a, label: ACTION_LABELS[a] }))} />
              <TextField name="applyTag" label="Tag (for Add tag and Remove tag)" maxLength={40} errors={view.errors} />
              <button class="usa-button" type="submit">Apply to selected</button>
            </fieldset>
          )}
        </form>
      )}
      {(page.prevCursor || page.nextCursor) && (
        <nav class="cx-actions" aria-label="Pages of responses">
          {page.prevCursor && <a class="usa-button usa-button--outline" href={queryHref(scope.path, { ...values, cursor: page.prevCursor })}>Newer responses</a>}
          {page.nextCursor && <a class="usa-button usa-button--outline" href={queryHref(scope.path, { ...values, cursor: page.nextCursor })}>Older responses</a>}
        </nav>
      )}
    </>
  ), status)
}

function ResultsTable({ items }: { items: readonly InboxItem[] }) {
  return (
    <table class="usa-table usa-table--borderless usa-table--stacked width-full cx-inbox-table">
      <caption class="usa-sr-only">Responses, newest first</caption>
      <thead>
        <tr>
          <th scope="col"><span class="usa-sr-only">Select</span></th><th scope="col">Date (UTC)</th><th scope="col">Survey</th><th scope="col">Channel</th>
          <th scope="col">Trust</th><th scope="col">Branch</th><th scope="col">Drivers</th><th scope="col">Language</th><th scope="col">Tags</th>
          <th scope="col">Comment (masked)</th><th scope="col">Flag</th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.id}>
            <td data-label="Select">
              {item.abilities.triage && (
                <div class="usa-checkbox">
                  <input class="usa-checkbox__input" id={`select-${item.id}`} type="checkbox" name="ids" value={item.id} />
                  <label class="usa-checkbox__label" for={`select-${item.id}`}><span class="usa-sr-only">Select the response of {when(item.submittedAt)} to {item.surveyName}</span></label>
                </div>
              )}
            </td>
            <th scope="row" data-label="Date (UTC)"><a href={`/responses/${item.id}`}>{whenShort(item.submittedAt)}</a></th>
            <td data-label="Survey"><a href={`/surveys/${item.surveyId}/inbox`}>{item.surveyName}</a></td>
            <td data-label="Channel">{CHANNEL_LABELS[item.channel] ?? item.channel}</td>
            <td data-label="Trust">{trustLabel(item.scale, item.trustValue) ?? '—'}</td>
            <td data-label="Branch">{item.branch ?? '—'}</td>
            <td data-label="Drivers">{item.drivers.map((d) => DRIVER_LABELS[d as DriverKey] ?? d).join(', ') || '—'}</td>
            <td data-label="Language">{item.language}</td>
            <td data-label="Tags">{item.tags.length > 0 ? item.tags.map((t) => <span class="usa-tag cx-tag" key={t}>{t}</span>) : '—'}</td>
            <td data-label="Comment" class="cx-excerpt">{item.excerpt ?? '—'}</td>
            <td data-label="Flag">{item.flagged ? <span class="usa-tag bg-secondary-dark">Flagged</span> : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function TriageButton({ id, action, csrf, tag, label }: { id: string; action: TriageAction; csrf: string; tag?: string; label?: string }) {
  return (
    <form method="post" action={`/responses/${id}/triage`}>
      <CsrfField token={csrf} />
      <input type="hidden" name="action" value={action} />
      {tag !== undefined && <input type="hidden" name="tag" value={tag} />}
      <button type="submit" class="usa-button usa-button--outline">{label ?? ACTION_LABELS[action]}</button>
    </form>
  )
}

function ResponsePage({ response, csrf, errors }: { response: ResponseDetail; csrf: string; errors?: FieldErrors | undefined }) {
  const r = response
  const moves: TriageAction[] = r.status === 'trash' ? ['restore'] : (['inbox', 'archive', 'spam', 'trash'] as const).filter((a) => (a === 'archive' ? 'archived' : a) !== r.status)
  return (
    <>
      <h1>Response of {when(r.submittedAt)}</h1>
      <p>
        <span class="usa-tag">{STATUS_LABELS[r.status]}</span>{' '}
        {r.flagged && <span class="usa-tag bg-secondary-dark">Flagged</span>}{' '}
        {r.containsPii && <span class="usa-tag bg-gold text-ink">Contains personal information</span>}
      </p>
      {r.revealed ? (
        <div class="usa-alert usa-alert--warning" role="status">
          <div class="usa-alert__body">
            <h2 class="usa-alert__heading">Personal information shown</h2>
            <p class="usa-alert__text">This reveal was recorded in the audit log under your name. Leaving this page masks the text again.</p>
          </div>
        </div>
      ) : r.abilities.reveal && r.hasText ? (
        <form method="post" action={`/responses/${r.id}/reveal`} class="cx-actions">
          <CsrfField token={csrf} />
          <button type="submit" class="usa-button usa-button--secondary" aria-describedby="reveal-hint">Reveal personal information</button>
          <span class="usa-hint" id="reveal-hint">Shows the respondent’s words unmasked. Each reveal is recorded in the audit log.</span>
        </form>
      ) : null}
      <h2>Answers</h2>
      {r.questions.length === 0 ? <p>No answers were recorded.</p> : (
        <SummaryList rows={r.questions.map((q) => [q.prompt, q.answer === null ? 'No answer' : <span class={q.freeText ? 'cx-free-text' : undefined}>{q.answer}</span>])} />
      )}
      <h2>About this response</h2>
      <SummaryList rows={[
        ['Survey', <a href={`/surveys/${r.surveyId}/inbox`}>{r.surveyName}</a>], ['Survey version', String(r.surveyVersion)], ['Service', r.serviceName],
        ['Organization', r.organizationName], ['Channel', CHANNEL_LABELS[r.channel] ?? r.channel], ['Source', r.source], ['Touchpoint', r.touchpoint],
        ['Location code', r.locationCode], ['Page', r.pageUrl], ['Language', r.language], ['Submitted', when(r.submittedAt)],
        ['Fiscal quarter', formatFiscalQuarter({ fiscalYear: r.fiscalYear, quarter: r.fiscalQuarter as 1 | 2 | 3 | 4 })],
        ['Trust', trustLabel(r.scale, r.trustValue)], ['Branch', r.branch], ['Asked to be contacted', yesNo(r.contactRequested)],
        ['Service recovery case', r.recoveryCaseId ? <a href={`/recovery/${r.recoveryCaseId}`}>Case status: {(r.recoveryStatus ?? '').replace(/_/g, ' ')}</a> : null],
        ...(r.trashedAt ? [['Moved to the trash', `${when(r.trashedAt)}; purged 30 days later`] as [string, string]] : []),
      ]} />
      {r.abilities.triage && (
        <>
          <h2>Triage</h2>
          <div class="cx-actions">
            <TriageButton id={r.id} action={r.flagged ? 'unflag' : 'flag'} csrf={csrf} />
            {moves.map((a) => <TriageButton key={a} id={r.id} action={a} csrf={csrf} />)}
          </div>
        </>
      )}
      <h2>Tags</h2>
      {r.tags.length === 0 ? <p>No tags yet.</p> : (
        <ul class="usa-list usa-list--unstyled cx-tag-list">
          {r.tags.map((t) => (
            <li key={t}>
              <span class="usa-tag cx-tag">{t}</span>
              {r.abilities.triage && (
                <form method="post" action={`/responses/${r.id}/triage`} class="cx-inline-form">
                  <CsrfField token={csrf} />
                  <input type="hidden" name="action" value="untag" />
                  <input type="hidden" name="tag" value={t} />
                  <button type="submit" class="usa-button usa-button--unstyled" aria-label={`Remove the tag ${t}`}>Remove</button>
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
      {r.abilities.triage && (
        <form method="post" action={`/responses/${r.id}/triage`} class="usa-form">
          <CsrfField token={csrf} />
          <input type="hidden" name="action" value="tag" />
          <TextField name="tag" label="Add a tag" hint="Lowercase letters, digits, hyphens and underscores; at most 40." maxLength={40} errors={errors} />
          <button type="submit" class="usa-button">Add tag</button>
        </form>
      )}
      <p><a href="/inbox">Back to the feedback inbox</a></p>
    </>
  )
}

function flashFor(action: TriageAction, changed: number, tag: string): string {
  if (changed === 0) return 'Nothing changed: the selected responses were already in that state.'
  const label = tag.trim().toLowerCase().replace(/\s+/g, '-')
  if (action === 'tag') return `Added the tag “${label}” to ${plural(changed, 'response')}.`
  if (action === 'untag') return `Removed the tag “${label}” from ${plural(changed, 'response')}.`
  return `${ACTION_DONE[action]} ${plural(changed, 'response')}.`
}

/** The inbox a bulk form came from, so a refused action shows its message over the same list. */
function scopeOfReturn(returnPath: string): { scope: InboxScope; query: QueryString } {
  const url = new URL(returnPath, 'http://cx280.invalid')
  const surveyId = /^\/surveys\/([0-9a-f-]{36})\/inbox$/.exec(url.pathname)?.[1]
  const query = Object.fromEntries(url.searchParams) as QueryString
  return { scope: { path: surveyId ? url.pathname : '/inbox', survey: null }, query: surveyId ? { ...query, surveyId } : query }
}

async function showResponse(request: FastifyRequest, reply: FastifyReply, response: ResponseDetail, errors?: FieldErrors, status = 200): Promise<FastifyReply> {
  return sendPage(request, reply, `Response of ${when(response.submittedAt)}`, (csrf) => <ResponsePage response={response} csrf={csrf} errors={errors} />, status)
}

export async function registerInboxPages(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const { db } = runtime

  app.get<{ Querystring: QueryString }>('/inbox', async (request, reply) =>
    renderInbox(runtime, request, reply, { scope: { path: '/inbox', survey: null }, query: request.query }))

  app.get<{ Params: { id: string }; Querystring: QueryString }>('/surveys/:id/inbox', async (request, reply) => {
    const survey = await visibleSurvey(db, requireActor(request), request.params.id)
    return renderInbox(runtime, request, reply, { scope: { path: `/surveys/${survey.id}/inbox`, survey }, query: request.query })
  })

  app.post('/inbox/bulk', async (request, reply) => {
    const actor: Actor = requireActor(request)
    const body = asForm(request.body)
    const back = safeNext(formText(body, 'return') || '/inbox')
    const action = formText(body, 'action') as TriageAction
    const tag = formText(body, 'applyTag')
    const result = await attempt(async () => {
      if (!TRIAGE_ACTIONS.includes(action)) throw new Invalid('Choose an action for the selected responses.', { action: 'Choose an action.' })
      return triageResponses(db, actor, { ids: formList(body, 'ids'), action, tag })
    })
    if (!result.ok) {
      const { scope, query } = scopeOfReturn(back)
      const survey = query.surveyId && scope.path !== '/inbox' ? await visibleSurvey(db, actor, query.surveyId) : null
      const errors = Object.fromEntries(Object.entries(result.fields).map(([k, v]) => [k === 'tag' ? 'applyTag' : k, v]))
      return renderInbox(runtime, request, reply, { scope: { ...scope, survey }, query, message: result.message, errors }, 400)
    }
    return redirectWithFlash(request, reply, back, flashFor(action, result.value.changed, tag))
  })

  app.get<{ Params: { id: string } }>('/responses/:id', async (request, reply) => showResponse(request, reply, await getResponse(db, requireActor(request), request.params.id)))

  app.post<{ Params: { id: string } }>('/responses/:id/triage', async (request, reply) => {
    const actor = requireActor(request)
    const body = asForm(request.body)
    const action = formText(body, 'action') as TriageAction
    const tag = formText(body, 'tag')
    if (!TRIAGE_ACTIONS.includes(action)) throw new Invalid('Unknown action.', { action: 'Choose an action.' })
    const result = await attempt(() => triageResponses(db, actor, { ids: [request.params.id], action, tag }))
    if (!result.ok) return showResponse(request, reply, await getResponse(db, actor, request.params.id), result.fields, 400)
    return redirectWithFlash(request, reply, `/responses/${request.params.id}`, flashFor(action, result.value.changed, tag).replace(/ 1 response\.$/, ' this response.'))
  })

  app.post<{ Params: { id: string } }>('/responses/:id/reveal', async (request, reply) => showResponse(request, reply, await revealResponse(db, requireActor(request), request.params.id)))
}
