/**
 * CSRF protection. Every page form carries `_csrf`; API calls authenticated by the session cookie (rather than a
 * key) must send `x-csrf-token`. The token is the session's, or the anonymous cookie's on sign-in pages.
 */
import { timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'
import { isApiRequest } from './error-handler.ts'
import { ANON_CSRF_COOKIE } from './request-context.ts'

class CsrfRejected extends AppError {
  readonly id = 'csrf'
  readonly status = 403
  constructor() {
    super('The form expired or came from another site. Reload the page and try again.')
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
/**
 * The hosted survey form (`POST /s/{id}`) is answered by the public, who have no session and often arrive from an
 * email, SMS or QR code without any earlier page visit to plant a token. Forging it gains nothing (it can only submit
 * an anonymous response, as anyone can); it is protected like the JSON intake instead: honeypot, per-address rate
 * limit, body limit and an idempotency key.
 */
const HOSTED_SURVEY_POST = /^\/s\/[^/?#]+\/?(\?|$)/

function same(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

function presentedToken(request: FastifyRequest): string | null {
  const header = request.headers['x-csrf-token']
  if (typeof header === 'string') return header
  const body = request.body as Record<string, unknown> | null | undefined
  const field = body && typeof body === 'object' ? body._csrf : undefined
  return typeof field === 'string' ? field : null
}

export function checkCsrf(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return
  if (request.method === 'POST' && HOSTED_SURVEY_POST.test(request.url)) return
  if (request.via === 'api_key') return
  if (isApiRequest(request) && request.via !== 'session') return
  const expected = request.session?.csrfToken ?? request.cookies[ANON_CSRF_COOKIE]
  const presented = presentedToken(request)
  if (!expected || !presented || !same(expected, presented)) throw new CsrfRejected()
}
