import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { emptyTally, scoreFigures, type ScoreTally } from '../../src/a11/scoring.ts'
import { parseTally, serializeTally } from '../../src/reporting/frozen-tally.ts'

const tally: ScoreTally = {
  respondents: 41, trustAnswered: 40, trustPositive: 26, likertCounts: [0, 0, 0, 0, 0],
  branchRespondents: { positive: 26, negative: 14 },
  driverTicks: { positive: { ease: 20, effectiveness: 9 }, negative: { efficiency: 7, other: 0 } }, offers: 200,
}

describe('frozen tallies', () => {
  it('round-trips a tally, drivers in a fixed order, so figures are the same after parsing', () => {
    const json = serializeTally(tally)
    assert.equal(json, '{"v":1,"respondents":41,"trustAnswered":40,"trustPositive":26,"likertCounts":[0,0,0,0,0],"branchRespondents":{"positive":26,"negative":14},"driverTicks":{"positive":{"effectiveness":9,"ease":20},"negative":{"efficiency":7,"other":0}},"offers":200}')
    assert.deepEqual(parseTally(json), tally)
    assert.deepEqual(scoreFigures(parseTally(json)), scoreFigures(tally))
    assert.deepEqual(parseTally(serializeTally(emptyTally())), emptyTally())
  })

  it('refuses damaged JSON, naming the field', () => {
    const base = JSON.parse(serializeTally(tally)) as Record<string, unknown>
    const broken = (change: Record<string, unknown>) => JSON.stringify({ ...base, ...change })
    assert.throws(() => parseTally(broken({ v: 2 })), /format version 2/)
    assert.throws(() => parseTally(broken({ trustPositive: -1 })), /trustPositive is not a count/)
    assert.throws(() => parseTally(broken({ respondents: 1.5 })), /respondents is not a count/)
    assert.throws(() => parseTally(broken({ likertCounts: [1, 2, 3] })), /likertCounts must hold 5/)
    assert.throws(() => parseTally(broken({ driverTicks: { positive: { speed: 1 }, negative: {} } })), /unknown driver speed/)
    assert.throws(() => parseTally(broken({ branchRespondents: { positive: 1 } })), /branchRespondents\.negative/)
    assert.throws(() => parseTally('[]'), /tally is not an object/)
  })
})
