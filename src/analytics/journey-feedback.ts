/**
 * Trust by journey step (A-11 §280.5 joined to §280.14: survey data "generates perceptions of trust", web data
 * "may be used to augment" it). A response posted from a page of a measured site is linked to the analytics visitor
 * who sent it: the same daily-salted hash of site, IP address and user agent the tracker's events carry, computed
 * at intake from the request and stored with the response. Nothing personal is stored, and the link expires with
 * the day's salt. Then, for a journey version and a period, each linked respondent's furthest step reached comes
 * from the event store and trust share is scored per step with `a11/scoring.ts`.
 */
import { stringify } from 'csv-stringify/sync'
import type { Kysely } from 'kysely'
import { LRUCache } from 'lru-cache'
import { shareOf, type Share } from '../a11/scoring.ts'
import type { Database } from '../db/schema.ts'
import type { TimeRange } from '../events/event-store.ts'
import type { Runtime } from '../runtime.ts'
import { isBot } from './ingest.ts'
import { pathMatches, toFunnelStep, type JourneyStep } from './journey-schema.ts'
import { saltFor } from './salts.ts'
import { dailySaltKey, visitorId } from './visitor-id.ts'

/** The analytics visitor a response came from. */
export interface ResponseVisitor {
  readonly siteId: string
  readonly visitorId: string
}

interface OriginSite {
  readonly id: string
  readonly organizationPath: string
  readonly serviceIds: readonly string[]
  readonly respectGpc: boolean
}

// Intake is the hot path: the active sites allowing an origin are read once a second at most per origin.
const originSites = new LRUCache<string, OriginSite[]>({ max: 10_000, ttl: 1000 })

async function sitesAllowing(db: Kysely<Database>, origin: string): Promise<OriginSite[]> {
  const cached = originSites.get(origin)
  if (cached) return cached
  // Origins hold only letters, digits, '.', '-', ':' and '/', so the JSON text can be searched without escaping.
  const rows = await db.selectFrom('sites as s').innerJoin('organizations as o', 'o.id', 's.organization_id')
    .select(['s.id', 's.allowed_origins', 's.respect_gpc', 'o.path']).where('s.state', '=', 'active')
    .where('s.allowed_origins', 'like', `%${JSON.stringify(origin)}%`).orderBy('s.created_at').orderBy('s.id').execute()
  const matching = rows.filter((r) => (JSON.parse(r.allowed_origins) as string[]).includes(origin))
  const links = matching.length === 0 ? [] : await db.selectFrom('site_services').select(['site_id', 'service_id']).where('site_id', 'in', matching.map((r) => r.id)).execute()
  const sites = matching.map((r) => ({
    id: r.id, organizationPath: r.path, respectGpc: r.respect_gpc === 1, serviceIds: links.filter((l) => l.site_id === r.id).map((l) => l.service_id),
  }))
  originSites.set(origin, sites)
  return sites
}

export interface ResponseSender {
  readonly ip: string
  readonly userAgent: string | undefined
  /** The browser sent Global Privacy Control (`Sec-GPC: 1`). */
  readonly gpc: boolean
  readonly at: Date
}

const related = (a: string, b: string): boolean => a.startsWith(b) || b.startsWith(a)

/**
 * The visitor behind a response posted from `pageUrl`, when that page's origin is allowed by an active site serving
 * the survey's service or belonging to the survey's organization lineage (a site serving the service wins, then the
 * oldest). Null for robots, for other pages, and for browsers sending Global Privacy Control to a site that
 * honours it (the tracker measures nothing of them either).
 */
export async function visitorForResponse(db: Kysely<Database>, survey: { readonly serviceId: string; readonly organizationPath: string }, pageUrl: string | undefined, sender: ResponseSender): Promise<ResponseVisitor | null> {
  if (!pageUrl || isBot(sender.userAgent)) return null
  let origin: string
  try {
    const url = new URL(pageUrl)
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null
    origin = url.origin.toLowerCase()
  } catch {
    return null
  }
  const candidates = (await sitesAllowing(db, origin)).filter((s) => s.serviceIds.includes(survey.serviceId) || related(s.organizationPath, survey.organizationPath))
  const site = candidates.find((s) => s.serviceIds.includes(survey.serviceId)) ?? candidates[0]
  if (!site || (site.respectGpc && sender.gpc)) return null
  const salt = await saltFor(db, dailySaltKey(sender.at))
  return { siteId: site.id, visitorId: visitorId(site.id, sender.ip, sender.userAgent ?? '', salt) }
}

// ─── Trust by step ─────────────────────────────────────────────────────────────────────────────────────────────

/** Below this many trust answers a row is labelled as a small count (read with care). */
export const SMALL_COUNT = 10

export interface TrustStepRow {
  /** The furthest step reached (0-based), or null for respondents who reached no step of the journey. */
  readonly index: number | null
  readonly label: string
  readonly respondents: number
  /** Trust share: positive trust answers ÷ trust answers, with its 95% Wilson interval. */
  readonly trust: Share
  readonly small: boolean
}

export interface TrustByStep {
  readonly from: string
  readonly to: string
  /** Respondents linked to a visitor on a journey page in the period. */
  readonly respondents: number
  readonly smallCountBelow: number
  readonly rows: readonly TrustStepRow[]
}

export interface JourneyScope {
  readonly siteIds: readonly string[]
  readonly steps: readonly JourneyStep[]
  readonly windowSeconds: number
}

const EXCLUDED_STATUSES = ['spam', 'trash']
const PROGRESS_CHUNK = 1000

function onJourneyPage(steps: readonly JourneyStep[], pageUrl: string | null): boolean {
  const patterns = steps.flatMap((s) => (s.kind === 'page' ? [s.pattern] : []))
  if (patterns.length === 0) return true
  if (!pageUrl) return false
  let path: string
  try {
    path = new URL(pageUrl).pathname
  } catch {
    return false
  }
  return patterns.some((pattern) => pathMatches(pattern, path))
}

/**
 * For responses linked to a visitor of the journey's sites, posted from one of its pages (any page when the journey
 * has only action steps) in the period: trust share by the furthest step the visitor reached, with respondent counts.
 */
export async function trustByStep(runtime: Runtime, journey: JourneyScope, range: TimeRange): Promise<TrustByStep> {
  const rows = journey.siteIds.length === 0 ? [] : await runtime.db.selectFrom('responses')
    .select(['visitor_id', 'trust_value', 'branch', 'page_url'])
    .where('site_id', 'in', [...journey.siteIds]).where('visitor_id', 'is not', null)
    .where('submitted_at', '>=', range.from.toISOString()).where('submitted_at', '<', range.to.toISOString())
    .where('status', 'not in', EXCLUDED_STATUSES).execute()
  const respondents = rows.filter((r) => onJourneyPage(journey.steps, r.page_url))
  const visitors = [...new Set(respondents.map((r) => r.visitor_id as string))]
  const furthest = new Map<string, number>()
  for (let i = 0; i < visitors.length; i += PROGRESS_CHUNK) {
    const progress = await runtime.events.funnelProgress({
      siteIds: journey.siteIds, range, steps: journey.steps.map(toFunnelStep), windowSeconds: journey.windowSeconds,
    }, visitors.slice(i, i + PROGRESS_CHUNK))
    for (const [visitor, index] of progress) furthest.set(visitor, index)
  }
  const groups = new Map<number | null, { respondents: number; answered: number; positive: number }>()
  for (const response of respondents) {
    const index = furthest.get(response.visitor_id as string) ?? null
    const group = groups.get(index) ?? { respondents: 0, answered: 0, positive: 0 }
    group.respondents += 1
    if (response.trust_value !== null) {
      group.answered += 1
      if (response.branch === 'positive') group.positive += 1
    }
    groups.set(index, group)
  }
  const indexes: (number | null)[] = [null, ...journey.steps.map((_s, i) => i)]
  return {
    from: range.from.toISOString(), to: range.to.toISOString(), respondents: respondents.length, smallCountBelow: SMALL_COUNT,
    rows: indexes.map((index) => {
      const group = groups.get(index) ?? { respondents: 0, answered: 0, positive: 0 }
      const label = index === null ? 'Reached no step' : `${index + 1}. ${journey.steps[index]?.label ?? ''}`
      return { index, label, respondents: group.respondents, trust: shareOf(group.positive, group.answered), small: group.answered < SMALL_COUNT }
    }),
  }
}

export function trustCsv(result: TrustByStep): string {
  return stringify([
    ['furthest_step', 'label', 'respondents', 'trust_answers', 'trust_positive', 'trust_share', 'ci95_lower', 'ci95_upper', 'small_count', 'from', 'to'],
    ...result.rows.map((r) => [r.index === null ? '' : r.index + 1, r.label, r.respondents, r.trust.n, r.trust.count, r.trust.share ?? '', r.trust.interval?.lower ?? '',
      r.trust.interval?.upper ?? '', r.small ? 'true' : 'false', result.from, result.to]),
  ])
}
