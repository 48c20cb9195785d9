import type { FastifyInstance } from 'fastify'
import { createOrganization, getOrganization, listOrganizations, OrganizationCreateInput, OrganizationUpdateInput, updateOrganization } from '../catalog/index.ts'
import type { Runtime } from '../runtime.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses, IdParams } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

const tags = ['organizations']

export async function registerOrganizationRoutes(api: FastifyInstance, { db }: Runtime, config: RouteLimits): Promise<void> {
  api.get('/organizations', { config, schema: { tags, summary: 'Organizations you can read, in tree order', response: errorResponses } },
    async (request) => ({ items: await listOrganizations(db, requireActor(request)) }))

  api.post<{ Body: OrganizationCreateInput }>('/organizations', { config, schema: { tags, summary: 'Add a department, bureau or office', body: OrganizationCreateInput, response: errorResponses } },
    async (request, reply) => reply.status(201).send(await createOrganization(db, requireActor(request), request.body)))

  api.get<{ Params: IdParams }>('/organizations/:id', { config, schema: { tags, summary: 'One organization', params: IdParams, response: errorResponses } },
    async (request) => getOrganization(db, requireActor(request), request.params.id))

  api.patch<{ Params: IdParams; Body: OrganizationUpdateInput }>('/organizations/:id', { config, schema: { tags, summary: 'Rename an organization', params: IdParams, body: OrganizationUpdateInput, response: errorResponses } },
    async (request) => updateOrganization(db, requireActor(request), request.params.id, request.body))
}
