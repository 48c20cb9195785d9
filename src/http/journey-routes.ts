/**
 * Staff API for journeys (A-11 §280.5): list, define, read, change (new steps write a new version), deprecate,
 * reactivate or mark replaced, and read results (began, ended, drop-off by step, trust by step) for any period; plus
 * ad-hoc funnels over sites the caller reads. Every table answers JSON, or CSV with `?format=csv`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { trustCsv } from '../analytics/journey-feedback.ts'
import {
  FormatQuery, FunnelInput, JourneyCreateInput, JourneyListQuery, JourneyResultsQuery, JourneyStateInput, JourneyUpdateInput,
} from '../analytics/journey-schema.ts'
import {
  adHocFunnel, createJourney, funnelCsv, getJourney, journeyResults, journeysCsv, journeyTrustByStep, listJourneys, setJourneyState, updateJourney, versionsCsv,
} from '../analytics/journeys.ts'
import type { Runtime } from '../runtime.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses, IdParams, pageOf } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

const tags = ['journeys']

function sendCsv(reply: FastifyReply, name: string, csv: string): FastifyReply {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}-${new Date().toISOString().slice(0, 10)}.csv"`).send(csv)
}

export async function registerJourneyRoutes(api: FastifyInstance, runtime: Runtime, config: RouteLimits): Promise<void> {
  const { db } = runtime
  // Funnels scan raw events: a tenth of the ordinary limit per caller address.
  const queryLimits = { rateLimit: { max: Math.max(10, Math.floor(config.rateLimit.max / 10)), timeWindow: config.rateLimit.timeWindow } }

  api.get<{ Querystring: JourneyListQuery }>('/journeys', {
    config, schema: { tags, summary: 'Journeys of services in organizations you can read', querystring: JourneyListQuery, response: errorResponses },
  }, async (request, reply) => {
    const page = pageOf(request.query)
    const { serviceId, siteId, organizationId, state, q, format } = request.query
    const list = await listJourneys(db, requireActor(request), { serviceId, siteId, organizationId, state, q, ...page })
    if (format === 'csv') return sendCsv(reply, 'journeys', journeysCsv(list.items))
    return { ...list, ...page }
  })

  api.post<{ Body: JourneyCreateInput }>('/journeys', {
    config, schema: { tags, summary: 'Define a journey of a service (its first version is active)', body: JourneyCreateInput, response: errorResponses },
  }, async (request, reply) => reply.status(201).send(await createJourney(db, requireActor(request), request.body)))

  api.get<{ Params: IdParams }>('/journeys/:id', {
    config, schema: { tags, summary: 'One journey with its sites and every version', params: IdParams, response: errorResponses },
  }, async (request) => getJourney(db, requireActor(request), request.params.id))

  api.patch<{ Params: IdParams; Body: JourneyUpdateInput }>('/journeys/:id', {
    config, schema: { tags, summary: 'Change a journey; new steps or window write a new active version and the previous one becomes replaced', params: IdParams, body: JourneyUpdateInput, response: errorResponses },
  }, async (request) => updateJourney(db, requireActor(request), request.params.id, request.body))

  api.post<{ Params: IdParams; Body: JourneyStateInput }>('/journeys/:id/state', {
    config, schema: { tags, summary: 'Deprecate, reactivate, or mark replaced by another journey', params: IdParams, body: JourneyStateInput, response: errorResponses },
  }, async (request) => setJourneyState(db, requireActor(request), request.params.id, request.body))

  api.get<{ Params: IdParams; Querystring: FormatQuery }>('/journeys/:id/versions', {
    config, schema: { tags, summary: 'The version history, newest first', params: IdParams, querystring: FormatQuery, response: errorResponses },
  }, async (request, reply) => {
    const journey = await getJourney(db, requireActor(request), request.params.id)
    if (request.query.format === 'csv') return sendCsv(reply, `journey-versions-${journey.id}`, versionsCsv(journey.versions))
    return { items: journey.versions }
  })

  api.get<{ Params: IdParams; Querystring: JourneyResultsQuery }>('/journeys/:id/results', {
    config: queryLimits, schema: { tags, summary: 'Began, ended, completion rate and drop-off by step of one version over a period (default: the current version, last 30 days)', params: IdParams, querystring: JourneyResultsQuery, response: errorResponses },
  }, async (request, reply) => {
    const { format, ...query } = request.query
    const results = await journeyResults(runtime, requireActor(request), request.params.id, query)
    if (format === 'csv') return sendCsv(reply, `journey-${results.journey.id}-v${results.version.version}`, funnelCsv(results))
    return results
  })

  api.get<{ Params: IdParams; Querystring: JourneyResultsQuery }>('/journeys/:id/trust-by-step', {
    config: queryLimits, schema: { tags, summary: 'Trust share of linked survey respondents by the furthest journey step they reached', params: IdParams, querystring: JourneyResultsQuery, response: errorResponses },
  }, async (request, reply) => {
    const { format, ...query } = request.query
    const trust = await journeyTrustByStep(runtime, requireActor(request), request.params.id, query)
    if (format === 'csv') return sendCsv(reply, `journey-trust-${request.params.id}-v${trust.version}`, trustCsv(trust))
    return trust
  })

  api.post<{ Body: FunnelInput; Querystring: FormatQuery }>('/analytics/funnels', {
    config: queryLimits, bodyLimit: 32 * 1024,
    schema: { tags, summary: 'An ad-hoc funnel (2 to 20 steps) over sites you can read; nothing is saved', body: FunnelInput, querystring: FormatQuery, response: errorResponses },
  }, async (request, reply) => {
    const result = await adHocFunnel(runtime, requireActor(request), request.body)
    if (request.query.format === 'csv') return sendCsv(reply, 'funnel', funnelCsv(result))
    return result
  })
}
