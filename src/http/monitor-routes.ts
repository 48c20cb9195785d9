/** Staff API for monitors: list, create, read, edit, delete, alert history, and "evaluate now" for managers. */
import type { FastifyInstance } from 'fastify'
import { listAlerts } from '../analytics/alerts.ts'
import { evaluateMonitorNow } from '../analytics/monitor-evaluation.ts'
import { AlertListQuery, MonitorCreateInput, MonitorListQuery, MonitorUpdateInput } from '../analytics/monitor-schema.ts'
import { createMonitor, deleteMonitor, getMonitor, listMonitors, updateMonitor } from '../analytics/monitors.ts'
import type { Runtime } from '../runtime.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses, IdParams, pageOf } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

const tags = ['monitors']
/** Evaluating reads up to a few hundred event-store buckets; a person needs it a few times a minute at most. */
const EVALUATIONS_PER_MINUTE = 30

export async function registerMonitorRoutes(api: FastifyInstance, runtime: Runtime, config: RouteLimits): Promise<void> {
  const { db } = runtime

  api.get<{ Querystring: MonitorListQuery }>('/monitors', {
    config, schema: { tags, summary: 'Monitors in organizations you can read, alerting first', querystring: MonitorListQuery, response: errorResponses },
  }, async (request) => {
    const page = pageOf(request.query)
    const { siteId, journeyId, status, q } = request.query
    return { ...(await listMonitors(db, requireActor(request), { siteId, journeyId, status, q, ...page })), ...page }
  })

  api.post<{ Body: MonitorCreateInput }>('/monitors', {
    config, schema: { tags, summary: 'Watch a site or journey metric with a rule (docs/monitors.md)', body: MonitorCreateInput, response: errorResponses },
  }, async (request, reply) => reply.status(201).send(await createMonitor(db, requireActor(request), request.body)))

  api.get<{ Params: IdParams }>('/monitors/:id', { config, schema: { tags, summary: 'One monitor with its evaluation state', params: IdParams, response: errorResponses } },
    async (request) => getMonitor(db, requireActor(request), request.params.id))

  api.patch<{ Params: IdParams; Body: MonitorUpdateInput }>('/monitors/:id', {
    config, schema: { tags, summary: 'Change the rule, schedule, recipients, webhook choice, or pause and resume', params: IdParams, body: MonitorUpdateInput, response: errorResponses },
  }, async (request) => updateMonitor(db, requireActor(request), request.params.id, request.body))

  api.delete<{ Params: IdParams }>('/monitors/:id', { config, schema: { tags, summary: 'Delete a monitor and its alert history', params: IdParams, response: errorResponses } },
    async (request, reply) => {
      await deleteMonitor(db, requireActor(request), request.params.id)
      return reply.status(204).send()
    })

  api.get<{ Params: IdParams; Querystring: AlertListQuery }>('/monitors/:id/alerts', {
    config, schema: { tags, summary: 'Alerts of a monitor, newest first', params: IdParams, querystring: AlertListQuery, response: errorResponses },
  }, async (request) => {
    const page = pageOf(request.query)
    return { ...(await listAlerts(db, requireActor(request), request.params.id, page)), ...page }
  })

  api.post<{ Params: IdParams }>('/monitors/:id/evaluate', {
    config: { rateLimit: { max: EVALUATIONS_PER_MINUTE, timeWindow: '1 minute' } },
    schema: { tags, summary: 'Judge the latest complete period now (managers); opens or resolves an alert like the job would', params: IdParams, response: errorResponses },
  }, async (request) => {
    const result = await evaluateMonitorNow(runtime, requireActor(request), request.params.id, { now: new Date(), publicUrl: runtime.config.publicUrl, mailer: runtime.mailer })
    return {
      monitor: result.monitor, bucket: { from: result.bucket.from.toISOString(), to: result.bucket.to.toISOString() },
      status: result.verdict.status, value: result.verdict.value, expected: result.verdict.expected, message: result.message,
      transition: result.transition, alreadyJudged: result.alreadyJudged,
    }
  })
}
