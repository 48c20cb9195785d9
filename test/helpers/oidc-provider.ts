/**
 * A real OpenID provider (oidc-provider) on 127.0.0.1 for tests, with one private_key_jwt client, plus the pieces
 * of a browser a sign-in needs: a path-aware cookie jar and a walker that follows redirects and submits the
 * provider's built-in dev interactions (login form, consent form).
 */
import assert from 'node:assert/strict'
import { generateKeyPairSync, randomUUID, type JsonWebKey } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

// oidc-provider ships no type declarations (and @types/oidc-provider is not a
// dependency), so it is imported through a non-literal specifier and typed with
// the few members used here.
interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void
  on(event: 'grant.success', listener: (ctx: { oidc: { params: Record<string, unknown> } }) => void): unknown
}
type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance
const oidcProviderModule: string = 'oidc-provider'

export interface OidcTestAccount {
  readonly email: string
  readonly emailVerified: boolean
}

export interface OidcProviderOptions {
  readonly clientId: string
  /** Redirect URIs registered for the client; must match the relying party's exactly. */
  readonly redirectUris: readonly string[]
  /** Accounts by subject (= the login typed into the dev login form). */
  readonly accounts: Readonly<Record<string, OidcTestAccount>>
  /** acr values the provider supports. */
  readonly acrValues?: readonly string[]
}

export interface OidcTestProvider {
  /** http://127.0.0.1:<port> */
  readonly issuer: string
  readonly clientId: string
  /** The client's private signing key (RS256, 2048 bits, as login.gov requires), with kid and alg. */
  readonly clientPrivateJwk: JsonWebKey & { kid: string; alg: string }
  readonly clientKid: string
  /** "METHOD /path" of every request the provider served, to see which endpoints were hit. Clear with length = 0. */
  readonly requests: string[]
  /** client_assertion JWTs the provider accepted at the token endpoint. Clear with length = 0. */
  readonly acceptedAssertions: string[]
  close(): Promise<void>
}

export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcTestProvider> {
  // Client key pair and provider signing key.
  const clientKeys = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const clientKid = randomUUID()
  const clientPrivateJwk = { ...clientKeys.privateKey.export({ format: 'jwk' }), kid: clientKid, alg: 'RS256' }
  const clientPublicJwk = { ...clientKeys.publicKey.export({ format: 'jwk' }), kid: clientKid, alg: 'RS256', use: 'sig' }
  const providerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })

  const requests: string[] = []
  const acceptedAssertions: string[] = []

  // Listen first (port 0) so the issuer URL can carry the real port.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''}`)
    if (handler) handler(req, res)
    else res.writeHead(503).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const issuer = `http://127.0.0.1:${port}`

  const { default: Provider } = (await import(oidcProviderModule)) as { default: ProviderConstructor }
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [clientPublicJwk] },
        redirect_uris: [...options.redirectUris],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [{ ...providerKey, kid: 'provider-signing', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: ['cx280-test-cookie-key'] },
    pkce: { required: () => true },
    acrValues: [...(options.acrValues ?? [])],
    // Explicit lifetimes (seconds) keep oidc-provider from printing a notice per artifact type.
    ttl: { AccessToken: 300, AuthorizationCode: 60, Grant: 600, IdToken: 300, Interaction: 600, Session: 600 },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    findAccount: (_ctx: unknown, sub: string) => {
      const account = options.accounts[sub]
      if (account === undefined) return undefined
      return { accountId: sub, claims: async () => ({ sub, email: account.email, email_verified: account.emailVerified }) }
    },
  })
  provider.on('grant.success', (ctx) => {
    const assertion = ctx.oidc.params.client_assertion
    if (typeof assertion === 'string') acceptedAssertions.push(assertion)
  })
  handler = provider.callback()

  return {
    issuer, clientId: options.clientId, clientPrivateJwk, clientKid, requests, acceptedAssertions,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())))
    },
  }
}

/**
 * Minimal cookie jar: name/path keyed, path-prefix matching, honours deletion. Like a browser it ignores the port,
 * so a relying party and a provider both on 127.0.0.1 share it (their cookie names do not collide).
 */
export class CookieJar {
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

  /** The value of a cookie by name (any path), or undefined. */
  get(name: string): string | undefined {
    return [...this.#cookies.values()].find((cookie) => cookie.name === name)?.value
  }

  delete(name: string): void {
    for (const [key, cookie] of this.#cookies) if (cookie.name === name) this.#cookies.delete(key)
  }
}

/** fetch without following redirects, sending and storing the jar's cookies. */
export async function browserFetch(jar: CookieJar, url: URL | string, init: { method?: 'GET' | 'POST'; body?: URLSearchParams } = {}): Promise<Response> {
  const target = new URL(url)
  const headers = new Headers()
  const cookie = jar.header(target)
  if (cookie) headers.set('cookie', cookie)
  const response = await fetch(target, { method: init.method ?? 'GET', ...(init.body ? { body: init.body } : {}), headers, redirect: 'manual' })
  jar.store(response)
  return response
}

export interface AuthorizeOptions {
  /** Stop (without requesting it) at the first redirect whose URL starts with this, normally the redirect URI. */
  readonly stopAt: string
  /** Subject to type into the provider's login form. */
  readonly login: string
  /** The browser's cookies; a fresh jar (no provider session) when omitted. */
  readonly jar?: CookieJar
  /** Collects the interaction prompts seen (e.g. ['login', 'consent']). */
  readonly prompts?: string[]
  /** Abort at the first interaction, as a user pressing "cancel" at login.gov would. */
  readonly cancel?: boolean
}

/**
 * Plays the browser: follows redirects from `startUrl` through the provider's login and consent pages and returns
 * the final redirect to `stopAt`.
 */
export async function authorizeInBrowser(startUrl: string, options: AuthorizeOptions): Promise<URL> {
  const jar = options.jar ?? new CookieJar()
  let url = new URL(startUrl)
  let init: { method: 'GET' } | { method: 'POST'; body: URLSearchParams } = { method: 'GET' }
  for (let step = 0; step < 12; step += 1) {
    const response = await browserFetch(jar, url, init)

    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel()
      const next = new URL(location, url)
      if (next.href.startsWith(options.stopAt)) return next
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
      body.set('login', options.login)
      body.set('password', 'any password works in dev interactions')
    }
    url = new URL(action.replaceAll('&amp;', '&'), url)
    init = { method: 'POST', body }
  }
  throw new Error(`authorization flow did not reach ${options.stopAt}`)
}
