/**
 * Journeys (issue 5, A-11 §280.5) on SQLite and PostgreSQL with DuckDB in memory: define a journey, hand-made events
 * appended to the event store, results checked against hand-computed began / ended / drop-off / median times; the
 * version lifecycle (new version on new steps, deprecate, reactivate, replaced by another journey) with its audit
 * trail; validation that stores nothing; permissions; ad-hoc funnels and their limits; and trust by step from
 * responses submitted through the real intake endpoint with a page URL, linked to the tracker's visitors.
 */
import assert from 'node:assert/strict'
import { before, it } from 'node:test'
import { createSite } from '../../src/analytics/sites.ts'
import { journeyCompletion, prepareJourneyFunnels } from '../../src/analytics/journeys.ts'
import { scheduledJobs } from '../../src/jobs/scheduler.ts'
import { systemActor } from '../../src/auth/index.ts'
import type { EventRow } from '../../src/events/event-store.ts'
import { createSurvey, transitionSurvey } from '../../src/surveys/index.ts'
import { bearer, describeWithWorld, form, json, signIn, type Person } from '../helpers/test-app.ts'

interface Step { kind: 'page' | 'action'; pattern?: string; name?: string; label: string }
interface Version { id: string; version: number; state: string; steps: Step[]; windowSeconds: number; replacedBy: { kind: string; version?: number; id?: string } | null; retiredAt: string | null }
interface Journey { id: string; name: string; serviceId: string; state: string; sites: { id: string }[]; current: Version; versions: Version[] }
interface StepResult { index: number; label: string; visitors: number; droppedOff: number; dropOffRate: number | null; shareOfBegan: number | null; medianSecondsFromPrevious: number | null }
interface Results { began: number; ended: number; completionRate: number | null; steps: StepResult[]; version: Version; from: string; to: string }
interface TrustRow { index: number | null; label: string; respondents: number; trust: { count: number; n: number; share: number | null }; small: boolean }
interface Trust { respondents: number; rows: TrustRow[]; version: number }

const ORIGIN = 'https://www.permits.example.gov'
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36'
const STEPS = [
  { kind: 'page', pattern: '/apply', label: 'Start' },
  { kind: 'action', name: 'apply_submit', label: 'Submit' },
  { kind: 'page', pattern: '/apply/*/done', label: 'Done' },
]

/** Noon UTC two days ago: inside the default period, well clear of today's live events. */
const T0 = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000 + 12 * 3_600_000)
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)
const dayOf = (date: Date) => date.toISOString().slice(0, 10)

describeWithWorld('journeys', (w) => {
  let siteId = ''
  let otherSiteId = ''
  let journey: Journey
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, person: Person, payload?: unknown) =>
    w.t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(person), ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) })
  const auditOf = (entityId: string) => w.t.runtime.db.selectFrom('audit_log').select(['action', 'actor_user_id']).where('entity_id', '=', entityId).orderBy('id').execute()
  const journeyCount = async () => Number((await w.t.runtime.db.selectFrom('journeys').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const period = `from=${dayOf(at(-86_400))}&to=${dayOf(at(86_400))}`

  const event = (visitorId: string, seconds: number, kind: 'page' | 'action', target: string, site = siteId): EventRow => ({
    ts: at(seconds), siteId: site, visitorId, sessionId: `${visitorId}-s`, eventType: kind === 'page' ? 'pageview' : 'action',
    name: kind === 'action' ? target : null, path: kind === 'page' ? target : '/apply', query: null, referrer: null, device: 'desktop', channel: 'web', value: null, properties: null,
  })

  before(async () => {
    const { managerA1, leadB } = w.world.people
    siteId = (await createSite(w.t.runtime.db, managerA1.actor, { organizationId: w.world.orgs.A1.id, name: 'Permits', domain: 'www.permits.example.gov', allowedOrigins: [ORIGIN], serviceIds: [w.world.services.serviceA1.id] })).id
    otherSiteId = (await createSite(w.t.runtime.db, leadB.actor, { organizationId: w.world.orgs.B.id, name: 'Records', domain: 'records.example.gov' })).id
    // Hand-made visitors (seconds after T0). Window: one hour.
    await w.t.runtime.events.append([
      // v1 completes: gaps 60 s, 120 s.
      event('v1', 0, 'page', '/apply'), event('v1', 60, 'action', 'apply_submit'), event('v1', 180, 'page', '/apply/123/done'),
      // v2 submits after 100 s, then stops.
      event('v2', 0, 'page', '/apply'), event('v2', 100, 'action', 'apply_submit'),
      // v3 submits after 300 s and finishes two hours later: outside the window, so it ends at step 2.
      event('v3', 0, 'page', '/apply'), event('v3', 300, 'action', 'apply_submit'), event('v3', 7200, 'page', '/apply/9/done'),
      // v4 never began (the done page alone); v5 began only.
      event('v4', 10, 'page', '/apply/1/done'), event('v5', 0, 'page', '/apply'),
      // v6 submitted before starting: order matters, so it stops at step 1.
      event('v6', -60, 'action', 'apply_submit'), event('v6', 0, 'page', '/apply'),
      // v7 completes fast: gaps 20 s, 20 s.
      event('v7', 0, 'page', '/apply'), event('v7', 20, 'action', 'apply_submit'), event('v7', 40, 'page', '/apply/7/done'),
      // Another organization's site, same paths: not this journey's.
      event('v8', 0, 'page', '/apply', otherSiteId), event('v8', 10, 'action', 'apply_submit', otherSiteId), event('v8', 20, 'page', '/apply/8/done', otherSiteId),
      // A page that merely starts with /apply is not /apply.
      event('v9', 0, 'page', '/apply-later'),
    ])
  })

  it('defines a journey with an active first version, audited', async () => {
    const response = await api('POST', '/journeys', w.world.people.managerA1, {
      serviceId: w.world.services.serviceA1.id, name: 'Apply for a permit online', siteIds: [siteId], steps: STEPS, windowSeconds: 3600,
    })
    assert.equal(response.statusCode, 201, response.body)
    journey = json<Journey>(response)
    assert.equal(journey.state, 'active')
    assert.equal(journey.current.version, 1)
    assert.deepEqual(journey.current.steps.map((s) => s.label), ['Start', 'Submit', 'Done'])
    assert.deepEqual(journey.sites.map((s) => s.id), [siteId])
    assert.deepEqual((await auditOf(journey.id)).map((a) => a.action), ['journey.create'])
    const listed = json<{ items: Journey[]; total: number }>(await api('GET', `/journeys?serviceId=${w.world.services.serviceA1.id}`, w.world.people.analystA))
    assert.deepEqual(listed.items.map((j) => j.id), [journey.id])
    const bySite = json<{ items: Journey[] }>(await api('GET', `/journeys?siteId=${siteId}`, w.world.people.analystA))
    assert.deepEqual(bySite.items.map((j) => j.id), [journey.id])
  })

  it('measures began, ended, drop-off and median times as computed by hand', async () => {
    const response = await api('GET', `/journeys/${journey.id}/results?${period}`, w.world.people.analystA)
    assert.equal(response.statusCode, 200, response.body)
    const results = json<Results>(response)
    assert.equal(results.version.version, 1)
    assert.equal(results.began, 6, 'v1, v2, v3, v5, v6, v7')
    assert.equal(results.ended, 2, 'v1 and v7')
    assert.equal(results.completionRate, 2 / 6)
    assert.deepEqual(results.steps.map((s) => [s.visitors, s.droppedOff]), [[6, 2], [4, 2], [2, 0]])
    assert.deepEqual(results.steps.map((s) => s.dropOffRate), [2 / 6, 2 / 4, null])
    assert.deepEqual(results.steps.map((s) => s.shareOfBegan), [1, 4 / 6, 2 / 6])
    // Step 2 gaps 20, 60, 100, 300 → median 80; step 3 gaps 20, 120 → median 70.
    assert.deepEqual(results.steps.map((s) => s.medianSecondsFromPrevious), [null, 80, 70])

    const csv = await api('GET', `/journeys/${journey.id}/results?${period}&format=csv`, w.world.people.analystA)
    assert.equal(csv.statusCode, 200)
    assert.match(String(csv.headers['content-type']), /^text\/csv/)
    const lines = csv.body.trim().split('\n')
    assert.equal(lines[0], 'step,label,kind,target,visitors,share_of_began,dropped_off,drop_off_rate,median_seconds_from_previous,from,to')
    assert.match(lines[2] ?? '', /^2,Submit,action,apply_submit,4,0\.666\d*,2,0\.5,80,/)

    assert.deepEqual(await journeyCompletion(w.t.runtime, journey.id, { from: at(-3600), to: at(86_400) }), { began: 6, ended: 2, rate: 2 / 6 })
    const outside = await api('GET', `/journeys/${journey.id}/results?from=${dayOf(at(-10 * 86_400))}&to=${dayOf(at(-5 * 86_400))}`, w.world.people.analystA)
    assert.deepEqual([json<Results>(outside).began, json<Results>(outside).completionRate], [0, null], 'nothing in another period')
  })

  it('keeps active journeys ready for their default period (the journey-funnels job), with the same answers', async () => {
    const results = () => api('GET', `/journeys/${journey.id}/results`, w.world.people.analystA).then((r) => json<Results>(r))
    const before = await results()
    assert.equal(before.began, 6, 'the default period (30 days to today) holds the hand-made visitors')
    const job = scheduledJobs(w.t.runtime).find((j) => j.name === 'journey-funnels')
    assert.deepEqual(await job?.run(new Date()), { prepared: 1 }, 'the one active journey')
    assert.deepEqual(await results(), before)
    assert.deepEqual(await prepareJourneyFunnels(w.t.runtime, new Date(), 0), { prepared: 0 }, 'a limit of none prepares none')
  })

  it('writes a new version when the steps change; the old one is replaced and still measurable', async () => {
    const { managerA1 } = w.world.people
    const renamed = await api('PATCH', `/journeys/${journey.id}`, managerA1, { name: 'Apply for a permit', description: 'The online application' })
    assert.equal(json<Journey>(renamed).current.version, 1, 'a new name is not a new version')
    const changed = await api('PATCH', `/journeys/${journey.id}`, managerA1, { steps: STEPS.slice(0, 2), windowSeconds: 600, note: 'Done page retired' })
    assert.equal(changed.statusCode, 200, changed.body)
    const updated = json<Journey>(changed)
    assert.deepEqual(updated.versions.map((v) => [v.version, v.state]), [[2, 'active'], [1, 'replaced']])
    assert.deepEqual(updated.versions[1]?.replacedBy, { kind: 'version', version: 2 })
    assert.ok(updated.versions[1]?.retiredAt)
    const current = json<Results>(await api('GET', `/journeys/${journey.id}/results?${period}`, managerA1))
    assert.equal(current.version.version, 2)
    // Window 600 s: v1 (60), v2 (100), v3 (300), v7 (20) all submit in time.
    assert.deepEqual([current.began, current.ended], [6, 4])
    const old = json<Results>(await api('GET', `/journeys/${journey.id}/results?${period}&version=1`, managerA1))
    assert.deepEqual([old.began, old.ended], [6, 2])
    assert.equal((await api('GET', `/journeys/${journey.id}/results?version=9`, managerA1)).statusCode, 404)
    const active = await w.t.runtime.db.selectFrom('journey_versions').select('version').where('journey_id', '=', journey.id).where('state', '=', 'active').execute()
    assert.deepEqual(active.map((v) => v.version), [2], 'one active version')
    assert.deepEqual((await auditOf(journey.id)).map((a) => a.action), ['journey.create', 'journey.update', 'journey.new_version'])
    const unchanged = await api('PATCH', `/journeys/${journey.id}`, managerA1, { name: 'Apply for a permit', steps: STEPS.slice(0, 2), windowSeconds: 600 })
    assert.equal(json<Journey>(unchanged).current.version, 2, 'the same definition again is no new version')
    assert.equal((await auditOf(journey.id)).length, 3, 'and no audit entry')

    // Two editors at once: each new version builds on the other's, and one version stays active.
    const racer = json<Journey>(await api('POST', '/journeys', managerA1, { serviceId: w.world.services.serviceA1.id, name: 'Raced', siteIds: [siteId], steps: STEPS }))
    const raced = await Promise.all([
      api('PATCH', `/journeys/${racer.id}`, managerA1, { steps: STEPS.slice(0, 2) }),
      api('PATCH', `/journeys/${racer.id}`, w.world.people.leadA, { windowSeconds: 7200 }),
    ])
    assert.deepEqual(raced.map((r) => r.statusCode), [200, 200], raced.map((r) => r.body).join('\n'))
    const settled = json<Journey>(await api('GET', `/journeys/${racer.id}`, managerA1))
    assert.deepEqual(settled.versions.map((v) => [v.version, v.state]), [[3, 'active'], [2, 'replaced'], [1, 'replaced']])
    assert.deepEqual([settled.current.steps.length, settled.current.windowSeconds], [2, 7200], 'the later edit kept the earlier one')

    const versionsCsv = await api('GET', `/journeys/${journey.id}/versions?format=csv`, managerA1)
    assert.match(versionsCsv.body, /^version,state,replaced_by/)
    assert.match(versionsCsv.body, /\n1,replaced,version 2,/)
  })

  it('deprecates, reactivates, and marks a journey replaced by another; a replaced journey is final', async () => {
    const { managerA1 } = w.world.people
    const state = (id: string, payload: Record<string, unknown>) => api('POST', `/journeys/${id}/state`, managerA1, payload)
    assert.equal(json<Journey>(await state(journey.id, { state: 'deprecated' })).state, 'deprecated')
    const auditsBefore = (await auditOf(journey.id)).length
    assert.equal(json<Journey>(await state(journey.id, { state: 'deprecated' })).state, 'deprecated', 'asking again changes nothing')
    assert.equal((await auditOf(journey.id)).length, auditsBefore)
    assert.equal(json<Journey>(await state(journey.id, { state: 'active' })).state, 'active')

    const successor = json<Journey>(await api('POST', '/journeys', managerA1, { serviceId: w.world.services.serviceA1.id, name: 'Apply (new flow)', siteIds: [siteId], steps: STEPS }))
    assert.equal((await state(journey.id, { state: 'replaced' })).statusCode, 400, 'names its successor')
    assert.equal((await state(journey.id, { state: 'replaced', replacedByJourneyId: journey.id })).statusCode, 400)
    const replaced = await state(journey.id, { state: 'replaced', replacedByJourneyId: successor.id })
    assert.equal(replaced.statusCode, 200, replaced.body)
    assert.deepEqual(json<Journey>(replaced).current.replacedBy, { kind: 'journey', id: successor.id, name: 'Apply (new flow)' })
    assert.equal((await api('PATCH', `/journeys/${journey.id}`, managerA1, { steps: STEPS })).statusCode, 409)
    assert.equal((await state(journey.id, { state: 'active' })).statusCode, 409)
    assert.equal((await state(successor.id, { state: 'replaced', replacedByJourneyId: journey.id })).statusCode, 400, 'not by a journey that was itself replaced')
    assert.deepEqual((await auditOf(journey.id)).map((a) => a.action).slice(-3), ['journey.deprecate', 'journey.reactivate', 'journey.replace'])
    const listed = json<{ items: Journey[] }>(await api('GET', '/journeys?state=replaced', managerA1))
    assert.deepEqual(listed.items.map((j) => j.id), [journey.id])
  })

  it('refuses bad definitions with field errors and stores nothing', async () => {
    const { managerA1, leadA } = w.world.people
    const before = await journeyCount()
    const base = { serviceId: w.world.services.serviceA1.id, name: 'Renew', siteIds: [siteId], steps: STEPS }
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...base, steps: STEPS.slice(0, 1) }, 400, 'steps'],
      [{ ...base, steps: Array.from({ length: 21 }, (_v, i) => ({ kind: 'page', pattern: `/p${i}` })) }, 400, 'steps'],
      [{ ...base, steps: [{ kind: 'page', pattern: 'apply' }, { kind: 'action' }] }, 400, 'steps.0.pattern'],
      [{ ...base, steps: [{ kind: 'page', pattern: '/a' }, { kind: 'action' }] }, 400, 'steps.1.name'],
      [{ ...base, steps: [{ kind: 'form', pattern: '/a' }, { kind: 'page', pattern: '/b' }] }, 400, 'steps.0.kind'],
      [{ ...base, siteIds: [] }, 400, 'siteIds'],
      [{ ...base, siteIds: [otherSiteId] }, 400, 'siteIds'],
      [{ ...base, windowSeconds: 91 * 86_400 }, 400, 'windowSeconds'],
      [{ ...base, windowSeconds: 30 }, 400, 'windowSeconds'],
      [{ ...base, name: 'APPLY (NEW FLOW)' }, 409, 'name'],
      [{ ...base, name: '   ' }, 400, 'name'],
      [{ ...base, serviceId: w.world.services.serviceB.id }, 400, 'serviceId'],
      [{ ...base, extra: true }, 400, 'extra'],
    ]
    for (const [payload, status, field] of cases) {
      const response = await api('POST', '/journeys', managerA1, payload)
      assert.equal(response.statusCode, status, `${JSON.stringify(payload).slice(0, 200)} → ${response.body}`)
      assert.ok(json<{ fields?: Record<string, string> }>(response).fields?.[field], `${field} named in ${response.body}`)
    }
    assert.equal(await journeyCount(), before)
    const period400 = await api('GET', `/journeys/${journey.id}/results?from=2025-01-10&to=2025-01-01`, leadA)
    assert.equal(period400.statusCode, 400)
    assert.ok(json<{ fields: Record<string, string> }>(period400).fields.from, "a reversed period names its start")
  })

  it('lets readers read, managers manage, and hides other organizations’ journeys (404)', async () => {
    const { analystA, leadB, reviewer, leadA } = w.world.people
    assert.equal((await api('GET', `/journeys/${journey.id}`, analystA)).statusCode, 200)
    assert.equal((await api('GET', `/journeys/${journey.id}`, reviewer)).statusCode, 200)
    assert.equal((await api('GET', `/journeys/${journey.id}`, leadB)).statusCode, 404)
    assert.equal((await api('GET', `/journeys/${journey.id}/results`, leadB)).statusCode, 404)
    assert.equal((await api('GET', `/journeys/${journey.id}/trust-by-step`, leadB)).statusCode, 404)
    assert.equal((await api('PATCH', `/journeys/${journey.id}`, leadB, { name: 'Mine now' })).statusCode, 404)
    const fresh = json<Journey>(await api('POST', '/journeys', leadA, { serviceId: w.world.services.serviceA1.id, name: `Analyst target ${w.engine}`, siteIds: [siteId], steps: STEPS }))
    assert.equal((await api('PATCH', `/journeys/${fresh.id}`, analystA, { name: 'Analyst edit' })).statusCode, 403)
    assert.equal((await api('POST', `/journeys/${fresh.id}/state`, analystA, { state: 'deprecated' })).statusCode, 403)
    assert.equal((await api('POST', '/journeys', analystA, { serviceId: w.world.services.serviceA1.id, name: 'By analyst', siteIds: [siteId], steps: STEPS })).statusCode, 403)
    assert.equal(json<{ total: number }>(await api('GET', '/journeys', leadB)).total, 0)
  })

  it('answers ad-hoc funnels over readable sites, within the step limit, as JSON or CSV', async () => {
    const { analystA, leadB } = w.world.people
    const body = { siteIds: [siteId], steps: STEPS, windowSeconds: 3600, from: dayOf(at(-86_400)), to: dayOf(at(86_400)) }
    const response = await api('POST', '/analytics/funnels', analystA, body)
    assert.equal(response.statusCode, 200, response.body)
    const funnel = json<Results>(response)
    assert.deepEqual([funnel.began, funnel.ended, ...funnel.steps.map((s) => s.droppedOff)], [6, 2, 2, 2, 0])
    const both = json<Results>(await api('POST', '/analytics/funnels', w.world.people.admin, { ...body, siteIds: [siteId, otherSiteId] }))
    assert.deepEqual([both.began, both.ended], [7, 3], 'v8 counts once its site is included')
    const tooMany = await api('POST', '/analytics/funnels', analystA, { ...body, steps: Array.from({ length: 21 }, (_v, i) => ({ kind: 'page', pattern: `/p${i}` })) })
    assert.equal(tooMany.statusCode, 400)
    assert.ok(json<{ fields: Record<string, string> }>(tooMany).fields.steps)
    assert.equal((await api('POST', '/analytics/funnels', analystA, { ...body, siteIds: [] })).statusCode, 400)
    assert.equal((await api('POST', '/analytics/funnels', leadB, body)).statusCode, 404, 'another organization’s site')
    assert.equal((await api('POST', '/analytics/funnels', analystA, { ...body, from: '2020-01-01', to: '2025-01-01' })).statusCode, 400, 'at most 400 days')
    const csv = await w.t.app.inject({ method: 'POST', url: '/api/v1/analytics/funnels?format=csv', headers: bearer(analystA), payload: body })
    assert.equal(csv.statusCode, 200)
    assert.match(csv.body, /\n3,Done,page,\/apply\/\*\/done,2,/)
  })

  it('scores trust by the furthest step reached, for responses linked at intake to the tracker’s visitors', async () => {
    const system = systemActor('journeys-test')
    const survey = await createSurvey(w.t.runtime.db, system, { serviceId: w.world.services.serviceA1.id, template: 'a11_v2_thumbs', name: 'Permit feedback', allowedOrigins: [ORIGIN] })
    await transitionSurvey(w.t.runtime.db, system, survey.id, 'publish')
    const trustJourney = json<Journey>(await api('POST', '/journeys', w.world.people.managerA1, {
      serviceId: w.world.services.serviceA1.id, name: `Trust journey ${w.engine}`, siteIds: [siteId], steps: STEPS, windowSeconds: 3600,
    }))
    const site = await w.t.runtime.db.selectFrom('sites').select('public_key').where('id', '=', siteId).executeTakeFirstOrThrow()
    const track = async (ip: string, events: { y: string; u: string; n?: string; a: number }[]) => {
      const response = await w.t.app.inject({
        method: 'POST', url: '/api/v1/events', remoteAddress: ip, headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': BROWSER },
        payload: JSON.stringify({ k: site.public_key, e: events }),
      })
      assert.equal(response.statusCode, 204, response.body)
    }
    const respond = async (ip: string, trust: 0 | 1, pageUrl: string, headers: Record<string, string> = {}) => {
      const response = await w.t.app.inject({
        method: 'POST', url: `/api/v1/surveys/${survey.id}/responses`, remoteAddress: ip,
        headers: { origin: ORIGIN, 'user-agent': BROWSER, ...headers }, payload: { answers: { trust }, pageUrl },
      })
      assert.equal(response.statusCode, 201, response.body)
      return json<{ id: string }>(response).id
    }
    // Finisher: the three steps in order (ages order them within the batch); answers thumbs up on the done page.
    await track('198.51.100.1', [{ y: 'pageview', u: `${ORIGIN}/apply`, a: 3000 }, { y: 'action', u: `${ORIGIN}/apply`, n: 'apply_submit', a: 2000 }, { y: 'pageview', u: `${ORIGIN}/apply/55/done`, a: 1000 }])
    const finisher = await respond('198.51.100.1', 1, `${ORIGIN}/apply/55/done?email=pat@example.com`)
    // Starter: only the first page; thumbs down there.
    await track('198.51.100.2', [{ y: 'pageview', u: `${ORIGIN}/apply`, a: 0 }])
    await respond('198.51.100.2', 0, `${ORIGIN}/apply`)
    // Never tracked (say, the tracker was blocked), answers on a journey page: reached no step.
    await respond('198.51.100.3', 1, `${ORIGIN}/apply/1/done`)
    // Linked but not on a journey page: left out.
    const contact = await respond('198.51.100.4', 0, `${ORIGIN}/contact`)
    // Global Privacy Control on a site that honours it, and a page on an origin no site allows: not linked at all.
    const gpc = await respond('198.51.100.5', 0, `${ORIGIN}/apply`, { 'sec-gpc': '1' })
    const elsewhere = await respond('198.51.100.6', 0, 'https://elsewhere.example.com/apply')
    await w.t.runtime.eventWriter.flush()

    const linked = await w.t.runtime.db.selectFrom('responses').select(['id', 'visitor_id', 'site_id']).where('survey_id', '=', survey.id).execute()
    const byId = new Map(linked.map((r) => [r.id, r]))
    const events = await w.t.runtime.events.recentEvents(siteId, 100)
    const finisherVisitor = events.find((e) => e.path === '/apply/55/done')?.visitorId
    assert.ok(finisherVisitor)
    assert.equal(byId.get(finisher)?.visitor_id, finisherVisitor, 'the response carries the tracker’s visitor id, not an address')
    assert.equal(byId.get(finisher)?.site_id, siteId)
    assert.deepEqual([byId.get(gpc)?.visitor_id, byId.get(elsewhere)?.visitor_id, byId.get(elsewhere)?.site_id], [null, null, null])
    assert.ok(byId.get(contact)?.visitor_id, 'a response on another page of the site is linked too (and left out of this journey below)')
    assert.ok(linked.every((r) => !JSON.stringify(r).includes('198.51.100')))

    const response = await api('GET', `/journeys/${trustJourney.id}/trust-by-step`, w.world.people.analystA)
    assert.equal(response.statusCode, 200, response.body)
    const trust = json<Trust>(response)
    assert.equal(trust.respondents, 3)
    assert.deepEqual(trust.rows.map((r) => [r.index, r.respondents, r.trust.count, r.trust.n, r.small]), [
      [null, 1, 1, 1, true], [0, 1, 0, 1, true], [1, 0, 0, 0, true], [2, 1, 1, 1, true],
    ])
    assert.deepEqual(trust.rows.map((r) => r.trust.share), [1, 0, null, 1])
    const csv = await api('GET', `/journeys/${trustJourney.id}/trust-by-step?format=csv`, w.world.people.analystA)
    assert.match(csv.body, /^furthest_step,label,respondents,trust_answers,trust_positive,trust_share/)
    assert.match(csv.body, /\n3,3\. Done,1,1,1,1,/)
  })
  it('pages: define a journey with keyboard-operable step buttons, then read its dashboard and change its state', async () => {
    const { cookie, csrf } = await signIn(w.t.app, w.world.people.managerA1.email)
    const post = (url: string, fields: Record<string, string | string[]>) =>
      w.t.app.inject({ method: 'POST', url, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ ...fields, _csrf: csrf }) })
    const fresh = await w.t.app.inject({ method: 'GET', url: '/journeys/new', headers: { cookie } })
    assert.equal(fresh.statusCode, 200)
    assert.match(fresh.body, /name="stepCount" value="2"/)
    const rows = {
      serviceId: w.world.services.serviceA1.id, name: `Form journey ${w.engine}`, siteIds: siteId, windowValue: '1', windowUnit: 'hours', stepCount: '2',
      'steps.0.kind': 'page', 'steps.0.target': '/apply', 'steps.0.label': 'Start', 'steps.1.kind': 'action', 'steps.1.target': 'apply_submit', 'steps.1.label': '',
    }
    const countBefore = await journeyCount()
    const added = await post('/journeys', { ...rows, _op: 'add' })
    assert.equal(added.statusCode, 200)
    assert.match(added.body, /name="stepCount" value="3"/)
    assert.match(added.body, /Added step 3\./)
    const moved = await post('/journeys', { ...rows, _op: 'down:0' })
    assert.match(moved.body, /Moved step 1 down to position 2\./)
    assert.ok(moved.body.indexOf('value="apply_submit"') < moved.body.indexOf('value="/apply"'), 'the rows swapped, unsaved values kept')
    assert.equal(await journeyCount(), countBefore, 'step buttons save nothing')
    const invalid = await post('/journeys', { ...rows, 'steps.0.target': 'apply', windowValue: 'soon', _op: 'save' })
    assert.equal(invalid.statusCode, 400)
    assert.match(invalid.body, /href="#field-windowValue"/)
    const badStep = await post('/journeys', { ...rows, 'steps.0.target': 'apply', _op: 'save' })
    assert.equal(badStep.statusCode, 400)
    assert.match(badStep.body, /href="#field-steps-0-target">Step 1: must be a path starting with \//)
    const saved = await post('/journeys', { ...rows, _op: 'save' })
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 500))
    const id = /\/journeys\/([0-9a-f-]{36})$/.exec(String(saved.headers.location))?.[1] as string
    assert.ok(id)
    const stored = json<Journey>(await api('GET', `/journeys/${id}`, w.world.people.managerA1))
    assert.deepEqual([stored.current.windowSeconds, stored.current.steps.map((s) => s.label)], [3600, ['Start', 'apply_submit']])

    const dashboard = await w.t.app.inject({ method: 'GET', url: `/journeys/${id}?${period}`, headers: { cookie } })
    assert.equal(dashboard.statusCode, 200)
    assert.match(dashboard.body, /data-testid="began">6</)
    assert.match(dashboard.body, /data-testid="ended">4</)
    assert.match(dashboard.body, /Version history/)
    const badPeriod = await w.t.app.inject({ method: 'GET', url: `/journeys/${id}?from=nonsense`, headers: { cookie } })
    assert.equal(badPeriod.statusCode, 200)
    assert.match(badPeriod.body, /The period is not valid; showing the last 30 days\./)

    const edit = await w.t.app.inject({ method: 'GET', url: `/journeys/${id}/edit`, headers: { cookie } })
    assert.match(edit.body, /name="windowUnit"[^>]*>(?:(?!<\/select>).)*value="hours" selected/s)
    const resaved = await post(`/journeys/${id}/edit`, { name: `Form journey ${w.engine}`, siteIds: siteId, windowValue: '2', windowUnit: 'hours', stepCount: '2',
      'steps.0.kind': 'page', 'steps.0.target': '/apply', 'steps.0.label': 'Start', 'steps.1.kind': 'action', 'steps.1.target': 'apply_submit', 'steps.1.label': '', note: 'Longer window', _op: 'save' })
    assert.equal(resaved.statusCode, 303)
    assert.equal(json<Journey>(await api('GET', `/journeys/${id}`, w.world.people.managerA1)).current.version, 2)
    const deprecated = await post(`/journeys/${id}/state`, { state: 'deprecated' })
    assert.equal(deprecated.statusCode, 303)
    assert.equal(json<Journey>(await api('GET', `/journeys/${id}`, w.world.people.managerA1)).state, 'deprecated')
    const analyst = await signIn(w.t.app, w.world.people.analystA.email)
    assert.equal((await w.t.app.inject({ method: 'GET', url: `/journeys/${id}/edit`, headers: { cookie: analyst.cookie } })).statusCode, 403)
    const list = await w.t.app.inject({ method: 'GET', url: `/journeys?siteId=${siteId}`, headers: { cookie: analyst.cookie } })
    assert.match(list.body, new RegExp(`href="/journeys/${id}"`))
  })
})
