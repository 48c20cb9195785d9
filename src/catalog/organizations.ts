/**
 * The organization tree: department → bureau/component → office (A-11 §280.1). Every scoped role and every service
 * hangs off a node; `path` makes "this node and everything beneath" one prefix match.
 */
import type { Kysely, Transaction } from 'kysely'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor } from '../auth/actor.ts'
import { canManageOrganization, canReadOrganization, isAdmin, readablePaths } from '../auth/permissions.ts'
import type { Database, OrganizationRow } from '../db/schema.ts'
import { newId, nowIso, subtreePattern } from '../db/values.ts'
import { Forbidden, Invalid, NotFound } from '../errors.ts'
import type { OrganizationCreateInput, OrganizationKind, OrganizationUpdateInput } from './organization-schema.ts'

export interface OrganizationView {
  readonly id: string
  readonly parentId: string | null
  readonly kind: OrganizationKind
  readonly name: string
  readonly abbreviation: string | null
  readonly path: string
  readonly depth: number
  readonly createdAt: string
  readonly updatedAt: string
}

type Db = Kysely<Database> | Transaction<Database>

export function toOrganizationView(row: OrganizationRow): OrganizationView {
  return {
    id: row.id, parentId: row.parent_id, kind: row.kind as OrganizationKind, name: row.name, abbreviation: row.abbreviation,
    path: row.path, depth: row.path.split('/').filter(Boolean).length - 1, createdAt: row.created_at, updatedAt: row.updated_at,
  }
}

/** Loads an organization the actor may read; another organization's id answers NotFound, never Forbidden. */
export async function findReadableOrganization(db: Db, actor: Actor, id: string): Promise<OrganizationRow> {
  const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row || !canReadOrganization(actor, row.path)) throw new NotFound('Organization')
  return row
}

const ALLOWED_PARENT: Readonly<Record<OrganizationKind, readonly OrganizationKind[]>> = {
  department: [],
  bureau: ['department'],
  office: ['department', 'bureau', 'office'],
}

export async function createOrganization(db: Kysely<Database>, actor: Actor, input: OrganizationCreateInput): Promise<OrganizationView> {
  const kind = input.kind as OrganizationKind
  return db.transaction().execute(async (trx) => {
    let parentPath = '/'
    if (kind === 'department') {
      if (input.parentId) throw new Invalid('Some fields need attention.', { parentId: 'must be empty for a department' })
      if (!isAdmin(actor)) throw new Forbidden('Only an administrator can add a department.')
    } else {
      if (!input.parentId) throw new Invalid('Some fields need attention.', { parentId: `is required for a ${kind}` })
      const parent = await findReadableOrganization(trx, actor, input.parentId)
      if (!ALLOWED_PARENT[kind].includes(parent.kind as OrganizationKind)) {
        throw new Invalid('Some fields need attention.', { parentId: `a ${kind} cannot sit under a ${parent.kind}` })
      }
      if (!canManageOrganization(actor, parent.path)) throw new Forbidden()
      parentPath = parent.path
    }
    const id = newId()
    const now = nowIso()
    const row: OrganizationRow = { id, parent_id: input.parentId, kind, name: input.name.trim(), abbreviation: input.abbreviation?.trim() || null, path: `${parentPath}${id}/`, created_at: now, updated_at: now }
    await trx.insertInto('organizations').values(row).execute()
    const view = toOrganizationView(row)
    await recordAudit(trx, actor, { action: 'organization.create', entityType: 'organization', entityId: id, organizationId: id, after: view })
    return view
  })
}

export async function updateOrganization(db: Kysely<Database>, actor: Actor, id: string, input: OrganizationUpdateInput): Promise<OrganizationView> {
  return db.transaction().execute(async (trx) => {
    const row = await findReadableOrganization(trx, actor, id)
    if (!canManageOrganization(actor, row.path)) throw new Forbidden()
    const updated: OrganizationRow = {
      ...row,
      name: input.name !== undefined ? input.name.trim() : row.name,
      abbreviation: input.abbreviation !== undefined ? (input.abbreviation?.trim() || null) : row.abbreviation,
      updated_at: nowIso(),
    }
    await trx.updateTable('organizations').set({ name: updated.name, abbreviation: updated.abbreviation, updated_at: updated.updated_at }).where('id', '=', id).execute()
    await recordAudit(trx, actor, { action: 'organization.update', entityType: 'organization', entityId: id, organizationId: id, before: toOrganizationView(row), after: toOrganizationView(updated) })
    return toOrganizationView(updated)
  })
}

export async function getOrganization(db: Kysely<Database>, actor: Actor, id: string): Promise<OrganizationView> {
  return toOrganizationView(await findReadableOrganization(db, actor, id))
}

/** Every organization the actor may read, in tree order (parents before children). */
export async function listOrganizations(db: Db, actor: Actor): Promise<OrganizationView[]> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return []
  let query = db.selectFrom('organizations').selectAll()
  if (paths !== null) query = query.where((eb) => eb.or(paths.map((p) => eb('path', 'like', subtreePattern(p)))))
  const rows = await query.execute()
  const views = rows.map(toOrganizationView)
  // Sort by the chain of names, so siblings appear alphabetically under their parent.
  const names = new Map(views.map((v) => [v.id, v.name]))
  const key = (v: OrganizationView) => v.path.split('/').filter(Boolean).map((id) => names.get(id) ?? '').join('\u0000')
  return views.sort((a, b) => key(a).localeCompare(key(b)))
}

/** Organizations under which the actor may create services or grant roles, for form pickers. */
export async function listManageableOrganizations(db: Db, actor: Actor, can: (actor: Actor, path: string) => boolean): Promise<OrganizationView[]> {
  return (await listOrganizations(db, actor)).filter((o) => can(actor, o.path))
}
