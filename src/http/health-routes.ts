/** Public operational endpoints: /healthz (store checks) and /metrics (Prometheus). Both rate limited. */
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { sql } from 'kysely'
import type { Runtime } from '../runtime.ts'

async function checkDatabase(runtime: Runtime): Promise<string> {
  try {
    await sql`select 1`.execute(runtime.db)
    return 'ok'
  } catch (error) {
    return `error: ${(error as Error).message}`
  }
}

export async function registerHealthRoutes(app: FastifyInstance, runtime: Runtime, metrics: Registry): Promise<void> {
  const rateLimit = { max: runtime.config.publicRateLimitPerMinute, timeWindow: '1 minute' }
  app.get('/healthz', { config: { rateLimit } }, async (_request, reply) => {
    const [database, events] = await Promise.all([checkDatabase(runtime), runtime.events.health()])
    const ok = database === 'ok' && events.ok
    return reply.status(ok ? 200 : 503).header('cache-control', 'no-store').send({
      status: ok ? 'ok' : 'error',
      checks: { database: { engine: runtime.engine, status: database }, events: { engine: events.engine, status: events.detail } },
    })
  })
  app.get('/metrics', { config: { rateLimit } }, async (_request, reply) => {
    return reply.type(metrics.contentType).send(await metrics.metrics())
  })
}
