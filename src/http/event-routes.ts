/**
 * Analytics ingest. Public: POST /api/v1/events takes a tracker batch (at most 100 events, 64 KB) as JSON or as the
 * text/plain body sendBeacon sends (so browsers need no preflight). The site's allowed origins govern browsers; bots
 * and, where the site honours it, Global Privacy Control are answered 204 and stored nowhere. A batch is answered only
 * after the group commit holding it; nothing unacknowledged is reported as stored.
 * Server-to-server: POST /api/v1/events/server takes up to 1,000 events (512 KB) from a system holding one of the
 * site's ingest keys (analytics/server-ingest.ts), answered the same way after the group commit.
 */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { eventRows, isBot, loadIngestSite, MAX_EVENTS_PER_BATCH, SessionTracker, TRACKED_TYPES } from '../analytics/ingest.ts'
import { authenticateIngestKey, type IngestCaller, SERVER_EVENTS_BODY_LIMIT, ServerEventBatch, serverEventRows } from '../analytics/server-ingest.ts'
import { TRACKER_PATH, trackerScript } from '../analytics/tracker.ts'
import { Forbidden, Invalid } from '../errors.ts'
import type { Runtime } from '../runtime.ts'
import { errorResponses } from './api-schemas.ts'
import { serveStaticScript } from './static-script.ts'

export const EVENTS_BODY_LIMIT = 64 * 1024

const EventBatch = Type.Object({
  k: Type.String({ pattern: '^cxs_[a-z2-7]{20}$', description: "The site's public key" }),
  e: Type.Array(Type.Object({
    y: Type.Enum([...TRACKED_TYPES]),
    u: Type.String({ minLength: 1, maxLength: 8192, description: 'The page URL (redacted before storing)' }),
    r: Type.Optional(Type.String({ maxLength: 8192 })),
    n: Type.Optional(Type.String({ maxLength: 2048 })),
    v: Type.Optional(Type.Number()),
    p: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Type.Unknown(), { maxProperties: 20 })),
    a: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000, description: 'Age in ms when sent (older than 10 minutes counts as 10)' })),
  }, { additionalProperties: false }), { minItems: 1, maxItems: MAX_EVENTS_PER_BATCH }),
}, { additionalProperties: false })
type EventBatch = Static<typeof EventBatch>

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route reads `Authorization` itself (an ingest key, not an API key): the app's caller lookup skips it. */
    authenticatesItself?: boolean
  }
}

// The caller found by a route's own authentication, for its handler.
const ingestCallers = new WeakMap<object, IngestCaller>()

/** The tracker script, registered on the app root like the widget's. */
export async function registerTrackerScriptRoute(app: FastifyInstance, runtime: Runtime): Promise<void> {
  serveStaticScript(app, TRACKER_PATH, trackerScript(), runtime.config.publicRateLimitPerMinute * 10)
}

export async function registerEventRoutes(api: FastifyInstance, runtime: Runtime): Promise<void> {
  const { db, config, eventWriter } = runtime
  const sessions = new SessionTracker()
  await api.register(async (scope) => {
    // sendBeacon posts a string as text/plain; it is the same JSON document.
    scope.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: EVENTS_BODY_LIMIT }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string))
      } catch {
        done(new Invalid('The body is not valid JSON.', { _: 'is not valid JSON' }), undefined)
      }
    })
    scope.post<{ Body: EventBatch }>('/events', {
      config: { rateLimit: { max: config.eventsRateLimitPerMinute, timeWindow: '1 minute' } }, bodyLimit: EVENTS_BODY_LIMIT,
      schema: {
        tags: ['analytics'], summary: 'Tracker events (public; 204 once stored, or dropped for bots and Global Privacy Control)', security: [],
        consumes: ['application/json', 'text/plain'], body: EventBatch, response: errorResponses,
      },
    }, async (request, reply) => {
      const site = await loadIngestSite(db, request.body.k)
      const origin = request.headers.origin
      if (origin !== undefined && !site.allowedOrigins.includes(origin.toLowerCase())) {
        throw new Forbidden("This site's key cannot be used from this origin. Add the origin to the site's allowed origins.")
      }
      if (origin) reply.header('access-control-allow-origin', origin).header('vary', 'Origin')
      const userAgent = request.headers['user-agent']
      if (isBot(userAgent) || (site.respectGpc && request.headers['sec-gpc'] === '1')) return reply.status(204).send()
      const rows = await eventRows(db, site, request.body.e, { ip: request.ip, userAgent: userAgent ?? '', at: new Date() }, sessions)
      await eventWriter.append(rows)
      return reply.status(204).send()
    })
  })

  const serverSessions = new SessionTracker()
  await api.register(async (scope) => {
    scope.post<{ Body: ServerEventBatch }>('/events/server', {
      config: {
        authenticatesItself: true,
        // Per key rather than per address: several senders may share an egress address, and one key is one system.
        rateLimit: { max: config.eventsRateLimitPerMinute, timeWindow: '1 minute', keyGenerator: (request) => /^bearer\s+cxi_([a-f0-9]{12})_/i.exec(request.headers.authorization ?? '')?.[1] ?? request.ip },
      },
      bodyLimit: SERVER_EVENTS_BODY_LIMIT,
      // Before the body is read: a wrong key costs no parsing of 512 KB.
      onRequest: async (request) => {
        ingestCallers.set(request, await authenticateIngestKey(db, request.headers.authorization))
      },
      schema: {
        tags: ['analytics'], summary: 'Server-to-server events (mobile apps, email, SMS, contact centres); 204 once stored',
        description: 'Authenticate with a site ingest key: `Authorization: Bearer cxi_…`. A batch with any invalid event stores nothing.',
        security: [], consumes: ['application/json'], body: ServerEventBatch, response: errorResponses,
      },
    }, async (request, reply) => {
      const caller = ingestCallers.get(request)
      if (!caller) throw new Error('ingest caller missing after authentication')
      const rows = await serverEventRows(db, caller, request.body.events, new Date(), serverSessions)
      await eventWriter.append(rows)
      return reply.status(204).send()
    })
  })
}
