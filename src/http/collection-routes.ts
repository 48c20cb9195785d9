/**
 * Staff API for quarterly CX data collections (A-11 §280.14): list and board, start a quarter's collections, read one
 * (JSON with details and scores), enter volumes (one collection, or many from a CSV file), move it through its
 * lifecycle, rate it, check its integrity, download OMB's files (17-column responses per detail, metadata CSV, legacy
 * Likert counts, XLSX), and read collections side by side (a service's trend, a quarter across services and channels,
 * the driver analysis).
 */
import type { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { DRIVER_ANALYSIS_MIN_BRANCH } from '../a11/driver-analysis.ts'
import { fiscalYearOf } from '../a11/fiscal-year.ts'
import {
  CollectionCreateInput, collectionBoard, collectionFileBase, collectionIntegrity, CollectionListQuery, CollectionRatingInput, CollectionTransitionInput,
  CollectionUpdateInput, collectionWorkbook, detailFileName, detailResponseFile, ensureCollections, FiscalYearSchema, getCollection, legacyCsv, listCollections, metadataCsv,
  rateCollection, readableDetail, transitionCollection, updateCollection, type ReportingContext,
  collectionDriverAnalysis, collectionsOfQuarter, collectionTrend, compareQuarter, importVolumesCsv, QuarterSchema, TREND_QUARTERS,
  volumeTemplateCsv,
} from '../reporting/index.ts'
import { NotFound } from '../errors.ts'
import { UPLOAD_LIMIT } from './limits.ts'
import type { Runtime } from '../runtime.ts'
import type { RouteLimits } from './api.ts'
import { ErrorResponse, errorResponses, IdParams } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

const tags = ['collections']

export const COLLECTION_EXPORT_FORMATS = ['metadata', 'legacy', 'xlsx', 'json'] as const
const ExportQuery = Type.Object({
  format: Type.Optional(Type.Enum([...COLLECTION_EXPORT_FORMATS], { description: 'metadata (CSV, default), legacy (per-question Likert counts CSV, legacy surveys), xlsx (one sheet per table) or json.' })),
}, { additionalProperties: false })
const BoardQuery = Type.Object({ fiscalYear: Type.Optional(FiscalYearSchema) }, { additionalProperties: false })
const DetailParams = Type.Object({ id: Type.String({ format: 'uuid' }), detailId: Type.String({ format: 'uuid' }) })
type DetailParams = Static<typeof DetailParams>
const QuarterQuery = Type.Object({ fiscalYear: FiscalYearSchema, quarter: QuarterSchema }, { additionalProperties: false })
type QuarterQuery = Static<typeof QuarterQuery>
const TrendQuery = Type.Object({
  quarters: Type.Optional(Type.Integer({ minimum: 1, maximum: 40, description: `Fiscal quarters to cover, ending with the collection's (default ${TREND_QUARTERS}).` })),
}, { additionalProperties: false })
const DriversQuery = Type.Object({
  minimum: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: `Respondents needed in each branch before drivers are ranked (default ${DRIVER_ANALYSIS_MIN_BRANCH}).` })),
}, { additionalProperties: false })
const VolumeImportResponse = Type.Object({
  ...ErrorResponse.properties,
  rows: Type.Optional(Type.Array(Type.Object({ row: Type.Integer(), field: Type.String(), message: Type.String() }), { description: 'Every problem, by line of the file (the header is line 1).' })),
})

/** The CSV text of an upload: a text/csv body, or the `file` part of a multipart form; null for anything else. */
export function uploadedCsv(body: unknown): string | null {
  if (typeof body === 'string') return body
  const file = body && typeof body === 'object' ? (body as Record<string, unknown>).file : undefined
  return Buffer.isBuffer(file) ? file.toString('utf8') : typeof file === 'string' ? file : null
}

/** The runtime's settings the reporting domain reads. */
export const reportingContext = (runtime: Pick<Runtime, 'config'>): ReportingContext =>
  ({ publicUrl: runtime.config.publicUrl, deadlineDays: runtime.config.collectionDeadlineDays })

export async function registerCollectionRoutes(api: FastifyInstance, runtime: Runtime, config: RouteLimits): Promise<void> {
  const { db } = runtime
  const context = reportingContext(runtime)

  api.get<{ Querystring: CollectionListQuery }>('/collections', {
    config, schema: { tags, summary: 'Collections you can read (filter by fiscal year, quarter, HISP, service, state)', querystring: CollectionListQuery, response: errorResponses },
  }, async (request) => listCollections(db, requireActor(request), request.query))

  api.post<{ Body: CollectionCreateInput }>('/collections', {
    config, schema: { tags, summary: 'Make a quarter\'s missing collections (one per HISP × designated service); reviewers: all, agency leads: theirs', body: CollectionCreateInput, response: errorResponses },
  }, async (request) => ensureCollections(db, requireActor(request), request.body, context))

  api.get<{ Querystring: Static<typeof BoardQuery> }>('/collections/board', {
    config, schema: { tags, summary: 'Every HISP × designated service × quarter of a fiscal year with state and rating', querystring: BoardQuery, response: errorResponses },
  }, async (request) => {
    const fiscalYear = request.query.fiscalYear ?? fiscalYearOf(new Date())
    return { fiscalYear, items: await collectionBoard(db, requireActor(request), fiscalYear) }
  })

  api.get<{ Querystring: QuarterQuery }>('/collections/compare', {
    config, schema: { tags, summary: 'One fiscal quarter across services (one row per readable collection) and across channels (details grouped by channel)', querystring: QuarterQuery, response: errorResponses },
  }, async (request) => compareQuarter(db, requireActor(request), { fiscalYear: request.query.fiscalYear, quarter: request.query.quarter as 1 | 2 | 3 | 4 }))

  api.get<{ Querystring: QuarterQuery }>('/collections/volumes.csv', {
    config, schema: { tags, summary: 'A volumes file to fill in: one row per detail of the quarter\'s collections whose volumes you may edit', querystring: QuarterQuery, response: errorResponses },
  }, async (request, reply) => {
    const { fiscalYear, quarter } = request.query
    const collections = await collectionsOfQuarter(db, requireActor(request), { fiscalYear, quarter: quarter as 1 | 2 | 3 | 4 })
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="fy${fiscalYear}-q${quarter}-volumes.csv"`).header('cache-control', 'no-store')
      .send(volumeTemplateCsv(collections))
  })

  api.post('/collections/volumes', {
    config, bodyLimit: UPLOAD_LIMIT,
    schema: {
      tags, summary: 'Enter volumes from CSV (collection_id, survey_id, volume_of_customers, volume_offered; text/csv body or multipart `file`, up to 5 MB). All rows or none.',
      consumes: ['text/csv', 'multipart/form-data'], response: { ...errorResponses, 400: VolumeImportResponse },
    },
  }, async (request, reply) => {
    const text = uploadedCsv(request.body)
    if (text === null) return reply.status(415).send({ error: 'unsupported_media_type', message: 'Send the CSV file as the body with Content-Type: text/csv, or as the "file" part of a multipart form.' })
    const report = await importVolumesCsv(db, requireActor(request), text)
    if (!report.ok) return reply.status(400).send({ error: 'invalid', message: `${report.errors.length} problem(s) found; nothing was saved.`, rows: report.errors })
    return report
  })

  api.get<{ Params: IdParams; Querystring: Static<typeof TrendQuery> }>('/collections/:id/trend', {
    config, schema: { tags, summary: 'The same service\'s collections over the last quarters: respondents, trust share with 95% interval, Likert mean, response rate', params: IdParams, querystring: TrendQuery, response: errorResponses },
  }, async (request) => collectionTrend(db, requireActor(request), request.params.id, request.query.quarters))

  api.get<{ Params: IdParams; Querystring: Static<typeof DriversQuery> }>('/collections/:id/drivers', {
    config, schema: { tags, summary: 'Driver analysis: which drivers most separate trusting from non-trusting respondents (difference with Newcombe 95% interval), overall and per survey', params: IdParams, querystring: DriversQuery, response: errorResponses },
  }, async (request) => collectionDriverAnalysis(await getCollection(db, requireActor(request), request.params.id), request.query.minimum))

  api.get<{ Params: IdParams }>('/collections/:id', {
    config, schema: { tags, summary: 'One collection: details, volumes, scores, and what you may do with it', params: IdParams, response: errorResponses },
  }, async (request) => getCollection(db, requireActor(request), request.params.id))

  api.patch<{ Params: IdParams; Body: CollectionUpdateInput }>('/collections/:id', {
    config, schema: { tags, summary: 'Enter volumes (customers, offered) per detail and the reflection, while the collection is open', params: IdParams, body: CollectionUpdateInput, response: errorResponses },
  }, async (request) => updateCollection(db, requireActor(request), request.params.id, request.body))

  api.post<{ Params: IdParams; Body: CollectionTransitionInput }>('/collections/:id/transitions', {
    config, schema: { tags, summary: 'submit, request_changes (with a note), publish (green only), archive or mark_not_reported', params: IdParams, body: CollectionTransitionInput, response: errorResponses },
  }, async (request) => transitionCollection(db, requireActor(request), request.params.id, request.body, context))

  api.post<{ Params: IdParams; Body: CollectionRatingInput }>('/collections/:id/rating', {
    config, schema: { tags, summary: 'Rate a collection green, yellow or red with a reason (OMB reviewers)', params: IdParams, body: CollectionRatingInput, response: errorResponses },
  }, async (request) => rateCollection(db, requireActor(request), request.params.id, request.body, context))

  api.get<{ Params: IdParams }>('/collections/:id/integrity', {
    config, schema: { tags, summary: 'Whether the responses still match the hash stored at submission', params: IdParams, response: errorResponses },
  }, async (request) => collectionIntegrity(db, requireActor(request), request.params.id))

  api.get<{ Params: IdParams; Querystring: Static<typeof ExportQuery> }>('/collections/:id/export', {
    config, schema: { tags, summary: 'The collection\'s files: metadata CSV, legacy Likert counts CSV, XLSX workbook or JSON', params: IdParams, querystring: ExportQuery, response: errorResponses },
  }, async (request, reply) => {
    const actor = requireActor(request)
    const collection = await getCollection(db, actor, request.params.id)
    const base = collectionFileBase(collection)
    const send = (name: string, type: string, body: string | Readable) =>
      reply.type(type).header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').send(body)
    switch (request.query.format ?? 'metadata') {
      case 'json': {
        const { abilities: _abilities, ...data } = collection
        return send(`${base}.json`, 'application/json; charset=utf-8', JSON.stringify(data, null, 2))
      }
      case 'xlsx': return send(`${base}.xlsx`, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', collectionWorkbook(db, collection))
      case 'legacy': {
        const csv = await legacyCsv(db, [collection])
        if (!csv) throw new NotFound('Legacy Likert data (no survey of this collection uses the legacy 7-question set)')
        return send(`${base}-legacy-likert.csv`, 'text/csv; charset=utf-8', csv)
      }
      default: return send(`${base}.csv`, 'text/csv; charset=utf-8', metadataCsv([collection]))
    }
  })

  api.get<{ Params: DetailParams }>('/collections/:id/details/:detailId/responses.csv', {
    config, schema: { tags, summary: 'A detail\'s responses in OMB\'s 17-column CSV (byte-exact; free text masked for personal information); once submitted, the file frozen at submission (gzip when accepted)', params: DetailParams, response: errorResponses },
  }, async (request, reply) => {
    const { collection, detail } = await readableDetail(db, requireActor(request), request.params.id, request.params.detailId)
    const file = await detailResponseFile(db, collection, detail)
    reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${detailFileName(collection, detail)}"`).header('cache-control', 'no-store')
    if (!file.gzip) return reply.send(file.stream())
    // A frozen file is stored gzipped: sent as it is to a client that accepts gzip, else inflated on the way.
    reply.header('vary', 'accept-encoding')
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(file.gzip)
    return reply.send(file.stream())
  })
}
