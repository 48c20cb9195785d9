/**
 * What the public sees of quarterly CX data collections (transparency pages and open data): published collections
 * only, their figures from the tallies frozen at submission, with small-cell suppression. A trust share or Likert
 * mean with fewer than `minRespondents` answers behind it, or a driver share with fewer respondents in its branch, is
 * withheld, and so is a collection total from which a withheld detail could be worked out by subtraction
 * (complementary suppression). Counts of respondents are shown; nothing here carries free text, notes, reflections,
 * emails, names or response-level data.
 */
import type { Kysely } from 'kysely'
import { formatFiscalQuarter } from '../a11/fiscal-year.ts'
import { addTallies, emptyTally, scoreFigures, type ScoreTally, type Share } from '../a11/scoring.ts'
import { BRANCHES, DRIVER_KEYS, type Branch, type DriverKey } from '../a11/survey-model.ts'
import type { Database } from '../db/schema.ts'
import { subtreePattern } from '../db/values.ts'
import { NotFound } from '../errors.ts'
import { dateIn } from './collection-model.ts'
import { parseTally } from './frozen-tally.ts'

/** Why a figure is withheld: too few respondents behind it; it would reveal a withheld one; no frozen tally. */
export type SuppressionReason = 'too_few_respondents' | 'complementary' | 'not_available'

export const SUPPRESSION_TEXT: Readonly<Record<SuppressionReason, (min: number) => string>> = {
  too_few_respondents: (min) => `Fewer than ${min} responses`,
  complementary: () => 'Withheld so a smaller group cannot be worked out',
  not_available: () => 'Not available',
}

interface Suppressible {
  readonly suppressed: boolean
  readonly reason: SuppressionReason | null
}

/** A proportion as published: share and 95% Wilson interval, rounded to 4 decimals; null when suppressed or n = 0. */
export interface PublicShare extends Suppressible {
  /** Answers behind the share (respondents to the trust question). */
  readonly n: number
  readonly share: number | null
  readonly lower: number | null
  readonly upper: number | null
}

export interface PublicMean extends Suppressible {
  readonly n: number
  readonly mean: number | null
}

export interface PublicBranch extends Suppressible {
  /** Respondents in the branch; null while the trust share is withheld (the branch sizes would reveal it). */
  readonly n: number | null
  /** Each driver's share of the branch's respondents; null when suppressed or n = 0. */
  readonly shares: Readonly<Record<DriverKey, number | null>>
}

export interface PublicFigures {
  readonly respondents: number
  /** Customers offered the survey (as the HISP reported it); null when unknown. */
  readonly offered: number | null
  readonly responseRate: number | null
  readonly trust: PublicShare
  /** Only for surveys on the 5-point Likert scale (null otherwise). */
  readonly likertMean: PublicMean | null
  readonly drivers: Readonly<Record<Branch, PublicBranch>>
}

export interface PublicDetail extends PublicFigures {
  readonly id: string
  readonly surveyTitle: string
  /** post_interaction | post_service_journey | relational. */
  readonly transactionPoint: string
  readonly channel: string
  readonly serviceStage: string | null
  /** thumbs_up_down | likert_scale. */
  readonly scale: string | null
  readonly ombControlNumber: string | null
  readonly volumeOfCustomers: number | null
}

export interface PublicCollection extends PublicFigures {
  readonly id: string
  readonly fiscalYear: number
  readonly quarter: number
  /** `FY2026 Q1`. */
  readonly label: string
  /** The day OMB published it (Eastern time), YYYY-MM-DD. */
  readonly publishedOn: string | null
  readonly agency: { readonly id: string; readonly name: string; readonly abbreviation: string | null }
  readonly hisp: { readonly name: string; readonly slug: string }
  readonly service: { readonly id: string; readonly name: string; readonly slug: string }
  readonly details: readonly PublicDetail[]
}

export interface PublicCollectionFilter {
  readonly fiscalYear?: number | undefined
  readonly quarter?: number | undefined
  readonly hispSlug?: string | undefined
  readonly serviceId?: string | undefined
  /** An organization and everything under it. */
  readonly organizationId?: string | undefined
}

export interface PublicCollectionPage {
  readonly items: readonly PublicCollection[]
  readonly total: number
  readonly page: number
  readonly pageSize: number
  readonly minRespondents: number
}

// ---------------------------------------------------------------------------------------------------------------
// Suppression (pure)

const round4 = (value: number | null): number | null => (value === null ? null : Math.round(value * 10_000) / 10_000)
const withheld = (n: number, min: number): boolean => n > 0 && n < min

function suppressedShare(n: number, reason: SuppressionReason): PublicShare {
  return { n, share: null, lower: null, upper: null, suppressed: true, reason }
}

function shownShare(share: Share): PublicShare {
  return { n: share.n, share: round4(share.share), lower: round4(share.interval?.lower ?? null), upper: round4(share.interval?.upper ?? null), suppressed: false, reason: null }
}

const noShares = (): Record<DriverKey, number | null> => Object.fromEntries(DRIVER_KEYS.map((k) => [k, null])) as Record<DriverKey, number | null>

/** How a tally's figures are withheld: per figure, the reason, or null when shown. */
export interface Withholding {
  readonly trust: SuppressionReason | null
  readonly likert: SuppressionReason | null
  readonly branches: Readonly<Record<Branch, SuppressionReason | null>>
}

const likertN = (tally: ScoreTally): number => tally.likertCounts.reduce((sum, c) => sum + c, 0)

/** A detail's own small cells. */
export function detailWithholding(tally: ScoreTally, min: number): Withholding {
  const small = (n: number): SuppressionReason | null => (withheld(n, min) ? 'too_few_respondents' : null)
  return {
    trust: small(tally.trustAnswered),
    likert: small(likertN(tally)),
    branches: { positive: small(tally.branchRespondents.positive), negative: small(tally.branchRespondents.negative) },
  }
}

/**
 * A collection total's withholding: its own small cells, then complementary suppression. Subtracting the shown
 * details from a shown total yields the withheld details together, so the total is withheld when that remainder has
 * between 1 and `min` − 1 respondents.
 */
export function totalWithholding(total: ScoreTally, details: ReadonlyArray<{ tally: ScoreTally; withholding: Withholding }>, min: number): Withholding {
  const own = detailWithholding(total, min)
  const remainder = (n: (t: ScoreTally) => number, reason: (w: Withholding) => SuppressionReason | null) =>
    details.filter((d) => reason(d.withholding) !== null).reduce((sum, d) => sum + n(d.tally), 0)
  const decide = (ownReason: SuppressionReason | null, rest: number): SuppressionReason | null => ownReason ?? (withheld(rest, min) ? 'complementary' : null)
  return {
    trust: decide(own.trust, remainder((t) => t.trustAnswered, (w) => w.trust)),
    likert: decide(own.likert, remainder(likertN, (w) => w.likert)),
    branches: {
      positive: decide(own.branches.positive, remainder((t) => t.branchRespondents.positive, (w) => w.branches.positive)),
      negative: decide(own.branches.negative, remainder((t) => t.branchRespondents.negative, (w) => w.branches.negative)),
    },
  }
}

/** The published figures of a tally under a withholding; `likert` says whether a Likert mean applies. */
export function publicFigures(tally: ScoreTally, withholding: Withholding, volumes: { respondents: number; offered: number | null; likert: boolean }): PublicFigures {
  const figures = scoreFigures(tally)
  const trust = withholding.trust ? suppressedShare(figures.trust.n, withholding.trust) : shownShare(figures.trust)
  const likert = !volumes.likert ? null
    : withholding.likert ? { n: figures.likertMean.n, mean: null, suppressed: true, reason: withholding.likert }
      : { n: figures.likertMean.n, mean: round4(figures.likertMean.mean), suppressed: false, reason: null }
  const drivers = Object.fromEntries(BRANCHES.map((branch): [Branch, PublicBranch] => {
    // Branch sizes and shares would reveal a withheld trust share (shares are fractions of the branch size).
    const reason = withholding.trust ?? withholding.branches[branch]
    const n = withholding.trust ? null : figures.drivers[branch].n
    const shares = reason ? noShares() : Object.fromEntries(DRIVER_KEYS.map((k) => [k, round4(figures.drivers[branch].drivers[k].share)])) as Record<DriverKey, number | null>
    return [branch, { n, shares, suppressed: reason !== null, reason }]
  })) as Record<Branch, PublicBranch>
  const rate = volumes.offered ? round4(volumes.respondents / volumes.offered) : null
  return { respondents: volumes.respondents, offered: volumes.offered, responseRate: rate, trust, likertMean: likert, drivers }
}

const UNAVAILABLE: Withholding = { trust: 'not_available', likert: 'not_available', branches: { positive: 'not_available', negative: 'not_available' } }

// ---------------------------------------------------------------------------------------------------------------
// Store reads

const num = (value: unknown): number => Number(value ?? 0)
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value))

function publishedCollections(db: Kysely<Database>, filter: PublicCollectionFilter, organizationPath: string | null) {
  let query = db.selectFrom('collections as c')
    .innerJoin('services as sv', 'sv.id', 'c.service_id')
    .innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .innerJoin('hisps as h', 'h.id', 'c.hisp_id')
    .select([
      'c.id', 'c.fiscal_year', 'c.quarter', 'c.published_at', 'c.service_id', 'sv.name as service_name', 'sv.slug as service_slug',
      'o.id as organization_id', 'o.name as organization_name', 'o.abbreviation as organization_abbreviation', 'h.name as hisp_name', 'h.slug as hisp_slug',
    ])
    .where('c.state', '=', 'published')
  if (filter.fiscalYear !== undefined) query = query.where('c.fiscal_year', '=', filter.fiscalYear)
  if (filter.quarter !== undefined) query = query.where('c.quarter', '=', filter.quarter)
  if (filter.hispSlug) query = query.where('h.slug', '=', filter.hispSlug)
  if (filter.serviceId) query = query.where('c.service_id', '=', filter.serviceId)
  if (organizationPath) query = query.where('o.path', 'like', subtreePattern(organizationPath))
  return query
}

type CollectionRow = Awaited<ReturnType<ReturnType<typeof publishedCollections>['execute']>>[number]

const isUuid = (value: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)

async function organizationPathOf(db: Kysely<Database>, organizationId: string): Promise<string | null> {
  if (!isUuid(organizationId)) return null
  return (await db.selectFrom('organizations').select('path').where('id', '=', organizationId).executeTakeFirst())?.path ?? null
}

async function buildCollections(db: Kysely<Database>, rows: readonly CollectionRow[], min: number): Promise<PublicCollection[]> {
  if (rows.length === 0) return []
  const details = await db.selectFrom('collection_details')
    .select(['id', 'collection_id', 'transaction_point', 'channel', 'service_stage_name', 'survey_type', 'survey_title', 'omb_control_number', 'respondents', 'volume_of_customers', 'volume_offered', 'recorded_offers', 'tally'])
    .where('collection_id', 'in', rows.map((r) => r.id)).orderBy('survey_title').orderBy('id').execute()
  return rows.map((row): PublicCollection => {
    const own = details.filter((d) => d.collection_id === row.id).map((d) => {
      const tally = d.tally === null ? null : parseTally(d.tally)
      const entered = numOrNull(d.volume_offered)
      const offered = entered ?? (num(d.recorded_offers) > 0 ? num(d.recorded_offers) : null)
      return { d, tally: tally ?? emptyTally(), frozen: tally !== null, offered, likert: d.survey_type === 'likert_scale' }
    })
    const withDetailWithholding = own.map((x) => ({ ...x, withholding: x.frozen ? detailWithholding(x.tally, min) : UNAVAILABLE }))
    const publicDetails = withDetailWithholding.map(({ d, tally, offered, likert, withholding }): PublicDetail => ({
      id: d.id, surveyTitle: d.survey_title, transactionPoint: d.transaction_point, channel: d.channel, serviceStage: d.service_stage_name, scale: d.survey_type,
      ombControlNumber: d.omb_control_number, volumeOfCustomers: numOrNull(d.volume_of_customers),
      ...publicFigures(tally, withholding, { respondents: d.respondents, offered, likert }),
    }))
    const total = own.reduce((sum, x) => addTallies(sum, x.tally), emptyTally())
    const allFrozen = own.every((x) => x.frozen)
    const totalWithheld = allFrozen ? totalWithholding(total, withDetailWithholding, min) : UNAVAILABLE
    const respondents = own.reduce((sum, x) => sum + x.d.respondents, 0)
    const offered = own.length > 0 && own.every((x) => x.offered !== null) ? own.reduce((sum, x) => sum + (x.offered as number), 0) : null
    return {
      id: row.id, fiscalYear: row.fiscal_year, quarter: row.quarter, label: formatFiscalQuarter({ fiscalYear: row.fiscal_year, quarter: row.quarter as 1 | 2 | 3 | 4 }),
      publishedOn: row.published_at ? dateIn(new Date(row.published_at)) : null,
      agency: { id: row.organization_id, name: row.organization_name, abbreviation: row.organization_abbreviation },
      hisp: { name: row.hisp_name, slug: row.hisp_slug },
      service: { id: row.service_id, name: row.service_name, slug: row.service_slug },
      ...publicFigures(total, totalWithheld, { respondents, offered, likert: own.some((x) => x.likert) }),
      details: publicDetails,
    }
  })
}

/** Published collections matching the filter, newest quarter first, then by HISP and service; paged. */
export async function listPublicCollections(db: Kysely<Database>, filter: PublicCollectionFilter & { page?: number | undefined; pageSize?: number | undefined }, min: number): Promise<PublicCollectionPage> {
  const page = filter.page ?? 1
  const pageSize = filter.pageSize ?? 50
  const path = filter.organizationId ? await organizationPathOf(db, filter.organizationId) : null
  if (filter.organizationId && !path) return { items: [], total: 0, page, pageSize, minRespondents: min }
  const query = publishedCollections(db, filter, path)
  const total = num((await query.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)
  const rows = await query.orderBy('c.fiscal_year', 'desc').orderBy('c.quarter', 'desc').orderBy('h.name').orderBy('sv.name').orderBy('c.id')
    .limit(pageSize).offset((page - 1) * pageSize).execute()
  return { items: await buildCollections(db, rows, min), total, page, pageSize, minRespondents: min }
}

/** Every published collection matching the filter (for the CSV and the pages), newest quarter first. */
export async function allPublicCollections(db: Kysely<Database>, filter: PublicCollectionFilter, min: number): Promise<PublicCollection[]> {
  const path = filter.organizationId ? await organizationPathOf(db, filter.organizationId) : null
  if (filter.organizationId && !path) return []
  const rows = await publishedCollections(db, filter, path)
    .orderBy('c.fiscal_year', 'desc').orderBy('c.quarter', 'desc').orderBy('h.name').orderBy('sv.name').orderBy('c.id').execute()
  return buildCollections(db, rows, min)
}

// ---------------------------------------------------------------------------------------------------------------
// What the pages list

export interface PublicAgencySummary {
  readonly id: string
  readonly name: string
  readonly abbreviation: string | null
  readonly services: number
  readonly collections: number
}

export interface PublicHispSummary {
  readonly name: string
  readonly slug: string
  readonly services: number
  readonly collections: number
}

/**
 * Agencies and HISPs with published data. An agency is a top-level organization (a department or independent
 * agency); its page includes its bureaus' services.
 */
export async function publicDirectory(db: Kysely<Database>): Promise<{ agencies: PublicAgencySummary[]; hisps: PublicHispSummary[] }> {
  const rows = await db.selectFrom('collections as c')
    .innerJoin('services as sv', 'sv.id', 'c.service_id')
    .innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .innerJoin('hisps as h', 'h.id', 'c.hisp_id')
    .select(['c.service_id', 'o.path', 'h.name as hisp_name', 'h.slug as hisp_slug'])
    .where('c.state', '=', 'published').execute()
  const rootOf = (path: string): string => path.split('/').filter(Boolean)[0] ?? ''
  const roots = [...new Set(rows.map((r) => rootOf(r.path)))].filter(isUuid)
  const organizations = roots.length === 0 ? [] : await db.selectFrom('organizations').select(['id', 'name', 'abbreviation']).where('id', 'in', roots).execute()
  const agencies = organizations.map((o) => {
    const mine = rows.filter((r) => rootOf(r.path) === o.id)
    return { id: o.id, name: o.name, abbreviation: o.abbreviation, services: new Set(mine.map((r) => r.service_id)).size, collections: mine.length }
  }).sort((a, b) => a.name.localeCompare(b.name))
  const hisps = [...new Set(rows.map((r) => r.hisp_slug))].map((slug) => {
    const mine = rows.filter((r) => r.hisp_slug === slug)
    return { name: mine[0]?.hisp_name ?? slug, slug, services: new Set(mine.map((r) => r.service_id)).size, collections: mine.length }
  }).sort((a, b) => a.name.localeCompare(b.name))
  return { agencies, hisps }
}

/** An organization with published data in its subtree, and those collections; 404 otherwise. */
export async function publicAgency(db: Kysely<Database>, organizationId: string, min: number): Promise<{ agency: { id: string; name: string; abbreviation: string | null }; collections: PublicCollection[] }> {
  const organization = isUuid(organizationId) ? await db.selectFrom('organizations').select(['id', 'name', 'abbreviation']).where('id', '=', organizationId).executeTakeFirst() : undefined
  const collections = organization ? await allPublicCollections(db, { organizationId }, min) : []
  if (!organization || collections.length === 0) throw new NotFound('Agency')
  return { agency: organization, collections }
}

/** A HISP with published data, and those collections; 404 otherwise. */
export async function publicHisp(db: Kysely<Database>, slug: string, min: number): Promise<{ hisp: { name: string; slug: string }; collections: PublicCollection[] }> {
  const collections = /^[a-z0-9-]{1,100}$/.test(slug) ? await allPublicCollections(db, { hispSlug: slug }, min) : []
  const first = collections[0]
  if (!first) throw new NotFound('HISP')
  return { hisp: first.hisp, collections }
}

/** A service's published collections, oldest quarter first (its trend); 404 when it has none. */
export async function publicService(db: Kysely<Database>, serviceId: string, min: number): Promise<PublicCollection[]> {
  const collections = isUuid(serviceId) ? await allPublicCollections(db, { serviceId }, min) : []
  if (collections.length === 0) throw new NotFound('Service')
  return [...collections].reverse()
}
