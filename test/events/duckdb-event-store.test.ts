import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { openEventStore } from '../../src/events/open-event-store.ts'
import { describeEventStoreContract } from './event-store-contract.ts'

describeEventStoreContract('DuckDB in memory', () => openEventStore('duckdb::memory:'))

const contractDir = mkdtempSync(join(tmpdir(), 'cx280-events-contract-'))
let contractFiles = 0
describeEventStoreContract('DuckDB file', () => openEventStore(`duckdb:${join(contractDir, `events-${++contractFiles}.duckdb`)}`))
after(() => rmSync(contractDir, { recursive: true, force: true }))

describe('DuckDB event store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cx280-events-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('creates its file, migrates once, and reports healthy', async () => {
    const file = join(dir, 'nested', 'events.duckdb')
    const store = await openEventStore(`duckdb:${file}`)
    try {
      assert.equal(store.engine, 'duckdb')
      assert.deepEqual(await store.migrate(), ['0001-events', '0002-analytics', '0003-rollup-values', '0004-event-journal'])
      assert.deepEqual(await store.migrate(), [], 'a second migrate applies nothing')
      assert.deepEqual(await store.health(), { ok: true, engine: 'duckdb', detail: 'ok' })
      assert.equal(await store.countEvents(), 0)
    } finally {
      await store.close()
    }
    const reopened = await openEventStore(`duckdb:${file}`)
    try {
      assert.deepEqual(await reopened.migrate(), [], 'migrations persist in the file')
    } finally {
      await reopened.close()
    }
  })

  it('adds the analytics columns to events stored before them and rolls those events up while migrating', async () => {
    const file = join(dir, 'before-analytics.duckdb')
    const { DuckDBInstance } = await import('@duckdb/node-api')
    const { DUCKDB_MIGRATIONS } = await import('../../src/events/duckdb/duckdb-migrations.ts')
    const instance = await DuckDBInstance.create(file)
    const connection = await instance.connect()
    await connection.run('create table event_migrations (name varchar primary key, applied_at timestamp not null)')
    await connection.run(DUCKDB_MIGRATIONS[0]!.sql)
    await connection.run("insert into event_migrations values ('0001-events', now())")
    await connection.run(`insert into events values
      ('2025-02-01 10:00:00', 'site-old', 'v1', 's1', 'pageview', null, '/old', null, null, null),
      ('2025-02-03 10:00:00', 'site-old', 'v2', 's2', 'action', 'apply', '/old', null, 4, null)`)
    connection.closeSync()
    instance.closeSync()

    const store = await openEventStore(`duckdb:${file}`)
    try {
      assert.deepEqual(await store.migrate(), ['0002-analytics', '0003-rollup-values', '0004-event-journal'])
      const [newest] = await store.recentEvents('site-old', 1)
      assert.equal(newest?.device, 'other', 'older rows have no device class')
      assert.equal(newest?.channel, 'web', 'older rows came from the browser tracker')
      assert.equal(newest?.query, null)
      const scope = { siteIds: ['site-old'], range: { from: new Date('2025-02-01T00:00:00Z'), to: new Date('2025-02-04T00:00:00Z') } }
      assert.deepEqual(await store.totals(scope), { pageviews: 1, visitors: 2, sessions: 2, actions: 1, events: 2 })
    } finally {
      await store.close()
    }
  })

  it('adds value columns to rollups of an earlier version and recomputes the days that still have raw events', async () => {
    const file = join(dir, 'before-values.duckdb')
    const { DuckDBInstance } = await import('@duckdb/node-api')
    const { DUCKDB_MIGRATIONS } = await import('../../src/events/duckdb/duckdb-migrations.ts')
    const instance = await DuckDBInstance.create(file)
    const connection = await instance.connect()
    await connection.run('create table event_migrations (name varchar primary key, applied_at timestamp not null)')
    for (const migration of DUCKDB_MIGRATIONS.slice(0, 2)) {
      await connection.run(migration.sql)
      await connection.run('insert into event_migrations values ($1, now())', [migration.name])
    }
    // 1 February: raw events (two values of 'apply'), rolled up by the earlier version (no value columns).
    // 25 January: its raw events are gone (retention); only its rollup row is left.
    await connection.run(`insert into events (ts, site_id, visitor_id, session_id, event_type, name, path, referrer, value, properties, query, device, channel) values
      ('2025-02-01 10:00:00', 'site-v', 'v1', 's1', 'action', 'apply', '/a', null, 4, null, null, 'desktop', 'web'),
      ('2025-02-01 11:00:00', 'site-v', 'v2', 's2', 'action', 'apply', '/a', null, 6.5, null, null, 'desktop', 'web')`)
    await connection.run(`insert into rollup_daily values
      ('2025-02-01', 'site-v', 'action', 'apply', 0, 2, 0, 2, 2),
      ('2025-01-25', 'site-v', 'action', 'apply', 0, 1, 0, 1, 1)`)
    connection.closeSync()
    instance.closeSync()

    const store = await openEventStore(`duckdb:${file}`)
    try {
      assert.deepEqual(await store.migrate(), ['0003-rollup-values', '0004-event-journal'])
      const scope = { siteIds: ['site-v'], range: { from: new Date('2025-01-25T00:00:00Z'), to: new Date('2025-02-02T00:00:00Z') } }
      // Recomputed 1 February: 4 and 6.5. The 25 January row keeps its occurrence, without values.
      assert.deepEqual(await store.valueSummary(scope, 10), [{ key: 'apply', actions: 3, count: 2, sum: 10.5, mean: 5.25, min: 4, max: 6.5 }])
    } finally {
      await store.close()
    }
  })

  it('reports unhealthy before migrations run', async () => {
    const store = await openEventStore('duckdb::memory:')
    try {
      const health = await store.health()
      assert.equal(health.ok, false)
    } finally {
      await store.close()
    }
  })

  it('refuses an unknown EVENTS_URL scheme by name', async () => {
    await assert.rejects(openEventStore('mongodb://x'), /EVENTS_URL/)
  })

  it('has no column for IP addresses or cookies', async () => {
    const { DUCKDB_MIGRATIONS } = await import('../../src/events/duckdb/duckdb-migrations.ts')
    const ddl = DUCKDB_MIGRATIONS.map((m) => m.sql).join('\n').toLowerCase()
    assert.ok(!/\bip\b|ip_address|cookie/.test(ddl))
  })
})
