/**
 * Metrics API, rollup job and dashboards (issue 5), on SQLite and PostgreSQL with DuckDB in memory. Hand-made events
 * are appended to the real event store, the scheduler's own rollup job refreshes yesterday and today, and every API
 * table (JSON and CSV) is compared with numbers computed by hand below. Also: period validation, permissions (another
 * organization's site or service is 404; a service counts only the sites its reader may read), the realtime view
 * without visitor ids, the rebuild of older days, raw-event retention, and the server-rendered dashboards.
 *
 * The period is 2025-03-10 and 2025-03-11 (UTC). Site "Permits" (A1, serves serviceA1):
 *   day 1  v1/s1 desktop web: 10:05 pageview /apply (referrer www.google.com), 10:06 action apply_start = 3 on /apply,
 *                             10:07 pageview /apply/step-2
 *          v2/s2 mobile web:  10:30 pageview /apply, 11:15 action apply_start = 5 on /apply, 11:16 action submit on /apply/done
 *   day 2  v3/s3 tablet web:  09:00 pageview / (referrer search.usa.gov), 09:01 action apply_start = 10 on /
 *          v4/s4 other contact_center: 14:00 action call_completed = 120 (no path)
 * Site "Help" (A1, serves serviceA1): day 1 v9/s9 12:00 pageview /home, 12:01 action "=1+2" (a formula, for the CSV guard).
 * Site "Department portal" (A, serves serviceA1): day 1 v8/s8 13:00 pageview /dept. Read by leadA, not by managerA1.
 * Site "Old" (A1, serves serviceA1, archived): day 1 pageview. Never counted for the service.
 * Site "Records" (B, serves serviceB): day 1 pageview. Never visible to A's readers.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { applyEventRetention, rebuildRollups } from '../../src/analytics/rollup-job.ts'
import { archiveSite, createSite } from '../../src/analytics/sites.ts'
import { systemActor } from '../../src/auth/index.ts'
import type { DeviceClass, EventChannel, EventRow } from '../../src/events/event-store.ts'
import { scheduledJobs } from '../../src/jobs/scheduler.ts'
import { bearer, describeWithWorld, json, signIn, type Person } from '../helpers/test-app.ts'

const system = systemActor('analytics-test')
const PERIOD = 'from=2025-03-10&to=2025-03-11'

interface Sites { permits: string; help: string; dept: string; old: string; records: string; quiet: string }

const at = (iso: string) => new Date(`2025-03-${iso}Z`)
function event(siteId: string, ts: Date, visitor: string, eventType: string, extra: { name?: string; path?: string | null; referrer?: string; device?: DeviceClass; channel?: EventChannel; value?: number } = {}): EventRow {
  return {
    ts, siteId, visitorId: visitor, sessionId: `s-${visitor}`, eventType, name: extra.name ?? null, path: extra.path === undefined ? '/' : extra.path, query: null,
    referrer: extra.referrer ?? null, device: extra.device ?? 'desktop', channel: extra.channel ?? 'web', value: extra.value ?? null, properties: null,
  }
}

function handMadeEvents(s: Sites): EventRow[] {
  return [
    event(s.permits, at('10T10:05:00'), 'v1', 'pageview', { path: '/apply', referrer: 'https://www.google.com/search' }),
    event(s.permits, at('10T10:06:00'), 'v1', 'action', { path: '/apply', name: 'apply_start', value: 3 }),
    event(s.permits, at('10T10:07:00'), 'v1', 'pageview', { path: '/apply/step-2' }),
    event(s.permits, at('10T10:30:00'), 'v2', 'pageview', { path: '/apply', device: 'mobile' }),
    event(s.permits, at('10T11:15:00'), 'v2', 'action', { path: '/apply', name: 'apply_start', value: 5, device: 'mobile' }),
    event(s.permits, at('10T11:16:00'), 'v2', 'action', { path: '/apply/done', name: 'submit', device: 'mobile' }),
    event(s.permits, at('11T09:00:00'), 'v3', 'pageview', { path: '/', referrer: 'https://search.usa.gov/', device: 'tablet' }),
    event(s.permits, at('11T09:01:00'), 'v3', 'action', { path: '/', name: 'apply_start', value: 10, device: 'tablet' }),
    event(s.permits, at('11T14:00:00'), 'v4', 'action', { path: null, name: 'call_completed', value: 120, device: 'other', channel: 'contact_center' }),
    event(s.help, at('10T12:00:00'), 'v9', 'pageview', { path: '/home' }),
    event(s.help, at('10T12:01:00'), 'v9', 'action', { path: '/home', name: '=1+2' }),
    event(s.dept, at('10T13:00:00'), 'v8', 'pageview', { path: '/dept' }),
    event(s.old, at('10T13:30:00'), 'v7', 'pageview', { path: '/old' }),
    event(s.records, at('10T15:00:00'), 'v6', 'pageview', { path: '/b' }),
  ]
}

const totals = (pageviews: number, visitors: number, sessions: number, actions: number, events: number) => ({ pageviews, visitors, sessions, actions, events })

describeWithWorld('analytics metrics API and dashboards', (w) => {
  const sites = {} as Sites
  const get = (url: string, person: Person) => w.t.app.inject({ method: 'GET', url: `/api/v1/analytics${url}`, headers: bearer(person) })
  const ok = async <T,>(url: string, person: Person = w.world.people.leadA): Promise<T> => {
    const response = await get(url, person)
    assert.equal(response.statusCode, 200, `${url}: ${response.body}`)
    return json<T>(response)
  }

  before(async () => {
    const { db } = w.t.runtime
    const { orgs, services } = w.world
    const site = async (organizationId: string, name: string, domain: string, serviceIds: string[]) => (await createSite(db, system, { organizationId, name, domain, serviceIds })).id
    sites.permits = await site(orgs.A1.id, 'Permits', 'permits.example.gov', [services.serviceA1.id])
    sites.help = await site(orgs.A1.id, 'Help', 'help.example.gov', [services.serviceA1.id])
    sites.dept = await site(orgs.A.id, 'Department portal', 'dept.example.gov', [services.serviceA1.id])
    sites.old = await site(orgs.A1.id, 'Old', 'old.example.gov', [services.serviceA1.id])
    sites.records = await site(orgs.B.id, 'Records', 'records.example.gov', [services.serviceB.id])
    sites.quiet = await site(orgs.A1.id, 'Quiet', 'quiet.example.gov', [])
    await archiveSite(db, system, sites.old)
    await w.t.runtime.events.append(handMadeEvents(sites))
  })

  it('reads rollups only: nothing shows until the scheduler\'s rollup job refreshes yesterday and today', async () => {
    const before = await ok<{ totals: unknown }>(`/sites/${sites.permits}/totals?${PERIOD}`)
    assert.deepEqual(before.totals, totals(0, 0, 0, 0, 0))
    const job = scheduledJobs(w.t.runtime).find((j) => j.name === 'analytics-rollups')
    assert.equal(job?.pattern, '30 * * * * *', 'every minute')
    const result = await job?.run(new Date('2025-03-11T12:00:00Z'))
    assert.deepEqual(result, { from: '2025-03-10T00:00:00.000Z', to: '2025-03-12T00:00:00.000Z' })
    const after = await ok<{ period: unknown; totals: unknown; sites: { id: string }[] }>(`/sites/${sites.permits}/totals?${PERIOD}`)
    assert.deepEqual(after.period, { from: '2025-03-10', to: '2025-03-11', days: 2 })
    assert.deepEqual(after.totals, totals(4, 4, 4, 5, 9))
    assert.deepEqual(after.sites.map((s) => s.id), [sites.permits])
  })

  it('series: daily and hourly buckets, every bucket present', async () => {
    const daily = await ok<{ granularity: string; points: Record<string, unknown>[] }>(`/sites/${sites.permits}/series?${PERIOD}&granularity=day`)
    assert.equal(daily.granularity, 'day')
    assert.deepEqual(daily.points, [
      { bucket: '2025-03-10T00:00:00.000Z', ...totals(3, 2, 2, 3, 6) },
      { bucket: '2025-03-11T00:00:00.000Z', ...totals(1, 2, 2, 2, 3) },
    ])
    const hourly = await ok<{ granularity: string; points: ({ bucket: string } & Record<string, unknown>)[] }>(`/sites/${sites.permits}/series?${PERIOD}`)
    assert.equal(hourly.granularity, 'hour', 'two days default to hourly buckets')
    assert.equal(hourly.points.length, 48)
    const hour = (iso: string) => hourly.points.find((p) => p.bucket === iso)
    assert.deepEqual(hour('2025-03-10T10:00:00.000Z'), { bucket: '2025-03-10T10:00:00.000Z', ...totals(3, 2, 2, 1, 4) })
    assert.deepEqual(hour('2025-03-10T11:00:00.000Z'), { bucket: '2025-03-10T11:00:00.000Z', ...totals(0, 1, 1, 2, 2) })
    assert.deepEqual(hour('2025-03-10T00:00:00.000Z'), { bucket: '2025-03-10T00:00:00.000Z', ...totals(0, 0, 0, 0, 0) })
    const sum = hourly.points.reduce((n, p) => n + (p.events as number), 0)
    assert.equal(sum, 9)
  })

  it('breakdowns: pages, referrer hosts, devices, channels and key actions, ordered by page views, events, key', async () => {
    type Rows = { dimension: string; rows: { key: string; label: string; pageviews: number; visitors: number; actions: number; events: number }[] }
    const breakdown = async (dimension: string, extra = '') => (await ok<Rows>(`/sites/${sites.permits}/breakdown/${dimension}?${PERIOD}${extra}`)).rows
      .map((r) => [r.key, r.pageviews, r.visitors, r.actions, r.events])
    assert.deepEqual(await breakdown('path'), [
      ['/apply', 2, 2, 2, 4], ['/', 1, 1, 1, 2], ['/apply/step-2', 1, 1, 0, 1], ['(none)', 0, 1, 1, 1], ['/apply/done', 0, 1, 1, 1],
    ])
    assert.deepEqual(await breakdown('referrer_host'), [['(none)', 2, 4, 5, 7], ['search.usa.gov', 1, 1, 0, 1], ['www.google.com', 1, 1, 0, 1]])
    assert.deepEqual(await breakdown('device'), [['desktop', 2, 1, 1, 3], ['mobile', 1, 1, 2, 3], ['tablet', 1, 1, 1, 2], ['other', 0, 1, 1, 1]])
    assert.deepEqual(await breakdown('channel'), [['web', 4, 3, 4, 8], ['contact_center', 0, 1, 1, 1]])
    assert.deepEqual(await breakdown('action'), [['apply_start', 0, 3, 3, 3], ['call_completed', 0, 1, 1, 1], ['submit', 0, 1, 1, 1]])
    assert.deepEqual(await breakdown('path', '&limit=2'), [['/apply', 2, 2, 2, 4], ['/', 1, 1, 1, 2]])
  })

  it('key-action values: sum, mean, median, minimum, maximum and p95 of one action (raw events); count, sum, mean, minimum and maximum of all (rollups)', async () => {
    const one = await ok<{ action: string; stats: unknown }>(`/sites/${sites.permits}/values/apply_start?${PERIOD}`)
    assert.equal(one.action, 'apply_start')
    // Values 3, 5, 10: p95 interpolated (type 7) at 0.95 × 2 = 1.9 → 5 + 0.9 × (10 − 5) = 9.5.
    assert.deepEqual(one.stats, { count: 3, sum: 18, mean: 6, median: 5, min: 3, max: 10, p95: 9.5 })
    const none = await ok<{ stats: unknown }>(`/sites/${sites.permits}/values/submit?${PERIOD}`)
    assert.deepEqual(none.stats, { count: 0, sum: 0, mean: null, median: null, min: null, max: null, p95: null })
    const dayTwo = await ok<{ stats: { count: number; sum: number } }>(`/sites/${sites.permits}/values/apply_start?from=2025-03-11&to=2025-03-11`)
    assert.deepEqual([dayTwo.stats.count, dayTwo.stats.sum], [1, 10])
    // From the daily rollups, ordered by the number of values, then name: apply_start 3 + 5 (day 1) and 10 (day 2).
    const all = await ok<{ rows: Record<string, unknown>[] }>(`/sites/${sites.permits}/values?${PERIOD}`)
    assert.deepEqual(all.rows, [
      { action: 'apply_start', occurrences: 3, count: 3, sum: 18, mean: 6, min: 3, max: 10 },
      { action: 'call_completed', occurrences: 1, count: 1, sum: 120, mean: 120, min: 120, max: 120 },
      { action: 'submit', occurrences: 1, count: 0, sum: 0, mean: null, min: null, max: null },
    ])
    assert.deepEqual((await ok<{ rows: { action: string }[] }>(`/sites/${sites.permits}/values?${PERIOD}&limit=1`)).rows.map((r) => r.action), ['apply_start'])
    const service = await ok<{ rows: { action: string; occurrences: number; count: number }[] }>(`/services/${w.world.services.serviceA1.id}/values?${PERIOD}`)
    assert.deepEqual(service.rows.map((r) => [r.action, r.occurrences, r.count]), [['apply_start', 3, 3], ['call_completed', 1, 1], ['=1+2', 1, 0], ['submit', 1, 0]],
      'the service adds Help\'s "=1+2" (no value), which sorts before "submit"')
  })

  it('CSV for every table, as a download, with spreadsheet formulas defused', async () => {
    const csv = async (url: string, person: Person = w.world.people.leadA) => {
      const response = await get(url, person)
      assert.equal(response.statusCode, 200, response.body)
      assert.match(String(response.headers['content-type']), /^text\/csv/)
      assert.match(String(response.headers['content-disposition']), /^attachment; filename="site-[a-z0-9-]+-[a-z0-9-]+-[0-9a-z-]+\.csv"$/)
      return response.body.trim().split('\n')
    }
    const base = `/sites/${sites.permits}`
    assert.deepEqual(await csv(`${base}/totals?${PERIOD}&format=csv`), ['from,to,pageviews,visitors,sessions,actions,events', '2025-03-10,2025-03-11,4,4,4,5,9'])
    assert.deepEqual(await csv(`${base}/series?${PERIOD}&granularity=day&format=csv`), [
      'bucket,pageviews,visitors,sessions,actions,events', '2025-03-10T00:00:00.000Z,3,2,2,3,6', '2025-03-11T00:00:00.000Z,1,2,2,2,3',
    ])
    assert.deepEqual(await csv(`${base}/breakdown/device?${PERIOD}&format=csv`), [
      'device,pageviews,visitors,actions,events', 'desktop,2,1,1,3', 'mobile,1,1,2,3', 'tablet,1,1,1,2', 'other,0,1,1,1',
    ])
    assert.deepEqual(await csv(`${base}/values?${PERIOD}&format=csv`), [
      'action,occurrences,count,sum,mean,min,max', 'apply_start,3,3,18,6,3,10', 'call_completed,1,1,120,120,120,120', 'submit,1,0,0,,,',
    ])
    assert.deepEqual(await csv(`${base}/values/apply_start?${PERIOD}&format=csv`), ['action,count,sum,mean,median,min,max,p95', 'apply_start,3,18,6,5,3,10,9.5'])
    assert.deepEqual(await csv(`/sites/${sites.help}/breakdown/action?${PERIOD}&format=csv`), ['action,pageviews,visitors,actions,events', '\'=1+2,0,1,1,1'])
    const asJson = await get(`${base}/totals?${PERIOD}&format=json`, w.world.people.leadA)
    assert.match(String(asJson.headers['content-disposition']), /^attachment; filename="site-permits-totals-2025-03-10-to-2025-03-11\.json"$/)
    const plain = await get(`${base}/totals?${PERIOD}`, w.world.people.leadA)
    assert.equal(plain.headers['content-disposition'], undefined, 'JSON without an explicit format is not a download')
  })

  it('a service adds up its active sites the reader may read; the site breakdown names them', async () => {
    const service = `/services/${w.world.services.serviceA1.id}`
    const lead = await ok<{ totals: unknown; sites: { id: string }[] }>(`${service}/totals?${PERIOD}`)
    assert.deepEqual(lead.totals, totals(6, 6, 6, 6, 12), 'Permits + Help + Department portal; the archived site is left out')
    assert.deepEqual(new Set(lead.sites.map((s) => s.id)), new Set([sites.permits, sites.help, sites.dept]))
    const manager = await ok<{ totals: unknown }>(`${service}/totals?${PERIOD}`, w.world.people.managerA1)
    assert.deepEqual(manager.totals, totals(5, 5, 5, 6, 11), 'managerA1 reads A1 only: the department site does not count')
    const bySite = (await ok<{ rows: { key: string; label: string; pageviews: number; events: number }[] }>(`${service}/breakdown/site?${PERIOD}`)).rows
    assert.deepEqual(bySite[0], { key: sites.permits, label: 'Permits', pageviews: 4, visitors: 4, actions: 5, events: 9 })
    assert.deepEqual(new Set(bySite.slice(1).map((r) => `${r.label}:${r.pageviews}:${r.events}`)), new Set(['Help:1:2', 'Department portal:1:1']))
    const siteCsv = await get(`${service}/breakdown/site?${PERIOD}&format=csv&limit=1`, w.world.people.leadA)
    assert.deepEqual(siteCsv.body.trim().split('\n'), ['site_id,site_name,pageviews,visitors,actions,events', `${sites.permits},Permits,4,4,5,9`])
    assert.match(String(siteCsv.headers['content-disposition']), /filename="service-apply-for-a-permit-breakdown-site-/)
    const series = await ok<{ points: { events: number }[] }>(`${service}/series?${PERIOD}&granularity=day`)
    assert.deepEqual(series.points.map((p) => p.events), [9, 3])
    const values = await ok<{ stats: { count: number; sum: number } }>(`${service}/values/apply_start?${PERIOD}`)
    assert.deepEqual([values.stats.count, values.stats.sum], [3, 18])
    const other = await ok<{ totals: unknown; sites: unknown[] }>(`/services/${w.world.services.serviceA1Other.id}/totals?${PERIOD}`)
    assert.deepEqual([other.totals, other.sites], [totals(0, 0, 0, 0, 0), []], 'a service no site measures reads zero')
  })

  it('permissions: readers of the organization only; another organization\'s site or service is 404; no key is 401', async () => {
    const { people, services } = w.world
    for (const person of [people.admin, people.reviewer, people.leadA, people.managerA1, people.analystA]) {
      assert.equal((await get(`/sites/${sites.permits}/totals?${PERIOD}`, person)).statusCode, 200, person.email)
    }
    for (const url of [`/sites/${sites.permits}/totals`, `/sites/${sites.permits}/realtime`, `/services/${services.serviceA1.id}/series`, `/sites/${sites.permits}/values/apply_start`]) {
      const response = await get(url, people.leadB)
      assert.equal(response.statusCode, 404, url)
      assert.equal(json(response).error, 'not_found')
    }
    assert.equal((await get(`/sites/${sites.dept}/totals`, people.managerA1)).statusCode, 404, 'a department site is another organization for a bureau manager')
    assert.equal((await get(`/sites/${sites.records}/totals`, people.leadB)).statusCode, 200)
    assert.equal((await get('/sites/00000000-0000-4000-8000-000000000000/totals', people.admin)).statusCode, 404)
    assert.equal((await w.t.app.inject({ method: 'GET', url: `/api/v1/analytics/sites/${sites.permits}/totals` })).statusCode, 401)
  })

  it('period validation: clear 400s for bad dates, reversed or over-long periods, and too many hourly buckets', async () => {
    const fields = async (query: string, path = 'totals') => {
      const response = await get(`/sites/${sites.permits}/${path}?${query}`, w.world.people.leadA)
      assert.equal(response.statusCode, 400, `${query}: ${response.body}`)
      const body = json<{ error: string; message: string; fields: Record<string, string> }>(response)
      assert.equal(body.error, 'invalid')
      return body.fields
    }
    assert.match((await fields('from=2025-02-30&to=2025-03-01')).from ?? '', /must be a date such as/)
    assert.match((await fields('from=yesterday')).from ?? '', /must be a date such as/)
    assert.match((await fields('to=2025-3-1')).to ?? '', /must be a date such as/)
    assert.match((await fields('from=2025-03-11&to=2025-03-10')).from ?? '', /on or before the end date/)
    assert.match((await fields('from=2024-01-01&to=2025-02-04')).from ?? '', /at most 400 days \(this one covers 401\)/)
    assert.equal((await get(`/sites/${sites.permits}/totals?from=2024-01-01&to=2025-02-03`, w.world.people.leadA)).statusCode, 200, 'exactly 400 days')
    assert.match((await fields('from=2025-01-01&to=2025-02-01&granularity=hour', 'series')).granularity ?? '', /at most 31 days/)
    const month = await ok<{ points: unknown[] }>(`/sites/${sites.permits}/series?from=2025-01-01&to=2025-01-31&granularity=hour`)
    assert.equal(month.points.length, 31 * 24)
    assert.ok(await fields('granularity=week', 'series'))
    assert.ok(await fields(`${PERIOD}&limit=0`, 'breakdown/path'))
    assert.ok(await fields(`${PERIOD}&limit=1001`, 'breakdown/path'))
    assert.ok(await fields(PERIOD, 'breakdown/colour'))
    assert.ok(await fields(`${PERIOD}&format=xlsx`))
    assert.match((await fields(PERIOD, 'values/%20%20')).actionName ?? '', /1 to 100 characters/)
    const defaults = await ok<{ period: { from: string; to: string; days: number } }>(`/sites/${sites.permits}/totals`)
    const today = new Date().toISOString().slice(0, 10)
    assert.deepEqual(defaults.period, { from: new Date(Date.parse(today) - 29 * 86_400_000).toISOString().slice(0, 10), to: today, days: 30 })
  })

  it('realtime: the last 30 minutes from raw events, newest first, without visitor or session ids', async () => {
    const now = Date.now()
    await w.t.runtime.events.append([
      event(sites.permits, new Date(now - 5 * 60_000), 'live-1', 'pageview', { path: '/live' }),
      event(sites.permits, new Date(now - 2 * 60_000), 'live-1', 'action', { path: '/live', name: 'apply_start', value: 7 }),
      event(sites.permits, new Date(now - 40 * 60_000), 'live-2', 'pageview', { path: '/too-old' }),
    ])
    const live = await ok<{ windowMinutes: number; totals: unknown; events: Record<string, unknown>[] }>(`/sites/${sites.permits}/realtime`)
    assert.equal(live.windowMinutes, 30)
    assert.deepEqual(live.totals, totals(1, 1, 1, 1, 2))
    assert.deepEqual(live.events.map((e) => [e.eventType, e.path, e.name, e.value]), [['action', '/live', 'apply_start', 7], ['pageview', '/live', null, null]])
    for (const e of live.events) {
      assert.ok(!('visitorId' in e) && !('sessionId' in e), 'no visitor or session id')
      assert.equal(e.siteId, sites.permits)
    }
    assert.ok(!JSON.stringify(live).includes('live-1'))
    const csv = await get(`/sites/${sites.permits}/realtime?format=csv`, w.world.people.leadA)
    const lines = csv.body.trim().split('\n')
    assert.equal(lines[0], 'ts,site_id,event_type,name,path,referrer,device,channel,value')
    assert.equal(lines.length, 3)
    assert.ok(!csv.body.includes('live-1'))
    const service = await ok<{ totals: unknown }>(`/services/${w.world.services.serviceA1.id}/realtime`)
    assert.deepEqual(service.totals, totals(1, 1, 1, 1, 2))
  })

  it('older days: the rollup job leaves them alone; a rebuild of the range brings them in; retention deletes raw events only', async () => {
    const url = `/sites/${sites.permits}/totals?from=2025-02-01&to=2025-02-01`
    await w.t.runtime.events.append([event(sites.permits, new Date('2025-02-01T08:00:00Z'), 'old-1', 'action', { name: 'apply_start', value: 4 })])
    await scheduledJobs(w.t.runtime).find((j) => j.name === 'analytics-rollups')?.run(new Date('2025-03-11T12:00:00Z'))
    assert.deepEqual((await ok<{ totals: unknown }>(url)).totals, totals(0, 0, 0, 0, 0))
    assert.equal(await rebuildRollups(w.t.runtime.events, new Date('2025-01-25T00:00:00Z'), new Date('2025-02-10T00:00:00Z')), 17)
    assert.deepEqual((await ok<{ totals: unknown }>(url)).totals, totals(0, 1, 1, 1, 1))
    const valuesUrl = `/sites/${sites.permits}/values/apply_start?from=2025-02-01&to=2025-02-01`
    assert.equal((await ok<{ stats: { count: number } }>(valuesUrl)).stats.count, 1)

    assert.equal(await applyEventRetention(w.t.runtime.events, 0, new Date('2025-03-11T12:00:00Z')), null, '0 keeps raw events forever')
    const before = await w.t.runtime.events.countEvents()
    const retention = await applyEventRetention(w.t.runtime.events, 30, new Date('2025-03-11T12:00:00Z'))
    assert.equal(retention?.cutoff, '2025-02-09T00:00:00.000Z')
    assert.equal(await w.t.runtime.events.countEvents(), before - 1, 'only the 1 February event is older than 30 days')
    assert.deepEqual((await ok<{ totals: unknown }>(url)).totals, totals(0, 1, 1, 1, 1), 'rollups stay')
    assert.equal((await ok<{ stats: { count: number } }>(valuesUrl)).stats.count, 0, 'value statistics read raw events')
    const summary = await ok<{ rows: { action: string; count: number; sum: number }[] }>(`/sites/${sites.permits}/values?from=2025-02-01&to=2025-02-01`)
    assert.deepEqual(summary.rows.map((r) => [r.action, r.count, r.sum]), [['apply_start', 1, 4]], 'the value summary reads rollups: it stays')
    assert.deepEqual((await ok<{ totals: unknown }>(`/sites/${sites.permits}/totals?${PERIOD}`)).totals, totals(4, 4, 4, 5, 9), 'the reporting period is untouched')
    const job = scheduledJobs(w.t.runtime).find((j) => j.name === 'event-retention')
    assert.equal(job?.pattern, '0 15 4 * * *')
    assert.equal(await job?.run(new Date()), null, 'retention is off by default (CX280_EVENTS_RETENTION_DAYS=0)')
  })

  describe('dashboard pages', () => {
    let cookie = ''
    before(async () => { cookie = (await signIn(w.t.app, w.world.people.leadA.email)).cookie })
    const page = (url: string) => w.t.app.inject({ method: 'GET', url, headers: { cookie } })
    const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;|&#39;/g, '\'').replace(/\s+/g, ' ')

    it('a site dashboard: totals, series table with every bucket, breakdowns, values, realtime, download links', async () => {
      const response = await page(`/analytics/sites/${sites.permits}?${PERIOD}&granularity=day`)
      assert.equal(response.statusCode, 200, response.body.slice(0, 500))
      const body = text(response.body)
      assert.match(body, /Page views 4 Visitors 4 Sessions 4 Key actions 5/)
      assert.match(body, /2025-03-10 3 2 2 3/, 'the chart\'s table row for day 1: page views, visitors, sessions, key actions')
      assert.match(body, /2025-03-11 1 2 2 2/)
      assert.match(body, /\/apply 2 2 2 4/)
      assert.match(body, /Key action Occurrences With a value Sum Mean Minimum Maximum apply_start 3 3 18 6 3 10 call_completed 1 1 120 120 120 120 submit 1 0 — — — —/,
        'the values table from rollups: no median or p95 here')
      assert.match(response.body, new RegExp(`<a href="/analytics/sites/${sites.permits}/values/apply_start\\?from=2025-03-10&amp;to=2025-03-11">apply_start</a>`), 'each action links to its exact statistics')
      assert.match(body, /Last 30 minutes/)
      for (const table of ['totals', 'series', 'breakdown/path', 'breakdown/referrer_host', 'breakdown/device', 'breakdown/channel', 'breakdown/action', 'values', 'realtime']) {
        assert.match(response.body, new RegExp(`href="/api/v1/analytics/sites/${sites.permits}/${table}[^"]*format=csv"`), `CSV link for ${table}`)
        assert.match(response.body, new RegExp(`href="/api/v1/analytics/sites/${sites.permits}/${table}[^"]*format=json"`), `JSON link for ${table}`)
      }
      assert.match(response.body, /<form class="usa-form cx-filters" method="get"/)
      assert.match(response.body, /value="2025-03-10"/)
      const download = await page(`/api/v1/analytics/sites/${sites.permits}/totals?${PERIOD}&format=csv`)
      assert.equal(download.statusCode, 200, 'download links work with the session cookie')
    })

    it('one key action\'s values page: median and p95 from raw events, a period form, downloads; for a site and a service', async () => {
      const response = await page(`/analytics/sites/${sites.permits}/values/apply_start?${PERIOD}`)
      assert.equal(response.statusCode, 200, response.body.slice(0, 500))
      const body = text(response.body)
      assert.match(body, /Values of the key action “apply_start”/)
      // Values 3, 5, 10 (as the API test above): median 5, p95 9.5.
      assert.match(body, /Statistic Value Values recorded 3 Sum 18 Mean 6 Median 5 Minimum 3 Maximum 10 95th percentile 9\.5/)
      const api = `/api/v1/analytics/sites/${sites.permits}/values/apply_start\\?from=2025-03-10&amp;to=2025-03-11`
      assert.match(response.body, new RegExp(`href="${api}&amp;format=csv"`))
      assert.match(response.body, new RegExp(`href="${api}&amp;format=json"`))
      assert.match(response.body, new RegExp(`<form class="usa-form cx-filters" method="get" action="/analytics/sites/${sites.permits}/values/apply_start"`))
      assert.match(response.body, new RegExp(`href="/analytics/sites/${sites.permits}\\?from=2025-03-10&amp;to=2025-03-11"`), 'back to the dashboard, same period')

      const dayTwo = text((await page(`/analytics/sites/${sites.permits}/values/apply_start?from=2025-03-11&to=2025-03-11`)).body)
      assert.match(dayTwo, /2025-03-11 \(UTC\)/)
      assert.match(dayTwo, /Values recorded 1 Sum 10 Mean 10 Median 10/)
      const noValues = text((await page(`/analytics/sites/${sites.permits}/values/submit?${PERIOD}`)).body)
      assert.match(noValues, /No value of “submit” was recorded in this period/)
      assert.match(noValues, /Values recorded 0 Sum — Mean — Median —/)
      // A name that is a spreadsheet formula, with characters that need encoding in a URL.
      const formula = await page(`/analytics/services/${w.world.services.serviceA1.id}/values/${encodeURIComponent('=1+2')}?${PERIOD}`)
      assert.equal(formula.statusCode, 200)
      assert.match(text(formula.body), /Values of the key action “=1\+2”/)
      assert.match(formula.body, /\/values\/%3D1%2B2\?from=2025-03-10&amp;to=2025-03-11&amp;format=csv"/)
      const service = text((await page(`/analytics/services/${w.world.services.serviceA1.id}/values/apply_start?${PERIOD}`)).body)
      assert.match(service, /Service Apply for a permit/i)
      assert.match(service, /Values recorded 3 Sum 18 Mean 6 Median 5/)

      const bad = await page(`/analytics/sites/${sites.permits}/values/apply_start?from=2025-03-11&to=2025-03-01`)
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /on or before the end date/)
      assert.equal((await page(`/analytics/sites/${sites.permits}/values/%20`)).statusCode, 400, 'a blank name')
      assert.equal((await page(`/analytics/sites/${sites.records}/values/apply_start`)).statusCode, 404, 'another organization\'s site')
      assert.equal((await page(`/analytics/services/${w.world.services.serviceB.id}/values/apply_start`)).statusCode, 404)
    })

    it('the series chart marks alerts of the site\'s monitors, numbered, and its table lists them by bucket', async () => {
      const { db } = w.t.runtime
      const monitorId = crypto.randomUUID()
      const stamp = '2025-03-01T00:00:00.000Z'
      await db.insertInto('monitors').values({
        id: monitorId, organization_id: w.world.orgs.A1.id, site_id: sites.permits, journey_id: null, name: 'Page views drop', metric: 'pageviews', action_name: null,
        rule: 'no_data', parameters: '{}', interval_minutes: 60, consecutive: 1, cooldown_minutes: 720, enabled: 1, recipients: '[]', send_webhook: 0,
        created_by: null, created_at: stamp, updated_at: stamp,
      }).execute()
      await db.insertInto('monitor_alerts').values({
        id: crypto.randomUUID(), monitor_id: monitorId, bucket: '2025-03-10T10:00:00.000Z', opened_at: '2025-03-10T10:20:00.000Z', value: 0, expected: 3,
        message: 'No page views', resolved_at: '2025-03-11T09:30:00.000Z', resolved_value: 1, resolve_message: 'Back', open_notified_at: stamp, resolve_notified_at: stamp,
      }).execute()
      const response = await page(`/analytics/sites/${sites.permits}?${PERIOD}&granularity=day`)
      assert.equal(response.statusCode, 200)
      assert.match(response.body, /<g class="cx-chart__mark cx-chart__mark--opened"><line [^>]*><\/line><text [^>]*>1<\/text><\/g>/)
      assert.match(response.body, /<g class="cx-chart__mark cx-chart__mark--resolved"><line [^>]*><\/line><text [^>]*>2<\/text><\/g>/)
      const body = text(response.body)
      assert.match(body, /Key actions Alerts 2025-03-10 3 2 2 3 1\. Page views drop: alert opened 2025-03-11 1 2 2 2 2\. Page views drop: alert resolved/)
      assert.match(body, /Numbered dashed lines mark 2 alerts; the table lists them\./)
      const elsewhere = await page(`/analytics/sites/${sites.help}?${PERIOD}&granularity=day`)
      assert.ok(!elsewhere.body.includes('cx-chart__mark'), 'another site\'s chart has no marks')
    })

    it('a service dashboard has a sites table; pages link each other', async () => {
      const response = await page(`/analytics/services/${w.world.services.serviceA1.id}?${PERIOD}`)
      assert.equal(response.statusCode, 200)
      const body = text(response.body)
      assert.match(body, /Page views 6 Visitors 6 Sessions 6 Key actions 6/)
      assert.match(body, /Sites Top sites by page views Site Page views Visitors Key actions Events Permits 4 4 5 9/)
      assert.match(response.body, /Hour \(UTC\)/, 'two days: hourly buckets by default')
      assert.match((await page(`/services/${w.world.services.serviceA1.id}`)).body, new RegExp(`href="/analytics/services/${w.world.services.serviceA1.id}"`))
      assert.match((await page(`/sites/${sites.permits}`)).body, new RegExp(`href="/analytics/sites/${sites.permits}"`))
    })

    it('empty states, a bad period, the index, and 404 for another organization', async () => {
      const quiet = await page(`/analytics/sites/${sites.quiet}`)
      assert.equal(quiet.statusCode, 200)
      assert.match(quiet.body, /No events yet: add the snippet/)
      assert.match(quiet.body, new RegExp(`href="/sites/${sites.quiet}"`))
      const unmeasured = await page(`/analytics/services/${w.world.services.serviceA1Other.id}`)
      assert.match(unmeasured.body, /No site measures this service yet/)
      const bad = await page(`/analytics/sites/${sites.permits}?from=2025-03-11&to=2025-03-01`)
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /on or before the end date/)
      const index = await page('/analytics')
      assert.equal(index.statusCode, 200)
      assert.match(index.body, new RegExp(`href="/analytics/sites/${sites.permits}"`))
      assert.match(index.body, new RegExp(`href="/analytics/services/${w.world.services.serviceA1.id}"`))
      assert.ok(!index.body.includes(sites.records), 'no site of Department B')
      assert.match(index.body, /href="\/analytics"[^>]*><span>Dashboards<\/span>/, 'in the Analytics menu')
      assert.equal((await page(`/analytics/sites/${sites.records}`)).statusCode, 404)
      assert.equal((await page(`/analytics/services/${w.world.services.serviceB.id}`)).statusCode, 404)
    })
  })
})

describe('cx280 analytics rollup', () => {
  it('rebuilds a range of days and refuses a malformed or reversed one', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cx280-rollup-cli-'))
    try {
      const env = { ...process.env, CX280_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }
      const run = (...args: string[]) => spawnSync(process.execPath, ['bin/cx280.js', 'analytics', 'rollup', ...args], { env, encoding: 'utf8', timeout: 60_000 })
      const good = run('--from', '2025-03-01', '--to', '2025-03-10')
      assert.equal(good.status, 0, good.stderr)
      assert.match(good.stdout, /rebuilt through 2025-03-07\n {2}rebuilt through 2025-03-10\nRebuilt the rollups of 10 days \(duckdb\)\./)
      const malformed = run('--from', '2025-13-01', '--to', '2025-03-10')
      assert.notEqual(malformed.status, 0)
      assert.match(malformed.stderr, /must be a date such as 2025-01-31/)
      const reversed = run('--from', '2025-03-10', '--to', '2025-03-01')
      assert.notEqual(reversed.status, 0)
      assert.match(reversed.stderr, /--from must be on or before --to/)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
