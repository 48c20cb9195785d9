/** Organization tree pages: list, view, add, rename. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { canManageOrganization, isAdmin } from '../auth/index.ts'
import {
  createOrganization, getOrganization, listOrganizations, listServices, ORGANIZATION_KINDS, OrganizationCreateInput, OrganizationUpdateInput,
  updateOrganization, type OrganizationView,
} from '../catalog/index.ts'
import { Forbidden, type FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { parseWith } from '../validation.ts'
import { CsrfField, EmptyState, ErrorSummary, SelectField, SummaryList, TextField } from './components.tsx'
import { asForm, attempt, formOptional, formText } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'

const KIND_LABELS: Record<string, string> = { department: 'Department', bureau: 'Bureau or component', office: 'Office' }
const indent = (o: OrganizationView) => (o.depth > 0 ? `cx-indent-${Math.min(o.depth, 4)}` : undefined)

export async function registerOrganizationPages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  app.get('/organizations', async (request, reply) => {
    const actor = requireActor(request)
    const organizations = await listOrganizations(db, actor)
    const canAdd = isAdmin(actor) || organizations.some((o) => canManageOrganization(actor, o.path))
    return sendPage(request, reply, 'Organizations', (
      <>
        <h1>Organizations</h1>
        <p class="usa-intro">Departments, their bureaus or components, and offices. Roles apply to an organization and everything beneath it.</p>
        {canAdd && <p><a class="usa-button" href="/organizations/new">Add an organization</a></p>}
        {organizations.length === 0 ? <EmptyState title="No organizations yet">{isAdmin(actor) ? 'Add your department first.' : 'Ask an administrator to add yours.'}</EmptyState> : (
          <table class="usa-table usa-table--borderless width-full">
            <caption class="usa-sr-only">Organization tree</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Abbreviation</th></tr></thead>
            <tbody>{organizations.map((o) => (
              <tr key={o.id}><th scope="row" class={indent(o)}><a href={`/organizations/${o.id}`}>{o.name}</a></th><td>{KIND_LABELS[o.kind]}</td><td>{o.abbreviation ?? '—'}</td></tr>
            ))}</tbody>
          </table>
        )}
      </>
    ))
  })

  const form = async (request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors?: FieldErrors, message?: string) => {
    const actor = requireActor(request)
    const parents = (await listOrganizations(db, actor)).filter((o) => canManageOrganization(actor, o.path))
    const kinds = ORGANIZATION_KINDS.filter((k) => k !== 'department' || isAdmin(actor))
    return sendPage(request, reply, 'Add an organization', (csrf) => (
      <>
        <h1>Add an organization</h1>
        <form class="usa-form" method="post" action="/organizations" noValidate>
          <ErrorSummary message={message} errors={errors} labels={{ name: 'Name', kind: 'Kind', parentId: 'Part of' }} />
          <CsrfField token={csrf} />
          <SelectField name="kind" label="Kind" value={values.kind} options={kinds.map((k) => ({ value: k, label: KIND_LABELS[k] ?? k }))} errors={errors} required />
          <SelectField name="parentId" label="Part of" value={values.parentId} emptyLabel="None (a department)" hint="Leave empty only for a department."
            options={parents.map((o) => ({ value: o.id, label: `${'— '.repeat(o.depth)}${o.name}` }))} errors={errors} />
          <TextField name="name" label="Name" value={values.name} maxLength={200} errors={errors} required />
          <TextField name="abbreviation" label="Abbreviation" value={values.abbreviation} maxLength={20} errors={errors} />
          <button type="submit" class="usa-button">Add organization</button>
        </form>
      </>
    ), errors ? 400 : 200)
  }

  app.get('/organizations/new', async (request, reply) => {
    const actor = requireActor(request)
    const canAdd = isAdmin(actor) || (await listOrganizations(db, actor)).some((o) => canManageOrganization(actor, o.path))
    if (!canAdd) throw new Forbidden('Your role does not allow adding organizations.')
    return form(request, reply, { kind: 'bureau' })
  })

  app.post('/organizations', async (request, reply) => {
    const body = asForm(request.body)
    const values = { kind: formText(body, 'kind'), parentId: formText(body, 'parentId'), name: formText(body, 'name'), abbreviation: formText(body, 'abbreviation') }
    const input = { kind: values.kind, name: values.name.trim(), abbreviation: formOptional(body, 'abbreviation'), parentId: formOptional(body, 'parentId') }
    const result = await attempt(() => createOrganization(db, requireActor(request), parseWith(OrganizationCreateInput, input)))
    if (!result.ok) return form(request, reply, values, result.fields, result.message)
    return redirectWithFlash(request, reply, `/organizations/${result.value.id}`, `Added ${result.value.name}.`)
  })

  app.get<{ Params: { id: string } }>('/organizations/:id', async (request, reply) => {
    const actor = requireActor(request)
    const organization = await getOrganization(db, actor, request.params.id)
    const all = await listOrganizations(db, actor)
    const children = all.filter((o) => o.parentId === organization.id)
    const parent = all.find((o) => o.id === organization.parentId)
    const services = await listServices(db, actor, { organizationId: organization.id, page: 1, pageSize: 10 })
    const canManage = canManageOrganization(actor, organization.path)
    return sendPage(request, reply, organization.name, (csrf) => (
      <>
        <h1>{organization.name}</h1>
        <SummaryList rows={[['Kind', KIND_LABELS[organization.kind]], ['Abbreviation', organization.abbreviation], ['Part of', parent ? <a href={`/organizations/${parent.id}`}>{parent.name}</a> : null]]} />
        {canManage && (
          <form class="usa-form" method="post" action={`/organizations/${organization.id}`}>
            <h2>Rename</h2>
            <CsrfField token={csrf} />
            <TextField name="name" label="Name" value={organization.name} maxLength={200} required />
            <TextField name="abbreviation" label="Abbreviation" value={organization.abbreviation} maxLength={20} />
            <button type="submit" class="usa-button usa-button--outline">Save</button>
          </form>
        )}
        <h2>Beneath it</h2>
        {children.length === 0 ? <p>No bureaus or offices.</p> : <ul class="usa-list">{children.map((c) => <li key={c.id}><a href={`/organizations/${c.id}`}>{c.name}</a></li>)}</ul>}
        <h2>Services ({services.total})</h2>
        {services.total === 0 ? <p>No services yet.</p> : <ul class="usa-list">{services.items.map((s) => <li key={s.id}><a href={`/services/${s.id}`}>{s.name}</a></li>)}</ul>}
        {services.total > 10 && <p><a href={`/services?organizationId=${organization.id}`}>All {services.total} services</a></p>}
      </>
    ))
  })

  app.post<{ Params: { id: string } }>('/organizations/:id', async (request, reply) => {
    const body = asForm(request.body)
    const input = { name: formText(body, 'name').trim(), abbreviation: formOptional(body, 'abbreviation') }
    const result = await attempt(() => updateOrganization(db, requireActor(request), request.params.id, parseWith(OrganizationUpdateInput, input)))
    return redirectWithFlash(request, reply, `/organizations/${request.params.id}`, result.ok ? 'Saved.' : `Not saved: ${Object.entries(result.fields).map(([k, v]) => `${k} ${v}`).join('; ') || result.message}`)
  })
}
