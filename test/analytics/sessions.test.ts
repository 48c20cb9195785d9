import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { nextSessionState, SESSION_IDLE_MS, sessionize, startsNewSession } from '../../src/analytics/sessions.ts'

const T0 = Date.parse('2026-11-26T10:00:00.000Z')
const MIN = 60_000

describe('sessionize', () => {
  it('starts a new session at exactly 30 idle minutes, not a millisecond before', () => {
    assert.equal(SESSION_IDLE_MS, 30 * MIN)
    const events = [
      { id: 'a', at: T0 },
      { id: 'b', at: T0 + 30 * MIN - 1 }, // 29:59.999 after a: same session
      { id: 'c', at: T0 + 60 * MIN - 1 }, // exactly 30:00.000 after b: new session
      { id: 'd', at: T0 + 61 * MIN },
      { id: 'e', at: T0 + 200 * MIN },
    ]
    assert.deepEqual(sessionize(events).map((e) => [e.id, e.sessionNo]), [['a', 1], ['b', 1], ['c', 2], ['d', 2], ['e', 3]])
  })

  it('sorts out-of-order input by time (stable for ties) rather than rejecting it, without mutating the input', () => {
    const events = [
      { id: 'late', at: '2026-11-26T11:00:00.000Z' },
      { id: 'first', at: '2026-11-26T10:00:00.000Z' },
      { id: 'tie1', at: new Date('2026-11-26T10:10:00.000Z') },
      { id: 'tie2', at: T0 + 10 * MIN },
    ]
    const result = sessionize(events)
    assert.deepEqual(result.map((e) => [e.id, e.sessionNo]), [['first', 1], ['tie1', 1], ['tie2', 1], ['late', 2]])
    assert.equal(events[0]?.id, 'late')
    assert.equal('sessionNo' in (events[0] as object), false)
  })

  it('honours a configured idle limit, handles empty input and rejects unreadable times', () => {
    const events = [{ at: T0 }, { at: T0 + 5 * MIN }, { at: T0 + 9 * MIN }]
    assert.deepEqual(sessionize(events, 5 * MIN).map((e) => e.sessionNo), [1, 2, 2])
    assert.deepEqual(sessionize([]), [])
    assert.throws(() => sessionize([{ at: 'yesterday-ish' }]), RangeError)
  })
})

describe('nextSessionState', () => {
  it('agrees with sessionize on in-order events fed one at a time', () => {
    const times = [0, 10, 39.5, 69.5, 70, 100, 300, 329].map((m) => T0 + m * MIN)
    let state: { sessionNo: number; lastSeenAt: number | null } = { sessionNo: 0, lastSeenAt: null }
    const online: number[] = []
    for (const at of times) {
      const next = nextSessionState(state.lastSeenAt, state.sessionNo, at)
      online.push(next.sessionNo)
      state = next
    }
    assert.deepEqual(online, sessionize(times.map((at) => ({ at }))).map((e) => e.sessionNo))
    assert.deepEqual(online, [1, 1, 1, 2, 2, 3, 4, 4])
  })

  it('flags new sessions and keeps a late event in the current session without moving lastSeenAt back', () => {
    assert.deepEqual(nextSessionState(null, 0, T0), { sessionNo: 1, lastSeenAt: T0, isNewSession: true })
    assert.deepEqual(nextSessionState(T0, 1, T0 + 30 * MIN), { sessionNo: 2, lastSeenAt: T0 + 30 * MIN, isNewSession: true })
    assert.deepEqual(nextSessionState(T0, 1, T0 + 30 * MIN - 1), { sessionNo: 1, lastSeenAt: T0 + 30 * MIN - 1, isNewSession: false })
    assert.deepEqual(nextSessionState(new Date(T0), 4, T0 - 45 * MIN), { sessionNo: 4, lastSeenAt: T0, isNewSession: false })
    assert.deepEqual(nextSessionState('2026-11-26T10:00:00.000Z', 1, T0 + 6 * MIN, 5 * MIN).sessionNo, 2)
  })

  it('shares its boundary rule with store queries through startsNewSession', () => {
    assert.equal(startsNewSession(30 * MIN), true)
    assert.equal(startsNewSession(30 * MIN - 1), false)
    assert.equal(startsNewSession(10, 10), true)
  })
})
