/** Staff API for surveys: templates, create, edit (new version once published), lifecycle, versions. */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { SURVEY_STATES } from '../a11/survey-model.ts'
import { SURVEY_TEMPLATES, TEMPLATE_KEYS } from '../a11/survey-templates.ts'
import type { Runtime } from '../runtime.ts'
import {
  createSurvey, getSurvey, getSurveyVersion, listSurveys, SURVEY_TRANSITIONS, SurveyCreateInput, SurveyUpdateInput, transitionSurvey, updateSurvey,
  type SurveyTransition,
} from '../surveys/index.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses, IdParams, PageQuery, pageOf } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

const tags = ['surveys']
const SurveyListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  serviceId: Type.Optional(Type.String({ format: 'uuid' })),
  state: Type.Optional(Type.Enum([...SURVEY_STATES])),
  ...PageQuery,
}, { additionalProperties: false })
const TransitionInput = Type.Object({ transition: Type.Enum([...SURVEY_TRANSITIONS]) }, { additionalProperties: false })
const VersionParams = Type.Object({ id: Type.String({ format: 'uuid' }), version: Type.Integer({ minimum: 1 }) })
const TemplateQuery = Type.Object({ provider: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false })

export async function registerSurveyRoutes(api: FastifyInstance, { db }: Runtime, config: RouteLimits): Promise<void> {
  api.get<{ Querystring: Static<typeof TemplateQuery> }>('/survey-templates', { config, schema: { tags, summary: 'The templates a survey starts from (A-11 v2 thumbs and Likert, page helpfulness, legacy 7-question set)', querystring: TemplateQuery, response: errorResponses } },
    async (request) => {
      requireActor(request)
      const provider = request.query.provider ?? '[provider]'
      return { items: TEMPLATE_KEYS.map((key) => ({ key, name: SURVEY_TEMPLATES[key].name, description: SURVEY_TEMPLATES[key].description, scale: SURVEY_TEMPLATES[key].scale, definition: SURVEY_TEMPLATES[key].build({ provider }) })) }
    })

  api.get<{ Querystring: Static<typeof SurveyListQuery> }>('/surveys', { config, schema: { tags, summary: 'List surveys', querystring: SurveyListQuery, response: errorResponses } },
    async (request) => {
      const { page, pageSize } = pageOf(request.query)
      return { ...(await listSurveys(db, requireActor(request), { ...request.query, page, pageSize })), page, pageSize }
    })

  api.post<{ Body: SurveyCreateInput }>('/surveys', { config, schema: { tags, summary: 'Create a survey from a template or a definition', body: SurveyCreateInput, response: errorResponses } },
    async (request, reply) => reply.status(201).send(await createSurvey(db, requireActor(request), request.body)))

  api.get<{ Params: IdParams }>('/surveys/:id', { config, schema: { tags, summary: 'One survey with its current definition', params: IdParams, response: errorResponses } },
    async (request) => getSurvey(db, requireActor(request), request.params.id))

  api.patch<{ Params: IdParams; Body: SurveyUpdateInput }>('/surveys/:id', { config, schema: { tags, summary: 'Edit a survey; a published survey gets a new version', params: IdParams, body: SurveyUpdateInput, response: errorResponses } },
    async (request) => updateSurvey(db, requireActor(request), request.params.id, request.body))

  api.post<{ Params: IdParams; Body: Static<typeof TransitionInput> }>('/surveys/:id/transitions', {
    config, schema: { tags, summary: 'Publish, close, reopen or archive a survey', params: IdParams, body: TransitionInput, response: errorResponses },
  }, async (request) => transitionSurvey(db, requireActor(request), request.params.id, request.body.transition as SurveyTransition))

  api.get<{ Params: Static<typeof VersionParams> }>('/surveys/:id/versions/:version', { config, schema: { tags, summary: 'A survey version (responses keep the version they answered)', params: VersionParams, response: errorResponses } },
    async (request) => getSurveyVersion(db, requireActor(request), request.params.id, request.params.version))
}
