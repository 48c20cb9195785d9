/**
 * The HISP registry (A-11 §280.11): the providers OMB designates. The list is government-wide and readable by all
 * staff; administrators keep it current. Each HISP may link to the organization that runs it.
 */
import type { Kysely } from 'kysely'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor } from '../auth/actor.ts'
import { canManageHisps } from '../auth/permissions.ts'
import type { Database, HispRow } from '../db/schema.ts'
import { containsText } from '../db/sql-fragments.ts'
import { fromFlag, newId, nowIso, toFlag } from '../db/values.ts'
import { Conflict, Forbidden, NotFound } from '../errors.ts'
import type { HispCreateInput, HispUpdateInput } from './hisp-schema.ts'
import { findReadableOrganization } from './organizations.ts'

export interface HispView {
  readonly id: string
  readonly name: string
  readonly slug: string
  readonly department: string | null
  readonly departmentAbbreviation: string | null
  readonly bureau: string | null
  readonly bureauAbbreviation: string | null
  readonly description: string | null
  readonly url: string | null
  readonly yearDesignated: number | null
  readonly active: boolean
  readonly ombPortfolioManagerEmail: string | null
  readonly organizationId: string | null
  readonly createdAt: string
  readonly updatedAt: string
}

export function toHispView(row: HispRow): HispView {
  return {
    id: row.id, name: row.name, slug: row.slug, department: row.department, departmentAbbreviation: row.department_abbreviation,
    bureau: row.bureau, bureauAbbreviation: row.bureau_abbreviation, description: row.description, url: row.url,
    yearDesignated: row.year_designated, active: fromFlag(row.active), ombPortfolioManagerEmail: row.omb_portfolio_manager_email,
    organizationId: row.organization_id, createdAt: row.created_at, updatedAt: row.updated_at,
  }
}

function toColumns(input: HispUpdateInput): Partial<HispRow> {
  const columns: Partial<HispRow> = {}
  if (input.name !== undefined) columns.name = input.name.trim()
  if (input.slug !== undefined) columns.slug = input.slug
  if (input.department !== undefined) columns.department = input.department || null
  if (input.departmentAbbreviation !== undefined) columns.department_abbreviation = input.departmentAbbreviation || null
  if (input.bureau !== undefined) columns.bureau = input.bureau || null
  if (input.bureauAbbreviation !== undefined) columns.bureau_abbreviation = input.bureauAbbreviation || null
  if (input.description !== undefined) columns.description = input.description || null
  if (input.url !== undefined) columns.url = input.url || null
  if (input.yearDesignated !== undefined) columns.year_designated = input.yearDesignated
  if (input.active !== undefined) columns.active = toFlag(input.active)
  if (input.ombPortfolioManagerEmail !== undefined) columns.omb_portfolio_manager_email = input.ombPortfolioManagerEmail?.toLowerCase() || null
  if (input.organizationId !== undefined) columns.organization_id = input.organizationId
  return columns
}

async function assertSlugFree(db: Kysely<Database>, slug: string, exceptId: string | null): Promise<void> {
  const clash = await db.selectFrom('hisps').select('id').where('slug', '=', slug).executeTakeFirst()
  if (clash && clash.id !== exceptId) throw new Conflict('Another HISP uses this slug.', { slug: 'is already in use' })
}

export async function createHisp(db: Kysely<Database>, actor: Actor, input: HispCreateInput): Promise<HispView> {
  if (!canManageHisps(actor)) throw new Forbidden()
  return db.transaction().execute(async (trx) => {
    await assertSlugFree(trx, input.slug, null)
    if (input.organizationId) await findReadableOrganization(trx, actor, input.organizationId)
    const now = nowIso()
    const row: HispRow = {
      id: newId(), name: '', slug: '', department: null, department_abbreviation: null, bureau: null, bureau_abbreviation: null,
      description: null, url: null, year_designated: null, active: 1, omb_portfolio_manager_email: null, organization_id: null,
      created_at: now, updated_at: now, ...toColumns(input),
    }
    await trx.insertInto('hisps').values(row).execute()
    const view = toHispView(row)
    await recordAudit(trx, actor, { action: 'hisp.create', entityType: 'hisp', entityId: row.id, organizationId: row.organization_id, after: view })
    return view
  })
}

export async function updateHisp(db: Kysely<Database>, actor: Actor, id: string, input: HispUpdateInput): Promise<HispView> {
  if (!canManageHisps(actor)) throw new Forbidden()
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('hisps').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw new NotFound('HISP')
    if (input.slug !== undefined) await assertSlugFree(trx, input.slug, id)
    if (input.organizationId) await findReadableOrganization(trx, actor, input.organizationId)
    const updated: HispRow = { ...row, ...toColumns(input), updated_at: nowIso() }
    const { id: _id, created_at: _created, ...changes } = updated
    await trx.updateTable('hisps').set(changes).where('id', '=', id).execute()
    await recordAudit(trx, actor, { action: 'hisp.update', entityType: 'hisp', entityId: id, organizationId: updated.organization_id, before: toHispView(row), after: toHispView(updated) })
    return toHispView(updated)
  })
}

export async function getHisp(db: Kysely<Database>, id: string): Promise<HispView> {
  const row = await db.selectFrom('hisps').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw new NotFound('HISP')
  return toHispView(row)
}

export interface HispListQuery {
  readonly q?: string | undefined
  readonly active?: boolean | undefined
  readonly page: number
  readonly pageSize: number
}

export async function listHisps(db: Kysely<Database>, query: HispListQuery): Promise<{ items: HispView[]; total: number }> {
  let base = db.selectFrom('hisps')
  if (query.q) {
    const q = query.q
    base = base.where((eb) => eb.or([containsText(eb.ref('name'), q), containsText(eb.ref('slug'), q), containsText(eb.ref('department'), q)]))
  }
  if (query.active !== undefined) base = base.where('active', '=', toFlag(query.active))
  const total = Number((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const rows = await base.selectAll().orderBy('name').limit(query.pageSize).offset((query.page - 1) * query.pageSize).execute()
  return { items: rows.map(toHispView), total }
}
