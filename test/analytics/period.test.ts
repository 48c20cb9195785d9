import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parsePeriod } from '../../src/analytics/period.ts'
import { Invalid } from '../../src/errors.ts'

const fieldsOf = (run: () => unknown): Record<string, string> => {
  try {
    run()
  } catch (error) {
    if (error instanceof Invalid) return error.fields as Record<string, string>
    throw error
  }
  assert.fail('expected Invalid')
}

describe('periods (dashboards, metrics API, journeys, funnels)', () => {
  const now = new Date('2025-03-10T15:30:00Z')

  it('defaults to the 30 whole UTC days ending today', () => {
    const period = parsePeriod({}, now)
    assert.equal(period.range.to.toISOString(), '2025-03-11T00:00:00.000Z')
    assert.equal(period.range.from.toISOString(), '2025-02-09T00:00:00.000Z')
    assert.deepEqual([period.from, period.to, period.days], ['2025-02-09', '2025-03-10', 30])
    assert.equal(parsePeriod({}, new Date('2025-03-10T00:00:00Z')).range.to.toISOString(), '2025-03-11T00:00:00.000Z', 'midnight is part of its day')
  })

  it('reads dates as whole days (to included) and date-times as instants', () => {
    const days = parsePeriod({ from: '2025-01-01', to: '2025-01-31' }, now)
    assert.deepEqual([days.range.from.toISOString(), days.range.to.toISOString(), days.days], ['2025-01-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z', 31])
    const instants = parsePeriod({ from: '2025-01-01T10:00:00Z', to: '2025-01-01T12:00:00-05:00' }, now)
    assert.deepEqual([instants.range.from.toISOString(), instants.range.to.toISOString(), instants.days], ['2025-01-01T10:00:00.000Z', '2025-01-01T17:00:00.000Z', 1])
    assert.equal(parsePeriod({ to: '2025-01-31' }, now).range.from.toISOString(), '2025-01-02T00:00:00.000Z', '30 days ending on `to`')
    assert.equal(parsePeriod({ from: '2025-03-10', to: '2025-03-10' }, now).days, 1, 'one day')
  })

  it('refuses bad dates, reversed and too-long periods, naming the field', () => {
    assert.match(fieldsOf(() => parsePeriod({ from: '2025-02-30' }, now)).from ?? '', /must be a date such as/)
    assert.ok(fieldsOf(() => parsePeriod({ from: 'yesterday' }, now)).from)
    assert.ok(fieldsOf(() => parsePeriod({ to: '1999-12-31' }, now)).to, 'before 2000')
    assert.ok(fieldsOf(() => parsePeriod({ to: '2025-01-01T10:00:00' }, now)).to, 'a date-time needs a time zone')
    assert.match(fieldsOf(() => parsePeriod({ from: '2025-02-01', to: '2025-01-01' }, now)).from ?? '', /on or before the end date/)
    assert.match(fieldsOf(() => parsePeriod({ from: '2025-01-01T12:00:00Z', to: '2025-01-01T12:00:00Z' }, now)).from ?? '', /on or before/)
    assert.match(fieldsOf(() => parsePeriod({ from: '2024-01-01', to: '2025-02-04' }, now)).from ?? '', /at most 400 days \(this one covers 401\)/)
    assert.equal(parsePeriod({ from: '2024-01-01', to: '2025-02-03' }, now).days, 400, 'exactly 400 days')
  })
})
