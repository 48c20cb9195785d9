/**
 * The REST API under /api/v1. Every route except the OpenAPI document needs a session or an API key; each domain's
 * routes live in their own module and stay thin (parse → authorize in the domain → reply).
 */
import type { FastifyInstance } from 'fastify'
import type { Runtime } from '../runtime.ts'
import { registerAccountRoutes } from './account-routes.ts'
import { registerAuditRoutes } from './audit-routes.ts'
import { registerHispRoutes } from './hisps-routes.ts'
import { registerOrganizationRoutes } from './organizations-routes.ts'
import { requireActor } from './request-context.ts'
import { registerServiceRoutes } from './services-routes.ts'

const PUBLIC_PATHS = new Set(['/api/v1/openapi.json'])

export async function registerApi(api: FastifyInstance, runtime: Runtime): Promise<void> {
  api.addHook('preValidation', async (request) => {
    if (!PUBLIC_PATHS.has(request.routeOptions.url ?? '')) requireActor(request)
  })
  const limits = { rateLimit: { max: runtime.config.publicRateLimitPerMinute * 10, timeWindow: '1 minute' } }
  api.get('/openapi.json', { config: { rateLimit: { max: runtime.config.publicRateLimitPerMinute, timeWindow: '1 minute' } } }, async () => api.swagger())
  await registerOrganizationRoutes(api, runtime, limits)
  await registerHispRoutes(api, runtime, limits)
  await registerServiceRoutes(api, runtime, limits)
  await registerAccountRoutes(api, runtime, limits)
  await registerAuditRoutes(api, runtime, limits)
}

export interface RouteLimits {
  readonly rateLimit: { readonly max: number; readonly timeWindow: string }
}
