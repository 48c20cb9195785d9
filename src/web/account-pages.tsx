/** The signed-in person's own page: profile, password change, API keys (created, shown once, revoked). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { authenticatePassword, createApiKey, getUser, listApiKeys, PASSWORD_MIN, revokeApiKey, ROLE_LABELS, setPassword } from '../auth/index.ts'
import type { FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { CsrfField, EmptyState, ErrorSummary, SummaryList, TextField } from './components.tsx'
import { asForm, attempt, formText } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'

export async function registerAccountPages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  const show = async (request: FastifyRequest, reply: FastifyReply, extra: { newKey?: string; keyErrors?: FieldErrors; passwordErrors?: FieldErrors } = {}) => {
    const actor = requireActor(request)
    if (!actor.userId) return sendPage(request, reply, 'Account', <><h1>Your account</h1><EmptyState title="This session has no account" /></>)
    const [user, keys] = await Promise.all([getUser(db, actor, actor.userId), listApiKeys(db, actor)])
    const status = extra.keyErrors || extra.passwordErrors ? 400 : 200
    return sendPage(request, reply, 'Your account', (csrf) => (
      <>
        <h1>Your account</h1>
        <SummaryList rows={[['Name', user.name], ['Email', user.email], ['Roles', user.roles.map((r) => `${ROLE_LABELS[r.role]}${r.organizationName ? ` — ${r.organizationName}` : ''}`).join('; ')]]} />
        <h2 id="api-keys">API keys</h2>
        <p>Keys act with your roles. Send one as <code>Authorization: Bearer &lt;key&gt;</code>. See the <a href="/docs/api">API documentation</a>.</p>
        {extra.newKey && (
          <div class="usa-alert usa-alert--warning" role="alert">
            <div class="usa-alert__body">
              <h3 class="usa-alert__heading">Copy your new key now</h3>
              <p class="usa-alert__text">It is shown only once. <code class="cx-pre" data-testid="new-api-key">{extra.newKey}</code></p>
            </div>
          </div>
        )}
        {keys.length === 0 ? <p>You have no API keys.</p> : (
          <table class="usa-table usa-table--borderless">
            <caption class="usa-sr-only">Your API keys</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Starts with</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Status</th></tr></thead>
            <tbody>{keys.map((k) => (
              <tr key={k.id}>
                <th scope="row">{k.name}</th><td><code>cx280_{k.prefix}_…</code></td><td>{k.createdAt.slice(0, 10)}</td><td>{k.lastUsedAt?.slice(0, 16).replace('T', ' ') ?? 'Never'}</td>
                <td>{k.revokedAt ? 'Revoked' : (
                  <form method="post" action={`/account/api-keys/${k.id}/revoke`}>
                    <CsrfField token={csrf} />
                    <button class="usa-button usa-button--unstyled" type="submit">Revoke <span class="usa-sr-only">{k.name}</span></button>
                  </form>
                )}</td>
              </tr>
            ))}</tbody>
          </table>
        )}
        <form class="usa-form" method="post" action="/account/api-keys" noValidate>
          <ErrorSummary errors={extra.keyErrors} labels={{ name: 'Key name' }} />
          <CsrfField token={csrf} />
          <TextField name="name" label="Key name" hint="What will use it, for example “nightly export”." maxLength={100} errors={extra.keyErrors} required />
          <button type="submit" class="usa-button usa-button--outline">Create API key</button>
        </form>
        {user.hasPassword && (
          <form class="usa-form" method="post" action="/account/password" noValidate>
            <h2>Change password</h2>
            <ErrorSummary errors={extra.passwordErrors} labels={{ current: 'Current password', password: 'New password' }} />
            <CsrfField token={csrf} />
            <TextField name="current" label="Current password" type="password" autocomplete="current-password" errors={extra.passwordErrors} required />
            <TextField name="password" label="New password" type="password" autocomplete="new-password" hint={`At least ${PASSWORD_MIN} characters. You will be signed out everywhere.`} errors={extra.passwordErrors} required />
            <button type="submit" class="usa-button usa-button--outline">Change password</button>
          </form>
        )}
      </>
    ), status)
  }

  app.get('/account', async (request, reply) => show(request, reply))

  app.post('/account/api-keys', async (request, reply) => {
    const name = formText(asForm(request.body), 'name').trim()
    if (name === '' || name.length > 100) return show(request, reply, { keyErrors: { name: name === '' ? 'must not be empty' : 'must be at most 100 characters' } })
    const { secret } = await createApiKey(db, requireActor(request), name)
    return show(request, reply, { newKey: secret })
  })

  app.post<{ Params: { id: string } }>('/account/api-keys/:id/revoke', async (request, reply) => {
    const key = await revokeApiKey(db, requireActor(request), request.params.id)
    return redirectWithFlash(request, reply, '/account#api-keys', `Revoked “${key.name}”.`)
  })

  app.post('/account/password', async (request, reply) => {
    const actor = requireActor(request)
    const body = asForm(request.body)
    const user = await getUser(db, actor, actor.userId ?? '')
    if (!(await authenticatePassword(db, user.email, formText(body, 'current')))) return show(request, reply, { passwordErrors: { current: 'is not correct' } })
    const result = await attempt(() => setPassword(db, actor, user.id, formText(body, 'password')))
    if (!result.ok) return show(request, reply, { passwordErrors: result.fields })
    return redirectWithFlash(request, reply, '/login', 'Password changed. Sign in with the new one.')
  })
}
