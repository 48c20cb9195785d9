/** Staff API for service recovery cases (A-11 §280.6): list, read, assign, schedule, resolve, reopen, notes. */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import type { Runtime } from '../runtime.ts'
import {
  addRecoveryNote, getRecoveryCase, listCaseAssignees, listRecoveryCases, NOTE_MAX, RECOVERY_STATUSES, RESOLUTION_MAX, updateRecoveryCase,
} from '../surveys/recovery.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses, IdParams, PageQuery, pageOf } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

const tags = ['recovery cases']
const DateOnly = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' })

const RecoveryListQuery = Type.Object({
  status: Type.Optional(Type.Enum([...RECOVERY_STATUSES, 'open'], { description: '`open` = new and in progress' })),
  assignee: Type.Optional(Type.String({ maxLength: 36, description: 'A user id, `me`, or `none` (unassigned)' })),
  overdue: Type.Optional(Type.Boolean({ description: 'Only open cases past their due date' })),
  surveyId: Type.Optional(Type.String({ format: 'uuid' })),
  ...PageQuery,
}, { additionalProperties: false })

export const RecoveryCaseUpdateBody = Type.Object({
  assigneeUserId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
  dueOn: Type.Optional(Type.Union([DateOnly, Type.Null()])),
  status: Type.Optional(Type.Enum([...RECOVERY_STATUSES])),
  resolution: Type.Optional(Type.Union([Type.String({ maxLength: RESOLUTION_MAX }), Type.Null()])),
}, { additionalProperties: false, minProperties: 1 })

const NoteBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: NOTE_MAX }) }, { additionalProperties: false })

export async function registerRecoveryRoutes(api: FastifyInstance, { db }: Runtime, config: RouteLimits): Promise<void> {
  api.get<{ Querystring: Static<typeof RecoveryListQuery> }>('/recovery-cases', {
    config, schema: { tags, summary: 'List recovery cases (open first, then by due date)', querystring: RecoveryListQuery, response: errorResponses },
  }, async (request) => {
    const { page, pageSize } = pageOf(request.query)
    const query = request.query
    return { ...(await listRecoveryCases(db, requireActor(request), { status: query.status, assignee: query.assignee, overdue: query.overdue, surveyId: query.surveyId, page, pageSize })), page, pageSize }
  })

  api.get<{ Params: IdParams }>('/recovery-cases/:id', {
    config, schema: { tags, summary: 'One recovery case with its response (free text masked) and notes', params: IdParams, response: errorResponses },
  }, async (request) => getRecoveryCase(db, requireActor(request), request.params.id))

  api.post<{ Params: IdParams }>('/recovery-cases/:id/reveal', {
    config, schema: { tags, summary: 'The case with personal information unmasked (needs the permission; audited)', params: IdParams, response: errorResponses },
  }, async (request) => getRecoveryCase(db, requireActor(request), request.params.id, { reveal: true }))

  api.get<{ Params: IdParams }>('/recovery-cases/:id/assignees', {
    config, schema: { tags, summary: 'People this case may be assigned to', params: IdParams, response: errorResponses },
  }, async (request) => ({ items: await listCaseAssignees(db, requireActor(request), request.params.id) }))

  api.patch<{ Params: IdParams; Body: Static<typeof RecoveryCaseUpdateBody> }>('/recovery-cases/:id', {
    config, schema: { tags, summary: 'Assign, set the due date, change status (resolving needs a resolution; a resolved case reopens to in_progress)', params: IdParams, body: RecoveryCaseUpdateBody, response: errorResponses },
  }, async (request) => updateRecoveryCase(db, requireActor(request), request.params.id, request.body))

  api.post<{ Params: IdParams; Body: Static<typeof NoteBody> }>('/recovery-cases/:id/notes', {
    config, schema: { tags, summary: 'Append a note to the case (notes are never edited or deleted)', params: IdParams, body: NoteBody, response: errorResponses },
  }, async (request, reply) => reply.status(201).send(await addRecoveryNote(db, requireActor(request), request.params.id, request.body.body)))
}
