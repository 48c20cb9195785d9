/**
 * Staff API for response data: CSV imports (survey columns or OMB's 17 columns), streamed exports (CSV, XLSX, OMB
 * CSV) and scores per survey or across the surveys the caller reads. Another organization's survey answers 404.
 */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { CHANNELS, type Channel } from '../a11/channels.ts'
import type { Runtime } from '../runtime.ts'
import { EXPORT_FORMATS, exportResponses, IMPORT_FORMATS, importResponsesCsv, SCORE_GROUPINGS, serviceScores, surveyScores } from '../surveys/index.ts'
import type { RouteLimits } from './api.ts'
import { ErrorResponse, errorResponses, IdParams } from './api-schemas.ts'
import { UPLOAD_LIMIT } from './limits.ts'
import { requireActor } from './request-context.ts'

const tags = ['survey data']

const ImportQuery = Type.Object({
  format: Type.Optional(Type.Enum([...IMPORT_FORMATS], { description: '`survey`: the survey\'s own columns (default); `omb17`: OMB\'s 17-column format.' })),
  channel: Type.Optional(Type.Enum([...CHANNELS], { description: 'Channel of rows without a channel cell (default: the survey\'s channel).' })),
  offers: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'How many people were offered the survey, for the response rate.' })),
  submittedOn: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Date of rows without submitted_at (every row of an OMB file); default now.' })),
}, { additionalProperties: false })

const ImportErrorResponse = Type.Object({
  ...ErrorResponse.properties,
  rows: Type.Optional(Type.Array(Type.Object({ row: Type.Integer(), column: Type.String(), message: Type.String() }), { description: 'Every problem by row (the header is row 1) and column. Nothing was stored.' })),
})

const ExportQuery = Type.Object({
  format: Type.Optional(Type.Enum([...EXPORT_FORMATS], { description: 'csv (default), xlsx, or omb17 (OMB\'s 17-column CSV, A-11 surveys).' })),
  reveal: Type.Optional(Type.Boolean({ description: 'Unmasked free text (needs the reveal permission; audited).' })),
}, { additionalProperties: false })

const SurveyScoreQuery = Type.Object({ by: Type.Optional(Type.Enum(['quarter', 'channel'])) }, { additionalProperties: false })
const ScoreQuery = Type.Object({
  serviceId: Type.Optional(Type.String({ format: 'uuid' })),
  by: Type.Optional(Type.Enum([...SCORE_GROUPINGS])),
}, { additionalProperties: false })

export async function registerResponseDataRoutes(api: FastifyInstance, { db }: Runtime, config: RouteLimits): Promise<void> {
  // The text/csv body parser is registered once for the API (services-routes.ts) with the upload limit.
  api.post<{ Params: IdParams; Querystring: Static<typeof ImportQuery>; Body: string }>('/surveys/:id/imports', {
    config, bodyLimit: UPLOAD_LIMIT,
    schema: {
      tags, summary: 'Import responses from CSV (text/csv body, up to 5 MB). All rows or none.', consumes: ['text/csv'],
      params: IdParams, querystring: ImportQuery, response: { ...errorResponses, 400: ImportErrorResponse },
    },
  }, async (request, reply) => {
    if (typeof request.body !== 'string') return reply.status(415).send({ error: 'unsupported_media_type', message: 'Send the CSV file as the body with Content-Type: text/csv.' })
    const { format = 'survey', channel, offers, submittedOn } = request.query
    const report = await importResponsesCsv(db, requireActor(request), request.params.id, request.body, { format, channel: channel as Channel | undefined, offers, submittedOn })
    if (!report.ok) return reply.status(400).send({ error: 'invalid', message: `${report.errors.length} problem(s) found; nothing was imported.`, rows: report.errors })
    return report
  })

  api.get<{ Params: IdParams; Querystring: Static<typeof ExportQuery> }>('/surveys/:id/export', {
    config, schema: { tags, summary: 'Export responses as CSV, XLSX or OMB CSV (streamed, no row cap; free text masked unless reveal=true)', params: IdParams, querystring: ExportQuery, response: errorResponses },
  }, async (request, reply) => {
    const { format = 'csv', reveal } = request.query
    const file = await exportResponses(db, requireActor(request), request.params.id, { format, reveal })
    return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).header('cache-control', 'no-store').send(file.stream)
  })

  api.get<{ Params: IdParams; Querystring: Static<typeof SurveyScoreQuery> }>('/surveys/:id/scores', {
    config, schema: { tags, summary: 'A survey\'s scores by fiscal quarter or channel: respondents, trust share with 95% Wilson interval, Likert mean, drivers per branch, response rate', params: IdParams, querystring: SurveyScoreQuery, response: errorResponses },
  }, async (request) => surveyScores(db, requireActor(request), request.params.id, request.query.by ?? 'quarter'))

  api.get<{ Querystring: Static<typeof ScoreQuery> }>('/scores', {
    config, schema: { tags, summary: 'Scores across the surveys you can read (optionally one service), by fiscal quarter, channel or survey', querystring: ScoreQuery, response: errorResponses },
  }, async (request) => serviceScores(db, requireActor(request), { serviceId: request.query.serviceId, by: request.query.by ?? 'quarter' }))
}
