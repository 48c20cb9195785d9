/**
 * Metrics API (A-11 §280.5) for one site or one service (every active site linked to it that the caller reads):
 * totals, a daily or hourly series, breakdowns, key-action value statistics and the realtime view. Readers of the
 * site's (or service's) organization may call it; another organization's site or service answers 404. Every table
 * is JSON by default or CSV with `?format=csv`; an explicit `format` makes it a download (Content-Disposition).
 */
import { stringify } from 'csv-stringify/sync'
import type { FastifyInstance, FastifyReply } from 'fastify'
import Type, { type Static } from 'typebox'
import {
  actionValueSummaryFor, breakdownFor, chooseGranularity, loadScope, MAX_BREAKDOWN_LIMIT, realtimeFor, REALTIME_MINUTES, seriesFor, totalsFor,
  valuesFor, type AnalyticsScope, type ScopeKind,
} from '../analytics/metrics.ts'
import { parsePeriod, type Period } from '../analytics/period.ts'
import { BREAKDOWN_DIMENSIONS, type BreakdownDimension } from '../events/event-store.ts'
import type { Runtime } from '../runtime.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses, IdParams } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

const tags = ['analytics']
export const DEFAULT_BREAKDOWN_LIMIT = 10

const PeriodQuery = {
  from: Type.Optional(Type.String({ maxLength: 40, description: 'First UTC day, YYYY-MM-DD (default: 29 days before `to`).' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'Last UTC day, included, YYYY-MM-DD (default: today). At most 400 days in all.' })),
  format: Type.Optional(Type.Enum(['json', 'csv'], { description: 'json (default) or csv; naming it makes the answer a download.' })),
}
const TableQuery = Type.Object(PeriodQuery, { additionalProperties: false })
const SeriesQuery = Type.Object({
  ...PeriodQuery, granularity: Type.Optional(Type.Enum(['hour', 'day'], { description: 'Default: hour for periods of up to 2 days, day otherwise. Hourly covers at most 31 days.' })),
}, { additionalProperties: false })
const BreakdownQuery = Type.Object({
  ...PeriodQuery, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BREAKDOWN_LIMIT, description: `Top keys to return (default ${DEFAULT_BREAKDOWN_LIMIT}).` })),
}, { additionalProperties: false })
const RealtimeQuery = Type.Object({ format: PeriodQuery.format }, { additionalProperties: false })
const BreakdownParams = Type.Object({ id: IdParams.properties.id, dimension: Type.Enum([...BREAKDOWN_DIMENSIONS]) })
const ActionParams = Type.Object({ id: IdParams.properties.id, actionName: Type.String({ minLength: 1, maxLength: 100 }) })

type Format = 'json' | 'csv' | undefined
type Cell = string | number | null

/** OWASP "CSV injection": paths, referrers and names come from the public; a spreadsheet would run `=…` as a formula. */
const guard = (value: Cell): Cell => (typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value)
const slug = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'scope'

interface Table {
  readonly name: string
  readonly json: unknown
  readonly header: readonly string[]
  readonly rows: readonly (readonly Cell[])[]
}

function send(reply: FastifyReply, scope: AnalyticsScope, stamp: string, format: Format, table: Table): FastifyReply {
  reply.header('cache-control', 'no-store')
  const filename = `${scope.kind}-${slug(scope.name)}-${table.name}-${stamp}.${format ?? 'json'}`
  if (format) reply.header('content-disposition', `attachment; filename="${filename}"`)
  if (format === 'csv') {
    return reply.type('text/csv; charset=utf-8').send(stringify([table.header as Cell[], ...table.rows.map((row) => row.map(guard))]))
  }
  return reply.type('application/json; charset=utf-8').send(table.json)
}

const periodJson = (period: Period) => ({ from: period.from, to: period.to, days: period.days })
const periodStamp = (period: Period) => `${period.from}-to-${period.to}`

export async function registerAnalyticsRoutes(api: FastifyInstance, { db, events }: Runtime, config: RouteLimits): Promise<void> {
  for (const kind of ['site', 'service'] as const satisfies readonly ScopeKind[]) {
    const base = `/analytics/${kind}s/:id`
    const what = kind === 'site' ? 'a site' : 'a service (every active site linked to it that you can read)'

    api.get<{ Params: IdParams; Querystring: Static<typeof TableQuery> }>(`${base}/totals`, {
      config, schema: { tags, summary: `Page views, visitors, sessions, key actions and events of ${what} (from rollups)`, params: IdParams, querystring: TableQuery, response: errorResponses },
    }, async (request, reply) => {
      const scope = await loadScope(db, requireActor(request), kind, request.params.id)
      const period = parsePeriod(request.query)
      const totals = await totalsFor(events, scope, period)
      return send(reply, scope, periodStamp(period), request.query.format, {
        name: 'totals', json: { period: periodJson(period), sites: scope.sites, totals },
        header: ['from', 'to', 'pageviews', 'visitors', 'sessions', 'actions', 'events'],
        rows: [[period.from, period.to, totals.pageviews, totals.visitors, totals.sessions, totals.actions, totals.events]],
      })
    })

    api.get<{ Params: IdParams; Querystring: Static<typeof SeriesQuery> }>(`${base}/series`, {
      config, schema: { tags, summary: `Hourly or daily series of ${what}, every bucket present (from rollups)`, params: IdParams, querystring: SeriesQuery, response: errorResponses },
    }, async (request, reply) => {
      const scope = await loadScope(db, requireActor(request), kind, request.params.id)
      const period = parsePeriod(request.query)
      const granularity = chooseGranularity(period, request.query.granularity)
      const points = await seriesFor(events, scope, period, granularity)
      return send(reply, scope, periodStamp(period), request.query.format, {
        name: `series-${granularity}`, json: { period: periodJson(period), granularity, points: points.map((p) => ({ ...p, bucket: p.bucket.toISOString() })) },
        header: ['bucket', 'pageviews', 'visitors', 'sessions', 'actions', 'events'],
        rows: points.map((p) => [p.bucket.toISOString(), p.pageviews, p.visitors, p.sessions, p.actions, p.events]),
      })
    })

    api.get<{ Params: Static<typeof BreakdownParams>; Querystring: Static<typeof BreakdownQuery> }>(`${base}/breakdown/:dimension`, {
      config, schema: { tags, summary: `Top pages, referrer hosts, devices, channels, sites or key actions of ${what} (from rollups)`, params: BreakdownParams, querystring: BreakdownQuery, response: errorResponses },
    }, async (request, reply) => {
      const scope = await loadScope(db, requireActor(request), kind, request.params.id)
      const period = parsePeriod(request.query)
      const dimension = request.params.dimension as BreakdownDimension
      const rows = await breakdownFor(events, scope, period, dimension, request.query.limit ?? DEFAULT_BREAKDOWN_LIMIT)
      const keyColumns = dimension === 'site' ? ['site_id', 'site_name'] : [dimension]
      return send(reply, scope, periodStamp(period), request.query.format, {
        name: `breakdown-${dimension}`, json: { period: periodJson(period), dimension, rows },
        header: [...keyColumns, 'pageviews', 'visitors', 'actions', 'events'],
        rows: rows.map((r) => [...(dimension === 'site' ? [r.key, r.label] : [r.key]), r.pageviews, r.visitors, r.actions, r.events]),
      })
    })

    api.get<{ Params: IdParams; Querystring: Static<typeof BreakdownQuery> }>(`${base}/values`, {
      config, schema: {
        tags, params: IdParams, querystring: BreakdownQuery, response: errorResponses,
        summary: `Count, sum, mean, minimum and maximum of the values of the key actions of ${what} with the most values (from rollups; median and 95th percentile per action under values/{actionName})`,
      },
    }, async (request, reply) => {
      const scope = await loadScope(db, requireActor(request), kind, request.params.id)
      const period = parsePeriod(request.query)
      const rows = await actionValueSummaryFor(events, scope, period, request.query.limit ?? DEFAULT_BREAKDOWN_LIMIT)
      return send(reply, scope, periodStamp(period), request.query.format, {
        name: 'values', json: { period: periodJson(period), rows },
        header: ['action', 'occurrences', 'count', 'sum', 'mean', 'min', 'max'],
        rows: rows.map((r) => [r.action, r.occurrences, r.count, r.sum, r.mean, r.min, r.max]),
      })
    })

    api.get<{ Params: Static<typeof ActionParams>; Querystring: Static<typeof TableQuery> }>(`${base}/values/:actionName`, {
      config, schema: { tags, summary: `Sum, mean, median, minimum, maximum and 95th percentile of one key action's values on ${what} (from raw events)`, params: ActionParams, querystring: TableQuery, response: errorResponses },
    }, async (request, reply) => {
      const scope = await loadScope(db, requireActor(request), kind, request.params.id)
      const period = parsePeriod(request.query)
      const action = request.params.actionName
      const stats = await valuesFor(events, scope, period, action)
      return send(reply, scope, periodStamp(period), request.query.format, {
        name: `values-${slug(action)}`, json: { period: periodJson(period), action, stats },
        header: ['action', 'count', 'sum', 'mean', 'median', 'min', 'max', 'p95'],
        rows: [[action, stats.count, stats.sum, stats.mean, stats.median, stats.min, stats.max, stats.p95]],
      })
    })

    api.get<{ Params: IdParams; Querystring: Static<typeof RealtimeQuery> }>(`${base}/realtime`, {
      config, schema: { tags, summary: `The last ${REALTIME_MINUTES} minutes of ${what} from raw events: totals and the most recent events (no visitor or session ids)`, params: IdParams, querystring: RealtimeQuery, response: errorResponses },
    }, async (request, reply) => {
      const scope = await loadScope(db, requireActor(request), kind, request.params.id)
      const realtime = await realtimeFor(events, scope)
      const stamp = realtime.to.toISOString().slice(0, 16).replace(':', '')
      return send(reply, scope, stamp, request.query.format, {
        name: 'realtime',
        json: { from: realtime.from.toISOString(), to: realtime.to.toISOString(), windowMinutes: REALTIME_MINUTES, totals: realtime.totals, events: realtime.events.map((e) => ({ ...e, ts: e.ts.toISOString() })) },
        header: ['ts', 'site_id', 'event_type', 'name', 'path', 'referrer', 'device', 'channel', 'value'],
        rows: realtime.events.map((e) => [e.ts.toISOString(), e.siteId, e.eventType, e.name, e.path, e.referrer, e.device, e.channel, e.value]),
      })
    })
  }
}
