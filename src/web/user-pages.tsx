/** User administration (admins and agency leads): list, add with a scoped role, change role, deactivate. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { canGrantRole, canListUsers, canManageUsersIn, createUser, getUser, isAdmin, listUsers, ROLE_LABELS, ROLES, updateUser, UserCreateInput, UserUpdateInput, type Role, type UserView } from '../auth/index.ts'
import { listOrganizations, type OrganizationView } from '../catalog/index.ts'
import { Forbidden, type FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { parseWith } from '../validation.ts'
import { CsrfField, EmptyState, ErrorSummary, Pagination, SelectField, SummaryList, TextField, yesNo } from './components.tsx'
import { asForm, attempt, formText, type FormBody } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'

const PAGE_SIZE = 25
const LABELS = { email: 'Email address', name: 'Name', password: 'Password', role: 'Role', organizationId: 'Organization', 'roles.0.organizationId': 'Organization', 'roles.0.role': 'Role' }

function roleFromForm(body: FormBody) {
  const role = formText(body, 'role')
  const organizationId = formText(body, 'organizationId')
  return [{ role, organizationId: organizationId === '' ? null : organizationId }]
}

function describeRoles(user: UserView): string {
  return user.roles.map((r) => `${ROLE_LABELS[r.role]}${r.organizationName ? ` — ${r.organizationName}` : ''}`).join('; ')
}

function RoleFields({ organizations, grantable, values, errors }: { organizations: readonly OrganizationView[]; grantable: readonly Role[]; values: Record<string, string>; errors?: FieldErrors | undefined }) {
  const mapped = errors ? { ...errors, role: errors['roles.0.role'] ?? errors.role, organizationId: errors['roles.0.organizationId'] ?? errors.organizationId } as FieldErrors : undefined
  return (
    <>
      <SelectField name="role" label="Role" value={values.role} options={grantable.map((r) => ({ value: r, label: ROLE_LABELS[r] }))} errors={mapped} required />
      <SelectField name="organizationId" label="Organization" value={values.organizationId} emptyLabel="All organizations (administrator, OMB reviewer)"
        hint="The role applies to this organization and everything beneath it." options={organizations.map((o) => ({ value: o.id, label: `${'— '.repeat(o.depth)}${o.name}` }))} errors={mapped} />
    </>
  )
}

export async function registerUserPages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  const choices = async (request: FastifyRequest) => {
    const actor = requireActor(request)
    const organizations = (await listOrganizations(db, actor)).filter((o) => isAdmin(actor) || canManageUsersIn(actor, o.path))
    const grantable = ROLES.filter((r) => isAdmin(actor) || canGrantRole(actor, r, organizations[0]?.path ?? null))
    return { organizations, grantable }
  }

  app.get<{ Querystring: { q?: string; page?: string } }>('/users', async (request, reply) => {
    const actor = requireActor(request)
    const q = request.query.q?.trim().slice(0, 200) || undefined
    const page = Math.max(1, Number.parseInt(request.query.page ?? '1', 10) || 1)
    const { items, total } = await listUsers(db, actor, { q, page, pageSize: PAGE_SIZE })
    return sendPage(request, reply, 'Users', (
      <>
        <h1>Users</h1>
        <p><a class="usa-button" href="/users/new">Add a user</a></p>
        <form class="usa-search usa-search--small" role="search" method="get" action="/users">
          <label class="usa-sr-only" for="user-search">Search users</label>
          <input class="usa-input" id="user-search" type="search" name="q" value={q ?? ''} />
          <button class="usa-button" type="submit"><img src="/assets/uswds/img/usa-icons-bg/search--white.svg" class="usa-search__submit-icon" alt="Search" /></button>
        </form>
        {items.length === 0 ? <EmptyState title="No users match" /> : (
          <>
            <table class="usa-table usa-table--borderless width-full">
              <caption class="usa-sr-only">Users</caption>
              <thead><tr><th scope="col">Email</th><th scope="col">Name</th><th scope="col">Roles</th><th scope="col">Active</th></tr></thead>
              <tbody>{items.map((u) => <tr key={u.id}><th scope="row"><a href={`/users/${u.id}`}>{u.email}</a></th><td>{u.name}</td><td>{describeRoles(u)}</td><td>{yesNo(u.active)}</td></tr>)}</tbody>
            </table>
            <Pagination path="/users" query={{ q }} page={page} pageSize={PAGE_SIZE} total={total} />
          </>
        )}
      </>
    ))
  })

  const newForm = async (request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors?: FieldErrors, message?: string) => {
    const { organizations, grantable } = await choices(request)
    return sendPage(request, reply, 'Add a user', (csrf) => (
      <>
        <h1>Add a user</h1>
        <form class="usa-form" method="post" action="/users" noValidate>
          <ErrorSummary message={message} errors={errors} labels={LABELS} />
          <CsrfField token={csrf} />
          <TextField name="email" label={LABELS.email} type="email" value={values.email} errors={errors} required />
          <TextField name="name" label={LABELS.name} value={values.name} errors={errors} required />
          <TextField name="password" label="Initial password" type="password" autocomplete="new-password" hint="Optional. Leave empty for users who sign in with Login.gov or reset their password by email." errors={errors} />
          <RoleFields organizations={organizations} grantable={grantable} values={values} errors={errors} />
          <button type="submit" class="usa-button">Add user</button>
        </form>
      </>
    ), errors ? 400 : 200)
  }

  app.get('/users/new', async (request, reply) => {
    if (!canListUsers(requireActor(request))) throw new Forbidden('Only administrators and agency CX leads add users.')
    return newForm(request, reply, { role: 'analyst' })
  })

  app.post('/users', async (request, reply) => {
    const body = asForm(request.body)
    const values = { email: formText(body, 'email').trim(), name: formText(body, 'name').trim(), role: formText(body, 'role'), organizationId: formText(body, 'organizationId') }
    const password = formText(body, 'password')
    const input = { email: values.email, name: values.name, roles: roleFromForm(body), ...(password ? { password } : {}) }
    const result = await attempt(() => createUser(db, requireActor(request), parseWith(UserCreateInput, input)))
    if (!result.ok) return newForm(request, reply, values, result.fields, result.message)
    return redirectWithFlash(request, reply, `/users/${result.value.id}`, `Added ${result.value.email}.`)
  })

  const detail = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, errors?: FieldErrors, message?: string) => {
    const user = await getUser(db, requireActor(request), request.params.id)
    const { organizations, grantable } = await choices(request)
    const first = user.roles[0]
    return sendPage(request, reply, user.email, (csrf) => (
      <>
        <h1>{user.name}</h1>
        <SummaryList rows={[['Email', user.email], ['Roles', describeRoles(user)], ['Active', yesNo(user.active)], ['Password set', yesNo(user.hasPassword)], ['Login.gov linked', yesNo(user.oidcLinked)], ['Last sign-in', user.lastLoginAt]]} />
        {isAdmin(requireActor(request)) && <p><a href={`/audit?entityType=user&entityId=${user.id}`}>History</a></p>}
        <form class="usa-form" method="post" action={`/users/${user.id}`} noValidate>
          <h2>Change</h2>
          <ErrorSummary message={message} errors={errors} labels={LABELS} />
          <CsrfField token={csrf} />
          <TextField name="name" label={LABELS.name} value={user.name} errors={errors} required />
          <RoleFields organizations={organizations} grantable={grantable} values={{ role: first?.role ?? 'analyst', organizationId: first?.organizationId ?? '' }} errors={errors} />
          <SelectField name="active" label="Status" value={user.active ? 'true' : 'false'} options={[{ value: 'true', label: 'Active' }, { value: 'false', label: 'Deactivated (signs out everywhere)' }]} />
          <button type="submit" class="usa-button">Save</button>
        </form>
      </>
    ), errors ? 400 : 200)
  }

  app.get<{ Params: { id: string } }>('/users/:id', async (request, reply) => detail(request, reply))

  app.post<{ Params: { id: string } }>('/users/:id', async (request, reply) => {
    const body = asForm(request.body)
    const actor = requireActor(request)
    const self = actor.userId === request.params.id
    const input = { name: formText(body, 'name').trim(), ...(self ? {} : { active: formText(body, 'active') !== 'false', roles: roleFromForm(body) }) }
    const result = await attempt(() => updateUser(db, actor, request.params.id, parseWith(UserUpdateInput, input)))
    if (!result.ok) return detail(request, reply, result.fields, result.message)
    return redirectWithFlash(request, reply, `/users/${request.params.id}`, 'Saved.')
  })
}
