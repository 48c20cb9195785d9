/**
 * Staff API for reading and triaging feedback: the cross-survey and per-survey response lists (keyset pages through
 * any volume), one response (masked), an audited reveal of its free text, and bulk triage. `POST /surveys/:id/responses`
 * is the public intake (intake-routes.ts); the GET here stays behind sign-in because PUBLIC_ROUTES is method-aware.
 */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { CHANNELS } from '../a11/channels.ts'
import { BRANCHES, DRIVER_KEYS, type Branch, type DriverKey } from '../a11/survey-model.ts'
import type { Runtime } from '../runtime.ts'
import {
  getResponse, listResponses, listSurveyResponses, MAX_BULK_IDS, MAX_INBOX_LIMIT, RESPONSE_STATUSES, revealResponse, TAG_MAX, TRIAGE_ACTIONS,
  triageResponses, type InboxFilter, type ResponseStatus, type TriageAction,
} from '../surveys/inbox.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses, IdParams } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

const tags = ['feedback inbox']
const DAY = '^\\d{4}-\\d{2}-\\d{2}$'

const FilterQuery = {
  from: Type.Optional(Type.String({ pattern: DAY, description: 'First day (UTC), YYYY-MM-DD, included.' })),
  to: Type.Optional(Type.String({ pattern: DAY, description: 'Last day (UTC), YYYY-MM-DD, included.' })),
  serviceId: Type.Optional(Type.String({ format: 'uuid' })),
  channel: Type.Optional(Type.Enum([...CHANNELS])),
  trust: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, description: 'The trust answer: thumbs 0/1 or Likert 1–5.' })),
  branch: Type.Optional(Type.Enum([...BRANCHES])),
  driver: Type.Optional(Type.Enum([...DRIVER_KEYS], { description: 'A driver ticked in either branch.' })),
  language: Type.Optional(Type.String({ pattern: '^[a-z]{2}(-[A-Z]{2})?$' })),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: TAG_MAX })),
  status: Type.Optional(Type.Enum([...RESPONSE_STATUSES], { description: 'Default: inbox.' })),
  flagged: Type.Optional(Type.Boolean()),
  hasText: Type.Optional(Type.Boolean()),
  contactRequested: Type.Optional(Type.Boolean()),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Case-insensitive text search in the answers.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INBOX_LIMIT, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 300, description: 'nextCursor (older) or prevCursor (newer) of an earlier page.' })),
}
const ResponseListQuery = Type.Object({ ...FilterQuery, surveyId: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false })
const SurveyResponseListQuery = Type.Object(FilterQuery, { additionalProperties: false })
type ListQuery = Static<typeof ResponseListQuery>

const BulkBody = Type.Object({
  ids: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: MAX_BULK_IDS }),
  action: Type.Enum([...TRIAGE_ACTIONS]),
  tag: Type.Optional(Type.String({ maxLength: 100, description: 'For tag and untag: lowercase letters, digits, - and _ (at most 40).' })),
}, { additionalProperties: false })

function split(query: ListQuery): { filter: InboxFilter; paging: { limit: number | undefined; cursor: string | undefined } } {
  const { limit, cursor, ...rest } = query
  return {
    filter: { ...rest, branch: rest.branch as Branch | undefined, driver: rest.driver as DriverKey | undefined, status: rest.status as ResponseStatus | undefined },
    paging: { limit, cursor },
  }
}

export async function registerResponseRoutes(api: FastifyInstance, { db }: Runtime, config: RouteLimits): Promise<void> {
  api.get<{ Querystring: ListQuery }>('/responses', {
    config, schema: { tags, summary: 'Responses across the surveys you can read, newest first; filters, search, keyset paging (text masked)', querystring: ResponseListQuery, response: errorResponses },
  }, async (request) => {
    const { filter, paging } = split(request.query)
    return listResponses(db, requireActor(request), filter, paging)
  })

  api.get<{ Params: IdParams; Querystring: Static<typeof SurveyResponseListQuery> }>('/surveys/:id/responses', {
    config, schema: { tags, summary: 'Responses to one survey, newest first (text masked)', params: IdParams, querystring: SurveyResponseListQuery, response: errorResponses },
  }, async (request) => {
    const { filter, paging } = split(request.query)
    return listSurveyResponses(db, requireActor(request), request.params.id, filter, paging)
  })

  api.get<{ Params: IdParams }>('/responses/:id', {
    config, schema: { tags, summary: 'One response with each question and answer in words (text masked)', params: IdParams, response: errorResponses },
  }, async (request) => getResponse(db, requireActor(request), request.params.id))

  api.post<{ Params: IdParams }>('/responses/:id/reveal', {
    config, schema: { tags, summary: 'One response with its free text unmasked; needs the reveal permission and is audited', params: IdParams, response: errorResponses },
  }, async (request) => revealResponse(db, requireActor(request), request.params.id))

  api.post<{ Body: Static<typeof BulkBody> }>('/responses/bulk', {
    config, schema: { tags, summary: 'Flag, unflag, spam, archive, move to the inbox, trash, restore, tag or untag up to 500 responses at once (all or nothing)', body: BulkBody, response: errorResponses },
  }, async (request) => triageResponses(db, requireActor(request), { ids: request.body.ids, action: request.body.action as TriageAction, tag: request.body.tag }))
}
