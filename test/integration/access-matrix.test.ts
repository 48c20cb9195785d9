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
 *
 * Post-transaction feedback (issue 3) acts on records made once per engine through the domain functions by a system
 * actor: `:surveyA1` (published A-11 Likert survey with the contact questions, on serviceA1), `:draftA1`, `:surveyB`
 * (published, on serviceB), `:responseA1` (a negative answer asking for contact, so it opened `:caseA1`), `:webhookA`
 * and `:webhookA1`; and on fresh ones per cell: `:freshDraftA1`, `:freshPublishedA1`, `:freshResponseA1` (a response
 * in surveyA1, e.g. to be trashed) and `:freshWebhookA` (to be deleted). The public intake (responses, offers, the
 * hosted page) is no person's change: a permitted call stores something but writes no audit entry (`intake` rows).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { createIngestKey } from '../../src/analytics/server-ingest.ts'
import { createSite } from '../../src/analytics/sites.ts'
import { createJourney } from '../../src/analytics/journeys.ts'
import { createMonitor } from '../../src/analytics/monitors.ts'
import { createApiKey, createUser, systemActor } from '../../src/auth/index.ts'
import { digest } from '../../src/auth/tokens.ts'
import { createService, transitionService } from '../../src/catalog/index.ts'
import { createWebhook } from '../../src/notify/webhooks.ts'
import { ensureCollections, transitionCollection } from '../../src/reporting/index.ts'
import { importResponsesCsv } from '../../src/surveys/index.ts'
import { createSurvey, loadPublicSurvey, submitResponse, transitionSurvey } from '../../src/surveys/index.ts'
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
  readonly feedback: Feedback
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
  surveyA1: (c) => c.feedback.surveyA1,
  draftA1: (c) => c.feedback.draftA1,
  surveyB: (c) => c.feedback.surveyB,
  responseA1: (c) => c.feedback.responseA1,
  caseA1: (c) => c.feedback.caseA1,
  webhookA: (c) => c.feedback.webhookA,
  webhookA1: (c) => c.feedback.webhookA1,
  freshDraftA1: async (c) => (await surveyOn(c.t, c.world.services.serviceA1.id)).id,
  freshPublishedA1: async (c) => (await publishedOn(c.t, c.world.services.serviceA1.id)).id,
  freshResponseA1,
  freshWebhookA: async (c) => (await webhookOf(c.t, c.world.orgs.A.id)).id,
  freshSiteA1: async (c) => (await createSite(c.t.runtime.db, system, { organizationId: c.world.orgs.A1.id, name: `Matrix site ${c.next()}`, domain: 'permits.example.gov' })).id,
  // An ingest key of a fresh site of A1, as the path part `<siteId>/ingest-keys/<keyId>` (a key lives under its site).
  freshIngestKeyA1: async (c) => {
    const siteId = await TARGETS.freshSiteA1?.(c) as string
    return `${siteId}/ingest-keys/${(await createIngestKey(c.t.runtime.db, system, siteId, { name: `Matrix key ${c.next()}` })).key.id}`
  },
  // Monitors (issue 5): `:monitorA1` is made once per engine (a no-data monitor on a fresh site of A1); `:freshMonitorA1` per cell.
  monitorA1: (c) => {
    let made = monitorsOfA1.get(c)
    if (!made) monitorsOfA1.set(c, made = monitorOnA1(c))
    return made
  },
  freshMonitorA1: monitorOnA1,
  collectionA1: async (c) => (await collectionWithDetailA1(c)).collection,
  detailA1: async (c) => (await collectionWithDetailA1(c)).detail,
  freshDraftCollectionA1: (c) => freshCollectionA1(c),
  freshNotReportedA1: async (c) => (await transitionCollection(c.t.runtime.db, system, await freshCollectionA1(c), { transition: 'mark_not_reported' }, REPORTING)).id,
  freshJourneyA1: async (c) => (await createJourney(c.t.runtime.db, system, {
    serviceId: c.world.services.serviceA1.id, name: `Matrix journey ${c.next()}`, siteIds: [await TARGETS.freshSiteA1?.(c) as string], steps: JOURNEY_STEPS,
  })).id,
}

// ─── Journeys (issue 5): two page steps, on a fresh site of A1 ────────────────────────────────────────────────
const JOURNEY_STEPS = [{ kind: 'page' as const, pattern: '/apply' }, { kind: 'page' as const, pattern: '/apply/done' }]
const siteOfA1 = async (c: Ctx) => TARGETS.freshSiteA1?.(c) as Promise<string>
const monitorsOfA1 = new WeakMap<Ctx, Promise<string>>()
async function monitorOnA1(c: Ctx): Promise<string> {
  return (await createMonitor(c.t.runtime.db, system, { siteId: await siteOfA1(c), name: `Matrix monitor ${c.next()}`, metric: 'events', rule: 'no_data' })).id
}
const journeyForm = async (c: Ctx, n: number): Promise<Fields> => ({
  name: `Form journey ${n}`, siteIds: await siteOfA1(c), windowValue: '1', windowUnit: 'days', stepCount: '2',
  'steps.0.kind': 'page', 'steps.0.target': '/apply', 'steps.1.kind': 'page', 'steps.1.target': '/apply/done', _op: 'save',
})

// ─── Quarterly collections (issue 4): designated services of the A1 HISP, FY2026 Q1 ──────────────────────────
// `:collectionA1` is a draft with one detail (a thumbs survey with one response in the quarter) on a designated
// service of A1 owned by managerA1, made once per engine; fresh drafts get a designated service of their own.
const REPORTING = { publicUrl: 'https://cx280.test', deadlineDays: 30 }
const COLLECTION_QUARTER = { fiscalYear: 2026, quarter: 1 }
const designatedIn = (c: Ctx, organizationId: string) => createService(c.t.runtime.db, system, {
  name: `Designated ${c.next()}`, organizationId, hispId: c.world.hispId, ownerUserId: organizationId === c.world.orgs.A1.id ? c.world.people.managerA1.id : null,
  kind: 'benefits', channels: ['website'], designatedForImprovement: true, yearDesignated: 2024,
})
async function collectionOf(c: Ctx, serviceId: string): Promise<string> {
  await ensureCollections(c.t.runtime.db, system, COLLECTION_QUARTER, REPORTING)
  return (await c.t.runtime.db.selectFrom('collections').select('id').where('service_id', '=', serviceId).executeTakeFirstOrThrow()).id
}
const freshCollectionA1 = async (c: Ctx) => collectionOf(c, (await designatedIn(c, c.world.orgs.A1.id)).id)
/** A volumes file for `:collectionA1`'s one detail (one respondent; offered and customers unique to the cell). */
async function volumesOfCollectionA1(c: Ctx, n: number): Promise<string> {
  const { collection, detail } = await collectionWithDetailA1(c)
  const surveyId = (await c.t.runtime.db.selectFrom('collection_details').select('survey_id').where('id', '=', detail).executeTakeFirstOrThrow()).survey_id
  return `collection_id,survey_id,volume_of_customers,volume_offered\n${collection},${surveyId},${1000 + n},${10 + n}\n`
}
/** Makes designated services in A1 and in B, so each caller who may start collections starts at least one. */
const designatedInA1AndB = async (c: Ctx) => { await designatedIn(c, c.world.orgs.A1.id); await designatedIn(c, c.world.orgs.B.id) }
const seededCollections = new WeakMap<Ctx, Promise<{ collection: string; detail: string }>>()
function collectionWithDetailA1(c: Ctx): Promise<{ collection: string; detail: string }> {
  let seeded = seededCollections.get(c)
  if (!seeded) {
    seeded = (async () => {
      const service = await designatedIn(c, c.world.orgs.A1.id)
      const survey = await publishedOn(c.t, service.id)
      const report = await importResponsesCsv(c.t.runtime.db, system, survey.id, 'external_id,submitted_at,trust\nm1,2025-11-15,5\n', { format: 'survey' })
      assert.ok(report.ok, JSON.stringify(report.errors))
      const collection = await collectionOf(c, service.id)
      const detail = (await c.t.runtime.db.selectFrom('collection_details').select('id').where('collection_id', '=', collection).executeTakeFirstOrThrow()).id
      return { collection, detail }
    })()
    seededCollections.set(c, seeded)
  }
  return seeded
}

function freshServiceA1(c: Ctx) {
  return createService(c.t.runtime.db, system, { name: `Fresh service ${c.next()}`, organizationId: c.world.orgs.A1.id, ownerUserId: c.world.people.managerA1.id, kind: 'regulatory', channels: ['website'] })
}

// ─── Feedback records (issue 3), made through the domain functions ────────────────────────────────────────────
interface Feedback {
  readonly surveyA1: string
  readonly draftA1: string
  readonly surveyB: string
  readonly responseA1: string
  readonly caseA1: string
  readonly webhookA: string
  readonly webhookA1: string
}

/** A draft A-11 Likert survey (English and Spanish) with the consent-to-contact questions. */
const surveyOn = (t: TestApp, serviceId: string) => createSurvey(t.runtime.db, system, { serviceId, template: 'a11_v2_likert', askContact: true })
const publishedOn = async (t: TestApp, serviceId: string) => transitionSurvey(t.runtime.db, system, (await surveyOn(t, serviceId)).id, 'publish')
const respond = async (t: TestApp, surveyId: string, answers: Record<string, unknown>) =>
  submitResponse(t.runtime.db, await loadPublicSurvey(t.runtime.db, surveyId), answers, { source: 'api', language: 'en' })
const webhookOf = (t: TestApp, organizationId: string) =>
  createWebhook(t.runtime.db, system, { organizationId, url: 'https://hooks.example.gov/cx280', events: ['response.created', 'recovery_case.opened'] })
async function freshResponseA1(c: Ctx): Promise<string> {
  return (await respond(c.t, c.feedback.surveyA1, { trust: 5 })).id
}

async function seedFeedback(t: TestApp, world: World): Promise<Feedback> {
  const surveyA1 = (await publishedOn(t, world.services.serviceA1.id)).id
  const complaint = await respond(t, surveyA1, { trust: 2, drivers_negative: ['efficiency'], open_text: 'Call me at 555-123-4567', contact_consent: 'yes', contact_details: 'pat@example.com' })
  assert.ok(complaint.recoveryCaseId, 'a negative answer asking for contact opens a recovery case')
  return {
    surveyA1, draftA1: (await surveyOn(t, world.services.serviceA1.id)).id, surveyB: (await publishedOn(t, world.services.serviceB.id)).id,
    responseA1: complaint.id, caseA1: complaint.recoveryCaseId, webhookA: (await webhookOf(t, world.orgs.A.id)).id, webhookA1: (await webhookOf(t, world.orgs.A1.id)).id,
  }
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
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'OPTIONS'
interface ApiRow {
  readonly method: Method
  readonly path: string
  readonly note?: string
  readonly expect: Row7
  readonly body?: (c: Ctx, n: number) => unknown
  readonly csv?: (c: Ctx, n: number) => string | Promise<string>
  /** A GET that writes (an audited reveal): checked like a write. */
  readonly write?: boolean
  /** Public intake: a permitted call stores something but is no person's change, so it leaves no audit entry. */
  readonly intake?: boolean
  /** A POST that only reads (an ad-hoc query): checked like a read. */
  readonly query?: boolean
}
const api = (method: Method, path: string, expect: Row7, extra: Partial<Pick<ApiRow, 'note' | 'body' | 'csv' | 'write' | 'intake' | 'query'>> = {}): ApiRow => ({ method, path, expect, ...extra })

const officeUnderA1 = (c: Ctx, n: number) => ({ kind: 'office', name: `Office ${n}`, abbreviation: null, parentId: c.world.orgs.A1.id })
const serviceInA1 = (c: Ctx, n: number) => ({ name: `Matrix service ${n}`, organizationId: c.world.orgs.A1.id, kind: 'benefits', channels: ['website'] })
const analystInA1 = (c: Ctx, n: number) => ({ email: `new${n}@test.gov`, name: `New ${n}`, roles: [{ role: 'analyst', organizationId: c.world.orgs.A1.id }] })
const surveyOnServiceA1 = (c: Ctx, n: number) => ({ serviceId: c.world.services.serviceA1.id, template: 'a11_v2_thumbs', name: `Matrix survey ${n}` })
/** A due date unique to the cell, so each permitted update changes the case. */
const dueOn = (n: number) => new Date(Date.UTC(2031, 0, 1) + n * 86_400_000).toISOString().slice(0, 10)

const API_MATRIX: readonly ApiRow[] = [
  //   method     path                                               anon admin revwr leadA mgrA1 anlsA leadB
  api('GET',     '/api/v1/organizations',                            [401,  200,  200,  200,  200,  200,  200]),
  api('POST',    '/api/v1/organizations',                            [401,  201,  403,  403,  403,  403,  403], { note: 'department', body: (_c, n) => ({ kind: 'department', name: `Department ${n}`, parentId: null }) }),
  api('POST',    '/api/v1/organizations',                            [401,  201,  403,  201,  403,  403,  404], { note: 'office under A1', body: officeUnderA1 }),
  api('GET',     '/api/v1/organizations/:A',                         [401,  200,  200,  200,  404,  200,  404]),
  api('GET',     '/api/v1/organizations/:A1',                        [401,  200,  200,  200,  200,  200,  404]),
  api('PATCH',   '/api/v1/organizations/:A',                         [401,  200,  403,  200,  404,  403,  404], { body: () => ({ abbreviation: 'DA' }) }),
  api('PATCH',   '/api/v1/organizations/:A1',                        [401,  200,  403,  200,  403,  403,  404], { body: () => ({ name: 'Bureau A1' }) }),

  api('GET',     '/api/v1/hisps',                                    [401,  200,  200,  200,  200,  200,  200]),
  api('POST',    '/api/v1/hisps',                                    [401,  201,  403,  403,  403,  403,  403], { body: (_c, n) => ({ name: `HISP ${n}`, slug: `hisp-${n}` }) }),
  api('GET',     '/api/v1/hisps/:hisp',                              [401,  200,  200,  200,  200,  200,  200]),
  api('PATCH',   '/api/v1/hisps/:hisp',                              [401,  200,  403,  403,  403,  403,  403], { body: (_c, n) => ({ description: `edit ${n}` }) }),

  api('GET',     '/api/v1/services',                                 [401,  200,  200,  200,  200,  200,  200]),
  api('POST',    '/api/v1/services',                                 [401,  201,  403,  201,  201,  403,  404], { note: 'in A1', body: serviceInA1 }),
  api('GET',     '/api/v1/services/:serviceA1',                      [401,  200,  200,  200,  200,  200,  404]),
  api('PATCH',   '/api/v1/services/:serviceA1',                      [401,  200,  403,  200,  200,  403,  404], { body: (_c, n) => ({ shortDescription: `edit ${n}` }) }),
  api('PATCH',   '/api/v1/services/:serviceA1Other',                 [401,  200,  403,  200,  403,  403,  404], { body: (_c, n) => ({ shortDescription: `edit ${n}` }) }),
  api('GET',     '/api/v1/services/:serviceB',                       [401,  200,  200,  404,  404,  404,  200]),
  api('PATCH',   '/api/v1/services/:serviceB',                       [401,  200,  403,  404,  404,  404,  200], { body: (_c, n) => ({ shortDescription: `edit ${n}` }) }),
  api('POST',    '/api/v1/services/:freshServiceA1/transitions',     [401,  200,  403,  200,  200,  403,  404], { note: 'submit', body: () => ({ transition: 'submit' }) }),
  api('POST',    '/api/v1/services/:submittedServiceA1/transitions', [401,  200,  200,  403,  403,  403,  404], { note: 'approve', body: () => ({ transition: 'approve' }) }),
  // leadB's CSV names an organization leadB cannot see: the import answers with its per-row report (400), as it
  // does for a misspelt organization, so nothing is revealed (docs/errors.md: "a CSV with bad rows").
  api('POST',    '/api/v1/services/import',                          [401,  200,  403,  200,  200,  403,  400], { note: 'CSV, a new service in A1', csv: (c, n) => `name,organization\nImported ${n},${c.world.orgs.A1.id}\n` }),
  api('GET',     '/api/v1/services/export',                          [401,  200,  200,  200,  200,  200,  200]),
  api('GET',     '/api/v1/reports/digitization-gaps',                [401,  200,  200,  200,  200,  200,  200]),

  api('GET',     '/api/v1/me',                                       [401,  200,  200,  200,  200,  200,  200]),
  api('GET',     '/api/v1/users',                                    [401,  200,  403,  200,  403,  403,  200]),
  api('POST',    '/api/v1/users',                                    [401,  201,  403,  201,  403,  403,  404], { note: 'analyst in A1', body: analystInA1 }),
  api('POST',    '/api/v1/users',                                    [401,  201,  403,  403,  403,  403,  403], { note: 'grants admin', body: (_c, n) => ({ email: `boss${n}@test.gov`, name: `Boss ${n}`, roles: [{ role: 'admin', organizationId: null }] }) }),
  api('GET',     '/api/v1/users/:managerA1',                         [401,  200,  403,  200,  200,  403,  404]),
  api('PATCH',   '/api/v1/users/:managerA1',                         [401,  200,  403,  200,  403,  403,  404], { note: 'rename', body: () => ({ name: 'ManagerA1' }) }),
  api('PATCH',   '/api/v1/users/:freshAnalystA1',                    [401,  200,  403,  403,  403,  403,  404], { note: 'grants admin', body: () => ({ roles: [{ role: 'admin', organizationId: null }] }) }),

  api('GET',     '/api/v1/api-keys',                                 [401,  200,  200,  200,  200,  200,  200]),
  api('POST',    '/api/v1/api-keys',                                 [401,  201,  201,  201,  201,  201,  201], { body: (_c, n) => ({ name: `key ${n}` }) }),
  api('DELETE',  '/api/v1/api-keys/:spareKeyOfManagerA1',            [401,  200,  404,  404,  200,  404,  404]),

  api('GET',     '/api/v1/audit',                                    [401,  200,  403,  403,  403,  403,  403]),
  api('GET',     '/api/v1/openapi.json',                             [200,  200,  200,  200,  200,  200,  200]),

  // ── Post-transaction feedback (issue 3) ──
  api('GET',     '/api/v1/survey-templates',                         [401,  200,  200,  200,  200,  200,  200]),
  api('GET',     '/api/v1/surveys',                                  [401,  200,  200,  200,  200,  200,  200]),
  // leadB names a service it cannot see: 400 "is not a service you can see", as for a misspelt id (nothing revealed).
  api('POST',    '/api/v1/surveys',                                  [401,  201,  403,  201,  201,  403,  400], { note: 'on serviceA1', body: surveyOnServiceA1 }),
  api('GET',     '/api/v1/surveys/:surveyA1',                        [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/surveys/:surveyB',                         [401,  200,  200,  404,  404,  404,  200]),
  api('PATCH',   '/api/v1/surveys/:draftA1',                         [401,  200,  403,  200,  200,  403,  404], { body: (_c, n) => ({ name: `Renamed survey ${n}` }) }),
  api('POST',    '/api/v1/surveys/:freshDraftA1/transitions',        [401,  200,  403,  200,  200,  403,  404], { note: 'publish', body: () => ({ transition: 'publish' }) }),
  api('POST',    '/api/v1/surveys/:freshPublishedA1/transitions',    [401,  200,  403,  200,  200,  403,  404], { note: 'close', body: () => ({ transition: 'close' }) }),
  api('GET',     '/api/v1/surveys/:surveyA1/versions/1',             [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/surveys/:surveyA1/links',                  [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/surveys/:surveyA1/qr.svg',                 [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/surveys/:surveyA1/qr.png',                 [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/surveys/:surveyA1/embed',                  [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/widget/v1.js',                                    [200,  200,  200,  200,  200,  200,  200], { note: 'public' }),

  // Public intake: the same answer for everyone; a key changes nothing (except for bulk offers, below).
  api('OPTIONS', '/api/v1/surveys/:surveyA1/responses',              [204,  204,  204,  204,  204,  204,  204], { note: 'CORS preflight' }),
  api('GET',     '/api/v1/public/surveys/:surveyA1',                 [200,  200,  200,  200,  200,  200,  200]),
  api('GET',     '/api/v1/public/surveys/:draftA1',                  [404,  404,  404,  404,  404,  404,  404], { note: 'a draft is not public' }),
  api('POST',    '/api/v1/surveys/:surveyA1/responses',              [201,  201,  201,  201,  201,  201,  201], { intake: true, body: (_c, n) => ({ answers: { trust: 4 }, idempotencyKey: `matrix-${n}` }) }),
  api('POST',    '/api/v1/surveys/:surveyA1/offers',                 [204,  204,  204,  204,  204,  204,  204], { intake: true, body: () => ({ source: 'widget' }) }),
  // Several offers at once need a key that may triage the survey's feedback; the survey is public, so 403 hides nothing.
  api('POST',    '/api/v1/surveys/:surveyA1/offers',                 [403,  204,  403,  204,  204,  204,  403], { intake: true, note: 'count 25', body: () => ({ source: 'hosted', channel: 'email', count: 25 }) }),

  api('GET',     '/api/v1/responses',                                [401,  200,  200,  200,  200,  200,  200]),
  api('GET',     '/api/v1/surveys/:surveyA1/responses',              [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/responses/:responseA1',                    [401,  200,  200,  200,  200,  200,  404]),
  api('POST',    '/api/v1/responses/:responseA1/reveal',             [401,  200,  403,  200,  200,  403,  404]),
  api('POST',    '/api/v1/responses/bulk',                           [401,  200,  403,  200,  200,  200,  404], { note: 'trash', body: async (c) => ({ ids: [await freshResponseA1(c)], action: 'trash' }) }),
  api('POST',    '/api/v1/surveys/:surveyA1/imports',                [401,  200,  403,  200,  200,  403,  404], { note: 'CSV', csv: () => 'trust\n4\n' }),
  api('GET',     '/api/v1/surveys/:surveyA1/export',                 [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/surveys/:surveyA1/export?reveal=true',     [401,  200,  403,  200,  200,  403,  404], { write: true }),
  api('GET',     '/api/v1/surveys/:surveyA1/scores',                 [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/scores',                                   [401,  200,  200,  200,  200,  200,  200]),
  api('GET',     '/api/v1/scores?serviceId=:serviceA1',              [401,  200,  200,  200,  200,  200,  404]),

  api('GET',     '/api/v1/recovery-cases',                           [401,  200,  200,  200,  200,  200,  200]),
  api('GET',     '/api/v1/recovery-cases/:caseA1',                   [401,  200,  200,  200,  200,  200,  404]),
  api('POST',    '/api/v1/recovery-cases/:caseA1/reveal',            [401,  200,  403,  200,  200,  403,  404]),
  // The assignee picker lists names and emails of the organization's staff; only those who may assign need it (the
  // case page asks for it only then), and a reviewer may not list users (GET /users → 403).
  api('GET',     '/api/v1/recovery-cases/:caseA1/assignees',         [401,  200,  403,  200,  200,  200,  404]),
  api('PATCH',   '/api/v1/recovery-cases/:caseA1',                   [401,  200,  403,  200,  200,  200,  404], { note: 'due date', body: (_c, n) => ({ dueOn: dueOn(n) }) }),
  api('POST',    '/api/v1/recovery-cases/:caseA1/notes',             [401,  201,  403,  201,  201,  201,  404], { body: (_c, n) => ({ body: `Called back (${n}).` }) }),

  // Webhooks belong to an organization: managerA1 (scoped to A1) cannot see Department A, so A's webhook is 404 to it;
  // A1's webhook it can see but not manage (403). The list answers 200 with only the webhooks the caller manages.
  api('GET',     '/api/v1/webhooks',                                 [401,  200,  200,  200,  200,  200,  200], { note: 'filtered' }),
  api('POST',    '/api/v1/webhooks',                                 [401,  201,  403,  201,  404,  403,  404], { note: 'of A', body: (c, n) => ({ organizationId: c.world.orgs.A.id, url: `https://hooks.example.gov/matrix/${n}`, events: ['recovery_case.opened'] }) }),
  api('GET',     '/api/v1/webhooks/:webhookA',                       [401,  200,  403,  200,  404,  403,  404]),
  api('GET',     '/api/v1/webhooks/:webhookA1',                      [401,  200,  403,  200,  403,  403,  404]),
  api('GET',     '/api/v1/sites',                                    [401,  200,  200,  200,  200,  200,  200], { note: 'filtered' }),
  api('POST',    '/api/v1/sites',                                    [401,  201,  403,  201,  201,  403,  400], { note: 'in A1', body: (c, n) => ({ organizationId: c.world.orgs.A1.id, name: `API site ${n}`, domain: 'apply.example.gov' }) }),
  api('GET',     '/api/v1/sites/:freshSiteA1',                       [401,  200,  200,  200,  200,  200,  404]),
  api('PATCH',   '/api/v1/sites/:freshSiteA1',                       [401,  200,  403,  200,  200,  403,  404], { body: () => ({ respectGpc: false }) }),
  api('POST',    '/api/v1/sites/:freshSiteA1/rotate-key',            [401,  200,  403,  200,  200,  403,  404]),
  api('POST',    '/api/v1/sites/:freshSiteA1/archive',               [401,  200,  403,  200,  200,  403,  404]),
  api('GET',     '/api/v1/sites/:freshSiteA1/ingest-keys',           [401,  200,  200,  200,  200,  200,  404]),
  api('POST',    '/api/v1/sites/:freshSiteA1/ingest-keys',           [401,  201,  403,  201,  201,  403,  404], { body: (_c, n) => ({ name: `API ingest key ${n}` }) }),
  api('POST',    '/api/v1/sites/:freshIngestKeyA1/rotate',           [401,  200,  403,  200,  200,  403,  404]),
  api('DELETE',  '/api/v1/sites/:freshIngestKeyA1',                  [401,  200,  403,  200,  200,  403,  404], { note: 'revoke' }),
  // Server-to-server ingest takes a site's ingest key only: a person's API key (or session) is refused.
  api('POST',    '/api/v1/events/server',                            [401,  401,  401,  401,  401,  401,  401], { note: 'with an API key', body: () => ({ events: [{ channel: 'sms', type: 'action', subject: 's', timestamp: new Date().toISOString(), name: 'reply' }] }) }),
  // Monitors: leadB names a site it cannot see, so the body is invalid (400), as for a misspelt id.
  api('GET',     '/api/v1/monitors',                                 [401,  200,  200,  200,  200,  200,  200], { note: 'filtered' }),
  api('POST',    '/api/v1/monitors',                                 [401,  201,  403,  201,  201,  403,  400], { note: 'on a site of A1', body: async (c, n) => ({ siteId: await siteOfA1(c), name: `API monitor ${n}`, metric: 'pageviews', rule: 'seasonal' }) }),
  api('GET',     '/api/v1/monitors/:monitorA1',                      [401,  200,  200,  200,  200,  200,  404]),
  api('PATCH',   '/api/v1/monitors/:monitorA1',                      [401,  200,  403,  200,  200,  403,  404], { body: (_c, n) => ({ name: `Matrix monitor ${n}` }) }),
  api('GET',     '/api/v1/monitors/:monitorA1/alerts',               [401,  200,  200,  200,  200,  200,  404]),
  api('POST',    '/api/v1/monitors/:freshMonitorA1/evaluate',        [401,  200,  403,  200,  200,  403,  404]),
  api('DELETE',  '/api/v1/monitors/:freshMonitorA1',                 [401,  204,  403,  204,  204,  403,  404]),
  // Analytics metrics: readers of the site's (or service's) organization; another organization's is 404.
  api('GET',     '/api/v1/analytics/sites/:freshSiteA1/totals',      [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/analytics/sites/:freshSiteA1/series?granularity=day', [401, 200, 200, 200, 200, 200, 404]),
  api('GET',     '/api/v1/analytics/sites/:freshSiteA1/breakdown/path?format=csv', [401, 200, 200, 200, 200, 200, 404]),
  api('GET',     '/api/v1/analytics/sites/:freshSiteA1/values',      [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/analytics/sites/:freshSiteA1/values/apply_start', [401, 200, 200, 200, 200, 200, 404]),
  api('GET',     '/api/v1/analytics/sites/:freshSiteA1/realtime',    [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/analytics/services/:serviceA1/totals',     [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/analytics/services/:serviceA1/series',     [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/analytics/services/:serviceA1/breakdown/site', [401, 200, 200, 200, 200, 200, 404]),
  api('GET',     '/api/v1/analytics/services/:serviceA1/values/apply_start?format=csv', [401, 200, 200, 200, 200, 200, 404]),
  api('GET',     '/api/v1/analytics/services/:serviceA1/realtime',   [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/analytics/services/:serviceB/totals',      [401,  200,  200,  404,  404,  404,  200]),
  // Journeys: the service's organization governs; leadB names a service it cannot see (400, as for surveys).
  api('GET',     '/api/v1/journeys',                                 [401,  200,  200,  200,  200,  200,  200], { note: 'filtered' }),
  api('POST',    '/api/v1/journeys',                                 [401,  201,  403,  201,  201,  403,  400], { note: 'on serviceA1', body: async (c, n) => ({ serviceId: c.world.services.serviceA1.id, name: `API journey ${n}`, siteIds: [await siteOfA1(c)], steps: JOURNEY_STEPS }) }),
  api('GET',     '/api/v1/journeys/:freshJourneyA1',                 [401,  200,  200,  200,  200,  200,  404]),
  api('PATCH',   '/api/v1/journeys/:freshJourneyA1',                 [401,  200,  403,  200,  200,  403,  404], { body: (_c, n) => ({ description: `edit ${n}` }) }),
  api('POST',    '/api/v1/journeys/:freshJourneyA1/state',           [401,  200,  403,  200,  200,  403,  404], { note: 'deprecate', body: () => ({ state: 'deprecated' }) }),
  api('GET',     '/api/v1/journeys/:freshJourneyA1/versions',        [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/journeys/:freshJourneyA1/results',         [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/journeys/:freshJourneyA1/trust-by-step',   [401,  200,  200,  200,  200,  200,  404]),
  api('POST',    '/api/v1/analytics/funnels',                        [401,  200,  200,  200,  200,  200,  404], { note: 'over a site of A1', query: true, body: async (c) => ({ siteIds: [await siteOfA1(c)], steps: JOURNEY_STEPS }) }),
  api('PATCH',   '/api/v1/webhooks/:webhookA',                       [401,  200,  403,  200,  404,  403,  404], { body: () => ({ events: ['response.created', 'recovery_case.opened', 'recovery_case.updated'] }) }),
  api('DELETE',  '/api/v1/webhooks/:freshWebhookA',                  [401,  204,  403,  204,  404,  403,  404]),
  api('GET',     '/api/v1/webhooks/:webhookA/deliveries',            [401,  200,  403,  200,  404,  403,  404]),
  api('POST',    '/api/v1/webhooks/:webhookA/ping',                  [401,  202,  403,  202,  404,  403,  404]),
  api('GET',     '/api/v1/surveys/:surveyA1/subscription',           [401,  200,  200,  200,  200,  200,  404]),
  api('PUT',     '/api/v1/surveys/:surveyA1/subscription',           [401,  200,  200,  200,  200,  200,  404], { note: 'any reader; mail carries no text', body: () => ({ mode: 'daily' }) }),

  // ── Quarterly collections (issue 4) ──
  // Starting a quarter: reviewers for every HISP, agency leads for their own services (leadB makes B's); the body
  // first adds designated services in A1 and B, so every permitted call makes at least one collection.
  api('GET',     '/api/v1/collections',                              [401,  200,  200,  200,  200,  200,  200], { note: 'filtered' }),
  api('POST',    '/api/v1/collections',                              [401,  200,  200,  200,  403,  403,  200], { note: 'FY2026 Q1', body: async (c) => { await designatedInA1AndB(c); return COLLECTION_QUARTER } }),
  api('GET',     '/api/v1/collections/board',                        [401,  200,  200,  200,  200,  200,  200], { note: 'filtered' }),
  api('GET',     '/api/v1/collections/:collectionA1',                [401,  200,  200,  200,  200,  200,  404]),
  // Volumes and the reflection: whoever may edit the service (managerA1 owns it); reviewers read only.
  api('PATCH',   '/api/v1/collections/:collectionA1',                [401,  200,  403,  200,  200,  403,  404], { body: (_c, n) => ({ reflection: `Reflection ${n}` }) }),
  api('POST',    '/api/v1/collections/:freshDraftCollectionA1/transitions', [401, 200, 200, 200, 403, 403, 404], { note: 'not reported', body: () => ({ transition: 'mark_not_reported' }) }),
  api('POST',    '/api/v1/collections/:freshNotReportedA1/rating',   [401,  200,  200,  403,  403,  403,  404], { body: () => ({ rating: 'red', reason: 'No data reported' }) }),
  api('GET',     '/api/v1/collections/:collectionA1/integrity',      [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/collections/:collectionA1/export',         [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/collections/:collectionA1/export?format=xlsx', [401, 200, 200, 200, 200, 200, 404]),
  api('GET',     '/api/v1/collections/:collectionA1/details/:detailA1/responses.csv', [401, 200, 200, 200, 200, 200, 404]),
  api('GET',     '/api/v1/collections/compare?fiscalYear=2026&quarter=1', [401, 200, 200, 200, 200, 200, 200], { note: 'filtered' }),
  api('GET',     '/api/v1/collections/:collectionA1/trend',          [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/collections/:collectionA1/drivers',        [401,  200,  200,  200,  200,  200,  404]),
  api('GET',     '/api/v1/collections/volumes.csv?fiscalYear=2026&quarter=1', [401, 200, 200, 200, 200, 200, 200], { note: 'the editable ones' }),
  // Roles that never enter volumes are refused outright; leadB's rows name a collection leadB cannot read, so the
  // file comes back with its per-row report (400), as the services import does.
  api('POST',    '/api/v1/collections/volumes',                      [401,  200,  403,  200,  200,  403,  400], { note: 'CSV', csv: volumesOfCollectionA1 }),
  api('GET',     '/api/v1/reports/app?organizationId=:A1&fiscalYear=2026', [401, 200, 200, 200, 200, 200, 404]),
  // Open data: published collections only, for everyone (signed in or not).
  api('GET',     '/api/v1/public/collections',                       [200,  200,  200,  200,  200,  200,  200]),
  api('GET',     '/api/v1/public/collections.csv?fiscalYear=2026',   [200,  200,  200,  200,  200,  200,  200]),
]

// ─── The page matrix (GET with a signed-in session) ────────────────────────────────────────────────────────────
interface PageRow { readonly path: string; readonly expect: Row7 }
const page = (path: string, expect: Row7): PageRow => ({ path, expect })
const L = LOGIN

const PAGE_MATRIX: readonly PageRow[] = [
  //    path                                 anon admin revwr leadA mgrA1 anlsA leadB
  page('/',                                  [L,    200,  200,  200,  200,  200,  200]),
  page('/services',                          [L,    200,  200,  200,  200,  200,  200]),
  page('/services/new',                      [L,    200,  403,  200,  200,  403,  200]),
  page('/services/:serviceA1',               [L,    200,  200,  200,  200,  200,  404]),
  page('/services/:serviceA1/edit',          [L,    200,  403,  200,  200,  403,  404]),
  page('/services/:serviceA1Other/edit',     [L,    200,  403,  200,  403,  403,  404]),
  page('/services/:serviceB',                [L,    200,  200,  404,  404,  404,  200]),
  page('/services/import',                   [L,    200,  403,  200,  200,  403,  200]),
  page('/organizations',                     [L,    200,  200,  200,  200,  200,  200]),
  page('/organizations/new',                 [L,    200,  403,  200,  403,  403,  200]),
  page('/organizations/:A',                  [L,    200,  200,  200,  404,  200,  404]),
  page('/organizations/:A1',                 [L,    200,  200,  200,  200,  200,  404]),
  page('/hisps',                             [L,    200,  200,  200,  200,  200,  200]),
  page('/hisps/new',                         [L,    200,  403,  403,  403,  403,  403]),
  page('/hisps/:hisp',                       [L,    200,  200,  200,  200,  200,  200]),
  page('/hisps/:hisp/edit',                  [L,    200,  403,  403,  403,  403,  403]),
  page('/users',                             [L,    200,  403,  200,  403,  403,  200]),
  page('/users/new',                         [L,    200,  403,  200,  403,  403,  200]),
  page('/users/:managerA1',                  [L,    200,  403,  200,  200,  403,  404]),
  page('/account',                           [L,    200,  200,  200,  200,  200,  200]),
  page('/audit',                             [L,    200,  403,  403,  403,  403,  403]),
  page('/reports/digitization-gaps',         [L,    200,  200,  200,  200,  200,  200]),
  page('/collections',                       [L,    200,  200,  200,  200,  200,  200]),
  page('/collections/board',                 [L,    200,  200,  200,  200,  200,  200]),
  page('/collections/compare',               [L,    200,  200,  200,  200,  200,  200]),
  page('/collections/app-report',            [L,    200,  200,  200,  200,  200,  200]),
  page('/collections/volumes',               [L,    200,  200,  200,  200,  200,  200]),
  page('/collections/:collectionA1',         [L,    200,  200,  200,  200,  200,  404]),
  // Public: no redirect for anyone (a signed-in visitor of /login is sent home).
  page('/login',                             [200,  303,  303,  303,  303,  303,  303]),
  page('/password/forgot',                   [200,  200,  200,  200,  200,  200,  200]),
  page('/public',                            [200,  200,  200,  200,  200,  200,  200]),
  page('/public/methodology',                [200,  200,  200,  200,  200,  200,  200]),
  page('/public/agencies/:A',                [404,  404,  404,  404,  404,  404,  404]),
  page('/password/reset/:resetToken',        [200,  200,  200,  200,  200,  200,  200]),
  page('/docs/api',                          [200,  200,  200,  200,  200,  200,  200]),
  page('/healthz',                           [200,  200,  200,  200,  200,  200,  200]),

  // ── Post-transaction feedback (issue 3) ──
  page('/surveys',                           [L,    200,  200,  200,  200,  200,  200]),
  page('/surveys/new',                       [L,    200,  403,  200,  200,  403,  200]),
  page('/surveys/:surveyA1',                 [L,    200,  200,  200,  200,  200,  404]),
  page('/surveys/:surveyB',                  [L,    200,  200,  404,  404,  404,  200]),
  page('/surveys/:surveyA1/versions/1',      [L,    200,  200,  200,  200,  200,  404]),
  // Settings, questions and translations show read-only to readers who cannot manage the survey.
  page('/surveys/:surveyA1/settings',        [L,    200,  200,  200,  200,  200,  404]),
  page('/surveys/:surveyA1/questions',       [L,    200,  200,  200,  200,  200,  404]),
  page('/surveys/:surveyA1/translations',    [L,    200,  200,  200,  200,  200,  404]),
  page('/surveys/:surveyA1/translations/es', [L,    200,  200,  200,  200,  200,  404]),
  page('/surveys/:surveyA1/scores',          [L,    200,  200,  200,  200,  200,  404]),
  page('/surveys/:surveyA1/import',          [L,    200,  403,  200,  200,  403,  404]),
  page('/surveys/:surveyA1/inbox',           [L,    200,  200,  200,  200,  200,  404]),
  page('/surveys/:surveyA1/notifications',   [L,    200,  200,  200,  200,  200,  404]),
  page('/inbox',                             [L,    200,  200,  200,  200,  200,  200]),
  page('/responses/:responseA1',             [L,    200,  200,  200,  200,  200,  404]),
  page('/recovery',                          [L,    200,  200,  200,  200,  200,  200]),
  page('/recovery/:caseA1',                  [L,    200,  200,  200,  200,  200,  404]),
  page('/webhooks',                          [L,    200,  403,  200,  403,  403,  200]),
  page('/sites',                             [L,    200,  200,  200,  200,  200,  200]),
  page('/sites/new',                         [L,    200,  403,  200,  200,  403,  200]),
  page('/sites/:freshSiteA1',                [L,    200,  200,  200,  200,  200,  404]),
  page('/sites/:freshSiteA1/edit',           [L,    200,  403,  200,  200,  403,  404]),
  page('/analytics',                         [L,    200,  200,  200,  200,  200,  200]),
  page('/analytics/services',                [L,    200,  200,  200,  200,  200,  200]),
  page('/analytics/sites/:freshSiteA1',      [L,    200,  200,  200,  200,  200,  404]),
  page('/analytics/services/:serviceA1',     [L,    200,  200,  200,  200,  200,  404]),
  page('/analytics/services/:serviceB',      [L,    200,  200,  404,  404,  404,  200]),
  page('/analytics/sites/:freshSiteA1/values/apply_start', [L, 200, 200, 200, 200, 200, 404]),
  page('/analytics/services/:serviceA1/values/apply_start', [L, 200, 200, 200, 200, 200, 404]),
  page('/analytics/services/:serviceB/values/apply_start', [L, 200, 200, 404, 404, 404, 200]),
  page('/journeys',                          [L,    200,  200,  200,  200,  200,  200]),
  page('/journeys/new',                      [L,    200,  403,  200,  200,  403,  200]),
  page('/journeys/:freshJourneyA1',          [L,    200,  200,  200,  200,  200,  404]),
  page('/journeys/:freshJourneyA1/edit',     [L,    200,  403,  200,  200,  403,  404]),
  page('/monitors',                          [L,    200,  200,  200,  200,  200,  200]),
  page('/monitors/new',                      [L,    200,  403,  200,  200,  403,  200]),
  page('/monitors/:monitorA1',               [L,    200,  200,  200,  200,  200,  404]),
  page('/monitors/:monitorA1/edit',          [L,    200,  403,  200,  200,  403,  404]),
  // The hosted survey page is public; a draft exists only as a preview for a signed-in reader of its organization.
  page('/s/:surveyA1',                       [200,  200,  200,  200,  200,  200,  200]),
  page('/s/:draftA1',                        [404,  404,  404,  404,  404,  404,  404]),
  page('/s/:draftA1?preview=1',              [404,  200,  200,  200,  200,  200,  404]),
]

// ─── Page forms (POST with the session cookie and its _csrf; anonymous with the sign-in page's CSRF token) ────
type Fields = Record<string, string | string[]>
interface FormRow {
  readonly path: string
  readonly note?: string
  readonly expect: Row7
  readonly fields: (c: Ctx, n: number) => Fields | Promise<Fields>
  /** Sent as multipart/form-data with this CSV as the `file` field. */
  readonly file?: (c: Ctx, n: number) => string
  /** Public intake (the hosted survey form): a permitted post stores something but leaves no audit entry. */
  readonly intake?: boolean
}
const post = (path: string, expect: Row7, fields: FormRow['fields'], extra: Partial<Pick<FormRow, 'note' | 'file' | 'intake'>> = {}): FormRow => ({ path, expect, fields, ...extra })

const serviceForm = (c: Ctx, n: number): Fields => ({ name: `Form service ${n}`, organizationId: c.world.orgs.A1.id, kind: 'regulatory', channels: ['website', 'paper'] })
const hispForm = (c: Ctx, n: number): Fields => ({ name: `Form HISP ${n}`, slug: `form-hisp-${n}`, organizationId: c.world.orgs.A1.id, yearDesignated: '2021', active: 'on' })

const monitorForm = (n: number): Fields => ({ name: `Form monitor ${n}`, metric: 'events', rule: 'no_data', 'no_data.hours': '3', intervalMinutes: '60', enabled: 'true' })

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

  // ── Post-transaction feedback (issue 3) ──
  // leadB names a service it cannot see: the form comes back with "is not a service you can see" (400).
  post('/surveys',                                      [401,  303,  403,  303,  303,  403,  400], (c, n) => ({ serviceId: c.world.services.serviceA1.id, template: 'a11_v2_thumbs', surveyType: 'post_interaction', channel: 'website', name: `Form survey ${n}` }), { note: 'on serviceA1' }),
  post('/surveys/:freshDraftA1/transition',             [401,  303,  403,  303,  303,  403,  404], () => ({ transition: 'publish' }), { note: 'publish' }),
  post('/surveys/:draftA1/settings',                    [401,  303,  403,  303,  303,  403,  404], (_c, n) => ({ name: `Settings survey ${n}`, channel: 'website', surveyType: 'post_interaction', allowedOrigins: 'https://www.agency.gov' })),
  post('/surveys/:freshDraftA1/questions/add',          [401,  303,  403,  303,  303,  403,  404], () => ({ add_type: 'short_text', add_prompt: 'Which office did you visit?', add_key: 'office', add_options: '' })),
  post('/surveys/:freshDraftA1/questions/edit',         [401,  303,  403,  303,  303,  403,  404], () => ({ question: 'open_text', 'open_text.prompt': 'Tell us more.', 'open_text.help': '', 'open_text.role': 'open_text', 'open_text.showWhen': '', 'open_text.maxLength': '' })),
  post('/surveys/:freshDraftA1/questions/move',         [401,  303,  403,  303,  303,  403,  404], () => ({ question: 'open_text', direction: 'up' })),
  post('/surveys/:freshDraftA1/questions/remove',       [401,  303,  403,  303,  303,  403,  404], () => ({ question: 'open_text' })),
  post('/surveys/:freshDraftA1/questions/text',         [401,  303,  403,  303,  303,  403,  404], () => ({ title: 'How did we do?', intro: '', thankYou: 'Thank you.' })),
  post('/surveys/:freshDraftA1/questions/cutoff',       [401,  303,  403,  303,  303,  403,  404], () => ({ likertPositiveMin: '5' })),
  post('/surveys/:freshDraftA1/translations',           [401,  303,  403,  303,  303,  403,  404], () => ({ code: 'fr', name: 'Français' }), { note: 'add French' }),
  post('/surveys/:freshDraftA1/translations/remove',    [401,  303,  403,  303,  303,  403,  404], () => ({ language: 'es' }), { note: 'remove Spanish' }),
  post('/surveys/:draftA1/translations/es',             [401,  303,  403,  303,  303,  403,  404], (_c, n) => ({ title: `Encuesta ${n}` })),
  post('/surveys/:surveyA1/import',                     [401,  303,  403,  303,  303,  403,  404], () => ({ format: 'survey', channel: 'paper', offers: '', submittedOn: '' }), { note: 'CSV', file: () => 'trust\n5\n' }),
  post('/surveys/:surveyA1/notifications',              [401,  303,  303,  303,  303,  303,  404], () => ({ mode: 'instant' })),
  post('/inbox/bulk',                                   [401,  303,  403,  303,  303,  303,  404], async (c) => ({ ids: [await freshResponseA1(c)], action: 'trash', return: '/inbox' }), { note: 'trash' }),
  post('/responses/:responseA1/triage',                 [401,  303,  403,  303,  303,  303,  404], (_c, n) => ({ action: 'tag', tag: `matrix-${n}` }), { note: 'tag' }),
  post('/responses/:responseA1/reveal',                 [401,  200,  403,  200,  200,  403,  404], () => ({})),
  post('/recovery/:caseA1',                             [401,  303,  403,  303,  303,  303,  404], (_c, n) => ({ status: 'new', assigneeUserId: '', dueOn: dueOn(n), resolution: '' }), { note: 'due date' }),
  post('/recovery/:caseA1/notes',                       [401,  303,  403,  303,  303,  303,  404], (_c, n) => ({ body: `Left a voicemail (${n}).` })),
  post('/recovery/:caseA1/reveal',                      [401,  200,  403,  200,  200,  403,  404], () => ({})),
  // ── Quarterly collections (issue 4) ──
  post('/collections/create',                           [401,  303,  303,  303,  403,  403,  303], async (c) => { await designatedInA1AndB(c); return { fiscalYear: '2026', quarter: '1' } }, { note: 'FY2026 Q1' }),
  post('/collections/:collectionA1/volumes',            [401,  303,  403,  303,  303,  403,  404], (_c, n) => ({ reflection: `Form reflection ${n}` })),
  post('/collections/:freshDraftCollectionA1/transition', [401, 303,  303,  303,  403,  403,  404], () => ({ transition: 'mark_not_reported', notReportedNote: 'No survey ran' }), { note: 'not reported' }),
  post('/collections/:freshNotReportedA1/rating',       [401,  303,  303,  403,  403,  403,  404], () => ({ rating: 'red', reason: 'No data reported' })),
  post('/sites/:freshSiteA1/ingest-keys',               [401,  200,  403,  200,  200,  403,  404], (_c, n) => ({ name: `Form ingest key ${n}` }), { note: 'shows the secret once' }),
  post('/sites/:freshIngestKeyA1/rotate',               [401,  200,  403,  200,  200,  403,  404], () => ({}), { note: 'shows the new secret once' }),
  post('/sites/:freshIngestKeyA1/revoke',               [401,  303,  403,  303,  303,  403,  404], () => ({})),
  post('/webhooks',                                     [401,  200,  403,  200,  404,  403,  404], (c, n) => ({ organizationId: c.world.orgs.A.id, url: `https://hooks.example.gov/form/${n}`, events: ['survey.published', 'survey.closed'] }), { note: 'of A; shows the secret once' }),
  post('/webhooks/:webhookA/active',                    [401,  303,  403,  303,  404,  403,  404], () => ({ active: 'true' })),
  post('/webhooks/:webhookA/ping',                      [401,  303,  403,  303,  404,  403,  404], () => ({})),
  post('/webhooks/:freshWebhookA/delete',               [401,  303,  403,  303,  404,  403,  404], () => ({})),
  // Journeys: leadB names a service it cannot see, and the form comes back with the error (400).
  post('/journeys',                                     [401,  303,  403,  303,  303,  403,  400], async (c, n) => ({ ...(await journeyForm(c, n)), serviceId: c.world.services.serviceA1.id }), { note: 'on serviceA1' }),
  post('/journeys/:freshJourneyA1/edit',                [401,  303,  403,  303,  303,  403,  404], journeyForm),
  post('/journeys/:freshJourneyA1/state',               [401,  303,  403,  303,  303,  403,  404], () => ({ state: 'deprecated' }), { note: 'deprecate' }),
  // Monitors: leadB names a site it cannot see, and the form comes back with the error (400).
  post('/monitors',                                     [401,  303,  403,  303,  303,  403,  400], async (c, n) => ({ ...monitorForm(n), target: `site:${await siteOfA1(c)}` }), { note: 'on a site of A1' }),
  post('/monitors/:monitorA1/edit',                     [401,  303,  403,  303,  303,  403,  404], (_c, n) => monitorForm(n)),
  post('/monitors/:monitorA1/enabled',                  [401,  303,  403,  303,  303,  403,  404], () => ({ enabled: 'true' })),
  post('/monitors/:freshMonitorA1/evaluate',            [401,  303,  403,  303,  303,  403,  404], () => ({})),
  post('/monitors/:freshMonitorA1/delete',              [401,  303,  403,  303,  303,  403,  404], () => ({})),
  // The hosted survey form is public and CSRF-exempt: the last step stores the response (no audit: no person's change).
  post('/s/:surveyA1',                                  [200,  200,  200,  200,  200,  200,  200], (_c, n) => ({ _stage: '1', _version: '1', _idem: `hosted-matrix-${n}`, 'answers.trust': '5' }), { intake: true }),
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
  return { organizations, hisps, services, serviceChannels, serviceStages, users, roleAssignments, apiKeys, sessions, ...(await feedbackSnapshot(t)), ...(await collectionSnapshot(t)), auditEntries: Number(audit.n) }
}

async function collectionSnapshot(t: TestApp) {
  const db = t.runtime.db
  const [collections, collectionDetails, collectionReminders, collectionEmails] = await Promise.all([
    db.selectFrom('collections').selectAll().orderBy('id').execute(),
    db.selectFrom('collection_details').selectAll().orderBy('id').execute(),
    db.selectFrom('collection_reminders').selectAll().orderBy('collection_id').orderBy('days_before').execute(),
    db.selectFrom('collection_emails').selectAll().orderBy('id').execute(),
  ])
  return { collections, collectionDetails, collectionReminders, collectionEmails }
}

async function feedbackSnapshot(t: TestApp) {
  const db = t.runtime.db
  const [surveys, surveyVersions, surveyOffers, responses, responseAnswers, responseTags, recoveryCases, recoveryNotes, surveySubscriptions, webhooks, webhookDeliveries] = await Promise.all([
    db.selectFrom('surveys').selectAll().orderBy('id').execute(),
    db.selectFrom('survey_versions').selectAll().orderBy('id').execute(),
    db.selectFrom('survey_offers').selectAll().orderBy('id').execute(),
    db.selectFrom('responses').selectAll().orderBy('id').execute(),
    db.selectFrom('response_answers').selectAll().orderBy('response_id').orderBy('position').execute(),
    db.selectFrom('response_tags').selectAll().orderBy('response_id').orderBy('tag').execute(),
    db.selectFrom('recovery_cases').selectAll().orderBy('id').execute(),
    db.selectFrom('recovery_notes').selectAll().orderBy('id').execute(),
    db.selectFrom('survey_subscriptions').selectAll().orderBy('survey_id').orderBy('user_id').execute(),
    db.selectFrom('webhooks').selectAll().orderBy('id').execute(),
    db.selectFrom('webhook_deliveries').selectAll().orderBy('id').execute(),
  ])
  const [sites, siteServices, journeys, journeySites, journeyVersions, siteIngestKeys] = await Promise.all([
    db.selectFrom('sites').selectAll().orderBy('id').execute(),
    db.selectFrom('site_services').selectAll().orderBy('site_id').orderBy('service_id').execute(),
    db.selectFrom('journeys').selectAll().orderBy('id').execute(),
    db.selectFrom('journey_sites').selectAll().orderBy('journey_id').orderBy('site_id').execute(),
    db.selectFrom('journey_versions').selectAll().orderBy('id').execute(),
    db.selectFrom('site_ingest_keys').selectAll().orderBy('id').execute(),
  ])
  const [monitors, monitorStates, monitorAlerts] = await Promise.all([
    db.selectFrom('monitors').selectAll().orderBy('id').execute(),
    db.selectFrom('monitor_states').selectAll().orderBy('monitor_id').execute(),
    db.selectFrom('monitor_alerts').selectAll().orderBy('id').execute(),
  ])
  return {
    surveys, surveyVersions, surveyOffers, responses, responseAnswers, responseTags, recoveryCases, recoveryNotes, surveySubscriptions, webhooks, webhookDeliveries, sites, siteServices,
    journeys, journeySites, journeyVersions, monitors, monitorStates, monitorAlerts, siteIngestKeys,
  }
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

/**
 * Runs one cell: snapshot (writes), request, status, then "nothing changed" or "an audit entry was written" (public
 * intake: "something was stored").
 */
async function runCell(c: Ctx, cell: Cell, kind: 'read' | 'write' | 'intake', url: string, send: () => Promise<LightMyRequestResponse>): Promise<void> {
  const before = kind === 'read' ? null : await snapshot(c.t)
  const response = await send()
  assertCell(response, cell, url)
  if (!before) return
  const after = await snapshot(c.t)
  if (isRejection(cell)) assertUnchanged(before, after)
  else if (kind === 'intake') assert.notDeepEqual(after, before, 'a permitted submission stores something')
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
      // The intake rows post from one address; the default 60 a minute would be met before the matrix ends.
      t = await createTestApp(engine, { CX280_INTAKE_RATE_LIMIT: '1000' })
      const world = await seedWorld(t.runtime)
      const feedback = await seedFeedback(t, world)
      const people = world.people
      const sessions = Object.fromEntries(await Promise.all(CALLERS.filter((p): p is Person => p !== 'anonymous').map(async (p) => [p, await signIn(t.app, people[p].email, PASSWORD)] as const))) as Ctx['sessions']
      const login = await t.app.inject({ method: 'GET', url: '/login' })
      const anonymous = { cookie: cookiesOf(login), csrf: /name="_csrf" value="([^"]+)"/.exec(login.body)?.[1] ?? '' }
      const resetToken = `matrix-reset-${Date.now()}`
      await t.runtime.db.insertInto('password_resets').values({ token_hash: digest(resetToken), user_id: people.analystA.id, expires_at: new Date(Date.now() + 3_600_000).toISOString(), used_at: null, created_at: new Date().toISOString() }).execute()
      let counter = 0
      c = { t, world, sessions, anonymous, resetToken, feedback, next: () => ++counter }
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
            const payload = row.csv ? await row.csv(c, n) : row.body ? JSON.stringify(await row.body(c, n)) : undefined
            if (payload !== undefined) headers['content-type'] = row.csv ? 'text/csv' : 'application/json'
            const kind = row.intake ? 'intake' : row.write || (row.method !== 'GET' && row.method !== 'OPTIONS' && !row.query) ? 'write' : 'read'
            await runCell(c, cell, kind, url, () => t.app.inject({ method: row.method, url, headers, ...(payload !== undefined ? { payload } : {}) }))
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
            await runCell(c, cell, 'read', url, () => t.app.inject({ method: 'GET', url, headers }))
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
            const fields = { ...(await row.fields(c, n)), _csrf: csrf }
            const body = row.file
              ? multipartBody(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])), row.file(c, n))
              : { payload: form(fields), contentType: 'application/x-www-form-urlencoded' }
            await runCell(c, cell, row.intake ? 'intake' : 'write', url, () => t.app.inject({ method: 'POST', url, headers: { cookie, 'content-type': body.contentType }, payload: body.payload }))
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

      it('feedback lists: leadB sees no A-side survey, response, case, score or webhook; only webhook managers see webhooks', async () => {
        const { surveyA1, draftA1, surveyB, responseA1, caseA1, webhookA, webhookA1 } = c.feedback
        const ownResponse = (await respond(t, surveyB, { trust: 4 })).id
        const list = async <T,>(caller: Person, url: string) => {
          const response = await t.app.inject({ method: 'GET', url, headers: bearer(c.world.people[caller]) })
          assert.equal(response.statusCode, 200, response.body)
          return json<T>(response)
        }
        const surveys = new Set((await list<{ items: { id: string }[] }>('leadB', '/api/v1/surveys')).items.map((s) => s.id))
        assert.ok(surveys.has(surveyB) && !surveys.has(surveyA1) && !surveys.has(draftA1))
        const responses = (await list<{ items: { id: string; surveyId: string }[] }>('leadB', '/api/v1/responses')).items
        assert.ok(responses.some((r) => r.id === ownResponse) && responses.every((r) => r.surveyId === surveyB))
        assert.ok(!responses.some((r) => r.id === responseA1))
        const cases = async (caller: Person) => (await list<{ items: { id: string }[] }>(caller, '/api/v1/recovery-cases')).items.map((k) => k.id)
        assert.ok(!(await cases('leadB')).includes(caseA1))
        assert.ok((await cases('analystA')).includes(caseA1))
        const scores = (await list<{ groups: { key: string }[] }>('leadB', '/api/v1/scores?by=survey')).groups.map((g) => g.key)
        assert.deepEqual(scores, [surveyB])
        const hooks = async (caller: Person) => new Set((await list<{ items: { id: string }[] }>(caller, '/api/v1/webhooks')).items.map((h) => h.id))
        assert.equal((await hooks('leadB')).size, 0)
        for (const caller of ['reviewer', 'managerA1', 'analystA'] as const) assert.equal((await hooks(caller)).size, 0, `${caller} manages no webhook`)
        const leadAHooks = await hooks('leadA')
        assert.ok(leadAHooks.has(webhookA) && leadAHooks.has(webhookA1))
        const onServiceB = async (caller: Person) => (await list<{ items: { id: string }[] }>(caller, `/api/v1/surveys?serviceId=${c.world.services.serviceB.id}`)).items.map((s) => s.id)
        assert.deepEqual(await onServiceB('leadA'), [])
        assert.deepEqual(await onServiceB('admin'), [surveyB])
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
