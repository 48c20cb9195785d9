/** HISP registry pages: list, view (with designated services), add and edit (administrators). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { canManageHisps } from '../auth/index.ts'
import { createHisp, getHisp, HispCreateInput, HispUpdateInput, listHisps, listOrganizations, listServices, updateHisp, type HispView } from '../catalog/index.ts'
import { Forbidden, type FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { parseWith } from '../validation.ts'
import { Checkbox, CsrfField, EmptyState, ErrorSummary, Pagination, SelectField, SummaryList, TextArea, TextField, yesNo } from './components.tsx'
import { asForm, attempt, formFlag, formInteger, formOptional, formText, type FormBody } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'

const PAGE_SIZE = 25
const LABELS = { name: 'Name', slug: 'Slug', department: 'Department', departmentAbbreviation: 'Department abbreviation', bureau: 'Bureau', bureauAbbreviation: 'Bureau abbreviation', description: 'Description', url: 'Web address', yearDesignated: 'Year designated', ombPortfolioManagerEmail: 'OMB portfolio manager email', organizationId: 'Organization in cx280' }

function hispInputFromForm(body: FormBody): Record<string, unknown> {
  return {
    name: formText(body, 'name').trim(), slug: formText(body, 'slug').trim(), department: formOptional(body, 'department'),
    departmentAbbreviation: formOptional(body, 'departmentAbbreviation'), bureau: formOptional(body, 'bureau'), bureauAbbreviation: formOptional(body, 'bureauAbbreviation'),
    description: formOptional(body, 'description'), url: formOptional(body, 'url'), yearDesignated: formInteger(body, 'yearDesignated'), active: formFlag(body, 'active'),
    ombPortfolioManagerEmail: formOptional(body, 'ombPortfolioManagerEmail'), organizationId: formOptional(body, 'organizationId'),
  }
}

export async function registerHispPages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  app.get<{ Querystring: { q?: string; page?: string } }>('/hisps', async (request, reply) => {
    const actor = requireActor(request)
    const q = request.query.q?.trim().slice(0, 200) || undefined
    const page = Math.max(1, Number.parseInt(request.query.page ?? '1', 10) || 1)
    const { items, total } = await listHisps(db, { q, page, pageSize: PAGE_SIZE })
    return sendPage(request, reply, 'HISPs', (
      <>
        <h1>High-impact service providers</h1>
        <p class="usa-intro">The providers OMB designates under A-11 §280.11. They report feedback on their priority services every quarter.</p>
        {canManageHisps(actor) && <p><a class="usa-button" href="/hisps/new">Add a HISP</a></p>}
        <form class="usa-search usa-search--small" role="search" method="get" action="/hisps">
          <label class="usa-sr-only" for="hisp-search">Search HISPs</label>
          <input class="usa-input" id="hisp-search" type="search" name="q" value={q ?? ''} />
          <button class="usa-button" type="submit"><img src="/assets/uswds/img/usa-icons-bg/search--white.svg" class="usa-search__submit-icon" alt="Search" /></button>
        </form>
        {items.length === 0 ? <EmptyState title={q ? 'No HISPs match' : 'No HISPs yet'} /> : (
          <>
            <table class="usa-table usa-table--borderless width-full">
              <caption class="usa-sr-only">HISPs</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">Department</th><th scope="col">Designated</th><th scope="col">Active</th></tr></thead>
              <tbody>{items.map((h) => (
                <tr key={h.id}><th scope="row"><a href={`/hisps/${h.id}`}>{h.name}</a></th><td>{h.department ?? '—'}</td><td>{h.yearDesignated ?? '—'}</td><td>{yesNo(h.active)}</td></tr>
              ))}</tbody>
            </table>
            <Pagination path="/hisps" query={{ q }} page={page} pageSize={PAGE_SIZE} total={total} />
          </>
        )}
      </>
    ))
  })

  const form = async (request: FastifyRequest, reply: FastifyReply, mode: { title: string; action: string }, values: Record<string, unknown>, errors?: FieldErrors, message?: string) => {
    const organizations = await listOrganizations(db, requireActor(request))
    const text = (key: string) => (values[key] === null || values[key] === undefined ? '' : String(values[key]))
    return sendPage(request, reply, mode.title, (csrf) => (
      <>
        <h1>{mode.title}</h1>
        <form class="usa-form usa-form--large" method="post" action={mode.action} noValidate>
          <ErrorSummary message={message} errors={errors} labels={LABELS} />
          <CsrfField token={csrf} />
          <TextField name="name" label={LABELS.name} value={text('name')} errors={errors} required />
          <TextField name="slug" label={LABELS.slug} value={text('slug')} hint="For example usda-fsa." errors={errors} required />
          <TextField name="department" label={LABELS.department} value={text('department')} errors={errors} />
          <TextField name="departmentAbbreviation" label={LABELS.departmentAbbreviation} value={text('departmentAbbreviation')} errors={errors} />
          <TextField name="bureau" label={LABELS.bureau} value={text('bureau')} errors={errors} />
          <TextField name="bureauAbbreviation" label={LABELS.bureauAbbreviation} value={text('bureauAbbreviation')} errors={errors} />
          <TextArea name="description" label={LABELS.description} value={text('description')} errors={errors} />
          <TextField name="url" label={LABELS.url} type="url" value={text('url')} errors={errors} />
          <TextField name="yearDesignated" label={LABELS.yearDesignated} value={text('yearDesignated')} errors={errors} />
          <TextField name="ombPortfolioManagerEmail" label={LABELS.ombPortfolioManagerEmail} type="email" value={text('ombPortfolioManagerEmail')} errors={errors} />
          <SelectField name="organizationId" label={LABELS.organizationId} value={text('organizationId')} emptyLabel="Not linked" errors={errors}
            options={organizations.map((o) => ({ value: o.id, label: `${'— '.repeat(o.depth)}${o.name}` }))} />
          <Checkbox name="active" label="Active" checked={values.active !== false} />
          <button type="submit" class="usa-button">Save</button>
        </form>
      </>
    ), errors ? 400 : 200)
  }

  app.get('/hisps/new', async (request, reply) => {
    if (!canManageHisps(requireActor(request))) throw new Forbidden('Only administrators add HISPs.')
    return form(request, reply, { title: 'Add a HISP', action: '/hisps' }, { active: true })
  })

  app.post('/hisps', async (request, reply) => {
    const input = hispInputFromForm(asForm(request.body))
    const result = await attempt(() => createHisp(db, requireActor(request), parseWith(HispCreateInput, input)))
    if (!result.ok) return form(request, reply, { title: 'Add a HISP', action: '/hisps' }, input, result.fields, result.message)
    return redirectWithFlash(request, reply, `/hisps/${result.value.id}`, `Added ${result.value.name}.`)
  })

  app.get<{ Params: { id: string } }>('/hisps/:id', async (request, reply) => {
    const actor = requireActor(request)
    const hisp: HispView = await getHisp(db, request.params.id)
    const services = await listServices(db, actor, { hispId: hisp.id, page: 1, pageSize: 100 })
    return sendPage(request, reply, hisp.name, (
      <>
        <h1>{hisp.name}</h1>
        {canManageHisps(actor) && <p><a class="usa-button" href={`/hisps/${hisp.id}/edit`}>Edit</a></p>}
        <SummaryList rows={[
          ['Slug', hisp.slug], ['Department', [hisp.department, hisp.departmentAbbreviation && `(${hisp.departmentAbbreviation})`].filter(Boolean).join(' ') || null],
          ['Bureau', [hisp.bureau, hisp.bureauAbbreviation && `(${hisp.bureauAbbreviation})`].filter(Boolean).join(' ') || null], ['Description', hisp.description],
          ['Web address', hisp.url ? <a href={hisp.url}>{hisp.url}</a> : null], ['Year designated', hisp.yearDesignated], ['Active', yesNo(hisp.active)],
          ['OMB portfolio manager', hisp.ombPortfolioManagerEmail],
        ]} />
        <h2>Services you can see</h2>
        {services.items.length === 0 ? <p>No services are linked to this HISP in organizations you can read.</p> : (
          <ul class="usa-list">{services.items.map((s) => <li key={s.id}><a href={`/services/${s.id}`}>{s.name}</a>{s.designatedForImprovement ? ` — priority service (${s.yearDesignated ?? 'year not set'})` : ''}</li>)}</ul>
        )}
      </>
    ))
  })

  app.get<{ Params: { id: string } }>('/hisps/:id/edit', async (request, reply) => {
    if (!canManageHisps(requireActor(request))) throw new Forbidden('Only administrators edit HISPs.')
    const hisp = await getHisp(db, request.params.id)
    return form(request, reply, { title: `Edit ${hisp.name}`, action: `/hisps/${hisp.id}/edit` }, { ...hisp })
  })

  app.post<{ Params: { id: string } }>('/hisps/:id/edit', async (request, reply) => {
    const input = hispInputFromForm(asForm(request.body))
    const result = await attempt(() => updateHisp(db, requireActor(request), request.params.id, parseWith(HispUpdateInput, input)))
    if (!result.ok) return form(request, reply, { title: 'Edit HISP', action: `/hisps/${request.params.id}/edit` }, input, result.fields, result.message)
    return redirectWithFlash(request, reply, `/hisps/${request.params.id}`, 'Saved.')
  })
}
