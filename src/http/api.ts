/**
 * The REST API under /api/v1. Every route except the OpenAPI document and the public survey intake needs a session or an API key; each domain's
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
import { registerEventRoutes } from './event-routes.ts'
import { registerIntakeRoutes } from './intake-routes.ts'
import { registerSurveyRoutes } from './survey-routes.ts'
import { registerSurveyLinkRoutes } from './survey-link-routes.ts'
import { registerRecoveryRoutes } from './recovery-routes.ts'
import { registerWebhookRoutes } from './webhook-routes.ts'
import { registerResponseRoutes } from './response-routes.ts'
import { registerWidgetEmbedRoute } from './widget-routes.ts'
import { registerResponseDataRoutes } from './response-data-routes.ts'
import { registerSiteRoutes } from './site-routes.ts'
import { registerMonitorRoutes } from './monitor-routes.ts'
import { registerCollectionRoutes } from './collection-routes.ts'
import { registerJourneyRoutes } from './journey-routes.ts'
import { registerAnalyticsRoutes } from './analytics-routes.ts'
import { registerAppReportRoutes } from './app-report-routes.ts'
import { PUBLIC_COLLECTION_ROUTES, registerPublicCollectionRoutes } from './public-collection-routes.ts'

/** Method and route of the endpoints the public may call without a session or key. */
const PUBLIC_ROUTES = new Set([
  'GET /api/v1/openapi.json', 'GET /api/v1/public/surveys/:id', 'POST /api/v1/surveys/:id/responses', 'POST /api/v1/surveys/:id/offers',
  'OPTIONS /api/v1/surveys/:id/*', 'POST /api/v1/events', 'POST /api/v1/events/server', ...PUBLIC_COLLECTION_ROUTES,
])

export async function registerApi(api: FastifyInstance, runtime: Runtime): Promise<void> {
  api.addHook('preValidation', async (request) => {
    if (!PUBLIC_ROUTES.has(`${request.method} ${request.routeOptions.url ?? ''}`)) requireActor(request)
  })
  const limits = { rateLimit: { max: runtime.config.publicRateLimitPerMinute * 10, timeWindow: '1 minute' } }
  api.get('/openapi.json', { config: { rateLimit: { max: runtime.config.publicRateLimitPerMinute, timeWindow: '1 minute' } } }, async () => api.swagger())
  await registerOrganizationRoutes(api, runtime, limits)
  await registerHispRoutes(api, runtime, limits)
  await registerServiceRoutes(api, runtime, limits)
  await registerAccountRoutes(api, runtime, limits)
  await registerAuditRoutes(api, runtime, limits)
  await registerSurveyRoutes(api, runtime, limits)
  await registerSurveyLinkRoutes(api, runtime, limits)
  await registerRecoveryRoutes(api, runtime, limits)
  await registerWebhookRoutes(api, runtime, limits)
  await registerResponseRoutes(api, runtime, limits)
  await registerWidgetEmbedRoute(api, runtime, limits)
  await registerResponseDataRoutes(api, runtime, limits)
  await registerSiteRoutes(api, runtime, limits)
  await registerCollectionRoutes(api, runtime, limits)
  await registerJourneyRoutes(api, runtime, limits)
  await registerAnalyticsRoutes(api, runtime, limits)
  await registerAppReportRoutes(api, runtime, limits)
  await registerMonitorRoutes(api, runtime, limits)
  await registerIntakeRoutes(api, runtime)
  await registerEventRoutes(api, runtime)
  await registerPublicCollectionRoutes(api, runtime)
}

export interface RouteLimits {
  readonly rateLimit: { readonly max: number; readonly timeWindow: string }
}
