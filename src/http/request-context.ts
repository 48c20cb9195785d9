/**
 * Who is calling: resolved once per request from `Authorization: Bearer <key>` or the session cookie, and
 * attached to the request. Routes then ask `requireActor(request)`; they never read cookies or headers themselves.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Actor } from '../auth/actor.ts'
import { authenticateApiKey } from '../auth/api-keys.ts'
import { resolveSession, type SessionRecord } from '../auth/sessions.ts'
import { randomToken } from '../auth/tokens.ts'
import { loadUserActor } from '../auth/users.ts'
import { Unauthorized } from '../errors.ts'
import type { Runtime } from '../runtime.ts'

export const SESSION_COOKIE = 'cx280_session'
/** Anonymous forms (sign-in, password reset) carry a CSRF token bound to this cookie. */
export const ANON_CSRF_COOKIE = 'cx280_csrf'

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null
    session: SessionRecord | null
    /** How the actor authenticated; API calls with a session cookie must also send the CSRF header. */
    via: 'session' | 'api_key' | null
  }
}

export function cookieOptions(request: FastifyRequest, maxAgeSeconds?: number) {
  return {
    path: '/', httpOnly: true, sameSite: 'lax' as const, secure: request.protocol === 'https',
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  }
}

export async function resolveCaller(runtime: Runtime, request: FastifyRequest): Promise<void> {
  request.actor = null
  request.session = null
  request.via = null
  const authorization = request.headers.authorization
  if (authorization?.startsWith('Bearer ')) {
    const actor = await authenticateApiKey(runtime.db, authorization.slice('Bearer '.length).trim())
    if (!actor) throw new Unauthorized('The API key is unknown or revoked.')
    request.actor = actor
    request.via = 'api_key'
    return
  }
  const token = request.cookies[SESSION_COOKIE]
  if (!token) return
  const session = await resolveSession(runtime.db, token, runtime.config.sessionIdleMinutes)
  if (!session) return
  const actor = await loadUserActor(runtime.db, session.userId)
  if (!actor) return
  request.actor = actor
  request.session = session
  request.via = 'session'
}

export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw new Unauthorized()
  return request.actor
}

/** The CSRF token forms on this request must carry: the session's, or the anonymous cookie's (set if missing). */
export function csrfTokenFor(request: FastifyRequest, reply: FastifyReply): string {
  if (request.session) return request.session.csrfToken
  const existing = request.cookies[ANON_CSRF_COOKIE]
  if (existing && /^[A-Za-z0-9_-]{20,100}$/.test(existing)) return existing
  const token = randomToken()
  reply.setCookie(ANON_CSRF_COOKIE, token, { ...cookieOptions(request), sameSite: 'strict' })
  request.cookies[ANON_CSRF_COOKIE] = token
  return token
}
