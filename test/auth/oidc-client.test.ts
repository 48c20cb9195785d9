// End-to-end test of src/auth/oidc-client.ts against a real OpenID provider
// (oidc-provider) listening on 127.0.0.1. The browser is simulated with fetch:
// redirects are followed by hand and cookies carried in a tiny jar, and the
// provider's built-in dev interactions (login form, consent form) are submitted.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'

import { createOidcClient, OidcSignInError, type OidcClient, type OidcSettings } from '../../src/auth/oidc-client.ts'
import { authorizeInBrowser as authorizeWithProvider, startOidcProvider, type OidcTestProvider } from '../helpers/oidc-provider.ts'

const CLIENT_ID = 'cx280-test-client'
const ACCOUNT_ID = 'user-7f3c'
const ACCOUNT_EMAIL = 'pat.example@agency.gov'
const ACR = 'urn:acr.login.gov:auth-only'
const redirectUri = 'http://127.0.0.1:3999/auth/callback' // never contacted: the test stops at this redirect

let provider: OidcTestProvider
let issuer: string
let clientSettings: OidcSettings
let client: OidcClient
let clientKid: string
/** "METHOD /path" of every request the provider served, to see which endpoints were hit. */
let providerRequests: string[]
/** client_assertion JWTs the provider accepted at the token endpoint. */
let acceptedAssertions: string[]

before(async () => {
  provider = await startOidcProvider({
    clientId: CLIENT_ID,
    redirectUris: [redirectUri],
    accounts: { [ACCOUNT_ID]: { email: ACCOUNT_EMAIL, emailVerified: true } },
    acrValues: [ACR],
  })
  issuer = provider.issuer
  clientKid = provider.clientKid
  providerRequests = provider.requests
  acceptedAssertions = provider.acceptedAssertions

  clientSettings = {
    issuer,
    clientId: CLIENT_ID,
    redirectUri,
    scopes: 'openid email',
    privateKeyJwk: provider.clientPrivateJwk,
    acrValues: ACR,
  }
  client = await createOidcClient(clientSettings, { allowInsecureHttp: true })
})

after(() => provider.close())

/**
 * Plays the browser (a fresh one each time) from the authorization URL through the provider's login and
 * consent pages to the redirect back to the client. `prompts` collects the interaction prompts seen;
 * `cancel` aborts at the first one.
 */
function authorizeInBrowser(authorizationUrl: string, options: { prompts?: string[]; cancel?: boolean } = {}): Promise<URL> {
  return authorizeWithProvider(authorizationUrl, { stopAt: redirectUri, login: ACCOUNT_ID, ...options })
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
