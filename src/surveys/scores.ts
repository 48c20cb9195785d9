/**
 * Scores (A-11 §280.14; issue "Scores"): per survey, service, channel and fiscal quarter. Three aggregate queries
 * that both SQLite and PostgreSQL run (responses, driver ticks, offers), each grouped by survey × channel × fiscal
 * quarter; every coarser view adds those cells' counts and scores them with `a11/scoring.ts`. Spam and trashed
 * responses do not count. Fiscal quarters are the ones stored with each response (computed in `a11/` at intake).
 */
import { sql, type Kysely } from 'kysely'
import { CHANNEL_LABELS, type Channel } from '../a11/channels.ts'
import { formatFiscalQuarter, type FiscalQuarter } from '../a11/fiscal-year.ts'
import { addTallies, emptyTally, scoreFigures, type ScoreFigures, type ScoreTally } from '../a11/scoring.ts'
import { DRIVER_KEYS, type DriverKey } from '../a11/survey-model.ts'
import type { Actor } from '../auth/actor.ts'
import { canReadOrganization, readablePaths } from '../auth/permissions.ts'
import type { Database } from '../db/schema.ts'
import { subtreePattern } from '../db/values.ts'
import { NotFound } from '../errors.ts'
import { getSurvey } from './surveys.ts'

export const SCORE_GROUPINGS = ['quarter', 'channel', 'survey'] as const
export type ScoreGrouping = (typeof SCORE_GROUPINGS)[number]

/** The finest grain the store aggregates to. */
export interface ScoreCell {
  readonly surveyId: string
  readonly serviceId: string
  readonly channel: string
  readonly fiscalYear: number
  readonly fiscalQuarter: number
  readonly tally: ScoreTally
}

export interface ScoreGroup {
  /** Stable key: `FY2025-Q2`, the channel, or the survey id. */
  readonly key: string
  readonly label: string
  readonly fiscalYear?: number
  readonly fiscalQuarter?: number
  readonly channel?: string
  readonly surveyId?: string
  readonly figures: ScoreFigures
}

export interface ScoreReport {
  readonly by: ScoreGrouping
  readonly overall: ScoreFigures
  readonly groups: readonly ScoreGroup[]
}

interface Scope {
  readonly surveyId?: string | undefined
  readonly serviceId?: string | undefined
  /** One fiscal quarter only (a collection's); all quarters when absent. */
  readonly quarter?: FiscalQuarter | undefined
  /** Organization subtrees the caller reads; null for all. */
  readonly paths: readonly string[] | null
}

const EXCLUDED_STATUSES = ['spam', 'trash']
const n = (value: unknown): number => Number(value ?? 0)
const cellKey = (c: { surveyId: string; channel: string; fiscalYear: number; fiscalQuarter: number }) => `${c.surveyId}|${c.channel}|${c.fiscalYear}|${c.fiscalQuarter}`

/** Counts `1` where the condition holds: portable conditional aggregation. */
const countWhen = (condition: ReturnType<typeof sql>) => sql<number>`sum(case when ${condition} then 1 else 0 end)`

function responsesIn(db: Kysely<Database>, scope: Scope) {
  let query = db.selectFrom('responses as r')
    .innerJoin('services as sv', 'sv.id', 'r.service_id')
    .innerJoin('organizations as org', 'org.id', 'sv.organization_id')
    .where('r.status', 'not in', EXCLUDED_STATUSES)
  if (scope.surveyId) query = query.where('r.survey_id', '=', scope.surveyId)
  if (scope.serviceId) query = query.where('r.service_id', '=', scope.serviceId)
  if (scope.quarter) query = query.where('r.fiscal_year', '=', scope.quarter.fiscalYear).where('r.fiscal_quarter', '=', scope.quarter.quarter)
  const paths = scope.paths
  if (paths) query = query.where((eb) => eb.or(paths.map((p) => eb('org.path', 'like', subtreePattern(p)))))
  return query
}

/** Every survey × channel × quarter cell in scope, with its counts. */
export async function loadScoreCells(db: Kysely<Database>, scope: Scope): Promise<ScoreCell[]> {
  if (scope.paths && scope.paths.length === 0) return []
  const dimensions = ['r.survey_id', 'r.service_id', 'r.channel', 'r.fiscal_year', 'r.fiscal_quarter'] as const
  const trust = sql.ref('r.trust_value')
  const branch = sql.ref('r.branch')
  const likert = sql`${sql.ref('v.scale')} = ${'likert_scale'}`
  const [responses, ticks, offers] = await Promise.all([
    responsesIn(db, scope).innerJoin('survey_versions as v', 'v.id', 'r.survey_version_id')
      .select(dimensions)
      .select((eb) => [
        eb.fn.countAll<number>().as('respondents'),
        countWhen(sql`${trust} is not null`).as('trust_answered'),
        countWhen(sql`${trust} is not null and ${branch} = ${'positive'}`).as('trust_positive'),
        countWhen(sql`${branch} = ${'positive'}`).as('branch_positive'),
        countWhen(sql`${branch} = ${'negative'}`).as('branch_negative'),
        ...([1, 2, 3, 4, 5] as const).map((k) => countWhen(sql`${likert} and ${trust} = ${k}`).as(`likert_${k}`)),
      ])
      .groupBy(dimensions).execute(),
    // A tick counts in its branch only (a drivers question shown on some other condition would skew the share).
    responsesIn(db, scope).innerJoin('response_answers as a', 'a.response_id', 'r.id')
      .where((eb) => eb.or([
        eb.and([eb('a.role', '=', 'drivers_positive'), eb('r.branch', '=', 'positive')]),
        eb.and([eb('a.role', '=', 'drivers_negative'), eb('r.branch', '=', 'negative')]),
      ]))
      .select([...dimensions, 'a.role', 'a.option_key'])
      .select((eb) => eb.fn.countAll<number>().as('ticks'))
      .groupBy([...dimensions, 'a.role', 'a.option_key']).execute(),
    offersIn(db, scope),
  ])
  const cells = new Map<string, { surveyId: string; serviceId: string; channel: string; fiscalYear: number; fiscalQuarter: number; tally: ScoreTally }>()
  const cellFor = (row: { survey_id: string; service_id: string; channel: string; fiscal_year: number; fiscal_quarter: number }) => {
    const base = { surveyId: row.survey_id, serviceId: row.service_id, channel: row.channel, fiscalYear: n(row.fiscal_year), fiscalQuarter: n(row.fiscal_quarter) }
    const key = cellKey(base)
    let cell = cells.get(key)
    if (!cell) {
      cell = { ...base, tally: emptyTally() }
      cells.set(key, cell)
    }
    return cell
  }
  for (const row of responses) {
    const cell = cellFor(row)
    cell.tally = addTallies(cell.tally, {
      ...emptyTally(),
      respondents: n(row.respondents), trustAnswered: n(row.trust_answered), trustPositive: n(row.trust_positive),
      likertCounts: [n(row.likert_1), n(row.likert_2), n(row.likert_3), n(row.likert_4), n(row.likert_5)],
      branchRespondents: { positive: n(row.branch_positive), negative: n(row.branch_negative) },
    })
  }
  for (const row of ticks) {
    if (!(DRIVER_KEYS as readonly (string | null)[]).includes(row.option_key)) continue
    const cell = cellFor(row)
    const branch = row.role === 'drivers_positive' ? 'positive' : 'negative'
    cell.tally = addTallies(cell.tally, { ...emptyTally(), driverTicks: { positive: {}, negative: {}, [branch]: { [row.option_key as DriverKey]: n(row.ticks) } } })
  }
  for (const row of offers) {
    const cell = cellFor(row)
    cell.tally = addTallies(cell.tally, { ...emptyTally(), offers: n(row.offers) })
  }
  return [...cells.values()]
}

async function offersIn(db: Kysely<Database>, scope: Scope) {
  let query = db.selectFrom('survey_offers as so')
    .innerJoin('surveys as s', 's.id', 'so.survey_id')
    .innerJoin('services as sv', 'sv.id', 's.service_id')
    .innerJoin('organizations as org', 'org.id', 'sv.organization_id')
  if (scope.surveyId) query = query.where('so.survey_id', '=', scope.surveyId)
  if (scope.serviceId) query = query.where('s.service_id', '=', scope.serviceId)
  if (scope.quarter) query = query.where('so.fiscal_year', '=', scope.quarter.fiscalYear).where('so.fiscal_quarter', '=', scope.quarter.quarter)
  const paths = scope.paths
  if (paths) query = query.where((eb) => eb.or(paths.map((p) => eb('org.path', 'like', subtreePattern(p)))))
  const dimensions = ['so.survey_id', 's.service_id', 'so.channel', 'so.fiscal_year', 'so.fiscal_quarter'] as const
  return query.select(dimensions).select((eb) => eb.fn.sum<number>('so.count').as('offers')).groupBy(dimensions).execute()
}

/**
 * Rolls cells up into groups: by fiscal quarter (oldest first), by channel (most respondents first) or by survey
 * (named with `names`), plus the overall figures.
 */
export function rollUp(cells: readonly ScoreCell[], by: ScoreGrouping, names: ReadonlyMap<string, string> = new Map()): ScoreReport {
  const groups = new Map<string, { group: Omit<ScoreGroup, 'figures'>; tally: ScoreTally; order: number | string }>()
  let overall = emptyTally()
  for (const cell of cells) {
    overall = addTallies(overall, cell.tally)
    const head = groupHead(cell, by, names)
    const existing = groups.get(head.group.key)
    if (existing) existing.tally = addTallies(existing.tally, cell.tally)
    else groups.set(head.group.key, { ...head, tally: cell.tally })
  }
  const list = [...groups.values()]
  if (by === 'channel') list.sort((a, b) => b.tally.respondents - a.tally.respondents || a.group.key.localeCompare(b.group.key))
  else list.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : a.group.key.localeCompare(b.group.key)))
  return { by, overall: scoreFigures(overall), groups: list.map(({ group, tally }) => ({ ...group, figures: scoreFigures(tally) })) }
}

function groupHead(cell: ScoreCell, by: ScoreGrouping, names: ReadonlyMap<string, string>): { group: Omit<ScoreGroup, 'figures'>; order: number | string } {
  if (by === 'quarter') {
    const quarter = { fiscalYear: cell.fiscalYear, quarter: cell.fiscalQuarter as 1 | 2 | 3 | 4 }
    return { group: { key: `FY${cell.fiscalYear}-Q${cell.fiscalQuarter}`, label: formatFiscalQuarter(quarter), fiscalYear: cell.fiscalYear, fiscalQuarter: cell.fiscalQuarter }, order: cell.fiscalYear * 10 + cell.fiscalQuarter }
  }
  if (by === 'channel') return { group: { key: cell.channel, label: CHANNEL_LABELS[cell.channel as Channel] ?? cell.channel, channel: cell.channel }, order: cell.channel }
  const name = names.get(cell.surveyId) ?? cell.surveyId
  return { group: { key: cell.surveyId, label: name, surveyId: cell.surveyId }, order: name.toLowerCase() }
}

/** One survey's scores (404 for a survey the actor cannot read). */
export async function surveyScoreCells(db: Kysely<Database>, actor: Actor, surveyId: string): Promise<ScoreCell[]> {
  await getSurvey(db, actor, surveyId)
  return loadScoreCells(db, { surveyId, paths: null })
}

export async function surveyScores(db: Kysely<Database>, actor: Actor, surveyId: string, by: Exclude<ScoreGrouping, 'survey'>): Promise<ScoreReport> {
  return rollUp(await surveyScoreCells(db, actor, surveyId), by)
}

/** Scores across the surveys the actor can read, optionally of one service (404 for a service they cannot read). */
export async function serviceScores(db: Kysely<Database>, actor: Actor, query: { serviceId?: string | undefined; by: ScoreGrouping }): Promise<ScoreReport> {
  if (query.serviceId) {
    const service = await db.selectFrom('services').innerJoin('organizations as o', 'o.id', 'services.organization_id')
      .select('o.path').where('services.id', '=', query.serviceId).executeTakeFirst()
    if (!service || !canReadOrganization(actor, service.path)) throw new NotFound('Service')
  }
  const cells = await loadScoreCells(db, { serviceId: query.serviceId, paths: query.serviceId ? null : readablePaths(actor) })
  let names = new Map<string, string>()
  const ids = [...new Set(cells.map((c) => c.surveyId))]
  if (query.by === 'survey' && ids.length > 0) {
    names = new Map((await db.selectFrom('surveys').select(['id', 'name']).where('id', 'in', ids).execute()).map((s) => [s.id, s.name]))
  }
  return rollUp(cells, query.by, names)
}
