/**
 * The DuckDB store's event journal: small batches are acknowledged once a journal line is on disk and reach the
 * events table later. A child process appends and kills itself with SIGKILL before any move; the reopened store
 * must hold every acknowledged row once, skip a line cut short, and not replay a segment already moved.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { openEventStore } from '../../src/events/open-event-store.ts'

const CHILD = `
import { openEventStore } from './src/events/open-event-store.ts'
const store = await openEventStore('duckdb:' + process.argv[1])
await store.migrate()
const row = (i) => ({ ts: new Date(Date.UTC(2026, 10, 26, 12, 0, 0, i)), siteId: 'site-j', visitorId: 'v' + (i % 7), sessionId: 's' + i, eventType: 'pageview',
  name: null, path: '/p/' + i, query: null, referrer: null, device: 'desktop', channel: 'web', value: null, properties: JSON.stringify({ i }) })
// 20 batches of 5, all acknowledged, then a kill before the 100 ms move.
await Promise.all(Array.from({ length: 20 }, (_, b) => store.append(Array.from({ length: 5 }, (_, k) => row(b * 5 + k)))))
process.stdout.write('acknowledged\\n')
process.kill(process.pid, 'SIGKILL')
`

describe('DuckDB event journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cx280-journal-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const journalFiles = (): string[] => readdirSync(dir).filter((f) => f.includes('.journal.')).sort()

  it('keeps every acknowledged row through a SIGKILL, once, and skips a line cut short', async () => {
    const file = join(dir, 'events.duckdb')
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, file], { cwd: join(import.meta.dirname, '..', '..'), encoding: 'utf8' })
    assert.equal(child.signal, 'SIGKILL', child.stderr)
    assert.match(child.stdout, /acknowledged/)
    const segments = journalFiles()
    assert.ok(segments.length > 0, 'the rows were still in the journal at the kill')
    // A write the kill cut short: never acknowledged, so it must not be stored.
    appendFileSync(join(dir, segments.at(-1) as string), '[[1764158400000,"site-j","torn"')
    const kept = join(dir, 'kept-segment')
    copyFileSync(join(dir, segments[0] as string), kept)

    const store = await openEventStore(`duckdb:${file}`)
    await store.migrate()
    assert.equal(await store.countEvents(), 100, 'all 100 acknowledged rows, the torn line skipped')
    const paths = (await store.recentEvents('site-j', 1000)).map((e) => e.path)
    assert.equal(new Set(paths).size, 100, 'each row once')
    assert.deepEqual(journalFiles(), [], 'moved segments are deleted')
    await store.close()

    // A segment whose rows were moved but whose file outlived a crash is deleted, not replayed.
    copyFileSync(kept, join(dir, segments[0] as string))
    const reopened = await openEventStore(`duckdb:${file}`)
    await reopened.migrate()
    assert.equal(await reopened.countEvents(), 100)
    assert.equal(existsSync(join(dir, segments[0] as string)), false)
    // Small batches now go through the journal and are visible to the next read; close moves the rest.
    await reopened.append([{ ts: new Date(), siteId: 'site-j', visitorId: 'w', sessionId: 'w', eventType: 'action', name: 'after', path: null, query: null, referrer: null, device: 'mobile', channel: 'sms', value: 2, properties: null }])
    assert.equal(await reopened.countEvents(), 101)
    await reopened.close()
    assert.deepEqual(journalFiles(), [])
  })
})
