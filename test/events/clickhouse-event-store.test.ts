import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { ClickHouseNode } from '../../src/events/clickhouse/clickhouse-connection.ts'
import { ClickHouseError, parseClickHouseMessage, toClickHouseError } from '../../src/events/clickhouse/clickhouse-errors.ts'
import { openClickHouseEventStore } from '../../src/events/clickhouse/clickhouse-event-store.ts'
import { CLICKHOUSE_MIGRATIONS } from '../../src/events/clickhouse/clickhouse-migrations.ts'
import { type7Quantile } from '../../src/events/clickhouse/clickhouse-queries.ts'
import { sqlIdentifier, sqlInteger, sqlNumber, sqlString, sqlStringList } from '../../src/events/clickhouse/clickhouse-sql.ts'
import { parseClickHouseUrl } from '../../src/events/clickhouse/clickhouse-url.ts'
import { BREAKDOWN_DIMENSIONS, type EventRow, type EventStore, type FunnelStep } from '../../src/events/event-store.ts'
import { openEventStore } from '../../src/events/open-event-store.ts'
import { seededRandom } from '../../src/seeded-random.ts'
import {
  clickHouseQuery, clickHouseSkipReason, clickHouseTestServers, createClickHouseTestDatabase, stopClickHouseTestServers,
  type ClickHouseMode, type ClickHouseTestDatabase,
} from '../helpers/clickhouse.ts'
import { describeEventStoreContract } from './event-store-contract.ts'

const TRICKY_STRINGS = ["it's", 'back\\slash', "\\'", 'new\nline\r\ttab', 'nul\0byte', '\b\f', 'Über 📝 ✅', "'); drop table x; --", '{x:String}', '\\N', '']

describe('ClickHouse SQL literals, URLs and errors (no server)', () => {
  it('escapes string literals so quotes, backslashes and control characters stay data', () => {
    assert.equal(sqlString("a'b"), "'a\\'b'")
    assert.equal(sqlString('a\\b'), "'a\\\\b'")
    assert.equal(sqlString('a\nb\0'), "'a\\nb\\0'")
    assert.equal(sqlStringList(['x', "y'"]), "('x', 'y\\'')")
    assert.throws(() => sqlStringList([]), RangeError)
  })

  it('refuses numbers and identifiers that would change a query', () => {
    assert.equal(sqlNumber(2.5), '2.5')
    assert.equal(sqlNumber(-3), '-3')
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => sqlNumber(bad), RangeError)
    assert.equal(sqlInteger(1741600800123), '1741600800123')
    for (const bad of [-1, 1.5, 2 ** 60]) assert.throws(() => sqlInteger(bad), RangeError)
    assert.equal(sqlIdentifier('cx280_events'), '`cx280_events`')
    for (const bad of ['a`b', 'a b', '1x', 'x;drop', '']) assert.throws(() => sqlIdentifier(bad), RangeError)
  })

  it('parses EVENTS_URL: defaults, credentials, TLS, cluster and nodes', () => {
    assert.deepEqual(parseClickHouseUrl('clickhouse://ch.internal/analytics'), {
      url: 'http://ch.internal:8123', username: 'default', password: '', database: 'analytics', cluster: null, nodes: null, secure: false,
      label: 'ch.internal:8123/analytics',
    })
    const full = parseClickHouseUrl('clickhouse://writer:p%40ss%2Fw@10.0.0.5:9123/events_db?cluster=prod&secure=1')
    assert.equal(full.url, 'https://10.0.0.5:9123')
    assert.equal(full.username, 'writer')
    assert.equal(full.password, 'p@ss/w')
    assert.equal(full.cluster, 'prod')
    assert.ok(!full.label.includes('p@ss'), 'the label never shows the password')
    assert.equal(parseClickHouseUrl('clickhouse://h/db?secure=true').url, 'https://h:8443')
    assert.deepEqual(parseClickHouseUrl('clickhouse://h:8123/db?cluster=c&nodes=a:8123,b:8124').nodes, ['http://a:8123', 'http://b:8124'])
  })

  it('rejects malformed EVENTS_URLs with a message saying what is wrong', () => {
    assert.throws(() => parseClickHouseUrl('clickhouse://h:8123/'), /names no database/)
    assert.throws(() => parseClickHouseUrl('clickhouse://h/my-db'), /letters, digits and underscores/)
    assert.throws(() => parseClickHouseUrl('clickhouse://h/db?clutser=x'), /unknown option "clutser"/)
    assert.throws(() => parseClickHouseUrl('clickhouse://h/db?cluster=a;b'), /cluster/)
    assert.throws(() => parseClickHouseUrl('clickhouse://h/db?nodes=a:1'), /without a cluster/)
    assert.throws(() => parseClickHouseUrl('clickhouse://h/db?cluster=c&nodes=a'), /host:port/)
    assert.throws(() => parseClickHouseUrl('clickhouse://h/db?secure=yes'), /secure/)
  })

  it('turns ClickHouse error text into a code and a clear message', () => {
    const old = 'Code: 60, e.displayText() = DB::Exception: Table cx.events doesn\'t exist., e.what() = DB::Exception'
    assert.deepEqual(parseClickHouseMessage(old), { code: 60, text: 'Table cx.events doesn\'t exist.' })
    const current = 'Code: 81. DB::Exception: Database cx does not exist. (UNKNOWN_DATABASE) (version 24.8.1.1)'
    assert.deepEqual(parseClickHouseMessage(current), { code: 81, text: 'Database cx does not exist.' })
    const error = toClickHouseError(new Error(old), 'h:8123')
    assert.ok(error instanceof ClickHouseError)
    assert.equal(error.code, 60)
    assert.match(error.message, /^ClickHouse error 60 at h:8123: Table cx\.events doesn't exist\. \(a table is missing/)
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
    assert.equal(toClickHouseError(refused, 'h:1').message, 'cannot reach ClickHouse at h:1 (ECONNREFUSED)')
  })

  it('names only the scheme of an unknown EVENTS_URL (the rest may hold a password)', async () => {
    await assert.rejects(openEventStore('clickhous://u:secret@h/db'), (error: Error) => /EVENTS_URL/.test(error.message) && !error.message.includes('secret'))
  })
})

const event = (ts: string, visitorId: string, fields: Partial<EventRow> = {}): EventRow => ({
  ts: new Date(ts), siteId: 'site-a', visitorId, sessionId: `${visitorId}-s`, eventType: 'pageview', name: null, path: '/', query: null,
  referrer: null, device: 'desktop', channel: 'web', value: null, properties: null, ...fields,
})

describe('ClickHouse event store', { skip: clickHouseSkipReason() }, () => {
  const databases: ClickHouseTestDatabase[] = []
  after(async () => {
    for (const database of databases) await database.drop()
    await stopClickHouseTestServers()
  })
  const fresh = async (mode: ClickHouseMode): Promise<ClickHouseTestDatabase> => {
    const database = await createClickHouseTestDatabase(mode)
    databases.push(database)
    return database
  }
  const withStore = async (mode: ClickHouseMode, run: (store: EventStore, database: ClickHouseTestDatabase) => Promise<void>, options = {}): Promise<void> => {
    const database = await fresh(mode)
    const store = openClickHouseEventStore(database.url, options)
    try {
      await run(store, database)
    } finally {
      await store.close()
    }
  }
  const rows = async (url: string, sql: string): Promise<string[]> => (await clickHouseQuery(url, sql)).split('\n').filter((l) => l !== '')

  it('runs its servers in a non-UTC time zone, so UTC handling is really tested', async () => {
    const servers = await clickHouseTestServers()
    for (const url of servers.urls) assert.notEqual((await clickHouseQuery(url, 'select timezone()')).trim(), 'UTC')
  })

  it('round-trips every tricky literal through the server unchanged', async () => {
    const servers = await clickHouseTestServers()
    const node = new ClickHouseNode(servers.urls[0] ?? '', parseClickHouseUrl('clickhouse://h/default'))
    try {
      for (const text of TRICKY_STRINGS) {
        const [row] = await node.rows<{ v: string }>(`select ${sqlString(text)} as v`)
        assert.equal(row?.v, text, JSON.stringify(text))
      }
      const [list] = await node.rows<{ n: number }>(`select count() as n from system.one where 'it\\'s' in ${sqlStringList(TRICKY_STRINGS)}`)
      assert.equal(Number(list?.n), 1)
    } finally {
      await node.close()
    }
  })

  it('interpolates type-7 quantiles exactly on the server', async () => {
    const servers = await clickHouseTestServers()
    const node = new ClickHouseNode(servers.urls[0] ?? '', parseClickHouseUrl('clickhouse://h/default'))
    try {
      const ask = async (values: string, p: number): Promise<number | null> =>
        (await node.rows<{ q: number | null }>(`select ${type7Quantile(`arraySort(${values})`, p)} as q`))[0]?.q ?? null
      const close = (actual: number | null, expected: number): void => assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${actual} ≈ ${expected}`)
      assert.equal(await ask('[40, 10, 30, 20]', 0.5), 25)
      close(await ask('[40, 10, 30, 20]', 0.95), 38.5)
      close(await ask('[1000, 10, 30, 20, 40]', 0.95), 808)
      assert.equal(await ask('[7.0]', 0.95), 7)
      assert.equal(await ask('[1, 2]', 0), 1)
      assert.equal(await ask('[1, 2]', 1), 2)
      assert.equal(await ask('emptyArrayFloat64()', 0.5), null)
    } finally {
      await node.close()
    }
  })

  for (const mode of ['single', 'cluster'] as const) {
    describe(`${mode === 'single' ? 'single node' : 'two-shard cluster'}`, () => {
      it('migrates every node once, records it, and reports health', async () => {
        await withStore(mode, async (store, database) => {
          assert.equal(store.engine, 'clickhouse')
          const before = await store.health()
          assert.equal(before.ok, false, 'unhealthy before migrations')
          assert.match(before.detail, new RegExp(`0 of ${CLICKHOUSE_MIGRATIONS.length} migrations applied`))
          assert.deepEqual(await store.migrate(), CLICKHOUSE_MIGRATIONS.map((m) => m.name))
          assert.deepEqual(await store.migrate(), [], 'a second migrate applies nothing')
          assert.deepEqual(await store.health(), { ok: true, engine: 'clickhouse', detail: 'ok' })
          for (const node of database.nodes) {
            assert.deepEqual(await rows(node, `select name from ${database.name}.event_migrations order by name`), ['0001-events', '0002-rollups', '0003-rollup-values'])
            const tables = await rows(node, `select name from system.tables where database = '${database.name}' order by name`)
            const expected = mode === 'single'
              ? ['event_migrations', 'events', 'rollup_daily', 'rollup_generations', 'rollup_hourly']
              : ['event_migrations', 'events', 'events_local', 'rollup_daily', 'rollup_daily_local', 'rollup_generations', 'rollup_generations_local', 'rollup_hourly', 'rollup_hourly_local']
            assert.deepEqual(tables, expected)
          }
          const reopened = openClickHouseEventStore(database.url)
          try {
            assert.deepEqual(await reopened.migrate(), [], 'migrations persist on the server')
          } finally {
            await reopened.close()
          }
        })
      })

      it('adds value columns to rollups of an earlier version and recomputes the days that still have raw events', async () => {
        await withStore(mode, async (store, database) => {
          // The schema as the earlier version left it: migrations 0001 and 0002 only.
          const layout = { database: database.name, cluster: mode === 'single' ? null : (await clickHouseTestServers()).cluster }
          for (const node of database.nodes) {
            await clickHouseQuery(node, `create database if not exists ${database.name}`)
            await clickHouseQuery(node, `create table ${database.name}.event_migrations (name String, applied_at DateTime('UTC')) engine = MergeTree() order by name`)
            for (const migration of CLICKHOUSE_MIGRATIONS.slice(0, 2)) {
              for (const statement of migration.statements(layout)) await clickHouseQuery(node, statement)
              await clickHouseQuery(node, `insert into ${database.name}.event_migrations values ('${migration.name}', now())`)
            }
          }
          // 1 February has raw events (two values of 'apply'); 25 January only its earlier rollup (retention).
          await store.append([
            event('2025-02-01T10:00:00Z', 'v1', { eventType: 'action', name: 'apply', value: 4 }),
            event('2025-02-01T11:00:00Z', 'v2', { eventType: 'action', name: 'apply', value: 6.5 }),
          ])
          const daily = mode === 'single' ? 'rollup_daily' : 'rollup_daily_local'
          const generations = mode === 'single' ? 'rollup_generations' : 'rollup_generations_local'
          const first = database.nodes[0] ?? ''
          await clickHouseQuery(first, `insert into ${database.name}.${daily} values
            (1, '2025-02-01', 'site-a', 'action', 'apply', 0, 2, 2, 2, 2), (1, '2025-01-25', 'site-a', 'action', 'apply', 0, 1, 1, 1, 1)`)
          await clickHouseQuery(first, `insert into ${database.name}.${generations} values ('2025-02-01', 1, now()), ('2025-01-25', 1, now())`)

          assert.deepEqual(await store.migrate(), ['0003-rollup-values'])
          const scope = { siteIds: ['site-a'], range: { from: new Date('2025-01-25T00:00:00Z'), to: new Date('2025-02-02T00:00:00Z') } }
          // Recomputed 1 February: 4 and 6.5. The 25 January row keeps its occurrence, without values.
          assert.deepEqual(await store.valueSummary(scope, 10), [{ key: 'apply', actions: 3, count: 2, sum: 10.5, mean: 5.25, min: 4, max: 6.5 }])
        })
      })

      it('appends, counts and lists recent events with millisecond order within a second', async () => {
        await withStore(mode, async (store) => {
          await store.migrate()
          await store.append([])
          await store.append([
            event('2025-03-10T12:00:00.900Z', 'a'), event('2025-03-10T12:00:00.100Z', 'b'), event('2025-03-10T12:00:00.500Z', 'c'),
          ])
          assert.equal(await store.countEvents(), 3)
          assert.deepEqual((await store.recentEvents('site-a', 10)).map((e) => [e.visitorId, e.ts.toISOString()]), [
            ['a', '2025-03-10T12:00:00.900Z'], ['c', '2025-03-10T12:00:00.500Z'], ['b', '2025-03-10T12:00:00.100Z'],
          ])
        })
      })

      it('measures funnel gaps in milliseconds and orders steps within one second', async () => {
        await withStore(mode, async (store) => {
          await store.migrate()
          await store.append([
            event('2025-03-10T08:00:00.100Z', 'm1', { path: '/a' }), event('2025-03-10T08:00:00.350Z', 'm1', { path: '/b' }),
            // Same second, wrong order: /b at .200 comes before /a at .300, so m2 reaches step 1 only.
            event('2025-03-10T08:00:00.200Z', 'm2', { path: '/b' }), event('2025-03-10T08:00:00.300Z', 'm2', { path: '/a' }),
          ])
          const result = await store.funnel({
            siteIds: ['site-a'], range: { from: new Date('2025-03-10T00:00:00Z'), to: new Date('2025-03-11T00:00:00Z') },
            steps: [{ kind: 'page', pattern: '/a' }, { kind: 'page', pattern: '/b' }], windowSeconds: 1,
          })
          assert.deepEqual(result.steps.map((s) => [s.visitors, s.medianSecondsFromPrevious]), [[2, null], [1, 0.25]])
        })
      })

      it('purges superseded rollup generations without changing answers', async () => {
        await withStore(mode, async (store, database) => {
          await store.migrate()
          await store.append([event('2025-03-10T08:00:00Z', 'p1'), event('2025-03-10T09:30:00Z', 'p2'), event('2025-03-11T01:00:00Z', 'p1')])
          const range = { from: new Date('2025-03-10T00:00:00Z'), to: new Date('2025-03-12T00:00:00Z') }
          const scope = { siteIds: ['site-a'], range }
          for (let i = 0; i < 3; i++) await store.refreshRollups(range)
          assert.deepEqual(await store.totals(scope), { pageviews: 3, visitors: 3, sessions: 3, actions: 0, events: 3 })
          // Each purge mutation runs in the background: wait for it, then only the newest generation remains.
          const hourly = mode === 'single' ? 'rollup_hourly' : 'rollup_hourly_local'
          const deadline = Date.now() + 30_000
          const count = async (): Promise<number> => {
            let total = 0
            for (const node of database.nodes) total += Number((await rows(node, `select count() from ${database.name}.${hourly}`))[0])
            return total
          }
          while (await count() !== 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
          assert.equal(await count(), 3, 'three hours with events, one generation')
          assert.deepEqual(await store.totals(scope), { pageviews: 3, visitors: 3, sessions: 3, actions: 0, events: 3 })
        }, { rollupPurgeIntervalMs: 0 })
      })

      it('drops whole months before the retention cutoff and deletes the rest of the cutoff month', async () => {
        await withStore(mode, async (store, database) => {
          await store.migrate()
          const visitors = Array.from({ length: 20 }, (_, i) => `r${i}`)
          await store.append(visitors.flatMap((v) => [
            event('2025-01-15T10:00:00Z', v), event('2025-02-28T23:59:59.999Z', v),
            event('2025-03-09T23:59:59.999Z', v), event('2025-03-10T00:00:00.000Z', v), event('2025-04-01T00:00:00Z', v),
          ]))
          // Before 2025-03-10: January, February and 9 March, 3 of each visitor's 5 events.
          assert.equal(await store.deleteEventsBefore(new Date('2025-03-10T00:00:00Z')), 60)
          assert.equal(await store.countEvents(), 40)
          assert.deepEqual([...new Set((await store.recentEvents('site-a', 100)).map((e) => e.ts.toISOString()))].sort(), ['2025-03-10T00:00:00.000Z', '2025-04-01T00:00:00.000Z'])
          const local = mode === 'single' ? 'events' : 'events_local'
          for (const node of database.nodes) {
            const months = await rows(node, `select distinct partition from system.parts where database = '${database.name}' and table = '${local}' and active order by partition`)
            assert.ok(!months.includes('202501') && !months.includes('202502'), `old months dropped on ${node} (left: ${months.join(', ')})`)
          }
          assert.equal(await store.deleteEventsBefore(new Date('2025-03-10T00:00:00Z')), 0, 'nothing left to delete')
        })
      })

      it('explains a missing database instead of failing obscurely', async () => {
        await withStore(mode, async (store, database) => {
          await assert.rejects(store.countEvents(), (error: Error) =>
            error instanceof ClickHouseError && error.code === 81 && error.message.includes(database.name) && /database does not exist/.test(error.message))
        })
      })

      it('reports an unreachable server as unhealthy, naming it', async () => {
        const store = openClickHouseEventStore(mode === 'single' ? 'clickhouse://127.0.0.1:1/x' : 'clickhouse://127.0.0.1:1/x?cluster=c')
        try {
          const health = await store.health()
          assert.equal(health.ok, false)
          assert.match(health.detail, /cannot reach ClickHouse at 127\.0\.0\.1:1/)
        } finally {
          await store.close()
        }
      })

      describeEventStoreContract(`ClickHouse ${mode === 'single' ? 'single node' : 'two shards'}`, async () => {
        const database = await fresh(mode)
        return openClickHouseEventStore(database.url)
      })
    })
  }

  describe('same answers as DuckDB on seeded random traffic', () => {
    const random = seededRandom(280)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
    const start = Date.parse('2025-03-09T00:00:00Z')
    const REFERRERS = [null, 'https://www.search.gov/x?q=1', 'https://Search.GOV:443/', 'http://user:pw@Example.com:8080/p', 'android-app://com.example/', 'not a url', 'https://a.gov']
    const PATHS = ['/', '/apply', '/apply/step-1', '/apply/step-2', '/status', '/help', null, '']
    const TRAFFIC: EventRow[] = Array.from({ length: 3000 }, () => {
      const type = pick(['pageview', 'pageview', 'pageview', 'action', 'outbound', 'form_submit'])
      const visitor = `v${Math.floor(random() * 300)}`
      return {
        ts: new Date(start + Math.floor(random() * 4 * 86_400_000)), siteId: pick(['site-a', 'site-b']), visitorId: visitor, sessionId: `${visitor}-${Math.floor(random() * 3)}`,
        eventType: type, name: type === 'action' ? pick(['submit', 'pay', 'call', '']) : type === 'outbound' ? 'https://x.gov/' : null, path: pick(PATHS), query: null,
        referrer: pick(REFERRERS), device: pick(['desktop', 'mobile', 'tablet', 'other'] as const), channel: pick(['web', 'email', 'sms'] as const),
        value: type === 'action' && random() < 0.8 ? Math.round(random() * 10_000) / 100 : null, properties: null,
      }
    })
    const day = (d: number, hour = 0, minute = 0): Date => new Date(start + d * 86_400_000 + hour * 3_600_000 + minute * 60_000)
    const RANGES = [[day(0), day(4)], [day(1), day(2)], [day(0, 5, 30), day(2, 17, 10)], [day(1, 23), day(3, 1)], [day(2, 12, 5), day(2, 12, 50)]] as const

    it('matches totals, series, breakdowns, raw totals, value statistics and funnels', async () => {
      const duck = await openEventStore('duckdb::memory:')
      const database = await fresh('cluster')
      const click = openClickHouseEventStore(database.url)
      try {
        for (const store of [duck, click]) {
          await store.migrate()
          for (let i = 0; i < TRAFFIC.length; i += 500) await store.append(TRAFFIC.slice(i, i + 500))
          await store.refreshRollups({ from: day(0), to: day(4) })
        }
        const same = async <T>(label: string, ask: (store: EventStore) => Promise<T>): Promise<void> => {
          assert.deepEqual(await ask(click), await ask(duck), label)
        }
        for (const [from, to] of RANGES) {
          for (const siteIds of [['site-a'], ['site-a', 'site-b']]) {
            const scope = { siteIds, range: { from, to } }
            const label = `${siteIds.join('+')} ${from.toISOString()}–${to.toISOString()}`
            await same(`totals ${label}`, (s) => s.totals(scope))
            await same(`rawTotals ${label}`, (s) => s.rawTotals(scope))
            await same(`hourly ${label}`, (s) => s.series(scope, 'hour'))
            await same(`daily ${label}`, (s) => s.series(scope, 'day'))
            for (const dimension of BREAKDOWN_DIMENSIONS) await same(`${dimension} ${label}`, (s) => s.breakdown(scope, dimension, 50))
            for (const name of ['pay', 'submit']) {
              const [a, b] = [await click.valueStats(scope, name), await duck.valueStats(scope, name)]
              assert.equal(a.count, b.count, `${name} count ${label}`)
              for (const key of ['sum', 'mean', 'median', 'min', 'max', 'p95'] as const) {
                const [x, y] = [a[key], b[key]]
                assert.ok(x === y || (x !== null && y !== null && Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y))), `${name} ${key} ${label}: ${x} vs ${y}`)
              }
            }
            // Doubles may differ in the last bits: sums with the order of addition, and 18.16 parses JSON numbers
            // such as 1.61 to a neighbouring double.
            const [clickSummary, duckSummary] = [await click.valueSummary(scope, 50), await duck.valueSummary(scope, 50)]
            assert.deepEqual(clickSummary.map((r) => [r.key, r.actions, r.count]), duckSummary.map((r) => [r.key, r.actions, r.count]), `valueSummary ${label}`)
            clickSummary.forEach((r, i) => {
              const other = duckSummary[i]
              for (const key of ['sum', 'mean', 'min', 'max'] as const) {
                const [x, y] = [r[key], other?.[key] ?? null]
                assert.ok(x === y || (x !== null && y !== null && Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y))), `valueSummary ${r.key} ${key} ${label}: ${x} vs ${y}`)
              }
            })
            const steps: FunnelStep[][] = [
              [{ kind: 'page', pattern: '/apply*' }, { kind: 'action', name: 'submit' }],
              [{ kind: 'page', pattern: '/' }, { kind: 'page', pattern: '/apply/step-*' }, { kind: 'page', pattern: '*' }, { kind: 'action', name: 'pay' }],
            ]
            for (const [i, funnelSteps] of steps.entries()) {
              for (const windowSeconds of [600, 86_400]) {
                const query = { ...scope, steps: funnelSteps, windowSeconds }
                await same(`funnel ${i} window ${windowSeconds} ${label}`, (s) => s.funnel(query))
              }
              const query = { ...scope, steps: funnelSteps, windowSeconds: 3600 }
              const visitors = Array.from({ length: 300 }, (_, v) => `v${v}`)
              await same(`funnelProgress ${i} ${label}`, async (s) => [...(await s.funnelProgress(query, visitors)).entries()].sort())
            }
          }
        }
        // The comparison means something only if the traffic exercises every path.
        const whole = { siteIds: ['site-a', 'site-b'], range: { from: day(0), to: day(4) } }
        assert.equal((await click.totals(whole)).events, 3000)
        assert.ok((await click.breakdown(whole, 'referrer_host', 50)).length >= 5)
        const long = await click.funnel({ ...whole, steps: [{ kind: 'page', pattern: '/' }, { kind: 'page', pattern: '/apply/step-*' }, { kind: 'page', pattern: '*' }, { kind: 'action', name: 'pay' }], windowSeconds: 86_400 })
        assert.ok(long.ended > 0 && long.ended < long.began, `a funnel with drop-offs (${long.began} → ${long.ended})`)
        assert.ok((await click.valueStats(whole, 'pay')).count > 10)
        assert.ok((await click.valueSummary(whole, 50)).length >= 3, 'several action names with values')
        await same('recentEvents since', (s) => s.recentEvents('site-a', 100, day(3, 12, 0)))
      } finally {
        await duck.close()
        await click.close()
      }
    })
  })

  describe('cluster specifics', () => {
    it('spreads visitors over both shards and keeps each visitor on one', async () => {
      await withStore('cluster', async (store, database) => {
        await store.migrate()
        const visitors = Array.from({ length: 200 }, (_, i) => `visitor-${i}`)
        await store.append(visitors.flatMap((v) => [event('2025-03-10T08:00:00Z', v), event('2025-03-10T08:05:00Z', v, { path: '/next' })]))
        const perNode = await Promise.all(database.nodes.map((node) => rows(node, `select visitor_id from ${database.name}.events_local`)))
        assert.equal(perNode.length, 2)
        for (const held of perNode) assert.ok(held.length > 100, `each shard holds a share (got ${held.length} of 400)`)
        assert.equal(perNode.flat().length, 400)
        const first = new Set(perNode[0])
        assert.ok((perNode[1] ?? []).every((v) => !first.has(v)), 'no visitor is split across shards')
        assert.equal(await store.countEvents(), 400)
      })
    })

    it('refuses an undefined cluster, hosts it cannot tell apart, or a node list that does not match', async () => {
      const servers = await clickHouseTestServers()
      const host = new URL(servers.urls[0] ?? '').host
      const unknown = openClickHouseEventStore(`clickhouse://${host}/x_unused?cluster=no_such_cluster`)
      try {
        await assert.rejects(unknown.migrate(), /cluster "no_such_cluster" is not defined/)
      } finally {
        await unknown.close()
      }
      const samePort = openClickHouseEventStore(`clickhouse://${host}/x_unused?cluster=${servers.cluster}`)
      try {
        await assert.rejects(samePort.migrate(), /several hosts at the same address .*list every host's HTTP address/)
      } finally {
        await samePort.close()
      }
      const short = openClickHouseEventStore(`clickhouse://${host}/x_unused?cluster=${servers.cluster}&nodes=${host}`)
      try {
        await assert.rejects(short.migrate(), /lists 1 nodes but ClickHouse cluster "cx280_test" has 2 hosts/)
      } finally {
        await short.close()
      }
    })
  })
})
