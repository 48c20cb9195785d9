/** Staff API for the sites registry: list, register, read, edit, rotate the public key, archive and restore. */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { SiteCreateInput, SiteListQuery, SiteUpdateInput } from '../analytics/site-schema.ts'
import { archiveSite, createSite, getSite, listSites, restoreSite, rotateSiteKey, updateSite } from '../analytics/sites.ts'
import { createIngestKey, IngestKeyCreateInput, listIngestKeys, revokeIngestKey, rotateIngestKey } from '../analytics/server-ingest.ts'
import type { Runtime } from '../runtime.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses, IdParams, pageOf } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

const tags = ['sites']

const IngestKeyParams = Type.Object({ id: Type.String({ format: 'uuid' }), keyId: Type.String({ format: 'uuid' }) })
type IngestKeyParams = Static<typeof IngestKeyParams>

export async function registerSiteRoutes(api: FastifyInstance, { db }: Runtime, config: RouteLimits): Promise<void> {
  api.get<{ Querystring: SiteListQuery }>('/sites', { config, schema: { tags, summary: 'Sites in organizations you can read', querystring: SiteListQuery, response: errorResponses } },
    async (request) => {
      const page = pageOf(request.query)
      const { organizationId, state, q } = request.query
      return { ...(await listSites(db, requireActor(request), { organizationId, state, q, ...page })), ...page }
    })

  api.post<{ Body: SiteCreateInput }>('/sites', {
    config, schema: { tags, summary: 'Register a site; it gets a public site key for the tracker snippet', body: SiteCreateInput, response: errorResponses },
  }, async (request, reply) => reply.status(201).send(await createSite(db, requireActor(request), request.body)))

  api.get<{ Params: IdParams }>('/sites/:id', { config, schema: { tags, summary: 'One site with its linked services', params: IdParams, response: errorResponses } },
    async (request) => getSite(db, requireActor(request), request.params.id))

  api.patch<{ Params: IdParams; Body: SiteUpdateInput }>('/sites/:id', {
    config, schema: { tags, summary: 'Change name, host name, allowed origins, GPC handling or linked services', params: IdParams, body: SiteUpdateInput, response: errorResponses },
  }, async (request) => updateSite(db, requireActor(request), request.params.id, request.body))

  api.post<{ Params: IdParams }>('/sites/:id/rotate-key', { config, schema: { tags, summary: 'Issue a new public site key (the old one stops working)', params: IdParams, response: errorResponses } },
    async (request) => rotateSiteKey(db, requireActor(request), request.params.id))

  api.post<{ Params: IdParams }>('/sites/:id/archive', { config, schema: { tags, summary: 'Archive a site (stop measuring it)', params: IdParams, response: errorResponses } },
    async (request) => archiveSite(db, requireActor(request), request.params.id))

  api.post<{ Params: IdParams }>('/sites/:id/restore', { config, schema: { tags, summary: 'Restore an archived site', params: IdParams, response: errorResponses } },
    async (request) => restoreSite(db, requireActor(request), request.params.id))

  // Server-to-server ingest keys (POST /api/v1/events/server): the secret appears only in the create and rotate answers.
  api.get<{ Params: IdParams }>('/sites/:id/ingest-keys', { config, schema: { tags, summary: "The site's ingest keys (never the secrets)", params: IdParams, response: errorResponses } },
    async (request) => ({ items: await listIngestKeys(db, requireActor(request), request.params.id) }))

  api.post<{ Params: IdParams; Body: IngestKeyCreateInput }>('/sites/:id/ingest-keys', {
    config, schema: { tags, summary: 'Create an ingest key for server-to-server events; the secret is shown only in this response', params: IdParams, body: IngestKeyCreateInput, response: errorResponses },
  }, async (request, reply) => reply.status(201).send(await createIngestKey(db, requireActor(request), request.params.id, request.body)))

  api.post<{ Params: IngestKeyParams }>('/sites/:id/ingest-keys/:keyId/rotate', {
    config, schema: { tags, summary: 'Replace an ingest key’s secret (the old one stops working); the new secret is shown only in this response', params: IngestKeyParams, response: errorResponses },
  }, async (request) => rotateIngestKey(db, requireActor(request), request.params.id, request.params.keyId))

  api.delete<{ Params: IngestKeyParams }>('/sites/:id/ingest-keys/:keyId', { config, schema: { tags, summary: 'Revoke an ingest key', params: IngestKeyParams, response: errorResponses } },
    async (request) => revokeIngestKey(db, requireActor(request), request.params.id, request.params.keyId))
}
