/** Sign-in (password and OIDC), sign-out and password reset pages. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  authenticatePassword, completePasswordReset, createSession, endSession, findUserForOidc, isResetTokenValid, OidcSignInError,
  PASSWORD_MIN, recordLogin, requestPasswordReset,
} from '../auth/index.ts'
import { AppError, type FieldErrors } from '../errors.ts'
import { cookieOptions, SESSION_COOKIE } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { CsrfField, ErrorSummary, TextField } from './components.tsx'
import { asForm, formText, safeNext } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'

const OIDC_COOKIE = 'cx280_oidc'

interface LoginState { next: string; email: string; message?: string | undefined; errors?: FieldErrors | undefined; oidc: boolean }

function LoginForm({ csrf, state }: { csrf: string; state: LoginState }) {
  return (
    <div class="grid-row">
      <div class="tablet:grid-col-6">
        <h1>Sign in to cx280</h1>
        <ErrorSummary message={state.message} errors={state.errors} labels={{ email: 'Email address', password: 'Password' }} />
        <form class="usa-form" method="post" action="/login" noValidate>
          <CsrfField token={csrf} />
          <input type="hidden" name="next" value={state.next} />
          <TextField name="email" label="Email address" type="email" value={state.email} autocomplete="username" errors={state.errors} required />
          <TextField name="password" label="Password" type="password" autocomplete="current-password" errors={state.errors} required />
          <button type="submit" class="usa-button">Sign in</button>
        </form>
        <p><a href="/password/forgot">Forgot your password?</a></p>
        {state.oidc && <p><a class="usa-button usa-button--outline" href={`/auth/oidc/start?next=${encodeURIComponent(state.next)}`}>Sign in with Login.gov</a></p>}
      </div>
    </div>
  )
}

async function startSession(runtime: Runtime, request: FastifyRequest, reply: FastifyReply, userId: string, method: 'password' | 'oidc', next: string) {
  if (request.cookies[SESSION_COOKIE]) await endSession(runtime.db, request.cookies[SESSION_COOKIE])
  const { token } = await createSession(runtime.db, userId)
  await recordLogin(runtime.db, userId, method)
  reply.setCookie(SESSION_COOKIE, token, cookieOptions(request))
  return reply.redirect(safeNext(next), 303)
}

export async function registerAuthPages(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const { db, config } = runtime
  const loginLimit = { rateLimit: { max: config.loginRateLimitPerMinute, timeWindow: '1 minute' } }
  const oidc = runtime.oidc !== null

  app.get<{ Querystring: { next?: string } }>('/login', async (request, reply) => {
    if (request.actor) return reply.redirect('/', 303)
    const state: LoginState = { next: safeNext(request.query.next ?? '/'), email: '', oidc }
    return sendPage(request, reply, 'Sign in', (csrf) => <LoginForm csrf={csrf} state={state} />)
  })

  app.post('/login', { config: loginLimit }, async (request, reply) => {
    const body = asForm(request.body)
    const email = formText(body, 'email').trim().slice(0, 254)
    const password = formText(body, 'password').slice(0, 1024)
    const next = safeNext(formText(body, 'next') || '/')
    const errors: Record<string, string> = {}
    if (!email) errors.email = 'Enter your email address'
    if (!password) errors.password = 'Enter your password'
    const userId = Object.keys(errors).length === 0 ? await authenticatePassword(db, email, password) : null
    if (!userId) {
      const state: LoginState = { next, email, oidc, errors, message: Object.keys(errors).length > 0 ? 'Enter your email and password.' : 'The email or password is not correct.' }
      return sendPage(request, reply, 'Sign in', (csrf) => <LoginForm csrf={csrf} state={state} />, 400)
    }
    return startSession(runtime, request, reply, userId, 'password', next)
  })

  app.post('/logout', async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE]
    if (token) await endSession(db, token)
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.redirect('/login', 303)
  })

  app.get('/password/forgot', async (request, reply) => sendPage(request, reply, 'Reset your password', (csrf) => (
    <div class="tablet:grid-col-6">
      <h1>Reset your password</h1>
      <p>Enter the email address of your account. If it exists, we will email you a link to choose a new password.</p>
      <form class="usa-form" method="post" action="/password/forgot">
        <CsrfField token={csrf} />
        <TextField name="email" label="Email address" type="email" autocomplete="username" required />
        <button type="submit" class="usa-button">Email me a link</button>
      </form>
    </div>
  )))

  app.post('/password/forgot', { config: loginLimit }, async (request, reply) => {
    const email = formText(asForm(request.body), 'email').trim().slice(0, 254)
    if (email) await requestPasswordReset(db, runtime.mailer, config.publicUrl, email)
    return redirectWithFlash(request, reply, '/login', 'If an account uses that address, a reset link is on its way. It works for one hour.')
  })

  const ResetForm = ({ csrf, token, errors }: { csrf: string; token: string; errors?: FieldErrors }) => (
    <div class="tablet:grid-col-6">
      <h1>Choose a new password</h1>
      <ErrorSummary errors={errors} labels={{ password: 'New password', confirm: 'Confirm password' }} />
      <form class="usa-form" method="post" action={`/password/reset/${encodeURIComponent(token)}`} noValidate>
        <CsrfField token={csrf} />
        <TextField name="password" label="New password" type="password" autocomplete="new-password" hint={`At least ${PASSWORD_MIN} characters.`} errors={errors} required />
        <TextField name="confirm" label="Confirm password" type="password" autocomplete="new-password" errors={errors} required />
        <button type="submit" class="usa-button">Save password</button>
      </form>
    </div>
  )

  app.get<{ Params: { token: string } }>('/password/reset/:token', async (request, reply) => {
    const { token } = request.params
    if (!(await isResetTokenValid(db, token))) {
      return sendPage(request, reply, 'Link expired', <div class="usa-prose"><h1>This link has expired</h1><p>Reset links work once, for one hour. <a href="/password/forgot">Ask for a new link</a>.</p></div>, 400)
    }
    return sendPage(request, reply, 'Choose a new password', (csrf) => <ResetForm csrf={csrf} token={token} />)
  })

  app.post<{ Params: { token: string } }>('/password/reset/:token', { config: loginLimit }, async (request, reply) => {
    const body = asForm(request.body)
    const password = formText(body, 'password')
    if (password !== formText(body, 'confirm')) {
      return sendPage(request, reply, 'Choose a new password', (csrf) => <ResetForm csrf={csrf} token={request.params.token} errors={{ confirm: 'does not match the new password' }} />, 400)
    }
    try {
      await completePasswordReset(db, request.params.token, password)
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      const errors = 'fields' in error ? (error.fields as FieldErrors) : { password: error.message }
      return sendPage(request, reply, 'Choose a new password', (csrf) => <ResetForm csrf={csrf} token={request.params.token} errors={errors} />, 400)
    }
    return redirectWithFlash(request, reply, '/login', 'Your password was changed. Sign in with the new one.')
  })

  if (!runtime.oidc) return
  const client = runtime.oidc

  app.get<{ Querystring: { next?: string } }>('/auth/oidc/start', { config: loginLimit }, async (request, reply) => {
    const start = await client.beginSignIn()
    const pending = JSON.stringify({ state: start.state, nonce: start.nonce, codeVerifier: start.codeVerifier, next: safeNext(request.query.next ?? '/') })
    reply.setCookie(OIDC_COOKIE, pending, { ...cookieOptions(request, 600), signed: true })
    return reply.redirect(start.url, 303)
  })

  app.get('/auth/oidc/callback', { config: loginLimit }, async (request, reply) => {
    const raw = request.cookies[OIDC_COOKIE]
    const unsigned = raw ? request.unsignCookie(raw) : null
    reply.clearCookie(OIDC_COOKIE, { path: '/' })
    const fail = (message: string) => sendPage(request, reply, 'Sign-in failed', <div class="usa-prose"><h1>Sign-in failed</h1><p>{message}</p><p><a href="/login">Back to sign in</a></p></div>, 400)
    if (!unsigned?.valid || !unsigned.value) return fail('The sign-in attempt expired. Start again.')
    const pending = JSON.parse(unsigned.value) as { state: string; nonce: string; codeVerifier: string; next: string }
    try {
      const identity = await client.completeSignIn(new URL(request.url, config.publicUrl), pending)
      const userId = await findUserForOidc(db, identity)
      if (!userId) return fail('No active cx280 account matches this sign-in. Ask your administrator to create one for your email address.')
      return await startSession(runtime, request, reply, userId, 'oidc', pending.next)
    } catch (error) {
      if (error instanceof OidcSignInError) return fail('The identity provider did not confirm the sign-in. Start again.')
      throw error
    }
  })
}
