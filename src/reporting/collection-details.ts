/**
 * A collection's details follow the responses: one survey (one with a trust question) that collected
 * responses for the service in the quarter, with what OMB asks about the survey (reference §6: transaction point,
 * channel, stage, scale, title, OMB control number, trust question text as respondents saw it) and the respondent and
 * recorded-offer counts. While a collection is open, every read re-derives them; on submit they freeze.
 */
import type { Kysely, Transaction } from 'kysely'
import type { FiscalQuarter } from '../a11/fiscal-year.ts'
import { addTallies, emptyTally, type ScoreTally } from '../a11/scoring.ts'
import { pick, questionWithRole, trustScaleOf, type SurveyDefinition } from '../a11/survey-model.ts'
import type { Database } from '../db/schema.ts'
import { newId, nowIso } from '../db/values.ts'
import { loadScoreCells } from '../surveys/scores.ts'
import { NOT_DATA_STATUSES } from './omb-response-file.ts'

type Db = Kysely<Database> | Transaction<Database>

/** What OMB's detail record says about a survey, as derived now. */
export interface DerivedDetail {
  readonly surveyId: string
  readonly transactionPoint: string
  readonly channel: string
  readonly serviceStageId: string | null
  readonly serviceStageName: string | null
  readonly surveyType: string | null
  readonly surveyTitle: string
  readonly ombControlNumber: string | null
  readonly federalRegisterUrl: string | null
  readonly trustQuestionText: string | null
  readonly legacy: boolean
  /** Responses that answered the trust question: the rows of the 17-column file. */
  readonly respondents: number
  readonly recordedOffers: number
}

const n = (value: unknown): number => Number(value ?? 0)

/** The surveys that collected A-11 responses for a service in a quarter, described as OMB's details. */
export async function deriveDetails(db: Db, serviceId: string, quarter: FiscalQuarter): Promise<DerivedDetail[]> {
  const counts = await db.selectFrom('responses')
    .select(['survey_id', 'survey_version_id']).select((eb) => eb.fn.countAll<number>().as('respondents'))
    .where('service_id', '=', serviceId).where('fiscal_year', '=', quarter.fiscalYear).where('fiscal_quarter', '=', quarter.quarter)
    .where('status', 'not in', [...NOT_DATA_STATUSES]).where('trust_value', 'is not', null)
    .groupBy(['survey_id', 'survey_version_id']).execute()
  if (counts.length === 0) return []
  const surveyIds = [...new Set(counts.map((c) => c.survey_id))]
  const [surveys, versions, offers] = await Promise.all([
    db.selectFrom('surveys as s').leftJoin('service_stages as st', 'st.id', 's.stage_id')
      .select(['s.id', 's.name', 's.channel', 's.survey_type', 's.stage_id', 'st.name as stage_name', 's.omb_control_number', 's.federal_register_url', 's.template'])
      .where('s.id', 'in', surveyIds).execute(),
    db.selectFrom('survey_versions').select(['id', 'survey_id', 'version', 'scale', 'definition']).where('id', 'in', [...new Set(counts.map((c) => c.survey_version_id))]).execute(),
    db.selectFrom('survey_offers').select('survey_id').select((eb) => eb.fn.sum<number>('count').as('offers'))
      .where('survey_id', 'in', surveyIds).where('fiscal_year', '=', quarter.fiscalYear).where('fiscal_quarter', '=', quarter.quarter)
      .groupBy('survey_id').execute(),
  ])
  const offersOf = new Map(offers.map((o) => [o.survey_id, n(o.offers)]))
  return surveys.map((survey): DerivedDetail => {
    // "As shown": the newest version respondents answered in the quarter.
    const shown = versions.filter((v) => v.survey_id === survey.id).sort((a, b) => b.version - a.version)[0]
    const definition = JSON.parse(shown?.definition ?? '{"languages":["en"],"title":{},"questions":[]}') as SurveyDefinition
    const language = definition.languages[0] ?? 'en'
    const trust = questionWithRole(definition, 'trust')
    return {
      surveyId: survey.id, transactionPoint: survey.survey_type, channel: survey.channel, serviceStageId: survey.stage_id, serviceStageName: survey.stage_name,
      surveyType: shown?.scale ?? trustScaleOf(definition), surveyTitle: pick(definition.title, language, language) || survey.name,
      ombControlNumber: survey.omb_control_number, federalRegisterUrl: survey.federal_register_url,
      trustQuestionText: trust ? pick(trust.prompt, language, language) : null,
      legacy: survey.template === 'legacy_likert_7' || Boolean(questionWithRole(definition, 'legacy_likert')),
      respondents: counts.filter((c) => c.survey_id === survey.id).reduce((sum, c) => sum + n(c.respondents), 0),
      recordedOffers: offersOf.get(survey.id) ?? 0,
    }
  }).sort((a, b) => a.surveyTitle.localeCompare(b.surveyTitle) || a.surveyId.localeCompare(b.surveyId))
}

/**
 * Brings a collection's stored details in line with the responses: adds new surveys, refreshes the others' fields
 * and counts, removes surveys whose responses are all gone (their entered volumes go with them). Concurrent readers
 * may both sync; inserts ignore a detail another one just added.
 */
export async function syncDetails(db: Db, collection: { id: string; service_id: string; fiscal_year: number; quarter: number }): Promise<void> {
  const derived = await deriveDetails(db, collection.service_id, { fiscalYear: collection.fiscal_year, quarter: collection.quarter as 1 | 2 | 3 | 4 })
  const stored = await db.selectFrom('collection_details').selectAll().where('collection_id', '=', collection.id).execute()
  const now = nowIso()
  const bySurvey = new Map(stored.map((d) => [d.survey_id, d]))
  for (const d of derived) {
    const columns = {
      transaction_point: d.transactionPoint, channel: d.channel, service_stage_id: d.serviceStageId, service_stage_name: d.serviceStageName,
      survey_type: d.surveyType, survey_title: d.surveyTitle, omb_control_number: d.ombControlNumber, federal_register_url: d.federalRegisterUrl,
      trust_question_text: d.trustQuestionText, legacy: d.legacy ? 1 as const : 0 as const, respondents: d.respondents, recorded_offers: d.recordedOffers,
    }
    const existing = bySurvey.get(d.surveyId)
    if (!existing) {
      await db.insertInto('collection_details').values({
        id: newId(), collection_id: collection.id, survey_id: d.surveyId, ...columns, volume_of_customers: null, volume_offered: null, data_hash: null, created_at: now, updated_at: now,
      }).onConflict((oc) => oc.columns(['collection_id', 'survey_id']).doNothing()).execute()
      continue
    }
    const changed = (Object.keys(columns) as (keyof typeof columns)[]).some((k) => String(existing[k] ?? '') !== String(columns[k] ?? ''))
    if (changed) await db.updateTable('collection_details').set({ ...columns, updated_at: now }).where('id', '=', existing.id).execute()
  }
  const gone = stored.filter((s) => !derived.some((d) => d.surveyId === s.survey_id)).map((s) => s.id)
  if (gone.length > 0) await db.deleteFrom('collection_details').where('id', 'in', gone).execute()
}

/** The store's tallies per survey for a service's quarter (scored by a11/scoring: `scoreFigures`, `addTallies`). */
export async function quarterTallies(db: Db, serviceId: string, quarter: FiscalQuarter): Promise<Map<string, ScoreTally>> {
  const cells = await loadScoreCells(db, { serviceId, quarter, paths: null })
  const tallies = new Map<string, ScoreTally>()
  for (const cell of cells) tallies.set(cell.surveyId, addTallies(tallies.get(cell.surveyId) ?? emptyTally(), cell.tally))
  return tallies
}
