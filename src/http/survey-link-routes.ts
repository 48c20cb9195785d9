/**
 * Staff API for delivering a survey by email, SMS and in person: the hosted page link with its delivery parameters,
 * a short SMS text, and QR codes (SVG for print, PNG for everything else) of the link for a location.
 */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { CHANNELS, type Channel } from '../a11/channels.ts'
import { pick } from '../a11/survey-model.ts'
import { Invalid } from '../errors.ts'
import type { Runtime } from '../runtime.ts'
import { getSurvey, qrPng, qrSvg, surveyLink, type SurveyView } from '../surveys/index.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses, IdParams } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

const tags = ['survey delivery']
const code = (description: string) => Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description })
const Touchpoint = code('Where in the journey the survey is offered, e.g. renewal-confirmation.')
const LocationCode = code('The in-person location (office, counter, kiosk), recorded with offers and responses.')

const LinkQuery = Type.Object({
  channel: Type.Optional(Type.Enum([...CHANNELS], { description: 'The channel the link is sent through, e.g. email or sms_text_messages.' })),
  touchpoint: Type.Optional(Touchpoint),
  locationCode: Type.Optional(LocationCode),
  language: Type.Optional(Type.String({ maxLength: 10, description: 'Open the survey in this language (one of the survey\'s languages).' })),
}, { additionalProperties: false })
type LinkQuery = Static<typeof LinkQuery>

const QrQuery = Type.Object({
  locationCode: Type.Optional(LocationCode),
  channel: Type.Optional(Type.Enum([...CHANNELS], { description: 'Defaults to in_person.' })),
  touchpoint: Type.Optional(Touchpoint),
  language: Type.Optional(Type.String({ maxLength: 10 })),
}, { additionalProperties: false })
type QrQuery = Static<typeof QrQuery>

const LinkResult = Type.Object({ url: Type.String(), sms: Type.String() })

function checkLanguage(survey: SurveyView, language: string | undefined): void {
  if (language !== undefined && !survey.definition.languages.includes(language)) {
    throw new Invalid('Some fields need attention.', { language: `is not one of this survey's languages (${survey.definition.languages.join(', ')})` })
  }
}

/** `survey-1a2b3c4d-qr-lobby-3.svg`: the location code kept to filename-safe characters. */
function qrFilename(survey: SurveyView, locationCode: string | undefined, extension: 'svg' | 'png'): string {
  const location = (locationCode ?? '').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60)
  return `survey-${survey.id.slice(0, 8)}-qr${location ? `-${location}` : ''}.${extension}`
}

export async function registerSurveyLinkRoutes(api: FastifyInstance, { db, config }: Runtime, limits: RouteLimits): Promise<void> {
  async function qrLink(surveyId: string, actorRequest: Parameters<typeof requireActor>[0], query: QrQuery): Promise<{ survey: SurveyView; url: string }> {
    const survey = await getSurvey(db, requireActor(actorRequest), surveyId)
    checkLanguage(survey, query.language)
    const channel: Channel = query.channel ?? 'in_person'
    return { survey, url: surveyLink(config.publicUrl, survey.id, { source: 'qr', channel, touchpoint: query.touchpoint, locationCode: query.locationCode, language: query.language }) }
  }

  api.get<{ Params: IdParams; Querystring: LinkQuery }>('/surveys/:id/links', {
    config: limits,
    schema: { tags, summary: 'The hosted page link for an email or SMS send, with a short SMS text', params: IdParams, querystring: LinkQuery, response: { ...errorResponses, 200: LinkResult } },
  }, async (request) => {
    const survey = await getSurvey(db, requireActor(request), request.params.id)
    const { channel, touchpoint, locationCode, language } = request.query
    checkLanguage(survey, language)
    const url = surveyLink(config.publicUrl, survey.id, { source: 'link', channel, touchpoint, locationCode, language })
    const title = pick(survey.definition.title, language ?? survey.definition.languages[0] ?? 'en', survey.definition.languages[0] ?? 'en')
    return { url, sms: `${survey.organizationName}: ${title} ${url}` }
  })

  api.get<{ Params: IdParams; Querystring: QrQuery }>('/surveys/:id/qr.svg', {
    config: limits,
    schema: { tags, summary: 'QR code (SVG) of the hosted page link for an in-person location', params: IdParams, querystring: QrQuery, response: errorResponses },
  }, async (request, reply) => {
    const { survey, url } = await qrLink(request.params.id, request, request.query)
    return reply.type('image/svg+xml').header('content-disposition', `attachment; filename="${qrFilename(survey, request.query.locationCode, 'svg')}"`)
      .header('cache-control', 'private, max-age=300').send(await qrSvg(url))
  })

  api.get<{ Params: IdParams; Querystring: QrQuery }>('/surveys/:id/qr.png', {
    config: limits,
    schema: { tags, summary: 'QR code (PNG) of the hosted page link for an in-person location', params: IdParams, querystring: QrQuery, response: errorResponses },
  }, async (request, reply) => {
    const { survey, url } = await qrLink(request.params.id, request, request.query)
    return reply.type('image/png').header('content-disposition', `attachment; filename="${qrFilename(survey, request.query.locationCode, 'png')}"`)
      .header('cache-control', 'private, max-age=300').send(await qrPng(url))
  })
}
