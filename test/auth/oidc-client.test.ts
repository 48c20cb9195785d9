// End-to-end test of src/auth/oidc-client.ts against a real OpenID provider
// (oidc-provider) listening on 127.0.0.1. The browser is simulated with fetch:
// redirects are followed by hand and cookies carried in a tiny jar, and the
// provider's built-in dev interactions (login form, consent form) are submitted.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { createOidcClient, OidcSignInError, type OidcClient, type OidcSettings } from '../../src/auth/oidc-client.ts'

// oidc-provider ships no type declarations (and @types/oidc-provider is not a
// dependency), so it is imported through a non-literal specifier and typed with
// the few members this test uses.
interface TestProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void
  on(event: 'grant.success', listener: (ctx: { oidc: { params: Record<string, unknown> } }) => void): unknown
}
type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => TestProvider
const oidcProviderModule: string = 'oidc-provider'

const CLIENT_ID = 'cx280-test-client'
const ACCOUNT_ID = 'user-7f3c'
const ACCOUNT_EMAIL = 'pat.example@agency.gov'
const ACR = 'urn:acr.login.gov:auth-only'

let server: Server
let issuer: string
let redirectUri: string
let clientSettings: OidcSettings
let client: OidcClient
let clientKid: string
/** "METHOD /path" of every request the provider served, to see which endpoints were hit. */
const providerRequests: string[] = []
/** client_assertion JWTs the provider accepted at the token endpoint. */
const acceptedAssertions: string[] = []

before(async () => {
  // Client key pair (RS256, 2048 bits, as login.gov requires) and provider signing key.
  const clientKeys = generateKeyPairSync('rsa', { modulusLength: 2048 })
  clientKid = randomUUID()
  const clientPrivateJwk = { ...clientKeys.privateKey.export({ format: 'jwk' }), kid: clientKid, alg: 'RS256' }
  const clientPublicJwk = {
    ...clientKeys.publicKey.export({ format: 'jwk' }),
    kid: clientKid,
    alg: 'RS256',
    use: 'sig',
  }
  const providerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })

  // Listen first (port 0) so the issuer URL can carry the real port.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  server = createServer((req, res) => {
    providerRequests.push(`${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''}`)
    if (handler) handler(req, res)
    else res.writeHead(503).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  issuer = `http://127.0.0.1:${port}`
  redirectUri = 'http://127.0.0.1:3999/auth/callback' // never contacted: the test stops at this redirect

  const { default: Provider } = (await import(oidcProviderModule)) as { default: ProviderConstructor }
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [clientPublicJwk] },
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [{ ...providerKey, kid: 'provider-signing', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: ['cx280-test-cookie-key'] },
    pkce: { required: () => true },
    acrValues: [ACR],
    // Explicit lifetimes (seconds) keep oidc-provider from printing a notice per artifact type.
    ttl: { AccessToken: 300, AuthorizationCode: 60, Grant: 600, IdToken: 300, Interaction: 600, Session: 600 },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    findAccount: (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: async () => ({ sub, email: ACCOUNT_EMAIL, email_verified: true }),
    }),
  })
  provider.on('grant.success', (ctx) => {
    const assertion = ctx.oidc.params.client_assertion
    if (typeof assertion === 'string') acceptedAssertions.push(assertion)
  })
  handler = provider.callback()

  clientSettings = {
    issuer,
    clientId: CLIENT_ID,
    redirectUri,
    scopes: 'openid email',
    privateKeyJwk: clientPrivateJwk,
    acrValues: ACR,
  }
  client = await createOidcClient(clientSettings, { allowInsecureHttp: true })
})

after(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())))
})

/** Minimal cookie jar: name/path keyed, path-prefix matching, honours deletion. */
class CookieJar {
  readonly #cookies = new Map<string, { name: string; value: string; path: string }>()

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';').map((part) => part.trim())
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      let path = '/'
      let expired = false
      for (const attribute of attributes) {
        const [key = '', val = ''] = attribute.split('=')
        if (key.toLowerCase() === 'path') path = val
        if (key.toLowerCase() === 'expires' && Date.parse(val) <= Date.now()) expired = true
        if (key.toLowerCase() === 'max-age' && Number(val) <= 0) expired = true
      }
      const key = `${name};${path}`
      if (expired) this.#cookies.delete(key)
      else this.#cookies.set(key, { name, value, path })
    }
  }

  header(url: URL): string {
    return [...this.#cookies.values()]
      .filter((cookie) => {
        const prefix = cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`
        return url.pathname === cookie.path || url.pathname.startsWith(prefix)
      })
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ')
  }
}

/**
 * Plays the browser: follows the authorization URL through the provider's login
 * and consent pages and returns the final redirect to the client's redirect URI.
 * `prompts` collects the interaction prompts seen; `cancel` aborts at the first one
 * (as a user pressing "cancel" at login.gov would).
 */
async function authorizeInBrowser(
  authorizationUrl: string,
  options: { prompts?: string[]; cancel?: boolean } = {},
): Promise<URL> {
  const jar = new CookieJar()
  let url = new URL(authorizationUrl)
  let init: { method: 'GET' } | { method: 'POST'; body: URLSearchParams } = { method: 'GET' }
  for (let step = 0; step < 12; step += 1) {
    const headers = new Headers()
    const cookie = jar.header(url)
    if (cookie) headers.set('cookie', cookie)
    const response: Response = await fetch(url, { ...init, headers, redirect: 'manual' })
    jar.store(response)

    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel()
      const next = new URL(location, url)
      if (next.href.startsWith(redirectUri)) return next
      url = next
      init = { method: 'GET' }
      continue
    }

    const html = await response.text()
    assert.equal(response.status, 200, `unexpected ${response.status} from ${url.pathname}: ${html.slice(0, 300)}`)
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]
    const prompt = /name="prompt" value="([a-z]+)"/.exec(html)?.[1]
    assert.ok(action && prompt, `no interaction form at ${url.pathname}`)
    options.prompts?.push(prompt)
    if (options.cancel === true) {
      url = new URL(`${url.pathname}/abort`, url)
      init = { method: 'GET' }
      continue
    }
    const body = new URLSearchParams({ prompt })
    if (prompt === 'login') {
      body.set('login', ACCOUNT_ID)
      body.set('password', 'any password works in dev interactions')
    }
    url = new URL(action.replaceAll('&amp;', '&'), url)
    init = { method: 'POST', body }
  }
  throw new Error('authorization flow did not reach the redirect URI')
}

describe('createOidcClient against a live oidc-provider', () => {
  it('refuses plain-HTTP providers unless allowInsecureHttp is set', async () => {
    await assert.rejects(createOidcClient(clientSettings), /HTTPS/)
  })

  it('builds an authorization URL with PKCE S256, state, nonce and acr_values', async () => {
    const start = await client.beginSignIn()
    const url = new URL(start.url)
    assert.equal(url.origin + url.pathname, `${issuer}/auth`)
    assert.equal(url.searchParams.get('client_id'), CLIENT_ID)
    assert.equal(url.searchParams.get('response_type'), 'code')
    assert.equal(url.searchParams.get('redirect_uri'), redirectUri)
    assert.equal(url.searchParams.get('scope'), 'openid email')
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
    assert.equal(url.searchParams.get('state'), start.state)
    assert.equal(url.searchParams.get('nonce'), start.nonce)
    assert.equal(url.searchParams.get('acr_values'), ACR)
    assert.ok(start.codeVerifier.length >= 43)
    assert.equal(url.searchParams.get('code_verifier'), null)
  })

  it('signs in end to end with private_key_jwt and returns subject and email (from userinfo)', async () => {
    const start = await client.beginSignIn()
    const prompts: string[] = []
    const callback = await authorizeInBrowser(start.url, { prompts })
    assert.deepEqual(prompts, ['login', 'consent'])
    assert.ok(callback.searchParams.get('code'))
    assert.equal(callback.searchParams.get('state'), start.state)

    providerRequests.length = 0
    acceptedAssertions.length = 0
    const identity = await client.completeSignIn(callback, start)
    assert.deepEqual(identity, {
      subject: ACCOUNT_ID,
      email: ACCOUNT_EMAIL,
      emailVerified: true,
      issuer,
    })
    // oidc-provider keeps scope claims out of the ID token when an access token is
    // issued, so the email must have come from the userinfo endpoint (/me).
    assert.deepEqual(providerRequests, ['POST /token', 'GET /me'])

    // The client assertion is shaped the way login.gov wants it.
    assert.equal(acceptedAssertions.length, 1)
    const [header, payload] = (acceptedAssertions[0] ?? '')
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>)
    assert.equal(header?.alg, 'RS256')
    assert.equal(header?.kid, clientKid)
    assert.equal(payload?.iss, CLIENT_ID)
    assert.equal(payload?.sub, CLIENT_ID)
    assert.equal(payload?.aud, `${issuer}/token`)
    assert.equal(typeof payload?.jti, 'string')
  })

  it('rejects a callback whose state was tampered with', async () => {
    const start = await client.beginSignIn()
    const callback = await authorizeInBrowser(start.url)
    callback.searchParams.set('state', `${start.state}x`)
    await assert.rejects(client.completeSignIn(callback, start), (err: unknown) => {
      assert.ok(err instanceof OidcSignInError)
      assert.equal(err.reason, 'state_mismatch')
      return true
    })
  })

  it('rejects an authorization code used twice', async () => {
    const start = await client.beginSignIn()
    const callback = await authorizeInBrowser(start.url)
    await client.completeSignIn(callback, start)
    await assert.rejects(client.completeSignIn(callback, start), (err: unknown) => {
      assert.ok(err instanceof OidcSignInError)
      assert.equal(err.reason, 'token_rejected')
      assert.equal(err.oauthError, 'invalid_grant')
      return true
    })
  })

  it('rejects an ID token whose nonce does not match', async () => {
    const start = await client.beginSignIn()
    const callback = await authorizeInBrowser(start.url)
    const expected = { ...start, nonce: 'some-other-nonce-value-123' }
    await assert.rejects(client.completeSignIn(callback, expected), (err: unknown) => {
      assert.ok(err instanceof OidcSignInError)
      assert.equal(err.reason, 'nonce_mismatch')
      return true
    })
  })

  it('rejects a wrong PKCE code verifier', async () => {
    const start = await client.beginSignIn()
    const other = await client.beginSignIn()
    const callback = await authorizeInBrowser(start.url)
    const expected = { ...start, codeVerifier: other.codeVerifier }
    await assert.rejects(client.completeSignIn(callback, expected), (err: unknown) => {
      assert.ok(err instanceof OidcSignInError)
      assert.equal(err.reason, 'token_rejected')
      assert.equal(err.oauthError, 'invalid_grant')
      return true
    })
  })

  it('reports a sign-in the user cancelled at the provider', async () => {
    const start = await client.beginSignIn()
    const callback = await authorizeInBrowser(start.url, { cancel: true })
    assert.equal(callback.searchParams.get('error'), 'access_denied')
    await assert.rejects(client.completeSignIn(callback, start), (err: unknown) => {
      assert.ok(err instanceof OidcSignInError)
      assert.equal(err.reason, 'authorization_error')
      assert.equal(err.oauthError, 'access_denied')
      return true
    })
  })
})
