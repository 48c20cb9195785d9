import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { listAudit } from '../audit/audit-log.ts'
import { canReadAudit } from '../auth/index.ts'
import { Forbidden } from '../errors.ts'
import type { Runtime } from '../runtime.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

export const AuditQuery = Type.Object({
  entityType: Type.Optional(Type.String({ maxLength: 50 })),
  entityId: Type.Optional(Type.String({ maxLength: 100 })),
  actorUserId: Type.Optional(Type.String({ format: 'uuid' })),
  before: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
}, { additionalProperties: false })

export async function registerAuditRoutes(api: FastifyInstance, { db }: Runtime, config: RouteLimits): Promise<void> {
  api.get<{ Querystring: Static<typeof AuditQuery> }>('/audit', {
    config, schema: { tags: ['audit'], summary: 'The audit log, newest first; filter by record or person (administrators)', querystring: AuditQuery, response: errorResponses },
  }, async (request) => {
    if (!canReadAudit(requireActor(request))) throw new Forbidden()
    return listAudit(db, { ...request.query, limit: request.query.limit ?? 50 })
  })
}
