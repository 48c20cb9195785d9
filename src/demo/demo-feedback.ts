/**
 * Demo feedback: published A-11 surveys on the demo's designated services (thumbs and Likert, English and Spanish,
 * web, phone and in-person channels), a page-helpfulness survey, and a few hundred synthetic responses and offers
 * over the last two fiscal quarters, including negative answers that asked for contact (open recovery cases).
 * Deterministic: the same data on every load.
 */
import type { Kysely } from 'kysely'
import type { Channel } from '../a11/channels.ts'
import type { TemplateKey } from '../a11/survey-templates.ts'
import type { Actor } from '../auth/actor.ts'
import type { Database } from '../db/schema.ts'
import { seededRandom } from '../seeded-random.ts'
import { checkSubmission, loadPublicSurvey, recordOffer, storeResponseIn } from '../surveys/intake.ts'
import { createSurvey, transitionSurvey } from '../surveys/surveys.ts'

interface SurveySeed {
  readonly service: string
  readonly template: TemplateKey
  readonly channel: Channel
  readonly name: string
  readonly trustRate: number
}

const SEEDS: readonly SurveySeed[] = [
  { service: 'Apply for disability compensation', template: 'a11_v2_likert', channel: 'website', name: 'Disability claim submitted (web)', trustRate: 0.72 },
  { service: 'Apply for disability compensation', template: 'a11_v2_thumbs', channel: 'phone', name: 'Disability claim call (phone)', trustRate: 0.64 },
  { service: 'Apply for GI Bill education benefits', template: 'a11_v2_thumbs', channel: 'website', name: 'GI Bill application (web)', trustRate: 0.81 },
  { service: 'Enroll in VA health care', template: 'a11_v2_likert', channel: 'in_person', name: 'Health care enrollment (in person)', trustRate: 0.69 },
  { service: 'Schedule a health care appointment', template: 'a11_v2_thumbs', channel: 'mobile_app', name: 'Appointment scheduled (app)', trustRate: 0.77 },
  { service: 'Find a gravesite', template: 'page_helpfulness', channel: 'website', name: 'Gravesite locator helpfulness', trustRate: 0.83 },
]

const POSITIVE = ['effectiveness', 'ease', 'efficiency', 'transparency', 'humanity', 'employee']
const COMMENTS = [
  'The online form was clear and I finished in one sitting.',
  'I waited on hold for over an hour before someone answered.',
  'Staff explained every step. Thank you.',
  'Please call me back at 202-555-0143, my claim status has not changed in months.',
  'No entendí qué documentos necesitaba.',
  'Uploading documents failed twice on my phone.',
  'Quick and easy, better than last year.',
]


export async function loadDemoFeedback(db: Kysely<Database>, actor: Actor, serviceIds: ReadonlyMap<string, string>, now = new Date()): Promise<number> {
  const next = seededRandom(280)
  let stored = 0
  for (const [index, seed] of SEEDS.entries()) {
    const serviceId = serviceIds.get(seed.service)
    if (!serviceId) continue
    const created = await createSurvey(db, actor, {
      serviceId, template: seed.template, channel: seed.channel, name: seed.name, askContact: seed.template !== 'page_helpfulness',
      ombControlNumber: '0348-0069', praExpiresOn: `${now.getUTCFullYear() + 2}-06-30`, allowedOrigins: ['https://www.va.gov'],
    })
    await transitionSurvey(db, actor, created.id, 'publish')
    const survey = await loadPublicSurvey(db, created.id)
    const count = 60 + Math.floor(next() * 60)
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < count; i++) {
        const submittedAt = new Date(now.getTime() - Math.floor(next() * 180 * 86_400_000))
        const positive = next() < seed.trustRate
        const answers: Record<string, unknown> = {}
        if (seed.template === 'page_helpfulness') {
          answers.helpful = positive ? 'yes' : 'no'
        } else {
          answers.trust = seed.template === 'a11_v2_likert' ? (positive ? 4 + Math.round(next()) : 1 + Math.floor(next() * 3)) : positive ? 1 : 0
          const drivers = POSITIVE.filter(() => next() < 0.35)
          answers[positive ? 'drivers_positive' : 'drivers_negative'] = drivers.length > 0 ? drivers : ['ease']
          if (!positive && next() < 0.2) {
            answers.contact_consent = 'yes'
            answers.contact_details = `veteran${i}@example.com`
          }
        }
        if (next() < 0.4) answers[seed.template === 'page_helpfulness' ? 'comment' : 'open_text'] = COMMENTS[Math.floor(next() * COMMENTS.length)]
        const checked = checkSubmission(survey, answers)
        await storeResponseIn(trx, survey, checked, { source: seed.channel === 'website' ? 'widget' : seed.channel === 'in_person' ? 'qr' : 'link', language: next() < 0.15 ? 'es' : 'en', submittedAt })
        stored += 1
      }
      const offers = Math.round(count / (0.08 + index * 0.02))
      await recordOffer(trx, survey, { source: 'api', count: Math.ceil(offers / 2), offeredAt: new Date(now.getTime() - 120 * 86_400_000) })
      await recordOffer(trx, survey, { source: 'api', count: Math.floor(offers / 2), offeredAt: new Date(now.getTime() - 30 * 86_400_000) })
    })
  }
  return stored
}
