/**
 * Builds a real cx280 app (real stores, no network listener) for integration tests, plus a seeded world of
 * organizations, users in every role and their API keys, so tests read as sentences about people.
 */
import { after, before, describe } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { createApiKey, createUser, loadUserActor, systemActor, type Actor, type Role } from '../../src/auth/index.ts'
import { createHisp, createOrganization, createService, type OrganizationView, type ServiceView } from '../../src/catalog/index.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import type { Engine } from '../../src/db/connect.ts'
import { buildApp } from '../../src/http/app.ts'
import { openRuntime, type Runtime } from '../../src/runtime.ts'
import { createTestDatabase, ENGINES } from './engines.ts'

export interface TestApp {
  readonly app: FastifyInstance
  readonly runtime: Runtime
  readonly engine: Engine
  close(): Promise<void>
}

export async function createTestApp(engine: Engine, env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase(engine)
  const config: Config = loadConfig({
    CX280_DATA_DIR: database.dataDir, DATABASE_URL: database.url, EVENTS_URL: 'duckdb::memory:', LOG_LEVEL: 'silent',
    CX280_LOGIN_RATE_LIMIT: '1000', CX280_PUBLIC_RATE_LIMIT: '1000', ...env,
  })
  const runtime = await openRuntime(config)
  const app = await buildApp(runtime, { logger: false })
  await app.ready()
  return {
    app, runtime, engine,
    async close() {
      await app.close()
      await database.drop()
    },
  }
}

export const PASSWORD = 'correct horse battery staple'

export interface Person {
  readonly role: Role
  readonly email: string
  readonly id: string
  readonly key: string
  readonly actor: Actor
}

/**
 * Two departments. Department A has bureau A1 with office A1x; department B stands alone. People:
 * admin, reviewer (global); leadA (agency_lead on A); managerA1 (service_manager on A1); analystA (analyst on A);
 * leadB (agency_lead on B). Services: serviceA1 owned by managerA1, serviceA1Other (owned by no one) and serviceB.
 */
export interface World {
  readonly orgs: { readonly A: OrganizationView; readonly A1: OrganizationView; readonly A1x: OrganizationView; readonly B: OrganizationView }
  readonly people: { readonly admin: Person; readonly reviewer: Person; readonly leadA: Person; readonly managerA1: Person; readonly analystA: Person; readonly leadB: Person }
  readonly services: { readonly serviceA1: ServiceView; readonly serviceA1Other: ServiceView; readonly serviceB: ServiceView }
  readonly hispId: string
}

export async function seedWorld(runtime: Runtime): Promise<World> {
  const { db } = runtime
  const system = systemActor('test')
  const A = await createOrganization(db, system, { kind: 'department', name: 'Department A', abbreviation: 'DA', parentId: null })
  const A1 = await createOrganization(db, system, { kind: 'bureau', name: 'Bureau A1', abbreviation: 'BA1', parentId: A.id })
  const A1x = await createOrganization(db, system, { kind: 'office', name: 'Office A1x', abbreviation: 'OA1X', parentId: A1.id })
  const B = await createOrganization(db, system, { kind: 'department', name: 'Department B', abbreviation: 'DB', parentId: null })
  const person = async (name: string, role: Role, organizationId: string | null): Promise<Person> => {
    const user = await createUser(db, system, { email: `${name.toLowerCase()}@test.gov`, name, password: PASSWORD, roles: [{ role, organizationId }] })
    const actor = (await loadUserActor(db, user.id)) as Actor
    const { secret } = await createApiKey(db, actor, `${name} key`)
    return { role, email: user.email, id: user.id, key: secret, actor }
  }
  const people = {
    admin: await person('Admin', 'admin', null),
    reviewer: await person('Reviewer', 'omb_reviewer', null),
    leadA: await person('LeadA', 'agency_lead', A.id),
    managerA1: await person('ManagerA1', 'service_manager', A1.id),
    analystA: await person('AnalystA', 'analyst', A.id),
    leadB: await person('LeadB', 'agency_lead', B.id),
  }
  const hisp = await createHisp(db, system, { name: 'Bureau A1 HISP', slug: 'da-ba1', yearDesignated: 2020, organizationId: A1.id })
  const services = {
    serviceA1: await createService(db, system, { name: 'Apply for a permit', organizationId: A1.id, hispId: hisp.id, ownerUserId: people.managerA1.id, kind: 'regulatory', channels: ['website', 'paper'] }),
    serviceA1Other: await createService(db, system, { name: 'Renew a license', organizationId: A1.id, ownerUserId: null, kind: 'regulatory', channels: ['in_person'], wetSignatureRequired: true }),
    serviceB: await createService(db, system, { name: 'Request records', organizationId: B.id, ownerUserId: null, kind: 'informational', channels: ['email'] }),
  }
  return { orgs: { A, A1, A1x, B }, people, services, hispId: hisp.id }
}

export function bearer(person: Person): Record<string, string> {
  return { authorization: `Bearer ${person.key}` }
}

export function json<T = Record<string, unknown>>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T
}

/** Signs in through the real login form and returns the cookie header and CSRF token for later form posts. */
export async function signIn(app: FastifyInstance, email: string, password = PASSWORD): Promise<{ cookie: string; csrf: string }> {
  const page = await app.inject({ method: 'GET', url: '/login' })
  const anonCsrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
  const anonCookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ')
  const response = await app.inject({ method: 'POST', url: '/login', headers: { cookie: anonCookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ email, password, _csrf: anonCsrf, next: '/' }).toString() })
  const session = response.cookies.find((c) => c.name === 'cx280_session')
  if (response.statusCode !== 303 || !session) throw new Error(`sign-in failed for ${email}: ${response.statusCode}`)
  const cookie = `cx280_session=${session.value}`
  const home = await app.inject({ method: 'GET', url: '/account', headers: { cookie } })
  const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)?.[1] ?? ''
  return { cookie, csrf }
}

export function form(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(fields)) for (const value of Array.isArray(v) ? v : [v]) params.append(k, value)
  return params.toString()
}

/** What an engine-looped suite sees: its app and seeded world, set in `before` and closed in `after`. */
export interface WorldContext {
  t: TestApp
  world: World
  readonly engine: Engine
}

/**
 * Declares one suite per engine (SQLite, PostgreSQL), each on a fresh app and database with the seeded world.
 * @example describeWithWorld('services API', (w) => { it('…', async () => { await w.t.app.inject(…) }) })
 */
export function describeWithWorld(title: string, body: (w: WorldContext) => void): void {
  for (const engine of ENGINES) {
    describe(`${title} (${engine})`, () => {
      const w = { engine } as WorldContext
      before(async () => {
        w.t = await createTestApp(engine)
        w.world = await seedWorld(w.t.runtime)
      })
      after(() => w.t.close())
      body(w)
    })
  }
}
