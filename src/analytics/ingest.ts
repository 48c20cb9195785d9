/**
 * Turning a tracker batch into stored events (A-11 §280.5): the site by its public key, bots and Global Privacy
 * Control honoured, every URL, referrer and name redacted, a cookieless visitor id (daily-salted hash of site, IP and
 * user agent; the IP is never stored), sessions ending after 30 idle minutes, and the server's UTC clock.
 */
import type { Kysely } from 'kysely'
import { LRUCache } from 'lru-cache'
import type { Database } from '../db/schema.ts'
import { NotFound } from '../errors.ts'
import type { EventRow } from '../events/event-store.ts'
import { deviceClass } from './device.ts'
import { memoized, redactName, redactProperties, redactReferrer, redactUrl, splitRedactedUrl } from './redaction.ts'
import { saltFor } from './salts.ts'
import { nextSessionState } from './sessions.ts'
import { dailySaltKey, visitorId } from './visitor-id.ts'

export const TRACKED_TYPES = ['pageview', 'action', 'outbound', 'form_submit'] as const
export type TrackedType = (typeof TRACKED_TYPES)[number]
export const MAX_EVENTS_PER_BATCH = 100

/** One event as the tracker sends it (short keys keep the script small; see client/tracker/main.ts). */
export interface TrackedEvent {
  readonly y: TrackedType
  readonly u: string
  readonly r?: string | undefined
  readonly n?: string | undefined
  readonly v?: number | undefined
  readonly p?: Readonly<Record<string, unknown>> | undefined
  /** Milliseconds between the event and the send; the event is dated by the server's clock minus this. */
  readonly a?: number | undefined
}

/** The oldest an event may claim to be (a batch waits about a second; a tab may sleep before sending). */
export const MAX_EVENT_AGE_MS = 10 * 60 * 1000

export interface IngestSite {
  readonly id: string
  readonly allowedOrigins: readonly string[]
  readonly respectGpc: boolean
}

// Sites are read on every batch and change rarely. Changes made through this process forget them at once (sites.ts);
// other app nodes see a key rotation or an archive within the second.
const sites = new LRUCache<string, IngestSite>({ max: 10_000, ttl: 1000 })

export interface CachedIngestKey {
  readonly keyId: string
  readonly siteId: string
  readonly keyHash: string
  readonly siteActive: boolean
  lastUsedAt: number
}

/**
 * Server-to-server ingest keys by prefix (server-ingest.ts): every request authenticates and keys change rarely.
 * Kept here so a site change (archive, restore) forgets them with the sites; other app nodes follow within the second.
 */
export const ingestKeys = new LRUCache<string, CachedIngestKey>({ max: 10_000, ttl: 1000 })

export function forgetIngestSites(): void {
  sites.clear()
  ingestKeys.clear()
}

/** The active site with this public key; NotFound otherwise (an unknown, rotated or archived key). */
export async function loadIngestSite(db: Kysely<Database>, publicKey: string): Promise<IngestSite> {
  const cached = sites.get(publicKey)
  if (cached) return cached
  const row = await db.selectFrom('sites').select(['id', 'allowed_origins', 'respect_gpc', 'state']).where('public_key', '=', publicKey).executeTakeFirst()
  if (!row || row.state !== 'active') throw new NotFound('Site')
  const site = { id: row.id, allowedOrigins: JSON.parse(row.allowed_origins) as string[], respectGpc: row.respect_gpc === 1 }
  sites.set(publicKey, site)
  return site
}

const BOT = /bot\b|crawl|spider|slurp|headlesschrome|lighthouse|pagespeed|pingdom|uptime|monitor|curl\/|wget\/|python-requests|httpclient|okhttp|go-http-client|axios\/|node-fetch|java\//i

/** Whether a user agent is a robot (or absent, as scripts' usually is); their events are dropped. */
export const isBot = (userAgent: string | undefined): boolean => !userAgent || BOT.test(userAgent)

/**
 * Session numbers per visitor, kept in memory (bounded). A restart starts new sessions for visitors seen before it;
 * session ids stay unique because they carry the session's start time.
 */
export class SessionTracker {
  readonly #visitors = new LRUCache<string, { sessionNo: number; lastSeenAt: number; startedAt: number }>({ max: 200_000 })

  sessionId(visitor: string, at: Date): string {
    const previous = this.#visitors.get(visitor)
    const state = nextSessionState(previous?.lastSeenAt ?? null, previous?.sessionNo ?? 0, at)
    const startedAt = state.isNewSession || !previous ? at.getTime() : previous.startedAt
    this.#visitors.set(visitor, { sessionNo: state.sessionNo, lastSeenAt: state.lastSeenAt, startedAt })
    return `${visitor.slice(0, 16)}-${startedAt.toString(36)}`
  }
}

export interface Sender {
  readonly ip: string
  readonly userAgent: string
  readonly at: Date
}

/** The redacted URL's path and its query string (without "?"), stored apart so page patterns match paths. */
const pathAndQuery = (redacted: string | null): { path: string; query: string | null } | null => (redacted ? splitRedactedUrl(redacted) : null)


/** The rows to store for one batch, dated by the server's time of receipt minus each event's age. */
export async function eventRows(db: Kysely<Database>, site: IngestSite, events: readonly TrackedEvent[], sender: Sender, sessions: SessionTracker): Promise<EventRow[]> {
  const salt = await saltFor(db, dailySaltKey(sender.at))
  const visitor = visitorId(site.id, sender.ip, sender.userAgent, salt)
  const sessionId = sessions.sessionId(visitor, sender.at)
  const device = deviceClass(sender.userAgent)
  const pageUrl = memoized(redactUrl)
  const referrerUrl = memoized(redactReferrer)
  return events.flatMap((event): EventRow[] => {
    const location = pathAndQuery(pageUrl(event.u))
    if (location === null) return []
    const name = event.y === 'outbound' ? (event.n ? redactUrl(event.n) : null) : event.n ? redactName(event.n) : null
    const properties = event.p ? redactProperties(event.p) : {}
    const age = typeof event.a === 'number' && Number.isFinite(event.a) ? Math.min(Math.max(Math.round(event.a), 0), MAX_EVENT_AGE_MS) : 0
    return [{
      ts: new Date(sender.at.getTime() - age), siteId: site.id, visitorId: visitor, sessionId, eventType: event.y, name,
      path: location.path, query: location.query, device, channel: 'web', referrer: event.r ? referrerUrl(event.r) : null, value: event.y === 'action' && typeof event.v === 'number' && Number.isFinite(event.v) ? event.v : null,
      properties: Object.keys(properties).length > 0 ? JSON.stringify(properties) : null,
    }]
  })
}
