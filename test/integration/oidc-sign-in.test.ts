// Sign-in with Login.gov through the real app: a real OpenID provider (oidc-provider) and the cx280 app both listen
// on 127.0.0.1, and the browser is played with fetch and a cookie jar: /login → /auth/oidc/start → provider login
// and consent → /auth/oidc/callback → signed in. SQLite only: the flow does not depend on the relational engine.
import assert from 'node:assert/strict'
import { createServer, type AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { createUser, systemActor } from '../../src/auth/index.ts'
import { createOrganization } from '../../src/catalog/index.ts'
import { authorizeInBrowser, browserFetch, CookieJar, startOidcProvider, type OidcTestProvider } from '../helpers/oidc-provider.ts'
import { ENGINES } from '../helpers/engines.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

const CLIENT_ID = 'urn:gov:gsa:openidconnect.profiles:sp:sso:agency:cx280'
const ACR = 'urn:acr.login.gov:auth-only'
/** Provider account whose verified email belongs to a cx280 user. */
const PAT = { subject: 'login-gov-pat-7f3c', email: 'Pat.Example@agency.gov' }
/** Provider account whose email matches no cx280 user. */
const STRANGER = { subject: 'login-gov-stranger-91ab', email: 'stranger@elsewhere.example' }

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve, reject) => probe.close((err) => (err ? reject(err) : resolve())))
  return port
}

function setCookieNames(response: Response): string[] {
  return response.headers.getSetCookie().map((header) => header.slice(0, header.indexOf('=')))
}

/** A Set-Cookie header that deletes the cookie (expired or Max-Age=0). */
function clears(response: Response, name: string): boolean {
  return response.headers.getSetCookie().some((header) => header.startsWith(`${name}=;`) && /expires=Thu, 01 Jan 1970|max-age=0/i.test(header))
}

for (const engine of ENGINES) describe(`sign in with Login.gov (OIDC) through the app (${engine})`, () => {
  let provider: OidcTestProvider
  let t: TestApp
  let baseUrl: string
  let callbackUri: string
  let patUserId: string

  before(async () => {
    const port = await freePort()
    baseUrl = `http://127.0.0.1:${port}`
    callbackUri = `${baseUrl}/auth/oidc/callback`
    provider = await startOidcProvider({
      clientId: CLIENT_ID,
      redirectUris: [callbackUri],
      accounts: {
        [PAT.subject]: { email: PAT.email, emailVerified: true },
        [STRANGER.subject]: { email: STRANGER.email, emailVerified: true },
      },
      acrValues: [ACR],
    })
    t = await createTestApp(engine, {
      PORT: String(port),
      CX280_PUBLIC_URL: baseUrl,
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_PRIVATE_KEY_JWK: JSON.stringify(provider.clientPrivateJwk),
      OIDC_SCOPES: 'openid email',
      OIDC_ACR_VALUES: ACR,
      OIDC_ALLOW_INSECURE_HTTP: 'true',
    })
    await t.app.listen({ port, host: '127.0.0.1' })

    const system = systemActor('test')
    const organization = await createOrganization(t.runtime.db, system, { kind: 'department', name: 'Department of Examples', abbreviation: 'DOE', parentId: null })
    // No password: this person only ever signs in with Login.gov. cx280 stores emails lower-cased.
    const user = await createUser(t.runtime.db, system, { email: PAT.email, name: 'Pat Example', roles: [{ role: 'analyst', organizationId: organization.id }] })
    patUserId = user.id
  })

  after(async () => {
    await t?.close()
    await provider?.close()
  })

  /** GET /auth/oidc/start in the browser, then through the provider to (not into) the app's callback. */
  async function signInAtProvider(jar: CookieJar, login: string, prompts?: string[]): Promise<URL> {
    const start = await browserFetch(jar, `${baseUrl}/auth/oidc/start?next=%2F`)
    assert.equal(start.status, 303)
    const location = start.headers.get('location') ?? ''
    assert.ok(location.startsWith(`${provider.issuer}/auth?`), `start redirects to the provider: ${location}`)
    assert.ok(jar.get('cx280_oidc'), 'start sets the cx280_oidc cookie')
    return authorizeInBrowser(location, { jar, stopAt: callbackUri, login, ...(prompts ? { prompts } : {}) })
  }

  const auditActions = async (userId: string) => (await t.runtime.db.selectFrom('audit_log').select('action')
    .where('entity_type', '=', 'user').where('entity_id', '=', userId).orderBy('id').execute()).map((row) => row.action)

  it('offers "Sign in with Login.gov" on the sign-in page', async () => {
    const response = await fetch(`${baseUrl}/login`)
    assert.equal(response.status, 200)
    const html = await response.text()
    assert.match(html, /<a [^>]*href="\/auth\/oidc\/start\?next=%2F"[^>]*>Sign in with Login.gov<\/a>/)
  })

  it('sends the browser to the provider with PKCE, state, nonce, acr_values and the app\'s redirect URI', async () => {
    const jar = new CookieJar()
    const start = await browserFetch(jar, `${baseUrl}/auth/oidc/start`)
    assert.equal(start.status, 303)
    const url = new URL(start.headers.get('location') ?? '')
    assert.equal(url.origin + url.pathname, `${provider.issuer}/auth`)
    assert.equal(url.searchParams.get('client_id'), CLIENT_ID)
    assert.equal(url.searchParams.get('redirect_uri'), callbackUri)
    assert.equal(url.searchParams.get('scope'), 'openid email')
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
    assert.equal(url.searchParams.get('acr_values'), ACR)
    assert.ok(url.searchParams.get('state'))
    assert.ok(url.searchParams.get('nonce'))
    const cookie = start.headers.getSetCookie().find((header) => header.startsWith('cx280_oidc='))
    assert.ok(cookie, 'sets cx280_oidc')
    assert.match(cookie, /HttpOnly/i)
    assert.match(cookie, /SameSite=Lax/i)
    assert.match(cookie, /Max-Age=600/i)
    // The pending sign-in is signed, and its verifier never travels to the provider.
    assert.doesNotMatch(start.headers.get('location') ?? '', /code_verifier/)
  })

  it('signs in end to end, links the account by verified email and audits both', async () => {
    const jar = new CookieJar()
    const prompts: string[] = []
    const callback = await signInAtProvider(jar, PAT.subject, prompts)
    assert.deepEqual(prompts, ['login', 'consent'])
    assert.ok(callback.searchParams.get('code'))

    provider.requests.length = 0
    const response = await browserFetch(jar, callback)
    const body = await response.text()
    assert.equal(response.status, 303, body.slice(0, 500))
    assert.equal(response.headers.get('location'), '/')
    assert.ok(setCookieNames(response).includes('cx280_session'), 'sets the session cookie')
    assert.ok(clears(response, 'cx280_oidc'), 'clears the pending sign-in cookie')
    assert.ok(jar.get('cx280_session'))
    assert.equal(jar.get('cx280_oidc'), undefined)
    // The app redeemed the code (private_key_jwt) and read the email from userinfo.
    assert.deepEqual(provider.requests, ['POST /token', 'GET /me'])

    const home = await browserFetch(jar, `${baseUrl}/`)
    const html = await home.text()
    assert.equal(home.status, 200, html.slice(0, 500))
    assert.match(html, /<h1>Overview<\/h1>/)
    assert.match(html, />Sign out</)
    assert.match(html, /href="\/account"/)

    const row = await t.runtime.db.selectFrom('users').select(['email', 'oidc_issuer', 'oidc_subject', 'last_login_at']).where('id', '=', patUserId).executeTakeFirstOrThrow()
    assert.equal(row.email, PAT.email.toLowerCase())
    assert.equal(row.oidc_subject, PAT.subject)
    assert.equal(row.oidc_issuer, provider.issuer)
    assert.ok(row.last_login_at)
    const actions = await auditActions(patUserId)
    assert.ok(actions.includes('user.oidc.link'), actions.join(', '))
    assert.ok(actions.includes('session.login.oidc'), actions.join(', '))
    assert.ok(actions.indexOf('user.oidc.link') < actions.indexOf('session.login.oidc'), 'links before the session starts')
  })

  it('signs a linked account in again by subject, without linking twice', async () => {
    const jar = new CookieJar()
    const callback = await signInAtProvider(jar, PAT.subject)
    const before = await auditActions(patUserId)
    const response = await browserFetch(jar, callback)
    assert.equal(response.status, 303, (await response.text()).slice(0, 500))
    assert.ok(jar.get('cx280_session'))
    const added = (await auditActions(patUserId)).slice(before.length)
    assert.deepEqual(added, ['session.login.oidc'])
  })

  it('returns to the page that asked for sign-in', async () => {
    const jar = new CookieJar()
    const wanted = '/services?designated=true'
    const denied = await browserFetch(jar, `${baseUrl}${wanted}`)
    assert.equal(denied.status, 302)
    const loginUrl = new URL(denied.headers.get('location') ?? '', baseUrl)
    assert.equal(loginUrl.pathname, '/login')
    assert.equal(loginUrl.searchParams.get('next'), wanted)
    const login = await browserFetch(jar, loginUrl)
    const link = /href="(\/auth\/oidc\/start\?[^"]+)"/.exec(await login.text())?.[1]
    assert.ok(link, 'login page links to OIDC sign-in')
    const start = await browserFetch(jar, new URL(link.replaceAll('&amp;', '&'), baseUrl))
    assert.equal(start.status, 303)
    const callback = await authorizeInBrowser(start.headers.get('location') ?? '', { jar, stopAt: callbackUri, login: PAT.subject })
    const response = await browserFetch(jar, callback)
    assert.equal(response.status, 303, (await response.text()).slice(0, 500))
    assert.equal(response.headers.get('location'), wanted)
    const page = await browserFetch(jar, new URL(wanted, baseUrl))
    assert.equal(page.status, 200)
  })

  it('reports a sign-in cancelled at the provider: 400, no session', async () => {
    const jar = new CookieJar()
    const start = await browserFetch(jar, `${baseUrl}/auth/oidc/start`)
    const callback = await authorizeInBrowser(start.headers.get('location') ?? '', { jar, stopAt: callbackUri, login: PAT.subject, cancel: true })
    assert.equal(callback.searchParams.get('error'), 'access_denied')
    const response = await browserFetch(jar, callback)
    const html = await response.text()
    assert.equal(response.status, 400)
    assert.match(html, /<h1>Sign-in failed<\/h1>/)
    assert.ok(!setCookieNames(response).includes('cx280_session'), 'no session cookie')
  })

  it('refuses a callback whose state was tampered with: 400, no session', async () => {
    const jar = new CookieJar()
    const callback = await signInAtProvider(jar, PAT.subject)
    callback.searchParams.set('state', `${callback.searchParams.get('state') ?? ''}x`)
    const sessionsBefore = await countSessions()
    const response = await browserFetch(jar, callback)
    const html = await response.text()
    assert.equal(response.status, 400)
    assert.match(html, /<h1>Sign-in failed<\/h1>/)
    assert.match(html, /did not confirm the sign-in/)
    assert.ok(!setCookieNames(response).includes('cx280_session'), 'no session cookie')
    assert.ok(clears(response, 'cx280_oidc'), 'the pending sign-in is used up')
    assert.equal(await countSessions(), sessionsBefore)
  })

  it('refuses a provider account whose email matches no cx280 user: 400, no account, no session', async () => {
    const jar = new CookieJar()
    const callback = await signInAtProvider(jar, STRANGER.subject)
    const sessionsBefore = await countSessions()
    const response = await browserFetch(jar, callback)
    const html = await response.text()
    assert.equal(response.status, 400)
    assert.match(html, /<h1>Sign-in failed<\/h1>/)
    assert.match(html, /No active cx280 account matches this sign-in/)
    assert.ok(!setCookieNames(response).includes('cx280_session'), 'no session cookie')
    assert.equal(await countSessions(), sessionsBefore)
    const linked = await t.runtime.db.selectFrom('users').select('id').where('oidc_subject', '=', STRANGER.subject).execute()
    assert.deepEqual(linked, [], 'signing in never creates or links an account')
  })

  it('refuses a callback without the cx280_oidc cookie, without redeeming the code', async () => {
    const jar = new CookieJar()
    const callback = await signInAtProvider(jar, PAT.subject)
    jar.delete('cx280_oidc')
    provider.requests.length = 0
    const response = await browserFetch(jar, callback)
    const html = await response.text()
    assert.equal(response.status, 400)
    assert.match(html, /<h1>Sign-in failed<\/h1>/)
    assert.match(html, /The sign-in attempt expired/)
    assert.ok(!setCookieNames(response).includes('cx280_session'), 'no session cookie')
    assert.deepEqual(provider.requests, [], 'the provider is not contacted')
  })

  it('refuses a callback whose cx280_oidc cookie was forged', async () => {
    const jar = new CookieJar()
    const callback = await signInAtProvider(jar, PAT.subject)
    const forged = encodeURIComponent(JSON.stringify({ state: callback.searchParams.get('state'), nonce: 'n'.repeat(43), codeVerifier: 'v'.repeat(43), next: '/' }))
    const response = await fetch(callback, { headers: { cookie: `cx280_oidc=${forged}` }, redirect: 'manual' })
    const html = await response.text()
    assert.equal(response.status, 400)
    assert.match(html, /The sign-in attempt expired/)
    assert.ok(!setCookieNames(response).includes('cx280_session'), 'no session cookie')
  })

  async function countSessions(): Promise<number> {
    return Number((await t.runtime.db.selectFrom('sessions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  }
})
