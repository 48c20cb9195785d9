import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { emptyTally, type ScoreTally } from '../../src/a11/scoring.ts'
import { detailWithholding, publicFigures, totalWithholding } from '../../src/reporting/public-collections.ts'

/** A thumbs tally: `n` answers, `up` positive; the branches follow the answers. */
const thumbs = (n: number, up: number, ticks: Partial<Record<'ease' | 'effectiveness', number>> = {}): ScoreTally =>
  ({ ...emptyTally(), respondents: n, trustAnswered: n, trustPositive: up, branchRespondents: { positive: up, negative: n - up }, driverTicks: { positive: ticks, negative: {} } })
const sum = (a: ScoreTally, b: ScoreTally): ScoreTally => ({ ...thumbs(a.trustAnswered + b.trustAnswered, a.trustPositive + b.trustPositive) })

describe('small-cell suppression', () => {
  it('withholds a detail figure under the minimum, not one with no answers, not one at the minimum', () => {
    assert.deepEqual(detailWithholding(thumbs(29, 20), 30), { trust: 'too_few_respondents', likert: null, branches: { positive: 'too_few_respondents', negative: 'too_few_respondents' } })
    assert.deepEqual(detailWithholding(thumbs(30, 30), 30), { trust: null, likert: null, branches: { positive: null, negative: null } }, '30 shown; the empty negative branch is not withheld')
    assert.deepEqual(detailWithholding(thumbs(5, 1), 0).trust, null, 'minimum 0 shows everything')
  })

  it('withholds a total when the withheld details together are a small group (complementary suppression)', () => {
    const details = (tallies: ScoreTally[]) => tallies.map((tally) => ({ tally, withholding: detailWithholding(tally, 30) }))
    // 40 + 10: the total minus the 40 gives the 10 → withheld.
    const a = details([thumbs(40, 26), thumbs(10, 4)])
    assert.equal(totalWithholding(sum(thumbs(40, 26), thumbs(10, 4)), a, 30).trust, 'complementary')
    // 40 + 20 + 15: the withheld 20 and 15 together are 35 ≥ 30 → the total stays.
    const b = details([thumbs(40, 26), thumbs(20, 10), thumbs(15, 5)])
    assert.equal(totalWithholding(sum(sum(thumbs(40, 26), thumbs(20, 10)), thumbs(15, 5)), b, 30).trust, null)
    // 20 alone: its own small cell.
    assert.equal(totalWithholding(thumbs(20, 10), details([thumbs(20, 10)]), 30).trust, 'too_few_respondents')
  })

  it('publishes rounded figures; a withheld trust share also withholds branch sizes and driver shares', () => {
    const shown = publicFigures(thumbs(40, 32, { ease: 16, effectiveness: 32 }), detailWithholding(thumbs(40, 32), 30), { respondents: 40, offered: 160, likert: false })
    // 32 of 40 = 0.8; Wilson: centre (0.8 + 0.0480) / 1.0960 = 0.7737, half 0.1213 → 0.6524 to 0.8950.
    assert.deepEqual(shown.trust, { n: 40, share: 0.8, lower: 0.6524, upper: 0.895, suppressed: false, reason: null })
    assert.deepEqual([shown.drivers.positive.n, shown.drivers.positive.shares.ease, shown.drivers.positive.shares.effectiveness, shown.responseRate, shown.likertMean], [32, 0.5, 1, 0.25, null])
    assert.deepEqual([shown.drivers.negative.n, shown.drivers.negative.suppressed], [8, true])
    const hidden = publicFigures(thumbs(40, 32), { trust: 'complementary', likert: null, branches: { positive: null, negative: null } }, { respondents: 40, offered: null, likert: true })
    assert.deepEqual([hidden.trust.share, hidden.drivers.positive.n, hidden.drivers.positive.reason, hidden.drivers.positive.shares.ease, hidden.responseRate], [null, null, 'complementary', null, null])
    assert.deepEqual(hidden.likertMean, { n: 0, mean: null, suppressed: false, reason: null })
  })
})
