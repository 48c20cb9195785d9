/** Service inventory pages: list with filters, view, create, edit, lifecycle actions, CSV import. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { CHANNEL_LABELS, CHANNELS, type Channel } from '../a11/channels.ts'
import { SERVICE_KIND_LABELS, SERVICE_KINDS, SERVICE_STATES, SERVICE_TRANSITIONS, nextServiceState, OMB_TRANSITIONS, type ServiceTransition } from '../a11/services.ts'
import { canCreateService, canCreateServicesSomewhere, canReadAudit } from '../auth/index.ts'
import {
  createService, getService, importServicesCsv, MAX_IMPORT_ROWS, listHisps, listManageableOrganizations, listOrganizations, listServices, SERVICE_CSV_COLUMNS,
  SERVICE_FIELD_GROUPS, SERVICE_FIELDS, servicePermissions, ServiceCreateInput, ServiceUpdateInput, transitionService, updateService,
  type ImportReport, type ServiceView,
} from '../catalog/index.ts'
import { Forbidden, type FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { parseWith } from '../validation.ts'
import { Checkbox, CsrfField, CsvFileField, EmptyState, ErrorSummary, ImportProblems, Pagination, SelectField, SummaryList, TextField, yesNo } from './components.tsx'
import { asForm, attempt, formText } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'
import { ServiceForm, serviceInputFromForm, valuesFromService, type ServiceFormValues } from './service-form.tsx'
import { listSurveys } from '../surveys/index.ts'
import { ServiceSurveysSection } from './survey-components.tsx'

const PAGE_SIZE = 25

interface ListQuery { q?: string; organizationId?: string; kind?: string; channel?: string; state?: string; designated?: string; page?: string }

const TRANSITION_LABELS: Record<ServiceTransition, string> = {
  submit: 'Submit to OMB', approve: 'Approve', verify: 'Verify', return: 'Return to agency', archive: 'Archive', restore: 'Restore',
}

function validOption(value: string | undefined, allowed: readonly string[]): string | undefined {
  return value && allowed.includes(value) ? value : undefined
}

export async function registerServicePages(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const { db } = runtime

  const formChoices = async (request: FastifyRequest) => {
    const actor = requireActor(request)
    const [organizations, hisps] = await Promise.all([
      listManageableOrganizations(db, actor, canCreateService),
      listHisps(db, { page: 1, pageSize: 500 }),
    ])
    return { organizations, hisps: hisps.items }
  }

  app.get<{ Querystring: ListQuery }>('/services', async (request, reply) => {
    const actor = requireActor(request)
    const organizations = await listOrganizations(db, actor)
    const q = request.query
    const filter = {
      q: q.q?.trim().slice(0, 200) || undefined,
      organizationId: organizations.some((o) => o.id === q.organizationId) ? q.organizationId : undefined,
      kind: validOption(q.kind, SERVICE_KINDS), channel: validOption(q.channel, CHANNELS), state: validOption(q.state, SERVICE_STATES),
      designated: q.designated === 'true' ? 'true' : undefined,
    }
    const page = Math.max(1, Math.min(100_000, Number.parseInt(q.page ?? '1', 10) || 1))
    const { items, total } = await listServices(db, actor, { ...filter, designated: filter.designated ? true : undefined, page, pageSize: PAGE_SIZE })
    const canAdd = organizations.some((o) => canCreateService(actor, o.path))
    const exportQuery = new URLSearchParams(Object.entries(filter).filter(([, v]) => v) as [string, string][]).toString()
    return sendPage(request, reply, 'Services', (
      <>
        <h1>Services</h1>
        <p class="usa-intro">The public services your organizations deliver (A-11 §280.3), with channels and digitization status.</p>
        <div class="cx-actions">
          {canAdd && <a class="usa-button" href="/services/new">Add a service</a>}
          {canAdd && <a class="usa-button usa-button--outline" href="/services/import">Import CSV</a>}
          <a class="usa-button usa-button--outline" href={`/api/v1/services/export?format=csv${exportQuery ? `&${exportQuery}` : ''}`}>Export CSV</a>
          <a class="usa-button usa-button--outline" href={`/api/v1/services/export?format=json${exportQuery ? `&${exportQuery}` : ''}`}>Export JSON</a>
        </div>
        <form class="usa-form usa-form--large cx-filters" method="get" action="/services" role="search" aria-label="Filter services">
          <TextField name="q" label="Search" value={filter.q} />
          <SelectField name="organizationId" label="Organization" value={filter.organizationId} emptyLabel="All" options={organizations.map((o) => ({ value: o.id, label: `${'— '.repeat(o.depth)}${o.name}` }))} />
          <SelectField name="kind" label="Kind" value={filter.kind} emptyLabel="All" options={SERVICE_KINDS.map((k) => ({ value: k, label: SERVICE_KIND_LABELS[k] }))} />
          <SelectField name="channel" label="Channel" value={filter.channel} emptyLabel="All" options={CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))} />
          <SelectField name="state" label="State" value={filter.state} emptyLabel="All but archived" options={SERVICE_STATES.map((s) => ({ value: s, label: s }))} />
          <Checkbox name="designated" value="true" label="Priority services only" checked={filter.designated === 'true'} />
          <button class="usa-button" type="submit">Filter</button>
        </form>
        {items.length === 0 ? (
          <EmptyState title={total === 0 && !Object.values(filter).some(Boolean) ? 'No services yet' : 'No services match'}>
            {canAdd ? <p>Add a service or import a CSV file to start the inventory.</p> : <p>Try other filters.</p>}
          </EmptyState>
        ) : (
          <>
            <p role="status">{total} service{total === 1 ? '' : 's'}</p>
            <table class="usa-table usa-table--borderless usa-table--stacked width-full">
              <caption class="usa-sr-only">Services</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">Organization</th><th scope="col">Kind</th><th scope="col">Channels</th><th scope="col">Priority</th><th scope="col">State</th></tr></thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.id}>
                    <th scope="row" data-label="Name"><a href={`/services/${s.id}`}>{s.name}</a></th>
                    <td data-label="Organization">{s.organizationName}</td>
                    <td data-label="Kind">{SERVICE_KIND_LABELS[s.kind]}</td>
                    <td data-label="Channels">{s.channels.map((c) => CHANNEL_LABELS[c]).join(', ') || '—'}</td>
                    <td data-label="Priority">{s.designatedForImprovement ? `Designated ${s.yearDesignated ?? ''}` : '—'}</td>
                    <td data-label="State"><span class="usa-tag">{s.state}</span></td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pagination path="/services" query={{ ...filter }} page={page} pageSize={PAGE_SIZE} total={total} />
          </>
        )}
      </>
    ))
  })

  const showForm = async (request: FastifyRequest, reply: FastifyReply, mode: { title: string; action: string; submit: string }, values: ServiceFormValues, errors?: FieldErrors, message?: string) => {
    const choices = await formChoices(request)
    return sendPage(request, reply, mode.title, (csrf) => (
      <>
        <h1>{mode.title}</h1>
        <ServiceForm csrf={csrf} action={mode.action} submitLabel={mode.submit} values={values} errors={errors} message={message} {...choices} />
      </>
    ), errors ? 400 : 200)
  }

  app.get('/services/new', async (request, reply) => {
    const choices = await formChoices(request)
    if (choices.organizations.length === 0) throw new Forbidden('Your role does not allow adding services to any organization.')
    return showForm(request, reply, { title: 'Add a service', action: '/services', submit: 'Add service' }, { kind: 'other', organizationId: choices.organizations[0]?.id })
  })

  app.post('/services', async (request, reply) => {
    const { stagesText, ...input } = serviceInputFromForm(asForm(request.body))
    const result = await attempt(() => createService(db, requireActor(request), parseWith(ServiceCreateInput, input)))
    if (!result.ok) return showForm(request, reply, { title: 'Add a service', action: '/services', submit: 'Add service' }, { ...input, stagesText }, result.fields, result.message)
    return redirectWithFlash(request, reply, `/services/${result.value.id}`, `Added “${result.value.name}”.`)
  })

  app.get('/services/import', async (request, reply) => {
    if (!canCreateServicesSomewhere(requireActor(request))) throw new Forbidden('Your role does not allow adding or editing services.')
    return sendPage(request, reply, 'Import services', (csrf) => <ImportPage csrf={csrf} />)
  })

  app.post('/services/import', async (request, reply) => {
    const actor = requireActor(request)
    const body = asForm(request.body)
    const file = body.file
    const text = Buffer.isBuffer(file) ? file.toString('utf8') : typeof file === 'string' ? file : ''
    if (text.trim() === '') return sendPage(request, reply, 'Import services', (csrf) => <ImportPage csrf={csrf} message="Choose a CSV file to import." />, 400)
    const result = await attempt(() => importServicesCsv(db, actor, text))
    if (!result.ok) return sendPage(request, reply, 'Import services', (csrf) => <ImportPage csrf={csrf} message={result.message} />, 400)
    if (!result.value.ok) return sendPage(request, reply, 'Import services', (csrf) => <ImportPage csrf={csrf} report={result.value} />, 400)
    return redirectWithFlash(request, reply, '/services', `Imported: ${result.value.created} added, ${result.value.updated} updated.`)
  })

  app.get<{ Params: { id: string } }>('/services/:id', async (request, reply) => {
    const actor = requireActor(request)
    const service = await getService(db, actor, request.params.id)
    const rights = { ...(await servicePermissions(db, actor, service.id)), audit: canReadAudit(actor) }
    const surveys = await listSurveys(db, actor, { serviceId: service.id, page: 1, pageSize: 10 })
    return sendPage(request, reply, service.name, (csrf) => (
      <>
        <ServiceDetail service={service} rights={rights} csrf={csrf} />
        <ServiceSurveysSection serviceId={service.id} surveys={surveys.items} total={surveys.total} canAdd={rights.edit && service.state !== 'archived'} />
      </>
    ))
  })

  app.get<{ Params: { id: string } }>('/services/:id/edit', async (request, reply) => {
    const actor = requireActor(request)
    const service = await getService(db, actor, request.params.id)
    const rights = await servicePermissions(db, actor, service.id)
    if (!rights.edit) throw new Forbidden('You cannot edit this service.')
    return showForm(request, reply, { title: `Edit ${service.name}`, action: `/services/${service.id}/edit`, submit: 'Save changes' }, valuesFromService(service))
  })

  app.post<{ Params: { id: string } }>('/services/:id/edit', async (request, reply) => {
    const actor = requireActor(request)
    const current = await getService(db, actor, request.params.id)
    const { stagesText, ...input } = serviceInputFromForm(asForm(request.body))
    const result = await attempt(() => updateService(db, actor, current.id, parseWith(ServiceUpdateInput, input)))
    if (!result.ok) return showForm(request, reply, { title: `Edit ${current.name}`, action: `/services/${current.id}/edit`, submit: 'Save changes' }, { ...input, stagesText }, result.fields, result.message)
    return redirectWithFlash(request, reply, `/services/${current.id}`, 'Changes saved.')
  })

  app.post<{ Params: { id: string } }>('/services/:id/transition', async (request, reply) => {
    const transition = formText(asForm(request.body), 'transition') as ServiceTransition
    if (!SERVICE_TRANSITIONS.includes(transition)) return reply.status(400).send('Unknown action')
    const result = await attempt(() => transitionService(db, requireActor(request), request.params.id, transition))
    if (!result.ok) return redirectWithFlash(request, reply, `/services/${request.params.id}`, result.message)
    return redirectWithFlash(request, reply, `/services/${request.params.id}`, `${TRANSITION_LABELS[transition]}: the service is now ${result.value.state}.`)
  })
}

function ServiceDetail({ service, rights, csrf }: { service: ServiceView; rights: { edit: boolean; review: boolean; audit: boolean }; csrf: string }) {
  const actions = SERVICE_TRANSITIONS.filter((t) => nextServiceState(service.state, t) && (OMB_TRANSITIONS.has(t) ? rights.review : rights.edit))
  const value = (key: string) => {
    const raw = (service as unknown as Record<string, unknown>)[key]
    if (typeof raw === 'boolean') return yesNo(raw)
    if (key === 'kind') return SERVICE_KIND_LABELS[service.kind]
    if (typeof raw === 'number') return raw.toLocaleString('en-US')
    return raw === null || raw === undefined ? null : String(raw)
  }
  return (
    <>
      <h1>{service.name}</h1>
      <p><span class="usa-tag">{service.state}</span> {service.designatedForImprovement && <span class="usa-tag bg-secondary">Priority service {service.yearDesignated}</span>}</p>
      <div class="cx-actions">
        {rights.edit && service.state !== 'archived' && <a class="usa-button" href={`/services/${service.id}/edit`}>Edit</a>}
        {actions.map((t) => (
          <form method="post" action={`/services/${service.id}/transition`} key={t}>
            <CsrfField token={csrf} />
            <input type="hidden" name="transition" value={t} />
            <button type="submit" class={`usa-button usa-button--outline${t === 'archive' ? ' usa-button--secondary' : ''}`}>{TRANSITION_LABELS[t]}</button>
          </form>
        ))}
        {rights.audit && <a href={`/audit?entityType=service&entityId=${service.id}`}>History</a>}
        <a href={`/analytics/services/${service.id}`}>Analytics dashboard</a>
      </div>
      <SummaryList rows={[
        ['Organization', service.organizationName], ['HISP', service.hispName], ['Owner', service.ownerEmail], ['Slug', service.slug],
        ['Channels', service.channels.map((c: Channel) => CHANNEL_LABELS[c]).join(', ') || null],
      ]} />
      <h2>Journey stages</h2>
      <ol class="usa-list">{service.stages.map((s) => <li key={s.id}>{s.name}{s.description ? ` — ${s.description}` : ''}</li>)}</ol>
      {SERVICE_FIELD_GROUPS.map((group) => (
        <section key={group}>
          <h2>{group}</h2>
          <SummaryList rows={SERVICE_FIELDS.filter((f) => f.group === group).map((f) => [f.label, value(f.key)] as [string, string | null])} />
        </section>
      ))}
    </>
  )
}

function ImportPage({ csrf, report, message }: { csrf: string; report?: ImportReport; message?: string }) {
  return (
    <>
      <h1>Import services from CSV</h1>
      <p class="usa-intro">Every row is checked first. If any row has a problem, nothing is imported and each problem is listed with its line number.</p>
      <ErrorSummary message={message} />
      {report && !report.ok && <ImportProblems errors={report.errors} outcome="Nothing was imported" />}
      <form class="usa-form" method="post" action="/services/import" encType="multipart/form-data">
        <CsrfField token={csrf} />
        <CsvFileField maxRows={MAX_IMPORT_ROWS} />
        <button type="submit" class="usa-button">Check and import</button>
      </form>
      <h2>Columns</h2>
      <p>Required for new services: <code>name</code> and <code>organization</code> (id, abbreviation or name). A row with an <code>id</code> updates that service.
        Channels and stages are separated by semicolons; yes/no fields accept true/false, yes/no or 1/0. The export writes the same columns.</p>
      <p class="cx-pre"><code>{SERVICE_CSV_COLUMNS.join(',')}</code></p>
    </>
  )
}
