/**
 * Public survey endpoints (hostile internet): the survey definition for the widget, responses, offers. No sign-in;
 * each survey's origin allowlist governs browsers (CORS), every request is size- and rate-limited per client address,
 * a honeypot field catches form-filling bots, and an idempotency key makes a retried submission land once.
 */
import { errorCodes, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import Type, { type Static } from 'typebox'
import { CHANNELS } from '../a11/channels.ts'
import { PRA_TEXT, estimatedBurdenMinutes } from '../a11/pra.ts'
import { chooseLanguage } from '../a11/respondent-text.ts'
import { visitorForResponse } from '../analytics/journey-feedback.ts'
import { canTriageResponses } from '../auth/permissions.ts'
import { Forbidden, Invalid } from '../errors.ts'
import type { Runtime } from '../runtime.ts'
import { atVersion, closedReason, loadPublicSurvey, originAllowed, recordOffer, submitResponse, type PublicSurvey } from '../surveys/intake.ts'
import { errorResponses, IdParams } from './api-schemas.ts'

const tags = ['feedback intake']
export const INTAKE_BODY_LIMIT = 64 * 1024
/** The honeypot: a field people never see or fill; bots that fill every input reveal themselves. */
export const HONEYPOT_FIELD = 'website_url'

const Context = {
  language: Type.Optional(Type.String({ maxLength: 10 })),
  channel: Type.Optional(Type.Enum([...CHANNELS])),
  touchpoint: Type.Optional(Type.String({ maxLength: 100 })),
  locationCode: Type.Optional(Type.String({ maxLength: 100 })),
}

export const ResponseBody = Type.Object({
  answers: Type.Record(Type.String({ maxLength: 60 }), Type.Unknown(), { maxProperties: 200 }),
  version: Type.Optional(Type.Integer({ minimum: 1, description: 'The survey version the respondent saw (from the survey document).' })),
  source: Type.Optional(Type.Enum(['widget', 'link', 'qr', 'api', 'hosted'])),
  pageUrl: Type.Optional(Type.String({ maxLength: 2000 })),
  idempotencyKey: Type.Optional(Type.String({ minLength: 8, maxLength: 100, description: 'Or the Idempotency-Key header.' })),
  [HONEYPOT_FIELD]: Type.Optional(Type.String({ maxLength: 500 })),
  ...Context,
}, { additionalProperties: false })
export type ResponseBody = Static<typeof ResponseBody>

const OfferBody = Type.Object({
  source: Type.Enum(['widget', 'link', 'qr', 'api', 'hosted']),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'Several offers at once (API keys only), e.g. an email send.' })),
  ...Context,
}, { additionalProperties: false })

const Stored = Type.Object({ id: Type.String(), duplicate: Type.Boolean() })

function allowCors(request: FastifyRequest, reply: FastifyReply, survey: PublicSurvey, ownOrigin: string): void {
  const origin = request.headers.origin
  if (!originAllowed(survey, origin, ownOrigin)) throw new Forbidden('This site is not allowed to use this survey. Add its origin to the survey\'s allowed origins.')
  if (origin) reply.header('access-control-allow-origin', origin).header('vary', 'Origin')
}

/**
 * Intake takes JSON (the hosted page posts its form to /s/{id}). A multipart body would reach the multipart parser,
 * whose errors on a malformed body carry no status and would surface as 500s; refuse it before parsing.
 */
async function refuseMultipart(request: FastifyRequest): Promise<void> {
  const type = request.headers['content-type']
  if (type !== undefined && /^\s*multipart\//i.test(type)) throw new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(type)
}

/** The survey document the widget renders. Public, short-cached. */
export function publicDocument(survey: PublicSurvey) {
  const reason = closedReason(survey)
  return {
    id: survey.id, version: survey.version, accepting: reason === null, closedReason: reason, organization: survey.organizationName,
    definition: survey.definition,
    pra: survey.clearance.ombControlNumber ? {
      ombControlNumber: survey.clearance.ombControlNumber, expiresOn: survey.clearance.expiresOn,
      burdenMinutes: estimatedBurdenMinutes(survey.definition, survey.clearance), text: PRA_TEXT,
    } : null,
  }
}

export async function registerIntakeRoutes(api: FastifyInstance, runtime: Runtime): Promise<void> {
  const { db, config } = runtime
  const ownOrigin = new URL(config.publicUrl).origin
  const intakeLimit = { rateLimit: { max: config.intakeRateLimitPerMinute, timeWindow: '1 minute' } }
  const readLimit = { rateLimit: { max: config.publicRateLimitPerMinute * 10, timeWindow: '1 minute' } }

  api.options<{ Params: IdParams }>('/surveys/:id/*', { config: readLimit }, async (request, reply) => {
    const survey = await loadPublicSurvey(db, request.params.id)
    allowCors(request, reply, survey, ownOrigin)
    return reply.status(204)
      .header('access-control-allow-methods', 'POST')
      .header('access-control-allow-headers', 'content-type, idempotency-key')
      .header('access-control-max-age', '600').send()
  })

  api.get<{ Params: IdParams }>('/public/surveys/:id', {
    config: readLimit, schema: { tags, summary: 'A published survey as the widget renders it (no sign-in)', params: IdParams, security: [], response: errorResponses },
  }, async (request, reply) => {
    const survey = await loadPublicSurvey(db, request.params.id)
    allowCors(request, reply, survey, ownOrigin)
    reply.header('cache-control', 'public, max-age=60')
    return publicDocument(survey)
  })

  api.post<{ Params: IdParams; Body: ResponseBody }>('/surveys/:id/responses', {
    config: intakeLimit, bodyLimit: INTAKE_BODY_LIMIT, onRequest: refuseMultipart,
    schema: {
      tags, summary: 'Submit a response (public; 201 stored, 200 already stored under this idempotency key)', params: IdParams, body: ResponseBody, security: [],
      response: { ...errorResponses, 200: Stored, 201: Stored },
    },
  }, async (request, reply) => {
    const survey = await loadPublicSurvey(db, request.params.id)
    allowCors(request, reply, survey, ownOrigin)
    const body = request.body
    if (body[HONEYPOT_FIELD]) throw new Invalid('This submission looks automated and was not stored.', { [HONEYPOT_FIELD]: 'must be empty' })
    const header = request.headers['idempotency-key']
    const idempotencyKey = typeof header === 'string' ? header : body.idempotencyKey
    if (idempotencyKey !== undefined && (idempotencyKey.length < 8 || idempotencyKey.length > 100)) {
      throw new Invalid('Some fields need attention.', { idempotencyKey: 'must be 8 to 100 characters' })
    }
    const answering = body.version !== undefined && body.version !== survey.version ? await atVersion(db, survey, body.version) : survey
    const visitor = await visitorForResponse(db, survey, body.pageUrl, { ip: request.ip, userAgent: request.headers['user-agent'], gpc: request.headers['sec-gpc'] === '1', at: new Date() })
    const stored = await submitResponse(db, answering, body.answers, {
      source: body.source ?? (request.via === 'api_key' ? 'api' : 'widget'), channel: body.channel, touchpoint: body.touchpoint, locationCode: body.locationCode,
      pageUrl: body.pageUrl, idempotencyKey, language: chooseLanguage(survey.definition, body.language, request.headers['accept-language']), visitor,
    })
    return reply.status(stored.duplicate ? 200 : 201).send({ id: stored.id, duplicate: stored.duplicate })
  })

  api.post<{ Params: IdParams; Body: Static<typeof OfferBody> }>('/surveys/:id/offers', {
    config: intakeLimit, bodyLimit: 4096, onRequest: refuseMultipart,
    schema: { tags, summary: 'Record that the survey was shown or sent (public; counts above 1 need an API key)', params: IdParams, body: OfferBody, security: [], response: errorResponses },
  }, async (request, reply) => {
    const survey = await loadPublicSurvey(db, request.params.id)
    allowCors(request, reply, survey, ownOrigin)
    if ((request.body.count ?? 1) > 1 && !(request.via === 'api_key' && request.actor && canTriageResponses(request.actor, survey.organizationPath))) {
      throw new Forbidden('Recording several offers at once needs an API key of the survey\'s organization.')
    }
    const reason = closedReason(survey)
    if (reason) return reply.status(409).send({ error: 'conflict', message: reason })
    await recordOffer(db, survey, { ...request.body })
    return reply.status(204).send()
  })
}
