import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { createHisp, getHisp, HispCreateInput, HispUpdateInput, listHisps, updateHisp } from '../catalog/index.ts'
import type { Runtime } from '../runtime.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses, IdParams, PageQuery, pageOf } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

const tags = ['hisps']
const HispListQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), active: Type.Optional(Type.Boolean()), ...PageQuery }, { additionalProperties: false })

export async function registerHispRoutes(api: FastifyInstance, { db }: Runtime, config: RouteLimits): Promise<void> {
  api.get<{ Querystring: Static<typeof HispListQuery> }>('/hisps', { config, schema: { tags, summary: 'The HISP registry', querystring: HispListQuery, response: errorResponses } },
    async (request) => ({ ...(await listHisps(db, { q: request.query.q, active: request.query.active, ...pageOf(request.query) })), ...pageOf(request.query) }))

  api.post<{ Body: HispCreateInput }>('/hisps', { config, schema: { tags, summary: 'Register a HISP (administrators)', body: HispCreateInput, response: errorResponses } },
    async (request, reply) => reply.status(201).send(await createHisp(db, requireActor(request), request.body)))

  api.get<{ Params: IdParams }>('/hisps/:id', { config, schema: { tags, summary: 'One HISP', params: IdParams, response: errorResponses } },
    async (request) => getHisp(db, request.params.id))

  api.patch<{ Params: IdParams; Body: HispUpdateInput }>('/hisps/:id', { config, schema: { tags, summary: 'Update a HISP (administrators)', params: IdParams, body: HispUpdateInput, response: errorResponses } },
    async (request) => updateHisp(db, requireActor(request), request.params.id, request.body))
}
