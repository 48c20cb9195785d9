/**
 * Builds the Fastify application (no listening: `cx280 serve` listens, tests use `inject`). Order: shared plugins →
 * caller resolution and CSRF → health and metrics → the REST API under /api/v1 → server-rendered pages.
 */
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet from 'helmet'
import multipart from '@fastify/multipart'
import rateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import type { Runtime } from '../runtime.ts'
import { registerPages } from '../web/pages.ts'
import { renderErrorPage } from '../web/render.tsx'
import { registerApi } from './api.ts'
import { checkCsrf } from './csrf.ts'
import { installErrorHandling } from './error-handler.ts'
import { JSON_BODY_LIMIT, UPLOAD_LIMIT } from './limits.ts'
import { registerHealthRoutes } from './health-routes.ts'
import { registerWidgetScriptRoute } from './widget-routes.ts'
import { registerTrackerScriptRoute } from './event-routes.ts'
import { installMetrics } from './metrics.ts'
import { resolveCaller } from './request-context.ts'

const here = dirname(fileURLToPath(import.meta.url))
// The package exports only its script; the dist folder (css, img, fonts, js) sits two levels above it.
const uswdsDist = dirname(dirname(createRequire(import.meta.url).resolve('@uswds/uswds')))
const publicDir = join(here, '..', '..', 'public')


export interface BuildOptions {
  readonly logger?: boolean
}

export async function buildApp(runtime: Runtime, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger === false ? false : { level: runtime.config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] },
    trustProxy: runtime.config.trustProxy,
    bodyLimit: JSON_BODY_LIMIT,
    logController: new LogController({ disableRequestLogging: runtime.config.logLevel !== 'debug' }),
  })
  app.setValidatorCompiler(TypeBoxValidatorCompiler)

  await app.register(cookie, { secret: runtime.secret })
  await app.register(formbody, { bodyLimit: JSON_BODY_LIMIT })
  await app.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: UPLOAD_LIMIT, files: 1, fields: 20 } })
  // helmet's headers are the same on every response (no nonces), so they are worked out once and set with one call:
  // @fastify/helmet rebuilds the middleware (parsing the CSP) on every request, and even a prebuilt one costs a dozen
  // setHeader calls per request, a few percent of the thread under single-event ingest.
  const securityHeaders = staticHeaders(helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], fontSrc: ["'self'"],
        connectSrc: ["'self'"], formAction: ["'self'"], frameAncestors: ["'none'"], objectSrc: ["'none'"], baseUri: ["'self'"],
      },
    },
    hsts: runtime.config.publicUrl.startsWith('https://') ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  }))
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders)
    done()
  })
  await app.register(rateLimit, { global: false })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'cx280 API', version: '1', description: 'Service inventory, organizations, HISPs, users, API keys and audit for OMB Circular A-11 Section 280.' },
      servers: [{ url: runtime.config.publicUrl }],
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key created on the Account page: `cx280_…`.' } } },
      security: [{ apiKey: [] }],
    },
    hideUntagged: true,
  })
  await app.register(fastifyStatic, { root: uswdsDist, prefix: '/assets/uswds/', immutable: true, maxAge: '365d', decorateReply: false, index: false })
  await app.register(fastifyStatic, { root: publicDir, prefix: '/assets/', maxAge: '1h', decorateReply: false, index: false })

  app.decorateRequest('actor', null)
  app.decorateRequest('session', null)
  app.decorateRequest('via', null)
  app.addHook('preValidation', async (request) => {
    if (request.url.startsWith('/assets/') || request.routeOptions.config.authenticatesItself) return
    await resolveCaller(runtime, request)
    checkCsrf(request)
  })
  installErrorHandling(app, renderErrorPage)
  const metrics = installMetrics(app)

  await registerHealthRoutes(app, runtime, metrics)
  await registerWidgetScriptRoute(app, runtime)
  await registerTrackerScriptRoute(app, runtime)
  await app.register((api) => registerApi(api, runtime), { prefix: '/api/v1' })
  await app.register((pages) => registerPages(pages, runtime))
  app.addHook('onClose', async () => { await runtime.close() })
  return app
}

/** The headers a static helmet middleware sets, captured once from a stand-in response. */
function staticHeaders(middleware: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader: (name: string, value: unknown) => { headers[name.toLowerCase()] = String(value) },
    removeHeader: (name: string) => { delete headers[name.toLowerCase()] },
  }
  middleware({} as IncomingMessage, response as unknown as ServerResponse, (error) => {
    if (error) throw error
  })
  return headers
}
