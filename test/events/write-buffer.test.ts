import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import type { EventRow } from '../../src/events/event-store.ts'
import { openEventStore } from '../../src/events/open-event-store.ts'
import { WriteBuffer } from '../../src/events/write-buffer.ts'

const event = (i: number): EventRow => ({
  ts: new Date(Date.UTC(2026, 10, 26, 12, 0, i % 60)), siteId: 'site-1', visitorId: `v${i % 7}`, sessionId: `s${i % 11}`,
  eventType: i % 5 === 0 ? 'action' : 'pageview', name: i % 5 === 0 ? 'apply_start' : null, path: `/page/${i % 13}`, query: null, referrer: null, device: 'desktop', channel: 'web',
  value: i % 5 === 0 ? i : null, properties: i % 3 === 0 ? JSON.stringify({ step: i % 4 }) : null,
})

describe('group-commit write buffer', () => {
  it('gathers concurrent appends into few batches and settles each only after its batch is written', async () => {
    const batches: number[][] = []
    let committed = new Set<number>()
    const buffer = new WriteBuffer<number>(async (rows) => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      batches.push([...rows])
      committed = new Set([...committed, ...rows])
    }, { maxRows: 50, maxDelayMs: 2 })
    const settled = await Promise.all(Array.from({ length: 200 }, (_, i) => buffer.append([i]).then(() => committed.has(i))))
    assert.ok(settled.every(Boolean), 'every append resolved after its row was committed')
    assert.equal(batches.flat().length, 200)
    assert.ok(batches.length <= 6, `200 single-row appends took ${batches.length} writes`)
    assert.ok(batches.every((b) => b.length <= 200))
  })

  it('rejects every append of a failed batch and keeps working for the next one', async () => {
    let fail = true
    const stored: string[] = []
    const buffer = new WriteBuffer<string>(async (rows) => {
      if (fail) throw new Error('disk full')
      stored.push(...rows)
    }, { maxRows: 10, maxDelayMs: 1 })
    const results = await Promise.allSettled([buffer.append(['a']), buffer.append(['b', 'c'])])
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected'])
    fail = false
    await buffer.append(['d'])
    assert.deepEqual(stored, ['d'])
    await buffer.close()
    await assert.rejects(buffer.append(['e']), /closed/)
  })

  it('writes rows that arrived during a write right after it, without waiting the delay again', async () => {
    const started: number[] = []
    const buffer = new WriteBuffer<number>(async (rows) => {
      started.push(performance.now())
      await new Promise((resolve) => setTimeout(resolve, 30))
    }, { maxRows: 1000, maxDelayMs: 200 })
    const first = buffer.append([1])
    await buffer.flush()
    await first
    const second = buffer.append([2])
    await new Promise((resolve) => setTimeout(resolve, 210))
    const third = buffer.append([3]) // arrives while [2] is being written
    await Promise.all([second, third])
    assert.equal(started.length, 3)
    const gap = (started[2] as number) - (started[1] as number)
    assert.ok(gap < 150, `the waiting row was written ${gap.toFixed(0)} ms after the previous write started (a 30 ms write)`)
  })

  it('writes a lone row after the delay, and flush writes whatever waits', async () => {
    const written: number[] = []
    const buffer = new WriteBuffer<number>(async (rows) => { written.push(...rows) }, { maxRows: 1000, maxDelayMs: 20 })
    const pending = buffer.append([1])
    assert.deepEqual(written, [])
    await pending
    assert.deepEqual(written, [1])
    void buffer.append([2])
    await buffer.flush()
    assert.deepEqual(written, [1, 2])
  })
})

describe('DuckDB append', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cx280-append-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('stores concurrent batches (journaled, then moved through the appender), and they survive reopening', async () => {
    const file = join(dir, 'events.duckdb')
    const store = await openEventStore(`duckdb:${file}`)
    await store.migrate()
    const buffer = new WriteBuffer<EventRow>((rows) => store.append(rows), { maxRows: 500, maxDelayMs: 5 })
    await Promise.all(Array.from({ length: 40 }, (_, b) => buffer.append(Array.from({ length: 50 }, (_, i) => event(b * 50 + i)))))
    await buffer.close()
    assert.equal(await store.countEvents(), 2000)
    await store.close()
    const reopened = await openEventStore(`duckdb:${file}`)
    try {
      assert.equal(await reopened.countEvents(), 2000)
    } finally {
      await reopened.close()
    }
  })

  // A batch of 4 goes to the event journal, one of 1,500 straight to DuckDB's appender: both must fail whole.
  for (const size of [4, 1_500]) {
    it(`keeps none of a batch of ${size} that fails midway, and the next batch is stored`, async () => {
      const file = join(dir, `failing-${size}.duckdb`)
      const store = await openEventStore(`duckdb:${file}`)
      await store.migrate()
      const broken = { ...event(2), visitorId: Symbol('not text') } as unknown as EventRow
      await assert.rejects(store.append(Array.from({ length: size }, (_, i) => (i === 2 ? broken : event(i)))))
      assert.equal(await store.countEvents(), 0, 'no row of the failed batch is visible')
      await store.append([event(4), event(5)])
      assert.equal(await store.countEvents(), 2)
      await store.close()
      const reopened = await openEventStore(`duckdb:${file}`)
      try {
        assert.equal(await reopened.countEvents(), 2, 'after reopening, only the stored batch is there')
      } finally {
        await reopened.close()
      }
    })
  }
})
