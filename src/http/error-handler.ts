/**
 * One place maps errors to responses: domain errors by their catalog id, Fastify's own (bad JSON, body too large,
 * wrong media type, schema validation) to the same `{error, message, fields}` shape. Pages get an HTML error page.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'
import { toFieldErrors, type SchemaIssue } from '../validation.ts'

export interface ErrorBody {
  readonly error: string
  readonly message: string
  readonly fields?: Readonly<Record<string, string>>
}

export type ErrorPageRenderer = (request: FastifyRequest, reply: FastifyReply, status: number, body: ErrorBody) => string

export const isApiRequest = (request: FastifyRequest): boolean => request.url.startsWith('/api/')

function describeFastifyError(error: FastifyError): { status: number; body: ErrorBody } {
  if (error.validation) {
    const where = error.validationContext ?? 'body'
    const fields = toFieldErrors(error.validation as unknown as SchemaIssue[])
    const prefixed = where === 'body' ? fields : Object.fromEntries(Object.entries(fields).map(([k, v]) => [`${where}.${k}`, v]))
    return { status: 400, body: { error: 'invalid', message: 'Some fields need attention.', fields: prefixed } }
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { error: 'too_large', message: 'The request body is too large.' } }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { error: 'unsupported_media_type', message: 'Send application/json (or the content type the endpoint documents).' } }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: { error: 'invalid', message: 'The JSON body is empty.', fields: { _: 'is required' } } }
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: { error: 'invalid', message: 'The body is not valid JSON.', fields: { _: 'is not valid JSON' } } }
    default:
      break
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    return { status: 400, body: { error: 'invalid', message: 'The body could not be read.', fields: { _: 'is malformed' } } }
  }
  const status = error.statusCode ?? 500
  if (status === 429) return { status, body: { error: 'rate_limited', message: 'Too many requests; wait a minute and try again.' } }
  if (status >= 400 && status < 500) return { status, body: { error: 'invalid', message: error.message } }
  return { status: 500, body: { error: 'internal', message: 'Something went wrong on our side. It has been logged.' } }
}

export function describeError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof AppError) {
    const fields = 'fields' in error ? (error.fields as Readonly<Record<string, string>>) : undefined
    return { status: error.status, body: { error: error.id, message: error.message, ...(fields && Object.keys(fields).length > 0 ? { fields } : {}) } }
  }
  return describeFastifyError(error as FastifyError)
}

/** busboy (under @fastify/multipart) reports a malformed form body with a plain Error and no status. */
const MALFORMED_MULTIPART = /^(Multipart: |Unexpected end of (multipart data|form)|Malformed part header)/

function isMalformedMultipart(error: unknown, request: FastifyRequest): boolean {
  return error instanceof Error && !(error instanceof AppError) && /^\s*multipart\//i.test(request.headers['content-type'] ?? '') && MALFORMED_MULTIPART.test(error.message)
}

export function installErrorHandling(app: FastifyInstance, renderPage: ErrorPageRenderer): void {
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = isMalformedMultipart(error, request)
      ? { status: 400, body: { error: 'invalid', message: 'The form data could not be read.', fields: { _: 'is malformed' } } }
      : describeError(error)
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    if (status === 401 && !isApiRequest(request) && request.method === 'GET') {
      return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`)
    }
    if (isApiRequest(request) || request.url === '/healthz') return reply.status(status).send(body)
    return reply.status(status).type('text/html; charset=utf-8').send(renderPage(request, reply, status, body))
  })
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = { error: 'not_found', message: 'Nothing is at this address.' }
    if (isApiRequest(request)) return reply.status(404).send(body)
    return reply.status(404).type('text/html; charset=utf-8').send(renderPage(request, reply, 404, body))
  })
}
