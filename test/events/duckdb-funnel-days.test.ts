import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openDuckDbEventStore } from '../../src/events/duckdb/duckdb-event-store.ts'
import type { EventRow, EventStore, FunnelQuery, FunnelStep } from '../../src/events/event-store.ts'
import { seededRandom } from '../../src/seeded-random.ts'

const DAY_MS = 86_400_000
const START = Date.UTC(2026, 2, 1)
const DAYS = 8
const PATHS = ['/', '/apply', '/apply/eligibility', '/apply/documents', '/help', '/status']
const ACTIONS = ['apply_start', 'apply_submit']
const POOL: readonly FunnelStep[] = [
  ...PATHS.map((pattern): FunnelStep => ({ kind: 'page', pattern })),
  { kind: 'page', pattern: '/apply/*' },
  ...ACTIONS.map((name): FunnelStep => ({ kind: 'action', name })),
]
const WINDOWS = [60, 3_600, 86_400, 3 * 86_400]

/**
 * Random visits over 8 days on two sites. Some visitors come back on later days (server-to-server subjects can), some
 * visits cross midnight, and events arrive in any order, so every rule of the funnel-days cache is exercised.
 */
function randomEvents(rand: () => number, count: number, firstDay: number, days: number): EventRow[] {
  const rows: EventRow[] = []
  while (rows.length < count) {
    const visitorId = `v${Math.floor(rand() * 120)}`
    const siteId = rand() < 0.8 ? 'site-a' : 'site-b'
    let at = START + firstDay * DAY_MS + Math.floor(rand() * days * DAY_MS)
    const length = 1 + Math.floor(rand() * 7)
    for (let i = 0; i < length; i++) {
      const action = rand() < 0.3
      rows.push({
        ts: new Date(at), siteId, visitorId, sessionId: `${visitorId}-${at}`, eventType: action ? 'action' : 'pageview',
        name: action ? ACTIONS[Math.floor(rand() * ACTIONS.length)] as string : null, path: PATHS[Math.floor(rand() * PATHS.length)] as string,
        query: null, referrer: null, device: 'desktop', channel: 'web', value: null, properties: null,
      })
      // Mostly seconds to minutes apart; sometimes hours, to cross windows and midnights.
      at += rand() < 0.15 ? Math.floor(rand() * 10 * 3_600_000) : Math.floor(rand() * 900_000)
    }
  }
  return rows.sort(() => rand() - 0.5)
}

function randomQuery(rand: () => number): FunnelQuery {
  const steps = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => POOL[Math.floor(rand() * POOL.length)] as FunnelStep)
  const first = Math.floor(rand() * DAYS)
  const last = first + 1 + Math.floor(rand() * (DAYS + 2 - first))
  return {
    siteIds: rand() < 0.7 ? ['site-a'] : ['site-a', 'site-b'],
    range: { from: new Date(START + first * DAY_MS), to: new Date(START + last * DAY_MS) },
    steps, windowSeconds: WINDOWS[Math.floor(rand() * WINDOWS.length)] as number,
  }
}

describe('DuckDB funnel-days cache', () => {
  let cached: EventStore
  let raw: EventStore
  before(async () => {
    // Two definitions at most, so the random queries also evict and rebuild.
    cached = await openDuckDbEventStore(':memory:', { funnelDefinitions: 2 })
    raw = await openDuckDbEventStore(':memory:', { funnelDefinitions: 0 })
    await cached.migrate()
    await raw.migrate()
  })
  after(async () => {
    await cached.close()
    await raw.close()
  })

  const appendBoth = async (rows: readonly EventRow[]): Promise<void> => {
    await cached.append(rows)
    await raw.append(rows)
  }

  /** Asks four at a time, as several people on the journey pages would: the same and different definitions at once. */
  const compare = async (rand: () => number, queries: number, label: string): Promise<number> => {
    let nonEmpty = 0
    for (let i = 0; i < queries; i += 4) {
      const group = Array.from({ length: 4 }, () => randomQuery(rand))
      group.push(group[0] as FunnelQuery)
      const answers = await Promise.all(group.map((query) => cached.funnel(query)))
      for (const [j, query] of group.entries()) {
        const expected = await raw.funnel(query)
        assert.deepEqual(answers[j], expected, `${label} #${i + j}: ${JSON.stringify(query)}`)
        if (expected.began > 0) nonEmpty++
      }
    }
    return nonEmpty
  }

  it('answers whole-day funnels exactly as raw events do, through later appends, evictions and retention', async () => {
    const rand = seededRandom(5280)
    await appendBoth(randomEvents(rand, 3_000, 0, DAYS))
    const nonEmpty = await compare(rand, 60, 'first')
    assert.ok(nonEmpty > 35, `most random funnels have visitors (${nonEmpty} of 75)`)

    // Late events into days already cached: into the middle, and into the last day whose chains reach the next ones.
    await appendBoth(randomEvents(rand, 400, 2, 1))
    await appendBoth(randomEvents(rand, 400, DAYS - 1, 2))
    await compare(rand, 60, 'after appends')

    await cached.deleteEventsBefore(new Date(START + 3 * DAY_MS + 5 * 3_600_000))
    await raw.deleteEventsBefore(new Date(START + 3 * DAY_MS + 5 * 3_600_000))
    await compare(rand, 40, 'after retention')
  })

  it('gives the same answer when asked again, and a fresh one once an event changes it', async () => {
    const query: FunnelQuery = {
      siteIds: ['site-c'], range: { from: new Date(START), to: new Date(START + 2 * DAY_MS) },
      steps: [{ kind: 'page', pattern: '/' }, { kind: 'action', name: 'apply_submit' }], windowSeconds: 86_400,
    }
    const row = (at: number, visitorId: string, step: 0 | 1): EventRow => ({
      ts: new Date(at), siteId: 'site-c', visitorId, sessionId: visitorId, eventType: step === 0 ? 'pageview' : 'action', name: step === 0 ? null : 'apply_submit',
      path: '/', query: null, referrer: null, device: 'mobile', channel: 'web', value: null, properties: null,
    })
    // Starts at 23:00 on day 1 and submits at 01:00 on day 2: the chain crosses midnight.
    await cached.append([row(START + 23 * 3_600_000, 'late', 0)])
    const before = await cached.funnel(query)
    assert.deepEqual([before.began, before.ended], [1, 0])
    assert.deepEqual(await cached.funnel(query), before, 'asked again')
    await cached.append([row(START + 25 * 3_600_000, 'late', 1)])
    const after = await cached.funnel(query)
    assert.deepEqual([after.began, after.ended, after.steps[1]?.medianSecondsFromPrevious], [1, 1, 7_200], 'the submit on the next day completes the first day\'s chain')
    const firstDayOnly = await cached.funnel({ ...query, range: { from: new Date(START), to: new Date(START + DAY_MS) } })
    assert.deepEqual([firstDayOnly.began, firstDayOnly.ended], [1, 0], 'a period ending at midnight cuts the chain there')
  })

  it('keeps its rows in a file of its own beside the events file, replaces a crashed run\'s file and deletes it on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cx280-funnel-days-'))
    try {
      const file = join(dir, 'events.duckdb')
      const cacheFile = `${file}.funnel-days`
      writeFileSync(cacheFile, 'left behind by a crash')
      const store = await openDuckDbEventStore(file)
      await store.migrate()
      const rows = randomEvents(seededRandom(7), 500, 0, 2).map((row) => ({ ...row, siteId: 'site-a' }))
      await store.append(rows)
      const query: FunnelQuery = { siteIds: ['site-a'], range: { from: new Date(START), to: new Date(START + 2 * DAY_MS) }, steps: [POOL[0] as FunnelStep, POOL[1] as FunnelStep], windowSeconds: 3_600 }
      const result = await store.funnel(query)
      assert.ok(result.began > 0)
      assert.ok(existsSync(cacheFile))
      await store.close()
      assert.equal(existsSync(cacheFile), false, 'deleted on close')
      const reopened = await openDuckDbEventStore(file)
      try {
        assert.deepEqual(await reopened.funnel(query), result, 'rebuilt from the events after reopening')
      } finally {
        await reopened.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
