/**
 * OpenID Connect sign-in for staff users against login.gov or any compatible provider.
 * A thin typed wrapper over openid-client v6: discovery once at start-up, then the
 * authorization code flow with PKCE (S256), state and nonce, the client authenticating
 * at the token endpoint with private_key_jwt (no client secret). The caller keeps
 * { state, nonce, codeVerifier } in its own session between beginSignIn() and
 * completeSignIn(); this module holds no per-user state.
 */
import type { JsonWebKey } from 'node:crypto'
import * as oidc from 'openid-client'

export interface OidcSettings {
  /** Issuer identifier, e.g. https://idp.int.identitysandbox.gov/ (discovery is done against it). */
  issuer: string
  /** Client ID registered with the provider (login.gov: the "issuer" of the service provider). */
  clientId: string
  /** Registered redirect URI; must match the provider registration exactly, no query or fragment. */
  redirectUri: string
  /** Space-separated scopes, e.g. "openid email". */
  scopes: string
  /** Private signing key as a JWK (RSA, EC or OKP); kid is sent in the assertion header if present. */
  privateKeyJwk: JsonWebKey & { kid?: string; alg?: string }
  /** Optional acr_values, e.g. "urn:acr.login.gov:auth-only". */
  acrValues?: string
}

export interface OidcIdentity {
  subject: string
  email: string | null
  emailVerified: boolean
  issuer: string
}

export interface OidcSignInStart {
  url: string
  state: string
  nonce: string
  codeVerifier: string
}

export interface OidcSignInExpectations {
  state: string
  nonce: string
  codeVerifier: string
}

export interface OidcClient {
  beginSignIn(): Promise<OidcSignInStart>
  completeSignIn(callbackUrl: URL, expected: OidcSignInExpectations): Promise<OidcIdentity>
}

export interface OidcClientOptions {
  /** Allow plain-HTTP provider endpoints. For tests against http://127.0.0.1 only. */
  allowInsecureHttp?: boolean
}

/** Why completeSignIn() failed; stable values suitable for logs and metrics. */
export type OidcSignInFailure =
  | 'state_mismatch'
  | 'nonce_mismatch'
  | 'authorization_error'
  | 'token_rejected'
  | 'invalid_response'
  | 'userinfo_failed'

export class OidcSignInError extends Error {
  readonly reason: OidcSignInFailure
  /** OAuth error code from the provider (e.g. "invalid_grant", "access_denied"), when there is one. */
  readonly oauthError: string | undefined

  constructor(
    reason: OidcSignInFailure,
    message: string,
    options?: { cause?: unknown; oauthError?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'OidcSignInError'
    this.reason = reason
    this.oauthError = options?.oauthError
  }
}

type SigningAlgorithm =
  | { name: 'RSASSA-PKCS1-v1_5'; hash: string }
  | { name: 'RSA-PSS'; hash: string }
  | { name: 'ECDSA'; namedCurve: string }
  | { name: 'Ed25519' }

function signingAlgorithmFor(jwk: OidcSettings['privateKeyJwk']): SigningAlgorithm {
  const alg = typeof jwk.alg === 'string' ? jwk.alg : undefined
  switch (alg) {
    case 'RS256':
    case 'RS384':
    case 'RS512':
      return { name: 'RSASSA-PKCS1-v1_5', hash: `SHA-${alg.slice(2)}` }
    case 'PS256':
    case 'PS384':
    case 'PS512':
      return { name: 'RSA-PSS', hash: `SHA-${alg.slice(2)}` }
    case 'ES256':
      return { name: 'ECDSA', namedCurve: 'P-256' }
    case 'ES384':
      return { name: 'ECDSA', namedCurve: 'P-384' }
    case 'ES512':
      return { name: 'ECDSA', namedCurve: 'P-521' }
    case 'Ed25519':
    case 'EdDSA':
      return { name: 'Ed25519' }
    case undefined:
      break
    default:
      throw new TypeError(`OIDC private key: unsupported JWK "alg" ${alg}`)
  }
  // No "alg" on the JWK: infer from the key type. RSA defaults to RS256, which is
  // what login.gov requires.
  if (jwk.kty === 'RSA') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
  if (jwk.kty === 'EC' && typeof jwk.crv === 'string' && ['P-256', 'P-384', 'P-521'].includes(jwk.crv)) {
    return { name: 'ECDSA', namedCurve: jwk.crv }
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return { name: 'Ed25519' }
  throw new TypeError(`OIDC private key: cannot infer a signing algorithm for kty=${String(jwk.kty)}`)
}

async function importPrivateKey(jwk: OidcSettings['privateKeyJwk']): Promise<oidc.PrivateKey> {
  if (typeof jwk.d !== 'string' || jwk.d === '') {
    throw new TypeError('OIDC private key: the JWK has no private part ("d")')
  }
  const algorithm = signingAlgorithmFor(jwk)
  // WebCrypto rejects a JWK whose key_ops/use do not allow signing; drop them and
  // the metadata members so a key exported with e.g. use=sig imports cleanly.
  const { kid, key_ops: _keyOps, use: _use, ...material } = jwk
  const key = await globalThis.crypto.subtle.importKey('jwk', material, algorithm, false, ['sign'])
  return typeof kid === 'string' && kid !== '' ? { key, kid } : { key }
}

function oauthErrorOf(err: unknown): { error: string; description: string | undefined } | undefined {
  if (err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError) {
    return { error: err.error, description: err.error_description }
  }
  if (err instanceof oidc.WWWAuthenticateChallengeError) {
    // A 401 with a WWW-Authenticate header (e.g. invalid_client) surfaces this way.
    const parameters = err.cause[0]?.parameters
    return { error: parameters?.error ?? 'invalid_client', description: parameters?.error_description }
  }
  return undefined
}

/** Walks an error's cause chain looking for oauth4webapi's `{ claim: 'nonce' }` marker. */
function isNonceMismatch(err: unknown): boolean {
  let current: unknown = err
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (current.message.includes('"nonce"')) return true
    const cause: unknown = current.cause
    if (cause !== null && typeof cause === 'object' && !(cause instanceof Error)) {
      return (cause as { claim?: unknown }).claim === 'nonce'
    }
    current = cause
  }
  return false
}

function describeError(err: unknown): string {
  const parts: string[] = []
  let current: unknown = err
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (!parts.includes(current.message)) parts.push(current.message)
    current = current.cause
  }
  return parts.join(': ') || String(err)
}

function toSignInError(err: unknown): OidcSignInError {
  if (err instanceof OidcSignInError) return err
  const oauthError = oauthErrorOf(err)
  if (oauthError !== undefined) {
    const detail = oauthError.description ? ` (${oauthError.description})` : ''
    if (err instanceof oidc.AuthorizationResponseError) {
      return new OidcSignInError(
        'authorization_error',
        `OIDC sign-in failed: the provider returned ${oauthError.error}${detail}`,
        { cause: err, oauthError: oauthError.error },
      )
    }
    return new OidcSignInError(
      'token_rejected',
      `OIDC sign-in failed: the provider rejected the authorization code exchange: ${oauthError.error}${detail}`,
      { cause: err, oauthError: oauthError.error },
    )
  }
  if (isNonceMismatch(err)) {
    return new OidcSignInError('nonce_mismatch', 'OIDC sign-in failed: ID token nonce does not match', {
      cause: err,
    })
  }
  return new OidcSignInError('invalid_response', `OIDC sign-in failed: ${describeError(err)}`, { cause: err })
}

export async function createOidcClient(
  settings: OidcSettings,
  options?: OidcClientOptions,
): Promise<OidcClient> {
  const redirectUri = new URL(settings.redirectUri)
  if (redirectUri.search !== '' || redirectUri.hash !== '') {
    // openid-client derives the token request's redirect_uri from the callback URL
    // with its query removed, so a registered URI with a query could never match.
    throw new TypeError('OIDC redirectUri must not contain a query string or fragment')
  }
  if (!settings.scopes.split(/\s+/).includes('openid')) {
    throw new TypeError('OIDC scopes must include "openid"')
  }

  const privateKey = await importPrivateKey(settings.privateKeyJwk)

  // openid-client's default assertion audience is the issuer identifier. login.gov
  // only accepts the token endpoint URL (RFC 7523 allows either), and oidc-provider
  // accepts both, so always use the token endpoint.
  const clientAuth: oidc.ClientAuth = (as, client, body, headers) =>
    oidc.PrivateKeyJwt(privateKey, {
      [oidc.modifyAssertion]: (_header, payload) => {
        if (typeof as.token_endpoint === 'string') payload.aud = as.token_endpoint
      },
    })(as, client, body, headers)

  const config = await oidc.discovery(
    new URL(settings.issuer),
    settings.clientId,
    { redirect_uris: [redirectUri.href], response_types: ['code'] },
    clientAuth,
    options?.allowInsecureHttp === true ? { execute: [oidc.allowInsecureRequests] } : undefined,
  )
  const issuer = config.serverMetadata().issuer

  return {
    async beginSignIn() {
      const state = oidc.randomState()
      const nonce = oidc.randomNonce()
      const codeVerifier = oidc.randomPKCECodeVerifier()
      const parameters: Record<string, string> = {
        redirect_uri: redirectUri.href,
        scope: settings.scopes,
        response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      }
      if (settings.acrValues !== undefined && settings.acrValues !== '') {
        parameters.acr_values = settings.acrValues
      }
      const url = oidc.buildAuthorizationUrl(config, parameters)
      return { url: url.href, state, nonce, codeVerifier }
    },

    async completeSignIn(callbackUrl, expected) {
      if (!expected.nonce || !expected.codeVerifier) {
        // An empty verifier would make openid-client silently skip PKCE.
        throw new TypeError('completeSignIn: expected.nonce and expected.codeVerifier are required')
      }
      const params = callbackUrl.searchParams
      // Check state ourselves first for a precise error; openid-client checks it again.
      if (!expected.state || params.get('state') !== expected.state) {
        throw new OidcSignInError('state_mismatch', 'OIDC sign-in failed: state does not match the sign-in request')
      }

      // Rebuild the callback on the configured redirect URI: openid-client sends the
      // callback URL (minus query) as redirect_uri, which behind a TLS-terminating
      // proxy may not be the registered one.
      const current = new URL(redirectUri.href)
      current.search = params.toString()

      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>
      try {
        tokens = await oidc.authorizationCodeGrant(config, current, {
          expectedState: expected.state,
          expectedNonce: expected.nonce,
          pkceCodeVerifier: expected.codeVerifier,
          idTokenExpected: true,
        })
      } catch (err) {
        throw toSignInError(err)
      }

      const claims = tokens.claims()
      if (claims === undefined) {
        throw new OidcSignInError('invalid_response', 'OIDC sign-in failed: no ID token in the token response')
      }

      let email = typeof claims.email === 'string' ? claims.email : null
      let emailVerified = claims.email_verified === true
      if (email === null) {
        // login.gov (and oidc-provider by default) put scope claims only in userinfo.
        try {
          const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)
          if (typeof userinfo.email === 'string') {
            email = userinfo.email
            emailVerified = userinfo.email_verified === true
          }
        } catch (err) {
          const message = `OIDC sign-in failed: userinfo request failed: ${describeError(err)}`
          throw new OidcSignInError('userinfo_failed', message, { cause: err })
        }
      }

      return { subject: claims.sub, email, emailVerified, issuer }
    },
  }
}
