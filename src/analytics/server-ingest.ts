/**
 * Server-to-server analytics ingest (A-11 §280.5 across channels): mobile apps, email and SMS platforms and
 * contact-centre systems send events for a site with one of its ingest secrets. A secret is shown once, stored as a
 * SHA-256 digest (like API keys), created, rotated and revoked by those who manage the site, and every change is
 * audited. The caller names each event's subject with its own key (a hashed account id, a phone session); that key is
 * hashed again with the site and the daily salt into the visitor id and stored nowhere. URLs, paths, names and
 * properties are redacted as the tracker's are.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import Type, { type Static } from 'typebox'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor } from '../auth/actor.ts'
import { canManageSites } from '../auth/permissions.ts'
import { digest, randomHex, randomToken } from '../auth/tokens.ts'
import type { Database, SiteIngestKeyTable } from '../db/schema.ts'
import { newId, nowIso } from '../db/values.ts'
import { Conflict, Forbidden, Invalid, NotFound, Unauthorized, type FieldErrors } from '../errors.ts'
import { DEVICE_CLASSES, EVENT_CHANNELS, type DeviceClass, type EventChannel, type EventRow } from '../events/event-store.ts'
import { ingestKeys, type SessionTracker, TRACKED_TYPES } from './ingest.ts'
import { MAX_PROPERTIES, memoized, redactName, redactProperties, redactReferrer, redactUrl, splitRedactedUrl } from './redaction.ts'
import { saltFor } from './salts.ts'
import { getSite } from './sites.ts'
import { dailySaltKey } from './visitor-id.ts'

export const MAX_SERVER_EVENTS = 1000
export const SERVER_EVENTS_BODY_LIMIT = 512 * 1024
/** How far ahead of the server's clock an event may be dated (clock skew between systems). */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000
/** The oldest an event may be when it arrives: a system catching up after an outage, within a week. */
export const MAX_SERVER_EVENT_AGE_MS = 7 * 24 * 60 * 60 * 1000
export const MAX_ACTIVE_INGEST_KEYS = 20

export const SERVER_CHANNELS = EVENT_CHANNELS.filter((c): c is Exclude<EventChannel, 'web'> => c !== 'web')

const ISO_INSTANT = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?(?:Z|[+-]\\d{2}:\\d{2})$'
const ISO_PARTS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/

/**
 * Epoch milliseconds of an ISO 8601 instant with a zone, or NaN when a part is out of range. Stricter than Date.parse,
 * which rolls 30 February over into March and takes 24:00.
 */
export function parseInstant(text: string): number {
  const match = ISO_PARTS.exec(text)
  if (!match) return Number.NaN
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number]
  const [sign, offsetHours, offsetMinutes] = [match[8], Number(match[9] ?? 0), Number(match[10] ?? 0)]
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return Number.NaN
  const millis = Number((match[7] ?? '0').padEnd(3, '0').slice(0, 3))
  const offset = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000
  const utc = new Date(0)
  utc.setUTCFullYear(year, month - 1, day)
  utc.setUTCHours(hour, minute, second, millis)
  return utc.getTime() - offset
}

export const ServerEvent = Type.Object({
  channel: Type.Enum([...SERVER_CHANNELS], { description: 'Where the event happened (the browser tracker alone sends `web`)' }),
  type: Type.Enum([...TRACKED_TYPES]),
  subject: Type.String({ minLength: 1, maxLength: 256, description: 'Your key for the person or session (e.g. a hashed account id); hashed again, never stored' }),
  timestamp: Type.String({ pattern: ISO_INSTANT, maxLength: 40, description: 'ISO 8601 with a zone; at most 5 minutes ahead and 7 days old' }),
  url: Type.Optional(Type.String({ minLength: 1, maxLength: 8192, description: 'An absolute http(s) URL (redacted before storing)' })),
  path: Type.Optional(Type.String({ pattern: '^/', minLength: 1, maxLength: 2048, description: 'A screen or step path such as /apply/documents, when there is no URL' })),
  referrer: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'The key action name (type action) or the link (type outbound)' })),
  value: Type.Optional(Type.Number({ description: 'A number for action events (amount, duration, count)' })),
  properties: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Type.Unknown(), { maxProperties: MAX_PROPERTIES })),
  device: Type.Optional(Type.Enum([...DEVICE_CLASSES], { description: 'Default: mobile for mobile_app, other otherwise' })),
}, { additionalProperties: false })
export type ServerEvent = Static<typeof ServerEvent>

export const ServerEventBatch = Type.Object({
  events: Type.Array(ServerEvent, { minItems: 1, maxItems: MAX_SERVER_EVENTS }),
}, { additionalProperties: false })
export type ServerEventBatch = Static<typeof ServerEventBatch>

export const IngestKeyCreateInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, description: 'What sends with it, for example “mobile app” or “SMS gateway”' }),
}, { additionalProperties: false })
export type IngestKeyCreateInput = Static<typeof IngestKeyCreateInput>

export interface IngestKeyView {
  readonly id: string
  readonly siteId: string
  readonly name: string
  readonly prefix: string
  readonly createdAt: string
  readonly rotatedAt: string | null
  readonly lastUsedAt: string | null
  readonly revokedAt: string | null
}

const SECRET_PATTERN = /^cxi_([a-f0-9]{12})_[A-Za-z0-9_-]{43}$/

const toView = (row: SiteIngestKeyTable): IngestKeyView => ({
  id: row.id, siteId: row.site_id, name: row.name, prefix: row.prefix, createdAt: row.created_at, rotatedAt: row.rotated_at, lastUsedAt: row.last_used_at, revokedAt: row.revoked_at,
})

function newSecret(): { prefix: string; secret: string } {
  const prefix = randomHex(6)
  return { prefix, secret: `cxi_${prefix}_${randomToken(32)}` }
}

async function managedSite(db: Kysely<Database>, actor: Actor, siteId: string) {
  const site = await getSite(db, actor, siteId)
  if (!canManageSites(actor, site.organizationPath)) throw new Forbidden('Your role does not allow managing this organization’s sites.')
  return site
}

async function loadKey(trx: Transaction<Database>, siteId: string, keyId: string): Promise<SiteIngestKeyTable> {
  if (!/^[0-9a-f-]{36}$/i.test(keyId)) throw new NotFound('Ingest key')
  const row = await trx.selectFrom('site_ingest_keys').selectAll().where('id', '=', keyId).where('site_id', '=', siteId).executeTakeFirst()
  if (!row) throw new NotFound('Ingest key')
  return row
}

/** The site's ingest keys, newest first (never the secrets); anyone who reads the site may list them. */
export async function listIngestKeys(db: Kysely<Database>, actor: Actor, siteId: string): Promise<IngestKeyView[]> {
  const site = await getSite(db, actor, siteId)
  const rows = await db.selectFrom('site_ingest_keys').selectAll().where('site_id', '=', site.id).orderBy('created_at', 'desc').orderBy('id').execute()
  return rows.map(toView)
}

/** Creates a secret for an active site; the returned `secret` is the only time it exists in clear. */
export async function createIngestKey(db: Kysely<Database>, actor: Actor, siteId: string, input: IngestKeyCreateInput): Promise<{ key: IngestKeyView; secret: string }> {
  const site = await managedSite(db, actor, siteId)
  if (site.state !== 'active') throw new Conflict('Restore the site before creating ingest keys.')
  const name = input.name.trim()
  if (name === '') throw new Invalid('Some fields need attention.', { name: 'must not be empty' })
  const { prefix, secret } = newSecret()
  const row: SiteIngestKeyTable = {
    id: newId(), site_id: site.id, name, prefix, key_hash: digest(secret), created_by: actor.userId, created_at: nowIso(), rotated_at: null, last_used_at: null, revoked_at: null,
  }
  await db.transaction().execute(async (trx) => {
    const active = await trx.selectFrom('site_ingest_keys').select((eb) => eb.fn.countAll().as('n')).where('site_id', '=', site.id).where('revoked_at', 'is', null).executeTakeFirstOrThrow()
    if (Number(active.n) >= MAX_ACTIVE_INGEST_KEYS) throw new Conflict(`A site may have at most ${MAX_ACTIVE_INGEST_KEYS} active ingest keys; revoke one first.`)
    await trx.insertInto('site_ingest_keys').values(row).execute()
    await recordAudit(trx, actor, { action: 'site_ingest_key.create', entityType: 'site_ingest_key', entityId: row.id, organizationId: site.organizationId, after: toView(row) })
  })
  return { key: toView(row), secret }
}

/** Replaces a key's secret: the old one stops working at once (on other app nodes within a second). */
export async function rotateIngestKey(db: Kysely<Database>, actor: Actor, siteId: string, keyId: string): Promise<{ key: IngestKeyView; secret: string }> {
  const site = await managedSite(db, actor, siteId)
  if (site.state !== 'active') throw new Conflict('Restore the site before rotating its ingest keys.')
  const { prefix, secret } = newSecret()
  const result = await db.transaction().execute(async (trx) => {
    const row = await loadKey(trx, site.id, keyId)
    if (row.revoked_at) throw new Conflict('This key is revoked; create a new one instead.')
    const rotated: SiteIngestKeyTable = { ...row, prefix, key_hash: digest(secret), rotated_at: nowIso(), last_used_at: null }
    await trx.updateTable('site_ingest_keys').set({ prefix, key_hash: rotated.key_hash, rotated_at: rotated.rotated_at, last_used_at: null }).where('id', '=', row.id).execute()
    await recordAudit(trx, actor, { action: 'site_ingest_key.rotate', entityType: 'site_ingest_key', entityId: row.id, organizationId: site.organizationId, before: toView(row), after: toView(rotated) })
    return { key: toView(rotated), secret }
  })
  forgetIngestKeys()
  return result
}

/** Revokes a key; revoking twice is harmless. */
export async function revokeIngestKey(db: Kysely<Database>, actor: Actor, siteId: string, keyId: string): Promise<IngestKeyView> {
  const site = await managedSite(db, actor, siteId)
  const view = await db.transaction().execute(async (trx) => {
    const row = await loadKey(trx, site.id, keyId)
    if (row.revoked_at) return toView(row)
    const revoked = { ...row, revoked_at: nowIso() }
    await trx.updateTable('site_ingest_keys').set({ revoked_at: revoked.revoked_at }).where('id', '=', row.id).execute()
    await recordAudit(trx, actor, { action: 'site_ingest_key.revoke', entityType: 'site_ingest_key', entityId: row.id, organizationId: site.organizationId, before: toView(row), after: toView(revoked) })
    return toView(revoked)
  })
  forgetIngestKeys()
  return view
}

/** Who is sending: the key and its (active) site. */
export interface IngestCaller {
  readonly keyId: string
  readonly siteId: string
}

const keys = ingestKeys

export function forgetIngestKeys(): void {
  keys.clear()
}

const NO_SECRET = 'Send one of the site’s ingest keys as “Authorization: Bearer cxi_…” (create one on the site’s page).'

/** The key and site behind `Authorization: Bearer <secret>`; Unauthorized for a missing, malformed, unknown or revoked key. */
export async function authenticateIngestKey(db: Kysely<Database>, authorization: string | undefined): Promise<IngestCaller> {
  if (!authorization || !/^bearer /i.test(authorization)) throw new Unauthorized(NO_SECRET)
  const presented = authorization.slice(7).trim()
  const match = SECRET_PATTERN.exec(presented)
  if (!match) throw new Unauthorized(`The ingest key is malformed. ${NO_SECRET}`)
  const prefix = match[1] as string
  let key = keys.get(prefix)
  if (!key) {
    const row = await db.selectFrom('site_ingest_keys as k').innerJoin('sites as s', 's.id', 'k.site_id')
      .select(['k.id', 'k.site_id', 'k.key_hash', 'k.last_used_at', 's.state']).where('k.prefix', '=', prefix).where('k.revoked_at', 'is', null).executeTakeFirst()
    if (!row) throw new Unauthorized('The ingest key is unknown, rotated or revoked.')
    key = { keyId: row.id, siteId: row.site_id, keyHash: row.key_hash, siteActive: row.state === 'active', lastUsedAt: row.last_used_at ? Date.parse(row.last_used_at) : 0 }
    keys.set(prefix, key)
  }
  const presentedHash = Buffer.from(digest(presented))
  const storedHash = Buffer.from(key.keyHash)
  if (presentedHash.length !== storedHash.length || !timingSafeEqual(presentedHash, storedHash)) throw new Unauthorized('The ingest key is unknown, rotated or revoked.')
  if (!key.siteActive) throw new Forbidden('This site is archived: it takes no events. Restore it to measure it again.')
  // Touch at most once a minute, so a busy sender does not turn every batch into a relational write.
  if (Date.now() - key.lastUsedAt > 60_000) {
    key.lastUsedAt = Date.now()
    await db.updateTable('site_ingest_keys').set({ last_used_at: new Date(key.lastUsedAt).toISOString() }).where('id', '=', key.keyId).execute()
  }
  return { keyId: key.keyId, siteId: key.siteId }
}

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * 32 hex characters, like the tracker's visitor ids: SHA-256 of the daily salt, the site and the caller's subject key
 * (exactly as sent: case and spaces matter), parts separated by NUL. A tag keeps these apart from IP-based ids.
 */
export function subjectVisitorId(siteId: string, subject: string, salt: string): string {
  return createHash('sha256').update([salt, siteId, 'subject', subject].join('\u0000')).digest('hex').slice(0, 32)
}
// Paths without a URL are redacted as if on this origin; only the path and query survive.
const PATH_BASE = 'https://path.invalid'

function defaultDevice(channel: EventChannel): DeviceClass {
  return channel === 'mobile_app' ? 'mobile' : 'other'
}

/** What `checkEvents` worked out for one event: its time and its redacted URL, referrer and outbound link. */
interface CheckedEvent {
  readonly at: number
  readonly location: string | null
  readonly referrer: string | null
  readonly link: string | null
}


/**
 * Checks what the schema cannot (times, URLs, which fields go with which type) and returns every problem by field,
 * so a sender fixes a whole batch at once. A batch with any problem stores nothing.
 */
function checkEvents(events: readonly ServerEvent[], receivedAt: number): CheckedEvent[] {
  const errors: Record<string, string> = {}
  const url = memoized(redactUrl)
  const referrerUrl = memoized(redactReferrer)
  const checked = events.map((event, i): CheckedEvent => {
    const at = parseInstant(event.timestamp)
    if (!Number.isFinite(at)) errors[`events.${i}.timestamp`] = 'is not a valid date and time'
    else if (at > receivedAt + MAX_FUTURE_SKEW_MS) errors[`events.${i}.timestamp`] = 'is more than 5 minutes in the future (check the sending system’s clock)'
    else if (at < receivedAt - MAX_SERVER_EVENT_AGE_MS) errors[`events.${i}.timestamp`] = 'is more than 7 days old'
    let location: string | null = null
    if (event.url !== undefined && event.path !== undefined) errors[`events.${i}.path`] = 'send either url or path, not both'
    else if (event.url !== undefined) {
      location = url(event.url)
      if (location === null) errors[`events.${i}.url`] = 'must be an absolute http or https URL'
    } else if (event.path !== undefined) {
      location = url(`${PATH_BASE}${event.path}`)
      if (location === null) errors[`events.${i}.path`] = 'is not a valid path'
    } else if (event.type === 'pageview') errors[`events.${i}.url`] = 'a pageview needs a url or a path'
    const referrer = event.referrer === undefined ? null : referrerUrl(event.referrer)
    if (event.referrer !== undefined && referrer === null) errors[`events.${i}.referrer`] = 'must be an absolute http or https URL'
    if (event.value !== undefined && (event.type !== 'action' || !Number.isFinite(event.value))) errors[`events.${i}.value`] = 'only action events carry a value, and it must be a finite number'
    if (event.type === 'action' && event.name === undefined) errors[`events.${i}.name`] = 'an action event needs the key action’s name'
    const link = event.type === 'outbound' && event.name !== undefined ? url(event.name) : null
    if (event.type === 'outbound' && link === null) errors[`events.${i}.name`] = 'an outbound event needs the link as an absolute http or https URL'
    return { at, location, referrer, link }
  })
  const count = Object.keys(errors).length
  if (count > 0) throw new Invalid(`${count === 1 ? 'One field needs' : `${count} fields need`} attention; nothing in this batch was stored.`, errors as FieldErrors)
  return checked
}

/** The rows to store for one checked batch; visitor ids hash each subject with the site and a daily salt. */
export async function serverEventRows(db: Kysely<Database>, caller: IngestCaller, events: readonly ServerEvent[], receivedAt: Date, sessions: SessionTracker): Promise<EventRow[]> {
  const now = receivedAt.getTime()
  const checked = checkEvents(events, now)
  // A day's salt exists for today and yesterday only (older ones are deleted so ids cannot be re-derived); an event
  // older than yesterday is hashed with today's salt rather than re-creating a deleted one.
  const today = dailySaltKey(receivedAt)
  const yesterday = dailySaltKey(new Date(now - DAY_MS))
  const salts = new Map<string, string>()
  const visitors = new Map<string, string>()
  const visitorFor = async (subject: string, at: number): Promise<string> => {
    const eventDay = dailySaltKey(new Date(at))
    const day = eventDay === today || eventDay === yesterday ? eventDay : today
    const cacheKey = `${day}\u0000${subject}`
    const known = visitors.get(cacheKey)
    if (known) return known
    let salt = salts.get(day)
    if (!salt) salts.set(day, (salt = await saltFor(db, day)))
    const id = subjectVisitorId(caller.siteId, subject, salt)
    visitors.set(cacheKey, id)
    return id
  }
  // Sessions are assigned in time order, so a batch sent out of order still splits at 30 idle minutes.
  const order = events.map((_, i) => i).sort((a, b) => (checked[a] as CheckedEvent).at - (checked[b] as CheckedEvent).at || a - b)
  const rows: EventRow[] = []
  for (const i of order) {
    const event = events[i] as ServerEvent
    const { at, location, referrer, link } = checked[i] as CheckedEvent
    const visitor = await visitorFor(event.subject, at)
    const { path, query } = location === null ? { path: null, query: null } : splitRedactedUrl(location)
    const properties = event.properties ? redactProperties(event.properties) : {}
    rows.push({
      ts: new Date(at), siteId: caller.siteId, visitorId: visitor, sessionId: sessions.sessionId(visitor, new Date(at)), eventType: event.type,
      name: event.type === 'outbound' ? link : event.name === undefined ? null : redactName(event.name),
      path, query, referrer,
      device: event.device ?? defaultDevice(event.channel), channel: event.channel,
      value: event.type === 'action' && event.value !== undefined ? event.value : null,
      properties: Object.keys(properties).length > 0 ? JSON.stringify(properties) : null,
    })
  }
  return rows
}
