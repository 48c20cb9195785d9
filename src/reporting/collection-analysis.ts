/**
 * Reading collections side by side: a service's trend over the last quarters, one quarter's figures across services
 * and across channels, and the driver analysis of a collection. Everything is built from `CollectionView.figures`
 * and `details[].figures` (whatever `getCollection` serves, live or frozen), re-added as tallies where groups merge,
 * so a roll-up is scored from counts, never by averaging shares. Reads go through `listCollections`, `getCollection`
 * and `collectionsOfQuarter`, so the actor sees what they may read and nothing else.
 */
import type { Kysely } from 'kysely'
import { driverAnalysis, type DriverAnalysis } from '../a11/driver-analysis.ts'
import { formatFiscalQuarter, type FiscalQuarter } from '../a11/fiscal-year.ts'
import { addTallies, emptyTally, scoreFigures, type Mean, type ScoreFigures, type ScoreTally, type Share } from '../a11/scoring.ts'
import { DRIVER_KEYS, type Branch, type DriverKey } from '../a11/survey-model.ts'
import type { Actor } from '../auth/actor.ts'
import type { Database } from '../db/schema.ts'
import { quarterKey, type CollectionState, type Rating } from './collection-model.ts'
import { collectionsOfQuarter, getCollection, listCollections, type CollectionView, type DetailView } from './collections.ts'

/** The counts behind a group's figures (every share carries its count and n), so groups can be added and re-scored. */
export function tallyOfFigures(figures: ScoreFigures): ScoreTally {
  const ticks = (branch: Branch): Partial<Record<DriverKey, number>> =>
    Object.fromEntries(DRIVER_KEYS.map((k) => [k, figures.drivers[branch].drivers[k].count]))
  const l = figures.likertCounts
  return {
    respondents: figures.respondents, trustAnswered: figures.trust.n, trustPositive: figures.trust.count,
    likertCounts: [l[0] ?? 0, l[1] ?? 0, l[2] ?? 0, l[3] ?? 0, l[4] ?? 0],
    branchRespondents: { positive: figures.drivers.positive.n, negative: figures.drivers.negative.n },
    driverTicks: { positive: ticks('positive'), negative: ticks('negative') },
    offers: figures.offers,
  }
}

/** Respondents ÷ customers offered the survey over some details; null unless every detail has an offered figure. */
export interface VolumeRate {
  readonly respondents: number
  readonly offered: number | null
  readonly rate: number | null
}

/**
 * The response rate of several details together: Σ respondents ÷ Σ offered (entered, else recorded offers). A detail
 * without any offered figure makes the rate unknown (null) rather than flattering it by leaving its respondents out.
 */
export function volumeRate(details: readonly Pick<DetailView, 'respondents' | 'offered'>[]): VolumeRate {
  const respondents = details.reduce((sum, d) => sum + d.respondents, 0)
  if (details.length === 0 || details.some((d) => d.offered === null)) return { respondents, offered: null, rate: null }
  const offered = details.reduce((sum, d) => sum + (d.offered ?? 0), 0)
  return { respondents, offered, rate: offered > 0 ? respondents / offered : null }
}

/** The headline figures of a group (a collection, a channel, a service). */
export interface GroupFigures {
  readonly respondents: number
  readonly trust: Share
  readonly likertMean: Mean
  readonly responseRate: VolumeRate
  readonly drivers: ScoreFigures['drivers']
}

function groupFigures(figures: ScoreFigures, details: readonly Pick<DetailView, 'respondents' | 'offered'>[]): GroupFigures {
  return { respondents: figures.respondents, trust: figures.trust, likertMean: figures.likertMean, responseRate: volumeRate(details), drivers: figures.drivers }
}

export interface TrendPoint extends GroupFigures {
  readonly collectionId: string
  readonly fiscalYear: number
  readonly quarter: 1 | 2 | 3 | 4
  readonly label: string
  readonly state: CollectionState
}

export interface CollectionTrend {
  readonly serviceId: string
  readonly serviceName: string
  /** Oldest quarter first, ending with the collection's own quarter. */
  readonly points: readonly TrendPoint[]
}

export const TREND_QUARTERS = 8

/**
 * The same service's collections over the `quarters` fiscal quarters ending with this collection's (default 8),
 * oldest first; quarters without a collection are left out.
 */
export async function collectionTrend(db: Kysely<Database>, actor: Actor, id: string, quarters = TREND_QUARTERS): Promise<CollectionTrend> {
  return trendOf(db, actor, await getCollection(db, actor, id), quarters)
}

/** `collectionTrend` for a collection already loaded (its page). */
export async function trendOf(db: Kysely<Database>, actor: Actor, collection: CollectionView, quarters = TREND_QUARTERS): Promise<CollectionTrend> {
  const last = quarterKey(collection)
  const list = await listCollections(db, actor, { serviceId: collection.serviceId, page: 1, pageSize: 500 })
  const wanted = list.items.filter((c) => quarterKey(c) <= last && quarterKey(c) > last - quarters).sort((a, b) => quarterKey(a) - quarterKey(b))
  const points: TrendPoint[] = []
  for (const summary of wanted) {
    const view = summary.id === collection.id ? collection : await getCollection(db, actor, summary.id)
    points.push({ collectionId: view.id, fiscalYear: view.fiscalYear, quarter: view.quarter, label: view.label, state: view.state, ...groupFigures(view.figures, view.details) })
  }
  return { serviceId: collection.serviceId, serviceName: collection.serviceName, points }
}

export interface ServiceComparison extends GroupFigures {
  readonly collectionId: string
  readonly serviceId: string
  readonly serviceName: string
  readonly hispName: string
  readonly organizationName: string
  readonly state: CollectionState
  readonly rating: Rating | null
  readonly surveys: number
}

export interface ChannelComparison extends GroupFigures {
  readonly channel: string
  /** Details (surveys) on the channel, across the quarter's collections. */
  readonly surveys: number
  readonly collections: number
}

export interface QuarterComparison {
  readonly fiscalYear: number
  readonly quarter: 1 | 2 | 3 | 4
  readonly label: string
  /** One per readable collection of the quarter, by HISP then service. */
  readonly services: readonly ServiceComparison[]
  /** The quarter's details grouped by channel (tallies added, then scored), by channel key. */
  readonly channels: readonly ChannelComparison[]
  /** Every readable collection of the quarter together. */
  readonly overall: GroupFigures
}

/** Scores across services and across channels for one fiscal quarter, from the collections the actor may read. */
export async function compareQuarter(db: Kysely<Database>, actor: Actor, quarter: FiscalQuarter): Promise<QuarterComparison> {
  const collections = await collectionsOfQuarter(db, actor, quarter)
  return compareCollections(quarter, collections)
}

/** The comparison of already loaded collections (pure; `compareQuarter` loads them). */
export function compareCollections(quarter: FiscalQuarter, collections: readonly CollectionView[]): QuarterComparison {
  const services = collections.map((c): ServiceComparison => ({
    collectionId: c.id, serviceId: c.serviceId, serviceName: c.serviceName, hispName: c.hispName, organizationName: c.organizationName,
    state: c.state, rating: c.rating, surveys: c.details.length, ...groupFigures(c.figures, c.details),
  }))
  const byChannel = new Map<string, { tally: ScoreTally; details: DetailView[]; collections: Set<string> }>()
  let overall = emptyTally()
  const allDetails: DetailView[] = []
  for (const c of collections) {
    for (const d of c.details) {
      const group = byChannel.get(d.channel) ?? { tally: emptyTally(), details: [], collections: new Set<string>() }
      const tally = tallyOfFigures(d.figures)
      group.tally = addTallies(group.tally, tally)
      group.details.push(d)
      group.collections.add(c.id)
      byChannel.set(d.channel, group)
      overall = addTallies(overall, tally)
      allDetails.push(d)
    }
  }
  const channels = [...byChannel.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([channel, group]): ChannelComparison => ({
    channel, surveys: group.details.length, collections: group.collections.size, ...groupFigures(scoreFigures(group.tally), group.details),
  }))
  return { ...quarter, label: formatFiscalQuarter(quarter), services, channels, overall: groupFigures(scoreFigures(overall), allDetails) }
}

export interface CollectionDriverAnalysis {
  readonly collectionId: string
  /** All the collection's surveys together. */
  readonly overall: DriverAnalysis
  readonly details: ReadonlyArray<{ readonly detailId: string; readonly surveyTitle: string; readonly channel: string; readonly analysis: DriverAnalysis }>
}

/** The driver analysis of a collection, overall and per survey. */
export function collectionDriverAnalysis(collection: CollectionView, minimum?: number): CollectionDriverAnalysis {
  return {
    collectionId: collection.id,
    overall: driverAnalysis(collection.figures.drivers, minimum),
    details: collection.details.map((d) => ({ detailId: d.id, surveyTitle: d.surveyTitle, channel: d.channel, analysis: driverAnalysis(d.figures.drivers, minimum) })),
  }
}

