import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { openEventStore } from '../../src/events/open-event-store.ts'

describe('DuckDB event store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cx280-events-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('creates its file, migrates once, and reports healthy', async () => {
    const file = join(dir, 'nested', 'events.duckdb')
    const store = await openEventStore(`duckdb:${file}`)
    try {
      assert.equal(store.engine, 'duckdb')
      assert.deepEqual(await store.migrate(), ['0001-events'])
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
