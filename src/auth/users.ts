/**
 * Accounts: people with scoped roles. Users are created by admins and agency leads (or the first-start bootstrap),
 * sign in with a password or OIDC, and act through sessions or API keys.
 */
import type { Kysely, Transaction } from 'kysely'
import { recordAudit } from '../audit/audit-log.ts'
import type { Database } from '../db/schema.ts'
import { containsText } from '../db/sql-fragments.ts'
import { fromFlag, newId, nowIso, subtreePattern, toFlag } from '../db/values.ts'
import { Conflict, Forbidden, Invalid, NotFound } from '../errors.ts'
import { type Actor, GLOBAL_ROLES, type Role, type RoleGrant } from './actor.ts'
import { hashPassword, checkPasswordPolicy, randomPassword, verifyPassword } from './passwords.ts'
import { canGrantRole, canListUsers, canManageUsersIn, canReadOrganization, isAdmin } from './permissions.ts'
import type { UserCreateInput, UserUpdateInput } from './user-schema.ts'

export interface UserRoleView {
  readonly role: Role
  readonly organizationId: string | null
  readonly organizationName: string | null
}

export interface UserView {
  readonly id: string
  readonly email: string
  readonly name: string
  readonly active: boolean
  readonly hasPassword: boolean
  readonly oidcLinked: boolean
  readonly roles: readonly UserRoleView[]
  readonly createdAt: string
  readonly lastLoginAt: string | null
}

type Db = Kysely<Database> | Transaction<Database>

async function grantsOf(db: Db, userIds: readonly string[]): Promise<Map<string, (RoleGrant & { organizationName: string | null })[]>> {
  const byUser = new Map<string, (RoleGrant & { organizationName: string | null })[]>()
  if (userIds.length === 0) return byUser
  const rows = await db.selectFrom('role_assignments as r')
    .leftJoin('organizations as o', 'o.id', 'r.organization_id')
    .select(['r.user_id', 'r.role', 'r.organization_id', 'o.path', 'o.name'])
    .where('r.user_id', 'in', userIds).orderBy('r.created_at').execute()
  for (const row of rows) {
    const list = byUser.get(row.user_id) ?? []
    list.push({ role: row.role as Role, organizationId: row.organization_id, organizationPath: row.path ?? null, organizationName: row.name ?? null })
    byUser.set(row.user_id, list)
  }
  return byUser
}

/** The actor for an active user, or null when the user is missing or deactivated. */
export async function loadUserActor(db: Db, userId: string, apiKeyId: string | null = null): Promise<Actor | null> {
  const user = await db.selectFrom('users').select(['id', 'email', 'active']).where('id', '=', userId).executeTakeFirst()
  if (!user || !fromFlag(user.active)) return null
  const grants = (await grantsOf(db, [userId])).get(userId) ?? []
  return {
    kind: apiKeyId ? 'api_key' : 'user', userId, apiKeyId, label: user.email,
    grants: grants.map(({ role, organizationId, organizationPath }) => ({ role, organizationId, organizationPath })),
  }
}

function toView(row: Database['users'], roles: readonly (RoleGrant & { organizationName: string | null })[]): UserView {
  return {
    id: row.id, email: row.email, name: row.name, active: fromFlag(row.active), hasPassword: row.password_hash !== null,
    oidcLinked: row.oidc_subject !== null, createdAt: row.created_at, lastLoginAt: row.last_login_at,
    roles: roles.map((g) => ({ role: g.role, organizationId: g.organizationId, organizationName: g.organizationName })),
  }
}

async function organizationPath(db: Db, organizationId: string): Promise<string | null> {
  const row = await db.selectFrom('organizations').select('path').where('id', '=', organizationId).executeTakeFirst()
  return row?.path ?? null
}

/** Checks each requested grant against the actor's rights and returns rows ready to insert. */
async function resolveGrants(db: Db, actor: Actor, roles: UserCreateInput['roles']): Promise<{ role: Role; organizationId: string | null }[]> {
  const resolved: { role: Role; organizationId: string | null }[] = []
  for (const [index, grant] of roles.entries()) {
    const role = grant.role as Role
    if (GLOBAL_ROLES.has(role)) {
      if (!canGrantRole(actor, role, null)) throw new Forbidden(`Only an administrator can grant the ${role} role.`)
      resolved.push({ role, organizationId: null })
      continue
    }
    if (!grant.organizationId) throw new Invalid('Some fields need attention.', { [`roles.${index}.organizationId`]: `is required for the ${role} role` })
    const path = await organizationPath(db, grant.organizationId)
    // An organization the actor cannot see answers like a missing one (404, never 403), as it does for services.
    if (!path || !canReadOrganization(actor, path)) throw new NotFound('Organization')
    if (!canGrantRole(actor, role, path)) throw new Forbidden(`You cannot grant the ${role} role there.`)
    resolved.push({ role, organizationId: grant.organizationId })
  }
  return resolved
}

/** Whether the actor may see and manage this user: admins always; agency leads when every grant lies in their subtree. */
async function assertManages(db: Db, actor: Actor, userId: string): Promise<void> {
  if (isAdmin(actor)) return
  const grants = (await grantsOf(db, [userId])).get(userId) ?? []
  const manages = grants.length > 0 && grants.every((g) => g.organizationPath !== null && canManageUsersIn(actor, g.organizationPath))
  if (!manages) throw new NotFound('User')
}

export async function createUser(db: Kysely<Database>, actor: Actor, input: UserCreateInput): Promise<UserView> {
  if (!canListUsers(actor)) throw new Forbidden()
  const email = input.email.trim().toLowerCase()
  if (input.password !== undefined) {
    const problem = checkPasswordPolicy(input.password, email)
    if (problem) throw new Invalid('Some fields need attention.', { password: problem })
  }
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null
  return db.transaction().execute(async (trx) => {
    const grants = await resolveGrants(trx, actor, input.roles)
    const existing = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()
    if (existing) throw new Conflict('A user with this email already exists.', { email: 'is already in use' })
    const now = nowIso()
    const row = { id: newId(), email, name: input.name.trim(), password_hash: passwordHash, oidc_issuer: null, oidc_subject: null, active: toFlag(true), created_at: now, updated_at: now, last_login_at: null }
    await trx.insertInto('users').values(row).execute()
    for (const grant of grants) {
      await trx.insertInto('role_assignments').values({ id: newId(), user_id: row.id, role: grant.role, organization_id: grant.organizationId, created_at: now }).execute()
    }
    const view = toView(row, (await grantsOf(trx, [row.id])).get(row.id) ?? [])
    await recordAudit(trx, actor, { action: 'user.create', entityType: 'user', entityId: row.id, after: view })
    return view
  })
}

export async function getUser(db: Kysely<Database>, actor: Actor, userId: string): Promise<UserView> {
  if (actor.userId !== userId) {
    if (!canListUsers(actor)) throw new Forbidden()
    await assertManages(db, actor, userId)
  }
  const row = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst()
  if (!row) throw new NotFound('User')
  return toView(row, (await grantsOf(db, [userId])).get(userId) ?? [])
}

export async function updateUser(db: Kysely<Database>, actor: Actor, userId: string, input: UserUpdateInput): Promise<UserView> {
  if (!canListUsers(actor)) throw new Forbidden()
  return db.transaction().execute(async (trx) => {
    await assertManages(trx, actor, userId)
    const row = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst()
    if (!row) throw new NotFound('User')
    const before = toView(row, (await grantsOf(trx, [userId])).get(userId) ?? [])
    if (userId === actor.userId && (input.active === false || input.roles !== undefined)) {
      throw new Forbidden('You cannot deactivate yourself or change your own roles.')
    }
    const grants = input.roles ? await resolveGrants(trx, actor, input.roles) : null
    const now = nowIso()
    await trx.updateTable('users').set({
      ...(input.name !== undefined ? { name: input.name.trim() } : {}),
      ...(input.active !== undefined ? { active: toFlag(input.active) } : {}),
      updated_at: now,
    }).where('id', '=', userId).execute()
    if (grants) {
      await trx.deleteFrom('role_assignments').where('user_id', '=', userId).execute()
      for (const grant of grants) {
        await trx.insertInto('role_assignments').values({ id: newId(), user_id: userId, role: grant.role, organization_id: grant.organizationId, created_at: now }).execute()
      }
    }
    if (input.active === false) await trx.deleteFrom('sessions').where('user_id', '=', userId).execute()
    const updated = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
    const after = toView(updated, (await grantsOf(trx, [userId])).get(userId) ?? [])
    await recordAudit(trx, actor, { action: 'user.update', entityType: 'user', entityId: userId, before, after })
    return after
  })
}

export interface UserListQuery {
  readonly q?: string | undefined
  readonly page: number
  readonly pageSize: number
}

export async function listUsers(db: Kysely<Database>, actor: Actor, query: UserListQuery): Promise<{ items: UserView[]; total: number }> {
  if (!canListUsers(actor)) throw new Forbidden()
  let base = db.selectFrom('users')
  if (query.q) {
    const q = query.q
    base = base.where((eb) => eb.or([containsText(eb.ref('email'), q), containsText(eb.ref('name'), q)]))
  }
  if (!isAdmin(actor)) {
    // Agency leads see users holding at least one grant inside a subtree they lead.
    const leadPaths = actor.grants.filter((g) => g.role === 'agency_lead' && g.organizationPath).map((g) => g.organizationPath as string)
    base = base.where('id', 'in', (eb) => eb.selectFrom('role_assignments as r').innerJoin('organizations as o', 'o.id', 'r.organization_id')
      .select('r.user_id').where((w) => w.or(leadPaths.map((p) => w('o.path', 'like', subtreePattern(p))))))
  }
  const total = Number((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const rows = await base.selectAll().orderBy('email').limit(query.pageSize).offset((query.page - 1) * query.pageSize).execute()
  const grants = await grantsOf(db, rows.map((r) => r.id))
  return { items: rows.map((r) => toView(r, grants.get(r.id) ?? [])), total }
}

/** A hash of a random password, so unknown emails take as long as wrong passwords. */
let decoyHash: Promise<string> | null = null

/** Returns the user id when the email and password match an active account. */
export async function authenticatePassword(db: Kysely<Database>, email: string, password: string): Promise<string | null> {
  const row = await db.selectFrom('users').select(['id', 'password_hash', 'active']).where('email', '=', email.trim().toLowerCase()).executeTakeFirst()
  if (!row || !row.password_hash) {
    decoyHash ??= hashPassword(randomPassword())
    await verifyPassword(password, await decoyHash)
    return null
  }
  const ok = await verifyPassword(password, row.password_hash)
  return ok && fromFlag(row.active) ? row.id : null
}

export async function recordLogin(db: Kysely<Database>, userId: string, method: 'password' | 'oidc'): Promise<void> {
  const now = nowIso()
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ last_login_at: now }).where('id', '=', userId).execute()
    const actor = await loadUserActor(trx, userId)
    if (actor) await recordAudit(trx, actor, { action: `session.login.${method}`, entityType: 'user', entityId: userId })
  })
}

/** Sets a new password (reset link or account page); ends the user's other sessions. */
export async function setPassword(db: Kysely<Database>, actor: Actor, userId: string, password: string): Promise<void> {
  const user = await db.selectFrom('users').select(['email']).where('id', '=', userId).executeTakeFirst()
  if (!user) throw new NotFound('User')
  const problem = checkPasswordPolicy(password, user.email)
  if (problem) throw new Invalid('Some fields need attention.', { password: problem })
  const hash = await hashPassword(password)
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: hash, updated_at: nowIso() }).where('id', '=', userId).execute()
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute()
    await recordAudit(trx, actor, { action: 'user.password.set', entityType: 'user', entityId: userId })
  })
}

/**
 * First start: when no user exists, create an administrator from CX280_ADMIN_EMAIL/PASSWORD, or with a random
 * password that the caller prints once. Returns null when users already exist.
 */
export async function ensureFirstAdmin(db: Kysely<Database>, actor: Actor, email: string | null, password: string | null): Promise<{ email: string; generatedPassword: string | null } | null> {
  const any = await db.selectFrom('users').select('id').limit(1).executeTakeFirst()
  if (any) return null
  const chosenEmail = email ?? 'admin@localhost.localdomain'
  const generatedPassword = password ? null : randomPassword()
  await createUser(db, actor, { email: chosenEmail, name: 'Administrator', password: password ?? generatedPassword ?? undefined, roles: [{ role: 'admin', organizationId: null }] })
  return { email: chosenEmail, generatedPassword }
}

/**
 * Maps an OIDC sign-in to an account: by (issuer, subject) when linked before, otherwise by verified email, which
 * links the account. Accounts are never created by signing in: an administrator or agency lead creates them.
 */
export async function findUserForOidc(db: Kysely<Database>, identity: { issuer: string; subject: string; email: string | null; emailVerified: boolean }): Promise<string | null> {
  const linked = await db.selectFrom('users').select(['id', 'active']).where('oidc_issuer', '=', identity.issuer).where('oidc_subject', '=', identity.subject).executeTakeFirst()
  if (linked) return fromFlag(linked.active) ? linked.id : null
  if (!identity.email || !identity.emailVerified) return null
  const byEmail = await db.selectFrom('users').select(['id', 'active', 'oidc_subject']).where('email', '=', identity.email.toLowerCase()).executeTakeFirst()
  if (!byEmail || !fromFlag(byEmail.active) || byEmail.oidc_subject !== null) return null
  return db.transaction().execute(async (trx) => {
    // Guarded on oidc_subject still being empty, so two simultaneous first sign-ins cannot link two identities.
    const linked = await trx.updateTable('users').set({ oidc_issuer: identity.issuer, oidc_subject: identity.subject, updated_at: nowIso() })
      .where('id', '=', byEmail.id).where('oidc_subject', 'is', null).executeTakeFirst()
    if (Number(linked.numUpdatedRows) !== 1) return null
    const actor = await loadUserActor(trx, byEmail.id)
    if (actor) await recordAudit(trx, actor, { action: 'user.oidc.link', entityType: 'user', entityId: byEmail.id, after: { issuer: identity.issuer } })
    return byEmail.id
  })
}
