import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fiscalQuarterOf, fiscalYearOf, formatFiscalQuarter } from '../../src/a11/fiscal-year.ts'

describe('fiscal quarters (reference §7)', () => {
  it('places mid-November in Q1 of the next fiscal year', () => {
    assert.deepEqual(fiscalQuarterOf(new Date('2024-11-15T12:00:00Z')), { fiscalYear: 2025, quarter: 1 })
  })
  it('places July 1 in Q4', () => {
    assert.deepEqual(fiscalQuarterOf(new Date('2025-07-01T12:00:00Z')), { fiscalYear: 2025, quarter: 4 })
  })
  it('maps every calendar month to its quarter', () => {
    const expected = [2, 2, 2, 3, 3, 3, 4, 4, 4, 1, 1, 1]
    for (let month = 0; month < 12; month++) {
      assert.equal(fiscalQuarterOf(new Date(Date.UTC(2025, month, 15, 12))).quarter, expected[month], `month ${month + 1}`)
    }
  })
  it('reads the boundary in Eastern time by default: 03:00 UTC on Oct 1 is still Sep 30 in New York', () => {
    assert.equal(fiscalYearOf(new Date('2024-10-01T03:00:00Z')), 2024)
    assert.equal(fiscalYearOf(new Date('2024-10-01T03:00:00Z'), 'UTC'), 2025)
  })
  it('formats as FY2025 Q1', () => {
    assert.equal(formatFiscalQuarter({ fiscalYear: 2025, quarter: 1 }), 'FY2025 Q1')
  })
})
