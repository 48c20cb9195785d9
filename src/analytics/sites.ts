/**
 * The sites registry (A-11 §280.5): each website an organization measures, with the origins allowed to send it
 * analytics, a public site key for the tracker snippet (not a secret: it only names the site), whether Global Privacy
 * Control is honoured, and the services the site serves. Anyone who reads the organization reads its sites;
 * admins, agency leads and service managers of the subtree manage them (`canManageSites`). Another organization's
 * site answers 404. Every change is audited in its own transaction.
 */
import { randomBytes } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor } from '../auth/actor.ts'
import { canManageSites, canReadOrganization, readablePaths } from '../auth/permissions.ts'
import type { Database, SiteTable } from '../db/schema.ts'
import { containsText } from '../db/sql-fragments.ts'
import { fromFlag, newId, nowIso, subtreePattern, toFlag } from '../db/values.ts'
import { Conflict, Forbidden, Invalid, NotFound, type FieldErrors } from '../errors.ts'
import type { SiteCreateInput, SiteState, SiteUpdateInput } from './site-schema.ts'
import { afterCommit } from '../db/after-commit.ts'
import { forgetIngestSites } from './ingest.ts'

type Db = Kysely<Database> | Transaction<Database>

export interface SiteServiceLink { readonly id: string; readonly name: string }

export interface SiteView {
  readonly id: string
  readonly organizationId: string
  readonly organizationName: string
  readonly organizationPath: string
  readonly name: string
  readonly domain: string
  readonly publicKey: string
  readonly allowedOrigins: readonly string[]
  readonly respectGpc: boolean
  readonly state: SiteState
  readonly services: readonly SiteServiceLink[]
  readonly createdAt: string
  readonly updatedAt: string
}

export interface SiteListOptions {
  readonly organizationId?: string | undefined
  readonly state?: SiteState | undefined
  readonly q?: string | undefined
  readonly page: number
  readonly pageSize: number
}

const KEY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/

/** `cxs_` + 20 base32 characters (100 random bits). */
export function newSiteKey(): string {
  return `cxs_${[...randomBytes(20)].map((b) => KEY_ALPHABET[b & 31]).join('')}`
}

/** A host name (labels of letters, digits and inner hyphens), lower case; null when it is not one. */
export function normalizeHost(raw: string): string | null {
  const host = raw.trim().toLowerCase().replace(/\.$/, '')
  if (host.length === 0 || host.length > 253) return null
  return host.split('.').every((label) => HOST_LABEL.test(label)) ? host : null
}

/** An origin `http(s)://host[:port]` with nothing after it, normalized; null when it is not one. */
export function normalizeOrigin(raw: string): string | null {
  const match = /^(https?):\/\/([^/:?#\s]+)(?::(\d{1,5}))?\/?$/i.exec(raw.trim())
  if (!match) return null
  const [, scheme, hostPart, port] = match
  const host = normalizeHost(hostPart ?? '')
  if (!host || !scheme) return null
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) return null
  return `${scheme.toLowerCase()}://${host}${port ? `:${Number(port)}` : ''}`
}

interface Checked { domain?: string; allowedOrigins?: string[] }

function checkFields(input: { domain?: string | undefined; allowedOrigins?: readonly string[] | undefined }): Checked {
  const errors: Record<string, string> = {}
  const checked: Checked = {}
  if (input.domain !== undefined) {
    const host = normalizeHost(input.domain)
    if (host) checked.domain = host
    else errors.domain = 'must be a host name such as benefits.example.gov (no https:// or path)'
  }
  if (input.allowedOrigins !== undefined) {
    const origins: string[] = []
    for (const raw of input.allowedOrigins) {
      if (raw.trim() === '') continue
      const origin = normalizeOrigin(raw)
      if (!origin) {
        errors.allowedOrigins = `“${raw.trim().slice(0, 100)}” is not an origin; use https://host or https://host:port`
        break
      }
      if (!origins.includes(origin)) origins.push(origin)
    }
    checked.allowedOrigins = origins
  }
  if (Object.keys(errors).length > 0) throw new Invalid('Some fields need attention.', errors as FieldErrors)
  return checked
}

interface SiteRowWithOrg extends SiteTable { organization_name: string; organization_path: string }

function baseSites(db: Db) {
  return db.selectFrom('sites as s').innerJoin('organizations as o', 'o.id', 's.organization_id')
    .selectAll('s').select(['o.name as organization_name', 'o.path as organization_path'])
}

async function servicesOf(db: Db, siteIds: readonly string[]): Promise<Map<string, SiteServiceLink[]>> {
  const links = new Map<string, SiteServiceLink[]>()
  if (siteIds.length === 0) return links
  const rows = await db.selectFrom('site_services as ss').innerJoin('services as sv', 'sv.id', 'ss.service_id')
    .select(['ss.site_id', 'sv.id', 'sv.name']).where('ss.site_id', 'in', [...siteIds]).orderBy('sv.name').orderBy('sv.id').execute()
  for (const row of rows) {
    const list = links.get(row.site_id) ?? []
    list.push({ id: row.id, name: row.name })
    links.set(row.site_id, list)
  }
  return links
}

function toView(row: SiteRowWithOrg, services: readonly SiteServiceLink[]): SiteView {
  return {
    id: row.id, organizationId: row.organization_id, organizationName: row.organization_name, organizationPath: row.organization_path,
    name: row.name, domain: row.domain, publicKey: row.public_key, allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    respectGpc: fromFlag(row.respect_gpc), state: row.state as SiteState, services, createdAt: row.created_at, updatedAt: row.updated_at,
  }
}

async function loadView(db: Db, id: string): Promise<SiteView> {
  const row = await baseSites(db).where('s.id', '=', id).executeTakeFirstOrThrow()
  return toView(row, (await servicesOf(db, [id])).get(id) ?? [])
}

/** A site the actor may read; another organization's site (or a malformed id) answers 404. */
async function loadReadable(db: Db, actor: Actor, id: string): Promise<SiteRowWithOrg> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFound('Site')
  const row = await baseSites(db).where('s.id', '=', id).executeTakeFirst()
  if (!row || !canReadOrganization(actor, row.organization_path)) throw new NotFound('Site')
  return row
}

async function loadManaged(db: Db, actor: Actor, id: string): Promise<SiteRowWithOrg> {
  const row = await loadReadable(db, actor, id)
  if (!canManageSites(actor, row.organization_path)) throw new Forbidden('Your role does not allow managing this organization’s sites.')
  return row
}

async function assertNameFree(db: Db, organizationId: string, name: string, exceptId: string | null): Promise<void> {
  const clash = await db.selectFrom('sites').select('id').where('organization_id', '=', organizationId)
    .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase())).executeTakeFirst()
  if (clash && clash.id !== exceptId) throw new Conflict('This organization already has a site with that name.', { name: 'is already used by another site of this organization' })
}

/** Services may be linked only from the site's own organization subtree; anything else reads as unknown. */
async function checkServices(db: Db, organizationPath: string, serviceIds: readonly string[]): Promise<void> {
  if (serviceIds.length === 0) return
  const found = await db.selectFrom('services as sv').innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .select('sv.id').where('sv.id', 'in', [...serviceIds]).where('o.path', 'like', subtreePattern(organizationPath)).execute()
  if (found.length !== serviceIds.length) {
    throw new Invalid('Some fields need attention.', { serviceIds: 'must be services of this site’s organization or the offices beneath it' })
  }
}

async function replaceServices(trx: Transaction<Database>, siteId: string, serviceIds: readonly string[]): Promise<void> {
  await trx.deleteFrom('site_services').where('site_id', '=', siteId).execute()
  if (serviceIds.length > 0) await trx.insertInto('site_services').values(serviceIds.map((serviceId) => ({ site_id: siteId, service_id: serviceId }))).execute()
}

/**
 * Registers a site with a fresh public key. Without origins, only `https://<domain>` may send analytics.
 * @example createSite(db, actor, { organizationId, name: 'Benefits portal', domain: 'benefits.example.gov' })
 */
export async function createSite(db: Kysely<Database>, actor: Actor, input: SiteCreateInput): Promise<SiteView> {
  const checked = checkFields(input)
  const domain = checked.domain ?? ''
  const origins = checked.allowedOrigins && checked.allowedOrigins.length > 0 ? checked.allowedOrigins : [`https://${domain}`]
  return db.transaction().execute(async (trx) => {
    const organization = await trx.selectFrom('organizations').select(['id', 'path']).where('id', '=', input.organizationId).executeTakeFirst()
    if (!organization || !canReadOrganization(actor, organization.path)) throw new Invalid('Some fields need attention.', { organizationId: 'is not an organization you can see' })
    if (!canManageSites(actor, organization.path)) throw new Forbidden('Your role does not allow managing this organization’s sites.')
    const name = input.name.trim()
    if (name === '') throw new Invalid('Some fields need attention.', { name: 'must not be empty' })
    await assertNameFree(trx, organization.id, name, null)
    const serviceIds = input.serviceIds ?? []
    await checkServices(trx, organization.path, serviceIds)
    const now = nowIso()
    const id = newId()
    await trx.insertInto('sites').values({
      id, organization_id: organization.id, name, domain, public_key: newSiteKey(), allowed_origins: JSON.stringify(origins),
      respect_gpc: toFlag(input.respectGpc ?? true), state: 'active', created_by: actor.userId, created_at: now, updated_at: now,
    }).execute()
    await replaceServices(trx, id, serviceIds)
    const view = await loadView(trx, id)
    await recordAudit(trx, actor, { action: 'site.create', entityType: 'site', entityId: id, organizationId: organization.id, after: view })
    return view
  })
}

export async function updateSite(db: Kysely<Database>, actor: Actor, id: string, input: SiteUpdateInput): Promise<SiteView> {
  const checked = checkFields(input)
  return afterCommit(db.transaction().execute(async (trx) => {
    const row = await loadManaged(trx, actor, id)
    if (row.state === 'archived') throw new Conflict('Restore the site before changing it.')
    const before = await loadView(trx, id)
    const changes: Partial<SiteTable> = { updated_at: nowIso() }
    if (input.name !== undefined) {
      const name = input.name.trim()
      if (name === '') throw new Invalid('Some fields need attention.', { name: 'must not be empty' })
      await assertNameFree(trx, row.organization_id, name, id)
      changes.name = name
    }
    if (checked.domain !== undefined) changes.domain = checked.domain
    if (checked.allowedOrigins !== undefined) {
      changes.allowed_origins = JSON.stringify(checked.allowedOrigins.length > 0 ? checked.allowedOrigins : [`https://${checked.domain ?? row.domain}`])
    }
    if (input.respectGpc !== undefined) changes.respect_gpc = toFlag(input.respectGpc)
    if (input.serviceIds !== undefined) {
      await checkServices(trx, row.organization_path, input.serviceIds)
      await replaceServices(trx, id, input.serviceIds)
    }
    await trx.updateTable('sites').set(changes).where('id', '=', id).execute()
    const after = await loadView(trx, id)
    await recordAudit(trx, actor, { action: 'site.update', entityType: 'site', entityId: id, organizationId: row.organization_id, before, after })
    return after
  }), forgetIngestSites)
}

/** Issues a new public key; snippets with the old key stop being accepted. */
export async function rotateSiteKey(db: Kysely<Database>, actor: Actor, id: string): Promise<SiteView> {
  return afterCommit(db.transaction().execute(async (trx) => {
    const row = await loadManaged(trx, actor, id)
    if (row.state === 'archived') throw new Conflict('Restore the site before rotating its key.')
    const publicKey = newSiteKey()
    await trx.updateTable('sites').set({ public_key: publicKey, updated_at: nowIso() }).where('id', '=', id).execute()
    await recordAudit(trx, actor, {
      action: 'site.rotate_key', entityType: 'site', entityId: id, organizationId: row.organization_id,
      before: { publicKey: row.public_key }, after: { publicKey },
    })
    return loadView(trx, id)
  }), forgetIngestSites)
}

/** Archives (stops measuring) or restores a site. Setting the state it already has changes nothing. */
export async function setSiteState(db: Kysely<Database>, actor: Actor, id: string, state: SiteState): Promise<SiteView> {
  return afterCommit(db.transaction().execute(async (trx) => {
    const row = await loadManaged(trx, actor, id)
    if (row.state === state) return loadView(trx, id)
    await trx.updateTable('sites').set({ state, updated_at: nowIso() }).where('id', '=', id).execute()
    await recordAudit(trx, actor, {
      action: state === 'archived' ? 'site.archive' : 'site.restore', entityType: 'site', entityId: id, organizationId: row.organization_id,
      before: { state: row.state }, after: { state },
    })
    return loadView(trx, id)
  }), forgetIngestSites)
}

export const archiveSite = (db: Kysely<Database>, actor: Actor, id: string): Promise<SiteView> => setSiteState(db, actor, id, 'archived')
export const restoreSite = (db: Kysely<Database>, actor: Actor, id: string): Promise<SiteView> => setSiteState(db, actor, id, 'active')

export async function getSite(db: Kysely<Database>, actor: Actor, id: string): Promise<SiteView> {
  const row = await loadReadable(db, actor, id)
  return toView(row, (await servicesOf(db, [id])).get(id) ?? [])
}

/** Sites in organizations the actor may read, by organization then name. */
export async function listSites(db: Kysely<Database>, actor: Actor, options: SiteListOptions): Promise<{ items: SiteView[]; total: number }> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return { items: [], total: 0 }
  let query = db.selectFrom('sites as s').innerJoin('organizations as o', 'o.id', 's.organization_id')
  if (paths !== null) query = query.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
  if (options.organizationId) query = query.where('s.organization_id', '=', options.organizationId)
  if (options.state) query = query.where('s.state', '=', options.state)
  if (options.q) {
    const q = options.q
    query = query.where((eb) => eb.or([containsText(eb.ref('s.name'), q), containsText(eb.ref('s.domain'), q)]))
  }
  const total = Number((await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const rows = await query.selectAll('s').select(['o.name as organization_name', 'o.path as organization_path'])
    .orderBy('o.name').orderBy('s.name').orderBy('s.id')
    .limit(options.pageSize).offset((options.page - 1) * options.pageSize).execute()
  const services = await servicesOf(db, rows.map((r) => r.id))
  return { items: rows.map((r) => toView(r, services.get(r.id) ?? [])), total }
}

/** Services a site of this organization may link to (the organization's subtree), for the form picker. */
export async function linkableServices(db: Kysely<Database>, actor: Actor, organizationId: string): Promise<SiteServiceLink[]> {
  const organization = await db.selectFrom('organizations').select('path').where('id', '=', organizationId).executeTakeFirst()
  if (!organization || !canReadOrganization(actor, organization.path)) return []
  return db.selectFrom('services as sv').innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .select(['sv.id', 'sv.name']).where('o.path', 'like', subtreePattern(organization.path)).orderBy('sv.name').orderBy('sv.id').execute()
}

export const siteAbilities = (actor: Actor, site: SiteView): { manage: boolean } => ({ manage: canManageSites(actor, site.organizationPath) })
