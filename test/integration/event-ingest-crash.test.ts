/**
 * Crash test for analytics ingest: the real `cx280 serve` (SQLite or PostgreSQL + the DuckDB event file) takes tracker
 * batches and server-to-server batches from concurrent clients, is killed with SIGKILL in the middle of them, and is
 * started again on the same data directory. Every event acknowledged with 204 must be in the event file afterwards,
 * each batch whole or absent (a batch is committed in one group commit), and nothing that was never sent. Only the
 * requests in flight at the kill may have been stored without their answer. Each event carries a unique marker.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { DuckDBInstance } from '@duckdb/node-api'
import { createIngestKey } from '../../src/analytics/server-ingest.ts'
import { createSite } from '../../src/analytics/sites.ts'
import { systemActor } from '../../src/auth/index.ts'
import { createOrganization } from '../../src/catalog/index.ts'
import { loadConfig } from '../../src/config.ts'
import { openRuntime } from '../../src/runtime.ts'
import { seededRandom } from '../../src/seeded-random.ts'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.ts'
import { sleep, startServer, stopServer, type ServerProcess } from '../helpers/server-process.ts'

const SERVER_SETTINGS = { CX280_EVENTS_RATE_LIMIT: '100000000', CX280_PUBLIC_RATE_LIMIT: '100000000' }

const CLIENTS = 12
/** Once the load has this many acknowledged batches, the kill comes at a random moment within the next 300 ms. */
const LOAD_BEFORE_KILL = 150
const ORIGIN = 'https://www.crash.example.gov'
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36'



/** Opens the data directory in-process (migrating it), registers a site with an ingest key, and closes it again. */
async function prepareSite(database: TestDatabase): Promise<{ siteId: string; publicKey: string; secret: string }> {
  const runtime = await openRuntime(loadConfig({ CX280_DATA_DIR: database.dataDir, DATABASE_URL: database.url, LOG_LEVEL: 'silent' }))
  try {
    const system = systemActor('crash-test')
    const organization = await createOrganization(runtime.db, system, { kind: 'department', name: 'Crash Department', abbreviation: 'CR', parentId: null })
    const site = await createSite(runtime.db, system, { organizationId: organization.id, name: 'Crash site', domain: 'www.crash.example.gov', allowedOrigins: [ORIGIN] })
    const { secret } = await createIngestKey(runtime.db, system, site.id, { name: 'crash sender' })
    return { siteId: site.id, publicKey: site.publicKey, secret }
  } finally {
    await runtime.close()
  }
}

interface Batch {
  readonly id: string
  readonly markers: readonly string[]
  readonly url: string
  readonly headers: Record<string, string>
  readonly body: string
}

/** Batch `serial`: a tracker batch or a server-to-server batch of 1-100 events, each marked `b<serial>-<index>`. */
function batchOf(serial: number, site: { publicKey: string; secret: string }, random: () => number): Batch {
  const id = `b${serial}`
  const size = 1 + Math.floor(random() * 100)
  const markers = Array.from({ length: size }, (_, i) => `${id}-${i}`)
  if (random() < 0.5) {
    const events = markers.map((m, i) => i % 5 === 4
      ? { y: 'action', u: `${ORIGIN}/apply`, n: 'apply_step', v: i, p: { m } }
      : { y: 'pageview', u: `${ORIGIN}/apply/step-${i % 7}?utm_source=crash`, p: { m } })
    return { id, markers, url: '/api/v1/events', headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': BROWSER }, body: JSON.stringify({ k: site.publicKey, e: events }) }
  }
  const now = new Date().toISOString()
  const events = markers.map((m, i) => ({ channel: i % 2 === 0 ? 'sms' : 'mobile_app', type: 'action', subject: `subject-${serial % 50}`, timestamp: now, name: 'reply', properties: { m } }))
  return { id, markers, url: '/api/v1/events/server', headers: { 'content-type': 'application/json', authorization: `Bearer ${site.secret}` }, body: JSON.stringify({ events }) }
}

/** Every stored event's marker (the `m` property), read straight from the stopped server's DuckDB file. */
async function storedMarkers(dataDir: string, siteId: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(join(dataDir, 'events.duckdb'))
  const connection = await instance.connect()
  try {
    const reader = await connection.runAndReadAll('select properties from events where site_id = $1', [siteId])
    return reader.getRowObjects().map((r) => (JSON.parse(String(r.properties)) as { m: string }).m)
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

for (const engine of ENGINES) {
  describe(`analytics ingest crash safety (${engine})`, () => {
    let database: TestDatabase | null = null
    let server: ServerProcess | null = null
    after(async () => {
      if (server) await stopServer(server.child, 'SIGKILL')
      await database?.drop()
    })

    it('keeps every acknowledged event, whole batches only, across a SIGKILL during a load', { timeout: 240_000 }, async (context) => {
      database = await createTestDatabase(engine)
      const site = await prepareSite(database)
      server = await startServer(database, SERVER_SETTINGS)
      const random = seededRandom(Number(process.env.CX280_CRASH_SEED ?? Date.now() % 2 ** 31))

      const sent = new Map<string, Batch>()
      const acknowledged = new Set<string>()
      const inFlight = new Set<string>()
      let serial = 0
      let killed = false
      let cutOff = 0
      const otherStatuses: string[] = []
      const target = server
      const client = async () => {
        while (!killed) {
          const batch = batchOf(serial++, site, random)
          sent.set(batch.id, batch)
          inFlight.add(batch.id)
          try {
            const response = await fetch(`${target.baseUrl}${batch.url}`, { method: 'POST', headers: batch.headers, body: batch.body })
            await response.arrayBuffer()
            if (response.status === 204) acknowledged.add(batch.id)
            else otherStatuses.push(`${response.status} ${batch.url}`)
          } catch (error) {
            // Only the kill may cut a request off; it was then never acknowledged.
            if (!killed) throw error
            cutOff++
          } finally {
            inFlight.delete(batch.id)
          }
        }
      }
      const clients = Array.from({ length: CLIENTS }, client)
      while (acknowledged.size < LOAD_BEFORE_KILL && otherStatuses.length === 0) await sleep(5)
      await sleep(Math.floor(random() * 300))
      const unanswered = new Set(inFlight)
      killed = true
      await stopServer(target.child, 'SIGKILL')
      await Promise.all(clients)
      assert.deepEqual(otherStatuses, [], 'every batch was answered 204 before the kill')
      // Requests in flight at the kill: answered just before it (acknowledged) or never; either way they may be stored.
      const mayBeStored = new Set([...unanswered, ...acknowledged])
      context.diagnostic(`${sent.size} batches sent, ${acknowledged.size} acknowledged, ${cutOff} cut off by the kill`)

      server = await startServer(database, SERVER_SETTINGS)
      const afterRestart = await fetch(`${server.baseUrl}/api/v1/events/server`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${site.secret}` },
        body: JSON.stringify({ events: [{ channel: 'other', type: 'action', subject: 'after', timestamp: new Date().toISOString(), name: 'after_restart', properties: { m: 'after' } }] }),
      })
      assert.equal(afterRestart.status, 204, 'the restarted server takes events')
      await stopServer(server.child, 'SIGTERM')
      server = null

      const markers = await storedMarkers(database.dataDir, site.siteId)
      assert.equal(new Set(markers).size, markers.length, 'no event is stored twice')
      const stored = new Set(markers)
      assert.ok(stored.delete('after'), 'the event sent after the restart is stored')
      const missing = [...acknowledged].flatMap((id) => (sent.get(id) as Batch).markers.filter((m) => !stored.has(m)))
      assert.deepEqual(missing.slice(0, 20), [], `${missing.length} acknowledged events are missing after the SIGKILL`)
      const byBatch = new Map<string, number>()
      for (const marker of stored) {
        const id = marker.slice(0, marker.lastIndexOf('-'))
        byBatch.set(id, (byBatch.get(id) ?? 0) + 1)
      }
      const unknown = [...byBatch.keys()].filter((id) => !sent.has(id))
      assert.deepEqual(unknown, [], 'nothing is stored that was never sent')
      const partial = [...byBatch].filter(([id, count]) => count !== (sent.get(id) as Batch).markers.length)
      assert.deepEqual(partial, [], 'every stored batch is whole')
      const unacknowledgedStored = [...byBatch.keys()].filter((id) => !acknowledged.has(id))
      const unexplained = unacknowledgedStored.filter((id) => !mayBeStored.has(id))
      assert.deepEqual(unexplained, [], 'only requests in flight at the kill were stored without an answer')
      assert.ok(unacknowledgedStored.length <= CLIENTS, `at most one batch per client was committed but cut off (${unacknowledgedStored.length})`)
      context.diagnostic(`${stored.size} events in ${byBatch.size} batches stored; ${unacknowledgedStored.length} batches committed but cut off before the answer`)
    })
  })
}
