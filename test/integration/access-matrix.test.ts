/**
 * ACCESS MATRIX: every caller (the six seeded people and an anonymous caller) × every API endpoint, every page and
 * the main page forms, on every engine. The tables below ARE the specification; one `it` per cell.
 *
 * The product's promises:
 * - no session or key → 401 on the API; pages redirect to /login?next=… (public pages excepted);
 * - a resource in another organization → 404, never 403, for reads and writes;
 * - a role without the right → 403;
 * - permitted calls succeed (200/201, 303 after a page form), and leave an audit entry when they write;
 * - a rejected write changes nothing: after each one, the stored world (read through t.runtime.db) is compared
 *   with a snapshot taken just before the request.
 *
 * Writes that would break later cells (lifecycle steps, revoking keys, changing roles) act on fresh records made for
 * that one cell: `:freshServiceA1` (a created service in A1 owned by managerA1), `:submittedServiceA1`,
 * `:freshAnalystA1` (an analyst in A1) and `:spareKeyOfManagerA1`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { createApiKey, createUser, systemActor } from '../../src/auth/index.ts'
import { digest } from '../../src/auth/tokens.ts'
import { createService, transitionService } from '../../src/catalog/index.ts'
import { ENGINES } from '../helpers/engines.ts'
import { bearer, createTestApp, form, json, PASSWORD, seedWorld, signIn, type TestApp, type World } from '../helpers/test-app.ts'

// ─── Callers: the matrix columns, in this order ────────────────────────────────────────────────────────────────
const CALLERS = ['anonymous', 'admin', 'reviewer', 'leadA', 'managerA1', 'analystA', 'leadB'] as const
type Caller = (typeof CALLERS)[number]
type Person = Exclude<Caller, 'anonymous'>

/** A status code, or LOGIN: a redirect (302/303) to /login?next=<the requested URL>. */
const LOGIN = 'login'
type Cell = number | typeof LOGIN
type Row7 = readonly [anonymous: Cell, admin: Cell, reviewer: Cell, leadA: Cell, managerA1: Cell, analystA: Cell, leadB: Cell]

interface Ctx {
  readonly t: TestApp
  readonly world: World
  readonly sessions: Readonly<Record<Person, { cookie: string; csrf: string }>>
  /** Anonymous CSRF cookie and token (from /login), so anonymous form posts get past CSRF and meet authentication. */
  readonly anonymous: { cookie: string; csrf: string }
  readonly resetToken: string
  /** A number unique within the engine's run, for names, slugs and emails. */
  next(): number
}

// ─── Targets named in paths (`:name`) ──────────────────────────────────────────────────────────────────────────
const system = systemActor('access-matrix')
const TARGETS: Readonly<Record<string, (c: Ctx) => string | Promise<string>>> = {
  A: (c) => c.world.orgs.A.id,
  A1: (c) => c.world.orgs.A1.id,
  B: (c) => c.world.orgs.B.id,
  hisp: (c) => c.world.hispId,
  serviceA1: (c) => c.world.services.serviceA1.id,
  serviceA1Other: (c) => c.world.services.serviceA1Other.id,
  serviceB: (c) => c.world.services.serviceB.id,
  managerA1: (c) => c.world.people.managerA1.id,
  resetToken: (c) => c.resetToken,
  freshServiceA1: async (c) => (await freshServiceA1(c)).id,
  submittedServiceA1: async (c) => (await transitionService(c.t.runtime.db, system, (await freshServiceA1(c)).id, 'submit')).id,
  freshAnalystA1: async (c) => (await createUser(c.t.runtime.db, system, { email: `fresh${c.next()}@test.gov`, name: 'Fresh analyst', roles: [{ role: 'analyst', organizationId: c.world.orgs.A1.id }] })).id,
  spareKeyOfManagerA1: async (c) => (await createApiKey(c.t.runtime.db, c.world.people.managerA1.actor, `spare ${c.next()}`)).key.id,
}

function freshServiceA1(c: Ctx) {
  return createService(c.t.runtime.db, system, { name: `Fresh service ${c.next()}`, organizationId: c.world.orgs.A1.id, ownerUserId: c.world.people.managerA1.id, kind: 'regulatory', channels: ['website'] })
}

async function resolve(c: Ctx, path: string): Promise<string> {
  const values: string[] = []
  for (const [, name] of path.matchAll(/:(\w+)/g)) {
    const make = TARGETS[name as string]
    if (!make) throw new Error(`unknown target :${name}`)
    values.push(await make(c))
  }
  let i = 0
  return path.replace(/:(\w+)/g, () => values[i++] as string)
}

// ─── The API matrix ────────────────────────────────────────────────────────────────────────────────────────────
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'
interface ApiRow {
  readonly method: Method
  readonly path: string
  readonly note?: string
  readonly expect: Row7
  readonly body?: (c: Ctx, n: number) => unknown
  readonly csv?: (c: Ctx, n: number) => string
}
const api = (method: Method, path: string, expect: Row7, extra: Partial<Pick<ApiRow, 'note' | 'body' | 'csv'>> = {}): ApiRow => ({ method, path, expect, ...extra })

const officeUnderA1 = (c: Ctx, n: number) => ({ kind: 'office', name: `Office ${n}`, abbreviation: null, parentId: c.world.orgs.A1.id })
const serviceInA1 = (c: Ctx, n: number) => ({ name: `Matrix service ${n}`, organizationId: c.world.orgs.A1.id, kind: 'benefits', channels: ['website'] })
const analystInA1 = (c: Ctx, n: number) => ({ email: `new${n}@test.gov`, name: `New ${n}`, roles: [{ role: 'analyst', organizationId: c.world.orgs.A1.id }] })

const API_MATRIX: readonly ApiRow[] = [
  //   method    path                                                anon admin revwr leadA mgrA1 anlsA leadB
  api('GET',    '/api/v1/organizations',                            [401,  200,  200,  200,  200,  200,  200]),
  api('POST',   '/api/v1/organizations',                            [401,  201,  403,  403,  403,  403,  403], { note: 'department', body: (_c, n) => ({ kind: 'department', name: `Department ${n}`, parentId: null }) }),
  api('POST',   '/api/v1/organizations',                            [401,  201,  403,  201,  403,  403,  404], { note: 'office under A1', body: officeUnderA1 }),
  api('GET',    '/api/v1/organizations/:A',                         [401,  200,  200,  200,  404,  200,  404]),
  api('GET',    '/api/v1/organizations/:A1',                        [401,  200,  200,  200,  200,  200,  404]),
  api('PATCH',  '/api/v1/organizations/:A',                         [401,  200,  403,  200,  404,  403,  404], { body: () => ({ abbreviation: 'DA' }) }),
  api('PATCH',  '/api/v1/organizations/:A1',                        [401,  200,  403,  200,  403,  403,  404], { body: () => ({ name: 'Bureau A1' }) }),

  api('GET',    '/api/v1/hisps',                                    [401,  200,  200,  200,  200,  200,  200]),
  api('POST',   '/api/v1/hisps',                                    [401,  201,  403,  403,  403,  403,  403], { body: (_c, n) => ({ name: `HISP ${n}`, slug: `hisp-${n}` }) }),
  api('GET',    '/api/v1/hisps/:hisp',                              [401,  200,  200,  200,  200,  200,  200]),
  api('PATCH',  '/api/v1/hisps/:hisp',                              [401,  200,  403,  403,  403,  403,  403], { body: (_c, n) => ({ description: `edit ${n}` }) }),

  api('GET',    '/api/v1/services',                                 [401,  200,  200,  200,  200,  200,  200]),
  api('POST',   '/api/v1/services',                                 [401,  201,  403,  201,  201,  403,  404], { note: 'in A1', body: serviceInA1 }),
  api('GET',    '/api/v1/services/:serviceA1',                      [401,  200,  200,  200,  200,  200,  404]),
  api('PATCH',  '/api/v1/services/:serviceA1',                      [401,  200,  403,  200,  200,  403,  404], { body: (_c, n) => ({ shortDescription: `edit ${n}` }) }),
  api('PATCH',  '/api/v1/services/:serviceA1Other',                 [401,  200,  403,  200,  403,  403,  404], { body: (_c, n) => ({ shortDescription: `edit ${n}` }) }),
  api('GET',    '/api/v1/services/:serviceB',                       [401,  200,  200,  404,  404,  404,  200]),
  api('PATCH',  '/api/v1/services/:serviceB',                       [401,  200,  403,  404,  404,  404,  200], { body: (_c, n) => ({ shortDescription: `edit ${n}` }) }),
  api('POST',   '/api/v1/services/:freshServiceA1/transitions',     [401,  200,  403,  200,  200,  403,  404], { note: 'submit', body: () => ({ transition: 'submit' }) }),
  api('POST',   '/api/v1/services/:submittedServiceA1/transitions', [401,  200,  200,  403,  403,  403,  404], { note: 'approve', body: () => ({ transition: 'approve' }) }),
  // leadB's CSV names an organization leadB cannot see: the import answers with its per-row report (400), as it
  // does for a misspelt organization, so nothing is revealed (docs/errors.md: "a CSV with bad rows").
  api('POST',   '/api/v1/services/import',                          [401,  200,  403,  200,  200,  403,  400], { note: 'CSV, a new service in A1', csv: (c, n) => `name,organization\nImported ${n},${c.world.orgs.A1.id}\n` }),
  api('GET',    '/api/v1/services/export',                          [401,  200,  200,  200,  200,  200,  200]),
  api('GET',    '/api/v1/reports/digitization-gaps',                [401,  200,  200,  200,  200,  200,  200]),

  api('GET',    '/api/v1/me',                                       [401,  200,  200,  200,  200,  200,  200]),
  api('GET',    '/api/v1/users',                                    [401,  200,  403,  200,  403,  403,  200]),
  api('POST',   '/api/v1/users',                                    [401,  201,  403,  201,  403,  403,  404], { note: 'analyst in A1', body: analystInA1 }),
  api('POST',   '/api/v1/users',                                    [401,  201,  403,  403,  403,  403,  403], { note: 'grants admin', body: (_c, n) => ({ email: `boss${n}@test.gov`, name: `Boss ${n}`, roles: [{ role: 'admin', organizationId: null }] }) }),
  api('GET',    '/api/v1/users/:managerA1',                         [401,  200,  403,  200,  200,  403,  404]),
  api('PATCH',  '/api/v1/users/:managerA1',                         [401,  200,  403,  200,  403,  403,  404], { note: 'rename', body: () => ({ name: 'ManagerA1' }) }),
  api('PATCH',  '/api/v1/users/:freshAnalystA1',                    [401,  200,  403,  403,  403,  403,  404], { note: 'grants admin', body: () => ({ roles: [{ role: 'admin', organizationId: null }] }) }),

  api('GET',    '/api/v1/api-keys',                                 [401,  200,  200,  200,  200,  200,  200]),
  api('POST',   '/api/v1/api-keys',                                 [401,  201,  201,  201,  201,  201,  201], { body: (_c, n) => ({ name: `key ${n}` }) }),
  api('DELETE', '/api/v1/api-keys/:spareKeyOfManagerA1',            [401,  200,  404,  404,  200,  404,  404]),

  api('GET',    '/api/v1/audit',                                    [401,  200,  403,  403,  403,  403,  403]),
  api('GET',    '/api/v1/openapi.json',                             [200,  200,  200,  200,  200,  200,  200]),
]

// ─── The page matrix (GET with a signed-in session) ────────────────────────────────────────────────────────────
interface PageRow { readonly path: string; readonly expect: Row7 }
const page = (path: string, expect: Row7): PageRow => ({ path, expect })
const L = LOGIN

const PAGE_MATRIX: readonly PageRow[] = [
  //    path                                 anon admin revwr leadA mgrA1 anlsA leadB
  page('/',                                 [L,    200,  200,  200,  200,  200,  200]),
  page('/services',                         [L,    200,  200,  200,  200,  200,  200]),
  page('/services/new',                     [L,    200,  403,  200,  200,  403,  200]),
  page('/services/:serviceA1',              [L,    200,  200,  200,  200,  200,  404]),
  page('/services/:serviceA1/edit',         [L,    200,  403,  200,  200,  403,  404]),
  page('/services/:serviceA1Other/edit',    [L,    200,  403,  200,  403,  403,  404]),
  page('/services/:serviceB',               [L,    200,  200,  404,  404,  404,  200]),
  page('/services/import',                  [L,    200,  403,  200,  200,  403,  200]),
  page('/organizations',                    [L,    200,  200,  200,  200,  200,  200]),
  page('/organizations/new',                [L,    200,  403,  200,  403,  403,  200]),
  page('/organizations/:A',                 [L,    200,  200,  200,  404,  200,  404]),
  page('/organizations/:A1',                [L,    200,  200,  200,  200,  200,  404]),
  page('/hisps',                            [L,    200,  200,  200,  200,  200,  200]),
  page('/hisps/new',                        [L,    200,  403,  403,  403,  403,  403]),
  page('/hisps/:hisp',                      [L,    200,  200,  200,  200,  200,  200]),
  page('/hisps/:hisp/edit',                 [L,    200,  403,  403,  403,  403,  403]),
  page('/users',                            [L,    200,  403,  200,  403,  403,  200]),
  page('/users/new',                        [L,    200,  403,  200,  403,  403,  200]),
  page('/users/:managerA1',                 [L,    200,  403,  200,  200,  403,  404]),
  page('/account',                          [L,    200,  200,  200,  200,  200,  200]),
  page('/audit',                            [L,    200,  403,  403,  403,  403,  403]),
  page('/reports/digitization-gaps',        [L,    200,  200,  200,  200,  200,  200]),
  // Public: no redirect for anyone (a signed-in visitor of /login is sent home).
  page('/login',                            [200,  303,  303,  303,  303,  303,  303]),
  page('/password/forgot',                  [200,  200,  200,  200,  200,  200,  200]),
  page('/password/reset/:resetToken',       [200,  200,  200,  200,  200,  200,  200]),
  page('/docs/api',                         [200,  200,  200,  200,  200,  200,  200]),
  page('/healthz',                          [200,  200,  200,  200,  200,  200,  200]),
]

// ─── Page forms (POST with the session cookie and its _csrf; anonymous with the sign-in page's CSRF token) ────
type Fields = Record<string, string | string[]>
interface FormRow {
  readonly path: string
  readonly note?: string
  readonly expect: Row7
  readonly fields: (c: Ctx, n: number) => Fields
  /** Sent as multipart/form-data with this CSV as the `file` field. */
  readonly file?: (c: Ctx, n: number) => string
}
const post = (path: string, expect: Row7, fields: FormRow['fields'], extra: Partial<Pick<FormRow, 'note' | 'file'>> = {}): FormRow => ({ path, expect, fields, ...extra })

const serviceForm = (c: Ctx, n: number): Fields => ({ name: `Form service ${n}`, organizationId: c.world.orgs.A1.id, kind: 'regulatory', channels: ['website', 'paper'] })
const hispForm = (c: Ctx, n: number): Fields => ({ name: `Form HISP ${n}`, slug: `form-hisp-${n}`, organizationId: c.world.orgs.A1.id, yearDesignated: '2021', active: 'on' })

const FORM_MATRIX: readonly FormRow[] = [
  //    path                                            anon admin revwr leadA mgrA1 anlsA leadB
  post('/services',                                     [401,  303,  403,  303,  303,  403,  404], serviceForm, { note: 'in A1' }),
  post('/services/:serviceA1/edit',                     [401,  303,  403,  303,  303,  403,  404], serviceForm),
  post('/services/:serviceA1Other/edit',                [401,  303,  403,  303,  403,  403,  404], serviceForm),
  post('/services/:freshServiceA1/transition',          [401,  303,  403,  303,  303,  403,  404], () => ({ transition: 'submit' }), { note: 'submit' }),
  post('/services/import',                              [401,  303,  403,  303,  303,  403,  400], () => ({}), { note: 'CSV, a new service in A1', file: (c, n) => `name,organization\nForm import ${n},${c.world.orgs.A1.id}\n` }),
  post('/organizations',                                [401,  303,  403,  303,  403,  403,  404], (c, n) => ({ kind: 'office', parentId: c.world.orgs.A1.id, name: `Form office ${n}` }), { note: 'office under A1' }),
  post('/organizations/:A1',                            [401,  303,  403,  303,  403,  403,  404], () => ({ name: 'Bureau A1', abbreviation: 'BA1' }), { note: 'rename' }),
  post('/hisps',                                        [401,  303,  403,  403,  403,  403,  403], hispForm),
  post('/hisps/:hisp/edit',                             [401,  303,  403,  403,  403,  403,  403], (c) => ({ name: 'Bureau A1 HISP', slug: 'da-ba1', organizationId: c.world.orgs.A1.id, yearDesignated: '2020', active: 'on' })),
  post('/users',                                        [401,  303,  403,  303,  403,  403,  404], (c, n) => ({ email: `form${n}@test.gov`, name: `Form ${n}`, role: 'analyst', organizationId: c.world.orgs.A1.id }), { note: 'analyst in A1' }),
  post('/users',                                        [401,  303,  403,  403,  403,  403,  403], (_c, n) => ({ email: `formboss${n}@test.gov`, name: `Form boss ${n}`, role: 'admin', organizationId: '' }), { note: 'grants admin' }),
  post('/users/:freshAnalystA1',                        [401,  303,  403,  303,  403,  403,  404], (c) => ({ name: 'Renamed analyst', role: 'analyst', organizationId: c.world.orgs.A1.id, active: 'true' }), { note: 'rename' }),
  post('/account/api-keys/:spareKeyOfManagerA1/revoke', [401,  303,  404,  404,  303,  404,  404], () => ({})),
]

// ─── Stored-world snapshot: what a rejected write must leave untouched ────────────────────────────────────────
async function snapshot(t: TestApp) {
  const db = t.runtime.db
  const [organizations, hisps, services, serviceChannels, serviceStages, users, roleAssignments, apiKeys, sessions, audit] = await Promise.all([
    db.selectFrom('organizations').selectAll().orderBy('id').execute(),
    db.selectFrom('hisps').selectAll().orderBy('id').execute(),
    db.selectFrom('services').selectAll().orderBy('id').execute(),
    db.selectFrom('service_channels').selectAll().orderBy('service_id').orderBy('channel').execute(),
    db.selectFrom('service_stages').selectAll().orderBy('id').execute(),
    db.selectFrom('users').selectAll().orderBy('id').execute(),
    db.selectFrom('role_assignments').selectAll().orderBy('id').execute(),
    // last_used_at / last_seen_at are touched by authentication itself, not by the write.
    db.selectFrom('api_keys').select(['id', 'user_id', 'name', 'prefix', 'key_hash', 'created_at', 'revoked_at']).orderBy('id').execute(),
    db.selectFrom('sessions').select(['id_hash', 'user_id', 'csrf_token', 'created_at']).orderBy('id_hash').execute(),
    db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ])
  return { organizations, hisps, services, serviceChannels, serviceStages, users, roleAssignments, apiKeys, sessions, auditEntries: Number(audit.n) }
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>

function assertUnchanged(before: Snapshot, after: Snapshot): void {
  for (const key of Object.keys(before) as (keyof Snapshot)[]) assert.deepEqual(after[key], before[key], `a rejected write changed ${key}`)
}

const isRejection = (cell: Cell) => cell === LOGIN || cell >= 400

function assertCell(response: LightMyRequestResponse, cell: Cell, url: string): void {
  const detail = `got ${response.statusCode}: ${response.body.slice(0, 300)}`
  if (cell === LOGIN) {
    assert.ok(response.statusCode === 302 || response.statusCode === 303, detail)
    assert.equal(response.headers.location, `/login?next=${encodeURIComponent(url)}`)
    return
  }
  assert.equal(response.statusCode, cell, detail)
  if (cell === 303 && url === '/login') assert.equal(response.headers.location, '/')
}

/** Runs one cell: snapshot (writes), request, status, then "nothing changed" or "an audit entry was written". */
async function runCell(c: Ctx, cell: Cell, write: boolean, url: string, send: () => Promise<LightMyRequestResponse>): Promise<void> {
  const before = write ? await snapshot(c.t) : null
  const response = await send()
  assertCell(response, cell, url)
  if (!before) return
  const after = await snapshot(c.t)
  if (isRejection(cell)) assertUnchanged(before, after)
  else assert.ok(after.auditEntries > before.auditEntries, 'a permitted write leaves an audit entry')
}

const show = (cell: Cell) => (cell === LOGIN ? '/login' : String(cell))

function multipartBody(fields: Record<string, string>, csv: string): { payload: string; contentType: string } {
  const boundary = '----cx280-access-matrix'
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="services.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n`)
  return { payload: `${parts.join('')}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` }
}

const cookiesOf = (response: LightMyRequestResponse) => response.cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ')

for (const engine of ENGINES) {
  describe(`access matrix (${engine})`, () => {
    let t: TestApp
    let c: Ctx

    before(async () => {
      t = await createTestApp(engine)
      const world = await seedWorld(t.runtime)
      const people = world.people
      const sessions = Object.fromEntries(await Promise.all(CALLERS.filter((p): p is Person => p !== 'anonymous').map(async (p) => [p, await signIn(t.app, people[p].email, PASSWORD)] as const))) as Ctx['sessions']
      const login = await t.app.inject({ method: 'GET', url: '/login' })
      const anonymous = { cookie: cookiesOf(login), csrf: /name="_csrf" value="([^"]+)"/.exec(login.body)?.[1] ?? '' }
      const resetToken = `matrix-reset-${Date.now()}`
      await t.runtime.db.insertInto('password_resets').values({ token_hash: digest(resetToken), user_id: people.analystA.id, expires_at: new Date(Date.now() + 3_600_000).toISOString(), used_at: null, created_at: new Date().toISOString() }).execute()
      let counter = 0
      c = { t, world, sessions, anonymous, resetToken, next: () => ++counter }
    })
    after(() => t.close())

    describe('API: bearer key per person, nothing for anonymous', () => {
      for (const row of API_MATRIX) {
        CALLERS.forEach((caller, column) => {
          const cell = row.expect[column] as Cell
          it(`${caller} ${row.method} ${row.path}${row.note ? ` (${row.note})` : ''} → ${show(cell)}`, async () => {
            const url = await resolve(c, row.path)
            const n = c.next()
            const headers: Record<string, string> = caller === 'anonymous' ? {} : bearer(c.world.people[caller])
            const payload = row.csv ? row.csv(c, n) : row.body ? JSON.stringify(row.body(c, n)) : undefined
            if (payload !== undefined) headers['content-type'] = row.csv ? 'text/csv' : 'application/json'
            await runCell(c, cell, row.method !== 'GET', url, () => t.app.inject({ method: row.method, url, headers, ...(payload !== undefined ? { payload } : {}) }))
          })
        })
      }
    })

    describe('pages: GET with a signed-in session', () => {
      for (const row of PAGE_MATRIX) {
        CALLERS.forEach((caller, column) => {
          const cell = row.expect[column] as Cell
          it(`${caller} GET ${row.path} → ${show(cell)}`, async () => {
            const url = await resolve(c, row.path)
            const headers = caller === 'anonymous' ? {} : { cookie: c.sessions[caller].cookie }
            await runCell(c, cell, false, url, () => t.app.inject({ method: 'GET', url, headers }))
          })
        })
      }
    })

    describe('page forms: POST with the session and its CSRF token', () => {
      for (const row of FORM_MATRIX) {
        CALLERS.forEach((caller, column) => {
          const cell = row.expect[column] as Cell
          it(`${caller} POST ${row.path}${row.note ? ` (${row.note})` : ''} → ${show(cell)}`, async () => {
            const url = await resolve(c, row.path)
            const n = c.next()
            const { cookie, csrf } = caller === 'anonymous' ? c.anonymous : c.sessions[caller]
            const fields = { ...row.fields(c, n), _csrf: csrf }
            const body = row.file
              ? multipartBody(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])), row.file(c, n))
              : { payload: form(fields), contentType: 'application/x-www-form-urlencoded' }
            await runCell(c, cell, true, url, () => t.app.inject({ method: 'POST', url, headers: { cookie, 'content-type': body.contentType }, payload: body.payload }))
          })
        })
      }
    })

    describe('CSRF', () => {
      const editForm = () => ({ name: 'Hijacked', organizationId: c.world.orgs.A1.id, kind: 'regulatory' })
      const expectCsrfRejection = async (send: () => Promise<LightMyRequestResponse>) => {
        const before = await snapshot(t)
        const response = await send()
        assert.equal(response.statusCode, 403, response.body.slice(0, 300))
        assertUnchanged(before, await snapshot(t))
        return response
      }

      it('leadA POST /services/:serviceA1/edit without _csrf → 403, nothing changed', async () => {
        const url = `/services/${c.world.services.serviceA1.id}/edit`
        await expectCsrfRejection(() => t.app.inject({ method: 'POST', url, headers: { cookie: c.sessions.leadA.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form(editForm()) }))
      })

      it('leadA POST /services/:serviceA1/edit with another session\'s _csrf → 403, nothing changed', async () => {
        const url = `/services/${c.world.services.serviceA1.id}/edit`
        await expectCsrfRejection(() => t.app.inject({ method: 'POST', url, headers: { cookie: c.sessions.leadA.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ ...editForm(), _csrf: c.sessions.admin.csrf }) }))
      })

      it('leadA session PATCH /api/v1/services/:serviceA1 without x-csrf-token → 403 csrf, nothing changed; with it → 200', async () => {
        const url = `/api/v1/services/${c.world.services.serviceA1.id}`
        const headers = { cookie: c.sessions.leadA.cookie, 'content-type': 'application/json' }
        const payload = JSON.stringify({ shortDescription: 'Changed through the session' })
        const rejected = await expectCsrfRejection(() => t.app.inject({ method: 'PATCH', url, headers, payload }))
        assert.equal(json(rejected).error, 'csrf')
        const wrong = await expectCsrfRejection(() => t.app.inject({ method: 'PATCH', url, headers: { ...headers, 'x-csrf-token': c.sessions.admin.csrf }, payload }))
        assert.equal(json(wrong).error, 'csrf')
        const accepted = await t.app.inject({ method: 'PATCH', url, headers: { ...headers, 'x-csrf-token': c.sessions.leadA.csrf }, payload })
        assert.equal(accepted.statusCode, 200, accepted.body)
        const stored = await t.runtime.db.selectFrom('services').select('short_description').where('id', '=', c.world.services.serviceA1.id).executeTakeFirstOrThrow()
        assert.equal(stored.short_description, 'Changed through the session')
      })

      it('managerA1 session POST /api/v1/api-keys without x-csrf-token → 403, nothing changed; with it → 201', async () => {
        const headers = { cookie: c.sessions.managerA1.cookie, 'content-type': 'application/json' }
        const payload = JSON.stringify({ name: 'through the session' })
        await expectCsrfRejection(() => t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers, payload }))
        const accepted = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: { ...headers, 'x-csrf-token': c.sessions.managerA1.csrf }, payload })
        assert.equal(accepted.statusCode, 201, accepted.body)
      })

      it('a session-cookie API read needs no CSRF token', async () => {
        const response = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: c.sessions.analystA.cookie } })
        assert.equal(response.statusCode, 200)
        assert.equal(json<{ email: string }>(response).email, c.world.people.analystA.email)
      })
    })

    describe('lists show only what the caller may read', () => {
      const ids = async (caller: Person, url: string) => {
        const response = await t.app.inject({ method: 'GET', url, headers: bearer(c.world.people[caller]) })
        assert.equal(response.statusCode, 200, response.body)
        const body = json<{ items: { id?: string; service?: { id: string } }[] }>(response)
        return new Set(body.items.map((item) => item.id ?? item.service?.id))
      }

      it('leadB sees neither A-side services, organizations nor users; leadA does not see B', async () => {
        const { serviceA1, serviceA1Other, serviceB } = c.world.services
        const { A, A1, B } = c.world.orgs
        const leadBServices = await ids('leadB', '/api/v1/services')
        assert.ok(leadBServices.has(serviceB.id) && !leadBServices.has(serviceA1.id) && !leadBServices.has(serviceA1Other.id))
        const leadBOrgs = await ids('leadB', '/api/v1/organizations')
        assert.ok(leadBOrgs.has(B.id) && !leadBOrgs.has(A.id) && !leadBOrgs.has(A1.id))
        const leadBUsers = await ids('leadB', '/api/v1/users')
        assert.ok(leadBUsers.has(c.world.people.leadB.id) && !leadBUsers.has(c.world.people.managerA1.id))
        const leadBGaps = await ids('leadB', '/api/v1/reports/digitization-gaps')
        assert.ok(!leadBGaps.has(serviceA1Other.id))
        const leadAServices = await ids('leadA', '/api/v1/services')
        assert.ok(leadAServices.has(serviceA1.id) && !leadAServices.has(serviceB.id))
        const managerOrgs = await ids('managerA1', '/api/v1/organizations')
        assert.ok(managerOrgs.has(A1.id) && managerOrgs.has(c.world.orgs.A1x.id) && !managerOrgs.has(A.id) && !managerOrgs.has(B.id))
      })

      it('leadB\'s export holds no A-side service', async () => {
        const response = await t.app.inject({ method: 'GET', url: '/api/v1/services/export?format=json', headers: bearer(c.world.people.leadB) })
        assert.equal(response.statusCode, 200)
        const exported = JSON.parse(response.body) as { organizationId: string }[]
        assert.ok(exported.every((s) => s.organizationId === c.world.orgs.B.id), 'only Department B services')
      })
    })
  })
}
