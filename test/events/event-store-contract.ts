/**
 * The event-store contract: every engine answers these small fixtures with the same hand-computed numbers.
 * An engine's test file calls `describeEventStoreContract('DuckDB in memory', () => openEventStore('duckdb::memory:'))`.
 *
 * Semantics pinned here (and not obvious from the types):
 * - Rollup readers (totals, series, breakdown, valueSummary) count every rollup bucket that overlaps the range: hours
 *   for totals and hourly series, UTC days for daily series, breakdowns and value summaries. Most tests use hour- or
 *   day-aligned ranges.
 * - Visitors and sessions are distinct per UTC day and summed over days (ids rotate daily). In `totals`, a whole UTC
 *   day inside the range uses the day's distinct count; hours of a partly covered day add their hourly distinct
 *   counts (the finest the rollups know). rawTotals counts distinct per UTC day within the exact range.
 * - refreshRollups recomputes the UTC days touching the range that still have raw events; a day whose raw events
 *   were deleted (retention) keeps its rollups.
 * - valueSummary: per action name, every occurrence (`actions`) and the count, sum, mean, min and max of the numeric
 *   values, summed over days; ordered by count of values, then name. recentEvents' `since` is inclusive, to the ms.
 * - referrer_host is the lower-cased host of the referrer URL without user info or port (an IPv6 literal keeps its
 *   brackets); '(none)' when there is none. The `action` breakdown has one row per name of `action` events only.
 *   Empty keys are '(none)'.
 * - Funnel: per visitor; step 1 is the visitor's first matching event in the range; step k+1 is the first matching
 *   event strictly after step k and at most windowSeconds after step 1 (inclusive). Page steps match `pageview`
 *   events whose whole path matches the pattern (`*` = any run, everything else literal); action steps match `action`
 *   events by exact name. Medians are type-7 (the mean of the two middle values for an even count).
 */
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { Invalid } from '../../src/errors.ts'
import type { BreakdownRow, EventRow, EventScope, EventStore, FunnelQuery, FunnelStep, Totals, ValueStats, ValueSummaryRow } from '../../src/events/event-store.ts'

export interface ContractOptions {
  /** Awaited after every write (append, refreshRollups, deleteEventsBefore), for engines whose writes settle later. */
  readonly afterAppend?: () => Promise<void>
}

const at = (iso: string): Date => new Date(iso)
const D0 = '2025-03-09'
const D1 = '2025-03-10'
const D2 = '2025-03-11'
const D3 = '2025-03-12'
const D4 = '2025-03-13'
const day = (d: string): Date => at(`${d}T00:00:00.000Z`)
const ZERO: Totals = { pageviews: 0, visitors: 0, sessions: 0, actions: 0, events: 0 }

function ev(ts: string, visitorId: string, sessionId: string, fields: Partial<EventRow> = {}): EventRow {
  return {
    ts: at(ts), siteId: 'site-a', visitorId, sessionId, eventType: 'pageview', name: null, path: null, query: null, referrer: null,
    device: 'desktop', channel: 'web', value: null, properties: null, ...fields,
  }
}
const pageview = (ts: string, visitorId: string, path: string, fields: Partial<EventRow> = {}): EventRow =>
  ev(ts, visitorId, `${visitorId}-s`, { path, ...fields })
const action = (ts: string, visitorId: string, name: string, fields: Partial<EventRow> = {}): EventRow =>
  ev(ts, visitorId, `${visitorId}-s`, { eventType: 'action', name, ...fields })

/**
 * Traffic over three UTC days. Numbers in comments are the event numbers used in the expected values below.
 * Visitor v1 appears on D1 and D2 with the same id on purpose: it counts once per day.
 */
const TRAFFIC: readonly EventRow[] = [
  /* 1 */ ev(`${D1}T09:15:00.000Z`, 'v1', 's1', { path: '/home', referrer: 'https://www.search.gov/results?q=x' }),
  /* 2 */ ev(`${D1}T09:40:00.000Z`, 'v1', 's1', { path: '/apply' }),
  /* 3 */ ev(`${D1}T09:45:00.000Z`, 'v1', 's1', { eventType: 'action', name: 'submit', path: '/apply', value: 3 }),
  /* 4 */ ev(`${D1}T10:05:00.000Z`, 'v1', 's2', { path: '/home' }),
  /* 5 */ ev(`${D1}T10:20:00.000Z`, 'v2', 's3', { path: '/home', referrer: 'https://Search.GOV/other', device: 'mobile' }),
  /* 6 */ ev(`${D1}T23:59:59.999Z`, 'v3', 's4', { path: '/status', referrer: 'http://localhost:8080/x', device: 'tablet' }),
  /* 7 */ ev(`${D2}T00:00:00.000Z`, 'v1', 's5', { path: '/home' }),
  /* 8 */ ev(`${D2}T00:30:00.000Z`, 'v4', 's6', { eventType: 'outbound', name: 'https://example.com/', path: '/home', device: 'mobile' }),
  /* 9 */ ev(`${D2}T13:00:00.000Z`, 'v5', 's7', { eventType: 'action', name: 'call', device: 'other', channel: 'contact_center' }),
  /* 10 */ ev(`${D3}T00:00:00.000Z`, 'v6', 's8', { path: '/home' }),
  /* 11 */ ev(`${D1}T09:30:00.000Z`, 'v7', 's9', { siteId: 'site-b', path: '/b', channel: 'email' }),
  /* 12 */ ev(`${D2}T10:00:00.000Z`, 'v7b', 's10', { siteId: 'site-b', eventType: 'form_submit', name: 'contact', path: '/b' }),
]

const scope = (siteIds: readonly string[], from: Date, to: Date): EventScope => ({ siteIds, range: { from, to } })
const SITE_A_D1_D3 = scope(['site-a'], day(D1), day(D3))

function assertClose(actual: number | null, expected: number, message: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${message}: expected ${expected}, got ${actual}`)
}

function assertStats(actual: ValueStats, expected: ValueStats, message: string): void {
  assert.equal(actual.count, expected.count, `${message}: count`)
  for (const key of ['sum', 'mean', 'median', 'min', 'max', 'p95'] as const) {
    const want = expected[key]
    if (want === null) assert.equal(actual[key], null, `${message}: ${key}`)
    else assertClose(actual[key], want, `${message}: ${key}`)
  }
}

const page = (pattern: string): FunnelStep => ({ kind: 'page', pattern })
const act = (name: string): FunnelStep => ({ kind: 'action', name })

export function describeEventStoreContract(label: string, open: () => Promise<EventStore>, options: ContractOptions = {}): void {
  describe(`event-store contract: ${label}`, () => {
    let store: EventStore
    const settle = async (): Promise<void> => { await options.afterAppend?.() }
    const append = async (rows: readonly EventRow[]): Promise<void> => { await store.append(rows); await settle() }
    const refresh = async (from: Date, to: Date): Promise<void> => { await store.refreshRollups({ from, to }); await settle() }
    const loadTraffic = async (): Promise<void> => { await append(TRAFFIC); await refresh(day(D0), day(D4)) }

    beforeEach(async () => {
      store = await open()
      await store.migrate()
      assert.equal(await store.countEvents(), 0, 'each test starts from an empty store')
    })
    afterEach(async () => { await store.close() })

    describe('append and recentEvents', () => {
      it('round-trips every field, nulls and unicode included, newest first, one site only', async () => {
        const full = ev('2025-03-10T12:00:00.123Z', 'visitor-ü', 'session-1', {
          eventType: 'action', name: 'Über 📝 "quoted" \'single\'', path: '/café/ñ', query: 'q=%C3%A9&x=1',
          referrer: 'https://example.gov/a?b=c', device: 'mobile', channel: 'contact_center', value: -12.5,
          properties: JSON.stringify({ step: 'zwei', emoji: '✅' }),
        })
        const bare = ev('2025-03-10T12:00:01.000Z', 'v2', 'session-2', { device: 'other', channel: 'in_person', value: 0 })
        const older = ev('2025-03-10T11:59:59.999Z', 'v3', 'session-3', { device: 'tablet', channel: 'sms', path: '/', query: '' })
        const otherSite = ev('2025-03-10T13:00:00.000Z', 'v4', 'session-4', { siteId: 'site-b' })
        await append([full, otherSite])
        await append([older, bare])

        assert.equal(await store.countEvents(), 4)
        // Newest first: bare (12:00:01.000) > full (12:00:00.123) > older (11:59:59.999); site-b is not listed.
        assert.deepEqual(await store.recentEvents('site-a', 10), [bare, full, older])
        assert.deepEqual(await store.recentEvents('site-a', 1), [bare])
        assert.deepEqual(await store.recentEvents('site-b', 10), [otherSite])
        assert.deepEqual(await store.recentEvents('site-z', 10), [])
      })

      it('lists only events at or after `since`, to the millisecond, across months', async () => {
        const t = (iso: string): EventRow => ev(iso, `v-${iso}`, 's')
        const january = t('2025-01-20T08:00:00.000Z')
        const justBefore = t('2025-03-10T11:59:59.999Z')
        const exact = t('2025-03-10T12:00:00.000Z')
        const later = t('2025-03-10T12:00:00.123Z')
        const newest = t('2025-03-10T12:00:01.000Z')
        await append([later, january, newest, { ...t('2025-03-10T12:30:00.000Z'), siteId: 'site-b' }, exact, justBefore])

        const since = (iso: string, limit = 10) => store.recentEvents('site-a', limit, at(iso))
        assert.deepEqual(await since('2025-03-10T12:00:00.000Z'), [newest, later, exact], 'at the exact time is in, a millisecond before is out')
        assert.deepEqual(await since('2025-03-10T12:00:00.001Z'), [newest, later], 'within one second, milliseconds decide')
        assert.deepEqual(await since('2025-03-10T12:00:00.000Z', 1), [newest])
        assert.deepEqual(await since('2025-03-10T12:00:01.001Z'), [])
        assert.deepEqual(await since('2025-02-01T00:00:00.000Z'), [newest, later, exact, justBefore], 'an earlier month is left out')
        assert.deepEqual(await since('1969-12-31T00:00:00.000Z'), [newest, later, exact, justBefore, january], 'a start before 1970 reads everything')
        assert.deepEqual(await store.recentEvents('site-a', 10), [newest, later, exact, justBefore, january], 'without since: every event')
        await assert.rejects(store.recentEvents('site-a', 10, new Date(Number.NaN)), Invalid)
      })

      it('accepts an empty batch', async () => {
        await append([])
        assert.equal(await store.countEvents(), 0)
      })
    })

    describe('rollups: totals and series', () => {
      it('reads rollups only: nothing shows before refreshRollups, everything after', async () => {
        await append(TRAFFIC)
        assert.deepEqual(await store.totals(SITE_A_D1_D3), ZERO)
        await refresh(day(D0), day(D4))
        // Site a, [D1, D3) = events 1-9 (10 is at D3, excluded).
        // pageviews 1,2,4,5,6,7 = 6; actions 3,9 = 2; events 9.
        // visitors D1 {v1,v2,v3} + D2 {v1,v4,v5} = 6; sessions D1 {s1..s4} + D2 {s5,s6,s7} = 7.
        assert.deepEqual(await store.totals(SITE_A_D1_D3), { pageviews: 6, visitors: 6, sessions: 7, actions: 2, events: 9 })
      })

      it('sums sites and keeps ranges half-open on UTC day boundaries', async () => {
        await loadTraffic()
        // Sites a+b, [D1, D3): site a as above plus 11 (pageview, v7, s9, D1) and 12 (form_submit, v7b, s10, D2).
        // visitors D1 {v1,v2,v3,v7} + D2 {v1,v4,v5,v7b} = 8; sessions 5 + 4 = 9.
        assert.deepEqual(await store.totals(scope(['site-a', 'site-b'], day(D1), day(D3))), { pageviews: 7, visitors: 8, sessions: 9, actions: 2, events: 11 })
        // [D1, D2): 6 at 23:59:59.999 is in, 7 at D2 00:00 is out. pageviews 1,2,4,5,6; action 3.
        assert.deepEqual(await store.totals(scope(['site-a'], day(D1), day(D2))), { pageviews: 5, visitors: 3, sessions: 4, actions: 1, events: 6 })
        // [D2, D3): 7, 8, 9.
        assert.deepEqual(await store.totals(scope(['site-a'], day(D2), day(D3))), { pageviews: 1, visitors: 3, sessions: 3, actions: 1, events: 3 })
        assert.deepEqual(await store.totals(scope(['site-z'], day(D1), day(D3))), ZERO)
        assert.deepEqual(await store.totals(scope([], day(D1), day(D3))), ZERO)
        assert.deepEqual(await store.totals(scope(['site-a'], day(D3), day(D1))), ZERO, 'an inverted range is empty')
      })

      it('adds hourly distinct counts for partly covered days', async () => {
        await loadTraffic()
        // [D1 09:00, D1 11:00): hour 09 = events 1,2,3 (v1, s1); hour 10 = events 4,5 (v1/s2, v2/s3).
        // visitors 1 + 2 = 3 (v1 is counted in both hours: hours are the finest rollup), sessions 1 + 2 = 3.
        assert.deepEqual(await store.totals(scope(['site-a'], at(`${D1}T09:00:00Z`), at(`${D1}T11:00:00Z`))), { pageviews: 4, visitors: 3, sessions: 3, actions: 1, events: 5 })
        // [D1 23:00, D2 00:00): event 6 only; 7 at exactly the end is out.
        assert.deepEqual(await store.totals(scope(['site-a'], at(`${D1}T23:00:00Z`), day(D2))), { pageviews: 1, visitors: 1, sessions: 1, actions: 0, events: 1 })
        // [D1 23:00, D3): hour 23 of D1 (event 6: v3, s4) + the whole of D2 (7,8,9: visitors 3, sessions 3).
        assert.deepEqual(await store.totals(scope(['site-a'], at(`${D1}T23:00:00Z`), day(D3))), { pageviews: 2, visitors: 4, sessions: 4, actions: 1, events: 4 })
      })

      it('answers hourly series with every hour present and zero-filled', async () => {
        await loadTraffic()
        const points = await store.series(scope(['site-a'], at(`${D1}T08:00:00Z`), at(`${D1}T12:00:00Z`)), 'hour')
        assert.deepEqual(points, [
          { bucket: at(`${D1}T08:00:00Z`), ...ZERO },
          { bucket: at(`${D1}T09:00:00Z`), pageviews: 2, visitors: 1, sessions: 1, actions: 1, events: 3 }, // 1, 2, 3
          { bucket: at(`${D1}T10:00:00Z`), pageviews: 2, visitors: 2, sessions: 2, actions: 0, events: 2 }, // 4, 5
          { bucket: at(`${D1}T11:00:00Z`), ...ZERO },
        ])
        // Across midnight: hour 23 of D1 holds 6 (23:59:59.999); hour 00 of D2 holds 7 and 8 (v1/s5, v4/s6).
        assert.deepEqual(await store.series(scope(['site-a'], at(`${D1}T23:00:00Z`), at(`${D2}T01:00:00Z`)), 'hour'), [
          { bucket: at(`${D1}T23:00:00Z`), pageviews: 1, visitors: 1, sessions: 1, actions: 0, events: 1 },
          { bucket: day(D2), pageviews: 1, visitors: 2, sessions: 2, actions: 0, events: 2 },
        ])
      })

      it('answers daily series per UTC day, zero-filled, for one or several sites', async () => {
        await loadTraffic()
        assert.deepEqual(await store.series(scope(['site-a'], day(D0), day(D4)), 'day'), [
          { bucket: day(D0), ...ZERO },
          { bucket: day(D1), pageviews: 5, visitors: 3, sessions: 4, actions: 1, events: 6 }, // 1-6
          { bucket: day(D2), pageviews: 1, visitors: 3, sessions: 3, actions: 1, events: 3 }, // 7-9
          { bucket: day(D3), pageviews: 1, visitors: 1, sessions: 1, actions: 0, events: 1 }, // 10
        ])
        // Adding site b: D1 gains 11 (pageview v7 s9), D2 gains 12 (form_submit v7b s10).
        assert.deepEqual(await store.series(scope(['site-a', 'site-b'], day(D1), day(D3)), 'day'), [
          { bucket: day(D1), pageviews: 6, visitors: 4, sessions: 5, actions: 1, events: 7 },
          { bucket: day(D2), pageviews: 1, visitors: 4, sessions: 4, actions: 1, events: 4 },
        ])
        assert.deepEqual(await store.series(scope(['site-z'], day(D1), day(D2)), 'day'), [{ bucket: day(D1), ...ZERO }])
      })

      it('refreshes idempotently, only the days touching the range, and picks up late events on re-run', async () => {
        await append(TRAFFIC)
        // [D2 05:00, D2 06:00) touches D2 only.
        await refresh(at(`${D2}T05:00:00Z`), at(`${D2}T06:00:00Z`))
        assert.deepEqual(await store.totals(SITE_A_D1_D3), { pageviews: 1, visitors: 3, sessions: 3, actions: 1, events: 3 })
        // [D0, D1) ends where D1 begins: it does not touch D1.
        await refresh(day(D0), day(D1))
        assert.deepEqual(await store.totals(SITE_A_D1_D3), { pageviews: 1, visitors: 3, sessions: 3, actions: 1, events: 3 })
        await refresh(day(D0), day(D4))
        await refresh(day(D0), day(D4))
        const expected = { pageviews: 6, visitors: 6, sessions: 7, actions: 2, events: 9 }
        assert.deepEqual(await store.totals(SITE_A_D1_D3), expected, 'a second refresh changes nothing')

        // A late event for D1 09:50 (new visitor v8, session s11), appended after D1 was rolled up.
        await append([ev(`${D1}T09:50:00.000Z`, 'v8', 's11', { path: '/home' })])
        assert.deepEqual(await store.totals(SITE_A_D1_D3), expected, 'rollups do not move until refreshed')
        await refresh(at(`${D1}T12:00:00Z`), at(`${D1}T13:00:00Z`))
        assert.deepEqual(await store.totals(SITE_A_D1_D3), { pageviews: 7, visitors: 7, sessions: 8, actions: 2, events: 10 })
        assert.deepEqual((await store.series(scope(['site-a'], at(`${D1}T09:00:00Z`), at(`${D1}T10:00:00Z`)), 'hour'))[0],
          { bucket: at(`${D1}T09:00:00Z`), pageviews: 3, visitors: 2, sessions: 2, actions: 1, events: 4 })
      })
    })

    describe('rollups: breakdown', () => {
      const row = (key: string, pageviews: number, visitors: number, actions: number, events: number): BreakdownRow => ({ key, pageviews, visitors, actions, events })

      it('breaks down by path, ordered by pageviews, then events, then key', async () => {
        await loadTraffic()
        // /home: 1,4,5,7,8 (8 is outbound): pageviews 4, events 5, visitors D1 {v1,v2} + D2 {v1,v4} = 4.
        // /apply: 2 (pageview) and 3 (action): visitors D1 {v1}. /status: 6. (none): 9 has no path.
        assert.deepEqual(await store.breakdown(SITE_A_D1_D3, 'path', 10), [
          row('/home', 4, 4, 0, 5), row('/apply', 1, 1, 1, 2), row('/status', 1, 1, 0, 1), row('(none)', 0, 1, 1, 1),
        ])
        assert.deepEqual(await store.breakdown(SITE_A_D1_D3, 'path', 2), [row('/home', 4, 4, 0, 5), row('/apply', 1, 1, 1, 2)])
      })

      it('breaks down by referrer host (lower-cased, no port, (none) when direct), ties by key', async () => {
        await loadTraffic()
        // (none): 2,3,4,7,8,9: pageviews 2,4,7; actions 3,9; visitors D1 {v1} + D2 {v1,v4,v5} = 4.
        assert.deepEqual(await store.breakdown(SITE_A_D1_D3, 'referrer_host', 10), [
          row('(none)', 3, 4, 2, 6), row('localhost', 1, 1, 0, 1), row('search.gov', 1, 1, 0, 1), row('www.search.gov', 1, 1, 0, 1),
        ])
      })

      it('keeps IPv6 hosts in brackets and drops user info, port, path and query from referrer hosts', async () => {
        const from = (visitor: string, referrer: string | null): EventRow => pageview(`${D1}T08:00:00Z`, visitor, '/', { referrer })
        await append([
          from('r1', 'http://[::1]:8080/'), from('r2', 'https://user:pw@[2001:DB8::1]/x'), from('r3', 'http://Example.GOV:8080/a'),
          from('r4', 'https://a.gov?q=1'), from('r5', 'https://a.gov#top'), from('r6', 'not a url'), from('r7', null), from('r8', 'http://localhost'),
        ])
        await refresh(day(D1), day(D2))
        // (none): r6 and r7. a.gov: r4 and r5. Then one each, by key ('[' sorts before letters, '2' before ':').
        assert.deepEqual(await store.breakdown(scope(['site-a'], day(D1), day(D2)), 'referrer_host', 10), [
          row('(none)', 2, 2, 0, 2), row('a.gov', 2, 2, 0, 2), row('[2001:db8::1]', 1, 1, 0, 1), row('[::1]', 1, 1, 0, 1),
          row('example.gov', 1, 1, 0, 1), row('localhost', 1, 1, 0, 1),
        ])
      })

      it('breaks down by device and channel', async () => {
        await loadTraffic()
        // desktop 1,2,3,4,7 (visitors D1 {v1} + D2 {v1}); mobile 5,8 (v2 on D1, v4 on D2); tablet 6; other 9.
        assert.deepEqual(await store.breakdown(SITE_A_D1_D3, 'device', 10), [
          row('desktop', 4, 2, 1, 5), row('mobile', 1, 2, 0, 2), row('tablet', 1, 1, 0, 1), row('other', 0, 1, 1, 1),
        ])
        assert.deepEqual(await store.breakdown(SITE_A_D1_D3, 'device', 1), [row('desktop', 4, 2, 1, 5)])
        // web 1-8 (visitors D1 {v1,v2,v3} + D2 {v1,v4}); contact_center 9.
        assert.deepEqual(await store.breakdown(SITE_A_D1_D3, 'channel', 10), [row('web', 6, 5, 1, 8), row('contact_center', 0, 1, 1, 1)])
        // Site b on D1: 11 arrived by email.
        assert.deepEqual(await store.breakdown(scope(['site-b'], day(D1), day(D2)), 'channel', 10), [row('email', 1, 1, 0, 1)])
      })

      it('breaks down by site and by key action name', async () => {
        await loadTraffic()
        // site-b: 11 (pageview v7, D1) and 12 (form_submit v7b, D2).
        assert.deepEqual(await store.breakdown(scope(['site-a', 'site-b'], day(D1), day(D3)), 'site', 10), [
          row('site-a', 6, 6, 2, 9), row('site-b', 1, 2, 0, 2),
        ])
        // Actions: 3 'submit' (v1, D1) and 9 'call' (v5, D2); equal counts, so ordered by key.
        assert.deepEqual(await store.breakdown(SITE_A_D1_D3, 'action', 10), [row('call', 0, 1, 1, 1), row('submit', 0, 1, 1, 1)])
        // Site b has a form_submit named 'contact' but no action events.
        assert.deepEqual(await store.breakdown(scope(['site-b'], day(D1), day(D3)), 'action', 10), [])
        assert.deepEqual(await store.breakdown(scope(['site-a'], day(D0), day(D1)), 'path', 10), [], 'an empty day has no rows')
      })
    })

    describe('rollups: value summary', () => {
      const summary = (key: string, actions: number, count: number, sum: number, mean: number | null, min: number | null, max: number | null): ValueSummaryRow =>
        ({ key, actions, count, sum, mean, min, max })
      const VALUES: readonly EventRow[] = [
        action(`${D1}T10:00:00Z`, 'p1', 'pay', { value: 10 }),
        action(`${D1}T10:01:00Z`, 'p2', 'pay', { value: 30 }),
        action(`${D2}T09:00:00Z`, 'p3', 'pay', { value: 40 }),
        action(`${D2}T09:01:00Z`, 'p4', 'pay', { value: 5 }),
        action(`${D2}T09:02:00Z`, 'p5', 'pay', { value: null }), // an occurrence without a value
        action(`${D3}T00:00:00Z`, 'p6', 'pay', { value: 100 }), // D3: outside [D1, D3)
        action(`${D1}T10:05:00Z`, 'p7', 'pay', { siteId: 'site-b', value: 1000 }),
        action(`${D1}T11:00:00Z`, 'q1', 'fee', { value: -2.5 }),
        action(`${D1}T11:01:00Z`, 'q2', 'fee', { value: 0.5 }),
        action(`${D2}T11:00:00Z`, 'q3', 'fee', { value: 8 }),
        action(`${D1}T12:00:00Z`, 'c1', 'call'), action(`${D1}T12:01:00Z`, 'c2', 'call'), // no values at all
        action(`${D2}T12:00:00Z`, 'a1', 'apply', { value: 4 }),
        ev(`${D1}T13:00:00Z`, 'n1', 'n1-s', { eventType: 'action', name: null, value: 2 }), // an action without a name
        pageview(`${D1}T10:07:00Z`, 'x1', '/pay', { name: 'pay', value: 99 }), // not an action
        ev(`${D1}T10:08:00Z`, 'x2', 'x2-s', { eventType: 'form_submit', name: 'pay', value: 99 }), // not an action
      ]

      it('sums, averages and bounds values across days from rollups, ordered by count of values, then name', async () => {
        await append(VALUES)
        assert.deepEqual(await store.valueSummary(SITE_A_D1_D3, 10), [], 'rollups only: nothing before refreshRollups')
        await refresh(day(D0), day(D4))
        await refresh(day(D0), day(D4))
        // pay on site a: D1 {10, 30} + D2 {40, 5} (and one occurrence without a value) = count 4, sum 85, mean 21.25;
        //   min 5 and max 40 both come from D2. fee: D1 {-2.5, 0.5} + D2 {8} = 6 / 3 = 2.
        //   '(none)' (1 value, 2) sorts before 'apply' (1 value, 4); call has occurrences but no values: last.
        const expected = [
          summary('pay', 5, 4, 85, 21.25, 5, 40), summary('fee', 3, 3, 6, 2, -2.5, 8), summary('(none)', 1, 1, 2, 2, 2, 2),
          summary('apply', 1, 1, 4, 4, 4, 4), summary('call', 2, 0, 0, null, null, null),
        ]
        assert.deepEqual(await store.valueSummary(SITE_A_D1_D3, 10), expected)
        assert.deepEqual(await store.valueSummary(SITE_A_D1_D3, 2), expected.slice(0, 2))
        // Every day overlapping the range counts: [D1 12:00, D2 01:00) reads the whole of D1 and D2.
        assert.deepEqual(await store.valueSummary(scope(['site-a'], at(`${D1}T12:00:00Z`), at(`${D2}T01:00:00Z`)), 10), expected)
        // D1 alone: pay {10, 30}; fee {-2.5, 0.5}: equal counts, so by name.
        assert.deepEqual(await store.valueSummary(scope(['site-a'], day(D1), day(D2)), 10), [
          summary('fee', 2, 2, -2, -1, -2.5, 0.5), summary('pay', 2, 2, 40, 20, 10, 30), summary('(none)', 1, 1, 2, 2, 2, 2), summary('call', 2, 0, 0, null, null, null),
        ])
        // Sites a + b: pay gains 1000 from site b.
        assert.deepEqual((await store.valueSummary(scope(['site-a', 'site-b'], day(D1), day(D3)), 1)), [summary('pay', 6, 5, 1085, 217, 5, 1000)])
        assert.deepEqual(await store.valueSummary(scope(['site-z'], day(D1), day(D3)), 10), [])
        assert.deepEqual(await store.valueSummary(scope([], day(D1), day(D3)), 10), [])
        assert.deepEqual(await store.valueSummary(scope(['site-a'], day(D3), day(D1)), 10), [], 'an inverted range is empty')
      })

      it('picks up a late value on the next refresh of its day, without counting the day twice', async () => {
        await append(VALUES)
        await refresh(day(D0), day(D4))
        await append([action(`${D1}T23:00:00Z`, 'p8', 'pay', { value: 1 })])
        assert.deepEqual((await store.valueSummary(SITE_A_D1_D3, 1))[0], summary('pay', 5, 4, 85, 21.25, 5, 40), 'rollups do not move until refreshed')
        await refresh(at(`${D1}T06:00:00Z`), at(`${D1}T07:00:00Z`))
        assert.deepEqual((await store.valueSummary(SITE_A_D1_D3, 1))[0], summary('pay', 6, 5, 86, 17.2, 1, 40))
      })
    })

    describe('raw events: rawTotals and valueStats', () => {
      it('counts raw events in the exact half-open range without rollups', async () => {
        await append(TRAFFIC)
        // Same as the rollups on whole days.
        assert.deepEqual(await store.rawTotals(SITE_A_D1_D3), { pageviews: 6, visitors: 6, sessions: 7, actions: 2, events: 9 })
        assert.deepEqual(await store.rawTotals(scope(['site-a', 'site-b'], day(D1), day(D3))), { pageviews: 7, visitors: 8, sessions: 9, actions: 2, events: 11 })
        // [D1 09:00, D1 11:00): events 1-5; distinct within the day: visitors {v1,v2}, sessions {s1,s2,s3}.
        assert.deepEqual(await store.rawTotals(scope(['site-a'], at(`${D1}T09:00:00Z`), at(`${D1}T11:00:00Z`))), { pageviews: 4, visitors: 2, sessions: 3, actions: 1, events: 5 })
        // [D1 09:40, D1 10:20): 2, 3, 4 (09:40 is in, 10:20 is out).
        assert.deepEqual(await store.rawTotals(scope(['site-a'], at(`${D1}T09:40:00Z`), at(`${D1}T10:20:00Z`))), { pageviews: 2, visitors: 1, sessions: 2, actions: 1, events: 3 })
        assert.deepEqual(await store.rawTotals(scope([], day(D1), day(D3))), ZERO)
      })

      it('computes exact value statistics of one key action (type-7 quantiles)', async () => {
        await append([
          action(`${D1}T10:00:00Z`, 'p1', 'pay', { value: 30 }),
          action(`${D1}T10:01:00Z`, 'p2', 'pay', { value: 10 }),
          action(`${D1}T10:02:00Z`, 'p3', 'pay', { value: 40 }),
          action(`${D1}T10:03:00Z`, 'p4', 'pay', { value: 20 }),
          action(`${D1}T10:04:00Z`, 'p5', 'pay', { value: null }), // no value: not counted
          action(`${D1}T10:05:00Z`, 'p6', 'pay', { siteId: 'site-b', value: 1000 }),
          action(`${D3}T00:00:00Z`, 'p7', 'pay', { value: 5 }), // at the end of the range: out
          action(`${D1}T10:06:00Z`, 'p8', 'other', { value: 7 }),
          pageview(`${D1}T10:07:00Z`, 'p9', '/pay', { name: 'pay', value: 99 }), // not an action
          action(`${D1}T11:00:00Z`, 'q1', 'fee', { value: 7 }),
          action(`${D1}T11:01:00Z`, 'q2', 'fee', { value: -2.5 }),
          action(`${D1}T11:02:00Z`, 'q3', 'fee', { value: 0 }),
          action(`${D1}T11:03:00Z`, 'r1', 'single', { value: 5 }),
        ])
        // Sorted [10, 20, 30, 40]: median at h = 3 × 0.5 = 1.5 → 20 + 0.5 × 10 = 25; p95 at h = 2.85 → 30 + 0.85 × 10 = 38.5.
        assertStats(await store.valueStats(SITE_A_D1_D3, 'pay'), { count: 4, sum: 100, mean: 25, median: 25, min: 10, max: 40, p95: 38.5 }, 'pay on site a')
        // Sorted [10, 20, 30, 40, 1000]: median x[2] = 30; p95 at h = 3.8 → 40 + 0.8 × 960 = 808; mean 1100 / 5.
        assertStats(await store.valueStats(scope(['site-a', 'site-b'], day(D1), day(D3)), 'pay'), { count: 5, sum: 1100, mean: 220, median: 30, min: 10, max: 1000, p95: 808 }, 'pay on sites a+b')
        // Sorted [-2.5, 0, 7]: median 0; p95 at h = 1.9 → 0 + 0.9 × 7 = 6.3; mean 4.5 / 3.
        assertStats(await store.valueStats(SITE_A_D1_D3, 'fee'), { count: 3, sum: 4.5, mean: 1.5, median: 0, min: -2.5, max: 7, p95: 6.3 }, 'fee')
        assertStats(await store.valueStats(SITE_A_D1_D3, 'single'), { count: 1, sum: 5, mean: 5, median: 5, min: 5, max: 5, p95: 5 }, 'single')
        assert.deepEqual(await store.valueStats(SITE_A_D1_D3, 'nothing'), { count: 0, sum: 0, mean: null, median: null, min: null, max: null, p95: null })
        assert.deepEqual(await store.valueStats(scope(['site-a'], day(D0), day(D1)), 'pay'), { count: 0, sum: 0, mean: null, median: null, min: null, max: null, p95: null })
        assert.equal((await store.valueStats(SITE_A_D1_D3, "pay' or '1'='1")).count, 0, 'names are values, not SQL')
      })
    })

    describe('funnels', () => {
      const T = (hhmmss: string): string => `${D1}T${hhmmss}Z`
      const STEPS = [page('/start*'), act('apply'), page('/done')]
      const funnelQuery = (overrides: Partial<FunnelQuery> = {}): FunnelQuery => ({
        siteIds: ['site-a'], range: { from: day(D1), to: day(D2) }, steps: STEPS, windowSeconds: 3600, ...overrides,
      })
      // Step gaps in seconds are noted per visitor as (step 1 → 2, step 2 → 3).
      const JOURNEYS: readonly EventRow[] = [
        // f1 completes: (30, 90).
        pageview(T('08:00:00'), 'f1', '/start'), action(T('08:00:30'), 'f1', 'apply'), pageview(T('08:02:00'), 'f1', '/done'),
        // f2 stops after step 2: (60). '/start/form' matches '/start*'.
        pageview(T('08:10:00'), 'f2', '/start/form'), action(T('08:11:00'), 'f2', 'apply'),
        // f3 applied before starting: step 2 before step 1 does not count; reaches step 1 only.
        action(T('08:00:00'), 'f3', 'apply'), pageview(T('08:05:00'), 'f3', '/start'),
        // f4 finishes 3601 s after starting: outside the window; reaches step 2 (1800).
        pageview(T('08:00:00'), 'f4', '/start'), action(T('08:30:00'), 'f4', 'apply'), pageview(T('09:00:01'), 'f4', '/done'),
        // f5 skips the action: '/done' without 'apply' does not count; reaches step 1 only.
        pageview(T('08:00:00'), 'f5', '/start'), pageview(T('08:05:00'), 'f5', '/done'),
        // f6 starts twice; the first start anchors: (1500, 60).
        pageview(T('08:00:00'), 'f6', '/start'), pageview(T('08:20:00'), 'f6', '/start'), action(T('08:25:00'), 'f6', 'apply'), pageview(T('08:26:00'), 'f6', '/done'),
        // f8 never matches step 1: the pattern is anchored ('/restart' is not '/start*').
        pageview(T('08:00:00'), 'f8', '/restart'), action(T('08:01:00'), 'f8', 'apply'), pageview(T('08:02:00'), 'f8', '/done'),
        // f12 starts again later, but the window runs from the first start: apply is 5460 s after it; step 1 only.
        pageview(T('08:00:00'), 'f12', '/start'), pageview(T('09:30:00'), 'f12', '/start'), action(T('09:31:00'), 'f12', 'apply'),
        // f13 stops after step 2: (600).
        pageview(T('08:00:00'), 'f13', '/start'), action(T('08:10:00'), 'f13', 'apply'),
        // f14 finishes exactly 3600 s after starting: inside the window: (1800, 1800).
        pageview(T('08:00:00'), 'f14', '/start'), action(T('08:30:00'), 'f14', 'apply'), pageview(T('09:00:00'), 'f14', '/done'),
        // f11 completes on site b: (60, 120).
        pageview(T('08:00:00'), 'f11', '/start', { siteId: 'site-b' }), action(T('08:01:00'), 'f11', 'apply', { siteId: 'site-b' }), pageview(T('08:03:00'), 'f11', '/done', { siteId: 'site-b' }),
        // A page view named like the action, and an action on the '/done' path, must not match the other kind.
        pageview(T('08:00:00'), 'f15', '/start'), pageview(T('08:01:00'), 'f15', '/apply', { name: 'apply' }), action(T('08:02:00'), 'f15', 'finish', { path: '/done' }),
      ]
      // f7 completes, inserted newest first in its own batch: (60, 120).
      const LATE_BATCH: readonly EventRow[] = [pageview(T('08:04:00'), 'f7', '/done'), action(T('08:02:00'), 'f7', 'apply'), pageview(T('08:01:00'), 'f7', '/start')]

      it('counts ordered steps within the window, drop-offs and median gaps (site a)', async () => {
        await append(JOURNEYS)
        await append(LATE_BATCH)
        // Step 1: f1 f2 f3 f4 f5 f6 f7 f12 f13 f14 f15 = 11.
        // Step 2: f1 (30) f2 (60) f4 (1800) f6 (1500) f7 (60) f13 (600) f14 (1800) = 7;
        //   gaps sorted [30, 60, 60, 600, 1500, 1800, 1800] → median 600.
        // Step 3: f1 (90) f6 (60) f7 (120) f14 (1800) = 4; sorted [60, 90, 120, 1800] → (90 + 120) / 2 = 105.
        assert.deepEqual(await store.funnel(funnelQuery()), {
          began: 11, ended: 4,
          steps: [
            { index: 0, visitors: 11, droppedOff: 4, medianSecondsFromPrevious: null },
            { index: 1, visitors: 7, droppedOff: 3, medianSecondsFromPrevious: 600 },
            { index: 2, visitors: 4, droppedOff: 0, medianSecondsFromPrevious: 105 },
          ],
        })
      })

      it('filters by site and range', async () => {
        await append(JOURNEYS)
        await append(LATE_BATCH)
        // Adding site b adds f11: step 1 = 12, step 2 = 8 (gaps + 60 → [30,60,60,60,600,1500,1800,1800], median 330),
        // step 3 = 5 (gaps + 120 → [60,90,120,120,1800], median 120).
        assert.deepEqual(await store.funnel(funnelQuery({ siteIds: ['site-a', 'site-b'] })), {
          began: 12, ended: 5,
          steps: [
            { index: 0, visitors: 12, droppedOff: 4, medianSecondsFromPrevious: null },
            { index: 1, visitors: 8, droppedOff: 3, medianSecondsFromPrevious: 330 },
            { index: 2, visitors: 5, droppedOff: 0, medianSecondsFromPrevious: 120 },
          ],
        })
        // Range [08:00:30, 09:00:00): starts at 08:00:00 are out, so f1 f4 f5 f6(first) f12(first) f13 f14 f15 begin later or never.
        //   f2 starts 08:10 → apply 08:11 (60). f3 starts 08:05, no later apply. f6 starts 08:20 → apply (300) → done (60).
        //   f7 starts 08:01 → apply (60) → done (120). f12 restarts at 09:30: out of range.
        // Step 1: f2 f3 f6 f7 = 4. Step 2: f2 (60) f6 (300) f7 (60) → median 60. Step 3: f6 (60) f7 (120) → median 90.
        assert.deepEqual(await store.funnel(funnelQuery({ range: { from: at(T('08:00:30')), to: at(T('09:00:00')) } })), {
          began: 4, ended: 2,
          steps: [
            { index: 0, visitors: 4, droppedOff: 1, medianSecondsFromPrevious: null },
            { index: 1, visitors: 3, droppedOff: 1, medianSecondsFromPrevious: 60 },
            { index: 2, visitors: 2, droppedOff: 0, medianSecondsFromPrevious: 90 },
          ],
        })
        const empty = await store.funnel(funnelQuery({ siteIds: ['site-z'] }))
        assert.deepEqual(empty, {
          began: 0, ended: 0,
          steps: [0, 1, 2].map((index) => ({ index, visitors: 0, droppedOff: 0, medianSecondsFromPrevious: null })),
        })
      })

      it('reports each visitor\'s furthest step', async () => {
        await append(JOURNEYS)
        await append(LATE_BATCH)
        const progress = await store.funnelProgress(funnelQuery(), ['f1', 'f2', 'f3', 'f4', 'f7', 'f8', 'f11', 'nobody'])
        // f8 never began, f11 is on site b, nobody has no events: absent.
        assert.deepEqual([...progress.entries()].sort(([a], [b]) => a.localeCompare(b)), [['f1', 2], ['f2', 1], ['f3', 0], ['f4', 1], ['f7', 2]])
        assert.equal((await store.funnelProgress(funnelQuery(), [])).size, 0)
      })

      it('allows a repeated step only for a later event', async () => {
        await append([
          pageview(T('08:00:00'), 'g1', '/a'), // one /a: step 1 only
          pageview(T('08:00:00'), 'g2', '/a'), pageview(T('08:00:10'), 'g2', '/a'), // two: both steps (10)
          pageview(T('08:00:00'), 'g3', '/a'), pageview(T('08:00:20'), 'g3', '/b'), pageview(T('08:00:30'), 'g3', '/a'), // (30)
        ])
        assert.deepEqual(await store.funnel(funnelQuery({ steps: [page('/a'), page('/a')] })), {
          began: 3, ended: 2,
          steps: [
            { index: 0, visitors: 3, droppedOff: 1, medianSecondsFromPrevious: null },
            { index: 1, visitors: 2, droppedOff: 0, medianSecondsFromPrevious: 20 }, // [10, 30]
          ],
        })
      })

      it('treats every pattern character but * literally, and names exactly', async () => {
        await append([
          pageview(T('08:00:00'), 'h1', '/a_b'), pageview(T('08:00:00'), 'h2', '/axb'),
          pageview(T('08:00:00'), 'h3', '/100%'), pageview(T('08:00:00'), 'h4', '/100x'),
          pageview(T('08:00:00'), 'h5', '/x\\y'), pageview(T('08:00:00'), 'h6', "/o'brien"),
          pageview(T('08:00:00'), 'h7', '/forms/123/submit'), pageview(T('08:00:00'), 'h8', '/forms//submit'), pageview(T('08:00:00'), 'h9', '/forms/1/submit/x'),
          pageview(T('08:00:00'), 'h10', '/Forms/1/submit'),
          action(T('08:00:00'), 'h11', "O'Brien's form"), action(T('08:00:00'), 'h12', 'apply_now'), action(T('08:00:00'), 'h13', 'applyXnow'),
        ])
        const began = async (step: FunnelStep): Promise<number> => (await store.funnel(funnelQuery({ steps: [step] }))).began
        assert.equal(await began(page('/a_b')), 1, '_ is literal')
        assert.equal(await began(page('/100%')), 1, '% is literal')
        assert.equal(await began(page('/x\\y')), 1, 'a backslash is literal')
        assert.equal(await began(page("/o'brien")), 1, 'a quote is literal')
        assert.equal(await began(page('/forms/*/submit')), 2, '* matches any run, even empty; case matters')
        assert.equal(await began(page('*')), 10, '* alone matches every page view')
        assert.equal(await began(page('/forms/*')), 3)
        assert.equal(await began(act("O'Brien's form")), 1)
        assert.equal(await began(act('apply_now')), 1, 'action names match exactly')
        assert.equal(await began(act("x' or '1'='1")), 0)
      })

      it('handles 20 steps and rejects more, or none', async () => {
        const paths = Array.from({ length: 20 }, (_, i) => `/p${i + 1}`)
        const second = (i: number): string => T(`08:00:${String(i * 2).padStart(2, '0')}`)
        await append([
          ...paths.map((path, i) => pageview(second(i), 'long1', path)), // all 20, 2 s apart
          ...paths.slice(0, 10).map((path, i) => pageview(second(i), 'long2', path)), // the first 10
        ])
        const result = await store.funnel(funnelQuery({ steps: paths.map(page) }))
        assert.equal(result.began, 2)
        assert.equal(result.ended, 1)
        assert.deepEqual(result.steps.map((s) => s.visitors), [...Array(10).fill(2), ...Array(10).fill(1)])
        assert.deepEqual(result.steps.map((s) => s.droppedOff), [...Array(9).fill(0), 1, ...Array(10).fill(0)])
        assert.deepEqual(result.steps.map((s) => s.medianSecondsFromPrevious), [null, ...Array(19).fill(2)])
        assert.equal((await store.funnelProgress(funnelQuery({ steps: paths.map(page) }), ['long1', 'long2'])).get('long2'), 9)

        const tooMany = [...paths, '/p21'].map(page)
        await assert.rejects(store.funnel(funnelQuery({ steps: tooMany })), Invalid)
        await assert.rejects(store.funnelProgress(funnelQuery({ steps: tooMany }), ['long1']), Invalid)
        await assert.rejects(store.funnel(funnelQuery({ steps: [] })), Invalid)
        await assert.rejects(store.funnel(funnelQuery({ windowSeconds: 0 })), Invalid)
      })
    })

    describe('retention', () => {
      it('deletes raw events before the cutoff and keeps the rollups, even through a later refresh', async () => {
        await loadTraffic()
        const before = await store.totals(scope(['site-a', 'site-b'], day(D1), day(D3)))
        // Before D2: site a 1-6, site b 11 = 7 of 12.
        const deleted = await store.deleteEventsBefore(day(D2))
        await settle()
        if (deleted !== null) assert.equal(deleted, 7)
        assert.equal(await store.countEvents(), 5)
        assert.deepEqual(await store.rawTotals(scope(['site-a', 'site-b'], day(D1), day(D2))), ZERO)
        assert.deepEqual(await store.totals(scope(['site-a', 'site-b'], day(D1), day(D3))), before)
        await refresh(day(D0), day(D4))
        assert.deepEqual(await store.totals(scope(['site-a', 'site-b'], day(D1), day(D3))), before, 'a day without raw events keeps its rollups')
        assert.deepEqual(await store.breakdown(scope(['site-a'], day(D1), day(D2)), 'device', 1), [{ key: 'desktop', pageviews: 3, visitors: 1, actions: 1, events: 4 }])
      })
    })
  })
}
