import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { CHANNELS } from '../a11/channels.ts'
import { SERVICE_KINDS, SERVICE_STATES, type ServiceTransition } from '../a11/services.ts'
import {
  createService, digitizationGaps, exportServicesCsv, exportServicesJson, getService, importServicesCsv, listServices,
  ServiceCreateInput, ServiceTransitionInput, ServiceUpdateInput, transitionService, updateService,
} from '../catalog/index.ts'
import type { Runtime } from '../runtime.ts'
import type { RouteLimits } from './api.ts'
import { ErrorResponse, errorResponses, IdParams, PageQuery, pageOf } from './api-schemas.ts'
import { UPLOAD_LIMIT } from './limits.ts'
import { requireActor } from './request-context.ts'

const tags = ['services']

const ServiceFilter = {
  q: Type.Optional(Type.String({ maxLength: 200 })),
  organizationId: Type.Optional(Type.String({ format: 'uuid' })),
  hispId: Type.Optional(Type.String({ format: 'uuid' })),
  kind: Type.Optional(Type.Enum([...SERVICE_KINDS])),
  channel: Type.Optional(Type.Enum([...CHANNELS])),
  state: Type.Optional(Type.Enum([...SERVICE_STATES])),
  designated: Type.Optional(Type.Boolean()),
}
const ServiceListQuery = Type.Object({ ...ServiceFilter, ...PageQuery }, { additionalProperties: false })
const ServiceExportQuery = Type.Object({ ...ServiceFilter, format: Type.Optional(Type.Enum(['csv', 'json'])) }, { additionalProperties: false })
const ImportErrorResponse = Type.Object({
  ...ErrorResponse.properties,
  rows: Type.Optional(Type.Array(Type.Object({ row: Type.Integer(), field: Type.String(), message: Type.String() }), { description: 'Every problem, by line of the file (the header is line 1).' })),
})
const GapsQuery = Type.Object({ organizationId: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false })

export async function registerServiceRoutes(api: FastifyInstance, { db }: Runtime, config: RouteLimits): Promise<void> {
  api.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: UPLOAD_LIMIT }, (_request, body, done) => done(null, body))

  api.get<{ Querystring: Static<typeof ServiceListQuery> }>('/services', { config, schema: { tags, summary: 'Search the service inventory', querystring: ServiceListQuery, response: errorResponses } },
    async (request) => {
      const { page, pageSize } = pageOf(request.query)
      return { ...(await listServices(db, requireActor(request), { ...request.query, page, pageSize })), page, pageSize }
    })

  api.post<{ Body: ServiceCreateInput }>('/services', { config, schema: { tags, summary: 'Add a service', body: ServiceCreateInput, response: errorResponses } },
    async (request, reply) => reply.status(201).send(await createService(db, requireActor(request), request.body)))

  api.get<{ Querystring: Static<typeof ServiceExportQuery> }>('/services/export', { config, schema: { tags, summary: 'Export services as CSV or JSON (streamed, no row cap)', querystring: ServiceExportQuery, response: errorResponses } },
    async (request, reply) => {
      const { format = 'csv', ...filter } = request.query
      const actor = requireActor(request)
      const stamp = new Date().toISOString().slice(0, 10)
      if (format === 'json') {
        return reply.type('application/json; charset=utf-8').header('content-disposition', `attachment; filename="services-${stamp}.json"`).send(Readable.from(exportServicesJson(db, actor, filter)))
      }
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="services-${stamp}.csv"`).send(Readable.from(exportServicesCsv(db, actor, filter)))
    })

  api.post<{ Body: string }>('/services/import', {
    config, bodyLimit: UPLOAD_LIMIT,
    schema: { tags, summary: 'Import services from CSV (text/csv body). All rows or none.', consumes: ['text/csv'], response: { ...errorResponses, 400: ImportErrorResponse } },
  }, async (request, reply) => {
    if (typeof request.body !== 'string') return reply.status(415).send({ error: 'unsupported_media_type', message: 'Send the CSV file as the body with Content-Type: text/csv.' })
    const report = await importServicesCsv(db, requireActor(request), request.body)
    if (!report.ok) return reply.status(400).send({ error: 'invalid', message: `${report.errors.length} problem(s) found; nothing was imported.`, rows: report.errors })
    return report
  })

  api.get<{ Params: IdParams }>('/services/:id', { config, schema: { tags, summary: 'One service', params: IdParams, response: errorResponses } },
    async (request) => getService(db, requireActor(request), request.params.id))

  api.patch<{ Params: IdParams; Body: ServiceUpdateInput }>('/services/:id', { config, schema: { tags, summary: 'Edit a service', params: IdParams, body: ServiceUpdateInput, response: errorResponses } },
    async (request) => updateService(db, requireActor(request), request.params.id, request.body))

  api.post<{ Params: IdParams; Body: Static<typeof ServiceTransitionInput> }>('/services/:id/transitions', {
    config, schema: { tags, summary: 'Move a service through its lifecycle: submit, approve, verify, return, archive, restore', params: IdParams, body: ServiceTransitionInput, response: errorResponses },
  }, async (request) => transitionService(db, requireActor(request), request.params.id, request.body.transition as ServiceTransition))

  api.get<{ Querystring: Static<typeof GapsQuery> }>('/reports/digitization-gaps', {
    config, schema: { tags: ['reports'], summary: 'M-23-22 digitization gaps (A-11 §280.4)', querystring: GapsQuery, response: errorResponses },
  }, async (request) => ({ items: await digitizationGaps(db, requireActor(request), request.query.organizationId) }))
}
