/**
 * Open data (no sign-in): published quarterly CX data collections as JSON (paged) and CSV (every matching detail),
 * filtered by fiscal year, quarter, HISP, service or agency. Small cells are suppressed (reporting/public-collections).
 * Responses are cacheable for five minutes, carry an ETag (304 on If-None-Match), allow any origin (CORS), and are
 * rate-limited per client address like the other public endpoints.
 */
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type, { type Static } from 'typebox'
import { allPublicCollections, FiscalYearSchema, listPublicCollections, publicCollectionsCsv, QuarterSchema, type PublicCollectionFilter } from '../reporting/index.ts'
import type { Runtime } from '../runtime.ts'
import { errorResponses } from './api-schemas.ts'

const tags = ['open data']

/** The routes the API lets through without a session or key (see api.ts). */
export const PUBLIC_COLLECTION_ROUTES = ['GET', 'HEAD'].flatMap((method) => [`${method} /api/v1/public/collections`, `${method} /api/v1/public/collections.csv`])

/** How long browsers and shared caches may reuse a public response (seconds). */
export const PUBLIC_MAX_AGE = 300

const Filters = {
  fiscalYear: Type.Optional(FiscalYearSchema),
  quarter: Type.Optional(QuarterSchema),
  hisp: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,100}$', description: 'The HISP\'s slug.' })),
  service: Type.Optional(Type.String({ format: 'uuid', description: 'The service\'s id.' })),
  agency: Type.Optional(Type.String({ format: 'uuid', description: 'An organization\'s id: its services and those of the organizations under it.' })),
}
const ListQuery = Type.Object({
  ...Filters,
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
}, { additionalProperties: false })
type ListQuery = Static<typeof ListQuery>
const CsvQuery = Type.Object(Filters, { additionalProperties: false })
type CsvQuery = Static<typeof CsvQuery>

const filterOf = (query: CsvQuery): PublicCollectionFilter =>
  ({ fiscalYear: query.fiscalYear, quarter: query.quarter, hispSlug: query.hisp, serviceId: query.service, organizationId: query.agency })

/** A strong validator of the body's bytes. */
export const etagOf = (body: string): string => `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  return ifNoneMatch.split(',').map((t) => t.trim().replace(/^W\//, '')).some((t) => t === '*' || t === etag)
}

/** Sends a public, cacheable body: Cache-Control, ETag, and 304 when the client already holds this version. */
export function sendCacheable(request: FastifyRequest, reply: FastifyReply, body: string, type: string): FastifyReply {
  const etag = etagOf(body)
  reply.header('cache-control', `public, max-age=${PUBLIC_MAX_AGE}`).header('etag', etag)
  if (matches(request.headers['if-none-match'], etag)) return reply.status(304).send()
  return reply.type(type).send(body)
}

export async function registerPublicCollectionRoutes(api: FastifyInstance, runtime: Runtime): Promise<void> {
  const { db, config } = runtime
  const min = config.publicMinRespondents
  const limit = { rateLimit: { max: config.publicRateLimitPerMinute, timeWindow: '1 minute' } }
  const openData = (reply: FastifyReply) => reply.header('access-control-allow-origin', '*').header('access-control-expose-headers', 'ETag')

  api.get<{ Querystring: ListQuery }>('/public/collections', {
    config: limit,
    schema: { tags, summary: 'Published quarterly CX data collections with their figures, small cells suppressed (no sign-in)', querystring: ListQuery, security: [], response: errorResponses },
  }, async (request, reply) => {
    const page = await listPublicCollections(db, { ...filterOf(request.query), page: request.query.page, pageSize: request.query.pageSize }, min)
    return sendCacheable(request, openData(reply), JSON.stringify(page), 'application/json; charset=utf-8')
  })

  api.get<{ Querystring: CsvQuery }>('/public/collections.csv', {
    config: limit,
    schema: { tags, summary: 'Every published detail as CSV, one row per survey (no sign-in)', querystring: CsvQuery, security: [], response: errorResponses },
  }, async (request, reply) => {
    const csv = publicCollectionsCsv(await allPublicCollections(db, filterOf(request.query), min))
    openData(reply).header('content-disposition', 'attachment; filename="cx-collections-published.csv"')
    return sendCacheable(request, reply, csv, 'text/csv; charset=utf-8')
  })
}
