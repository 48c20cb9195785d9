import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  addTallies, driverShares, emptyTally, isTrustPositive, likertMean, responseRate, scoreFigures, shareOf, trustShare, weightedLikertMean,
  wilsonInterval, type ScoreTally,
} from '../../src/a11/scoring.ts'

const close = (actual: number | null | undefined, expected: number, digits = 4, label = '') =>
  assert.equal(Number((actual ?? NaN).toFixed(digits)), expected, `${label} ${actual} ≈ ${expected}`)

describe('Wilson score interval (95%)', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table II, method 3.
  const published: ReadonlyArray<[number, number, number, number]> = [
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
    [29, 29, 0.8830, 1],
  ]
  for (const [x, n, lower, upper] of published) {
    it(`matches the published interval for ${x}/${n}`, () => {
      const interval = wilsonInterval(x, n)
      close(interval?.lower, lower, 4, 'lower')
      close(interval?.upper, upper, 4, 'upper')
      assert.equal(interval?.confidence, 0.95)
    })
  }
  it('is symmetric around one half for 5/10 and exact at the ends (p = 0 and p = 1)', () => {
    const half = wilsonInterval(5, 10)
    close(half?.lower, 0.2366)
    close(half?.upper, 0.7634)
    assert.equal(wilsonInterval(0, 7)?.lower, 0)
    assert.equal(wilsonInterval(7, 7)?.upper, 1)
  })
  it('has no interval for n = 0 and refuses impossible counts', () => {
    assert.equal(wilsonInterval(0, 0), null)
    assert.throws(() => wilsonInterval(3, 2), RangeError)
    assert.deepEqual(shareOf(0, 0), { count: 0, n: 0, share: null, interval: null })
  })
})

describe('trust share', () => {
  it('counts thumbs up as positive and thumbs down as negative', () => {
    const share = trustShare([1, 1, 0, 1], 'thumbs_up_down')
    assert.equal(share.count, 3)
    assert.equal(share.n, 4)
    assert.equal(share.share, 0.75)
    assert.ok(share.interval && share.interval.lower < 0.75 && share.interval.upper > 0.75)
  })
  it('counts Likert answers at or above the cut-off (4 by default, configurable per survey)', () => {
    const answers = [5, 4, 3, 2, 1, 4]
    assert.equal(trustShare(answers, 'likert_scale').count, 3)
    assert.equal(trustShare(answers, 'likert_scale', 3).count, 4)
    assert.equal(trustShare(answers, 'likert_scale', 5).count, 1)
    assert.equal(isTrustPositive('likert_scale', 3, 4), false)
    assert.equal(isTrustPositive('thumbs_up_down', 5), false, 'only 1 is thumbs up')
  })
  it('has no share without answers', () => {
    assert.equal(trustShare([], 'thumbs_up_down').share, null)
  })
})

describe('Likert means', () => {
  it('reproduces the published legacy score for VA FY21 Q2 (counts 2302/3118/10615/55358/249586 → 4.70)', () => {
    const mean = weightedLikertMean([2302, 3118, 10615, 55358, 249586])
    assert.equal(mean.n, 320979)
    assert.equal(mean.mean?.toFixed(2), '4.70')
    close(mean.mean, 4.7036)
  })
  it('averages raw answers, and agrees with the weighted mean of their distribution', () => {
    assert.deepEqual(likertMean([5, 4, 4, 1]), { n: 4, mean: 3.5 })
    assert.deepEqual(weightedLikertMean([1, 0, 0, 2, 1]), { n: 4, mean: 3.5 })
    assert.deepEqual(likertMean([]), { n: 0, mean: null })
    assert.deepEqual(weightedLikertMean([0, 0, 0, 0, 0]), { n: 0, mean: null })
  })
})

describe('driver shares and response rate', () => {
  it('divides each driver\'s ticks by the respondents in that branch, with every driver present', () => {
    const shares = driverShares({ effectiveness: 6, ease: 3 }, 12)
    assert.equal(shares.effectiveness.share, 0.5)
    assert.equal(shares.ease.share, 0.25)
    assert.equal(shares.employee.count, 0)
    assert.equal(shares.employee.n, 12)
    assert.equal(shares.other.share, 0)
    assert.equal(Object.keys(shares).length, 7)
  })
  it('computes the response rate as respondents ÷ offers, null without offers', () => {
    assert.deepEqual(responseRate(30, 120), { respondents: 30, offers: 120, rate: 0.25 })
    assert.equal(responseRate(3, 0).rate, null)
  })
})

describe('tallies', () => {
  const cell = (overrides: Partial<ScoreTally>): ScoreTally => ({ ...emptyTally(), ...overrides })
  it('adds counts (not figures), so a roll-up scores the pooled respondents', () => {
    const a = cell({ respondents: 4, trustAnswered: 4, trustPositive: 3, branchRespondents: { positive: 3, negative: 1 }, driverTicks: { positive: { ease: 2 }, negative: { efficiency: 1 } }, offers: 10 })
    const b = cell({ respondents: 6, trustAnswered: 5, trustPositive: 1, likertCounts: [1, 1, 2, 1, 0], branchRespondents: { positive: 1, negative: 4 }, driverTicks: { positive: { ease: 1, employee: 1 }, negative: { efficiency: 2 } }, offers: 30 })
    const figures = scoreFigures(addTallies(a, b))
    assert.equal(figures.respondents, 10)
    assert.equal(figures.offers, 40)
    assert.equal(figures.responseRate.rate, 0.25)
    assert.equal(figures.trust.count, 4)
    assert.equal(figures.trust.n, 9)
    close(figures.trust.share, 0.4444)
    assert.equal(figures.likertMean.n, 5)
    assert.equal(figures.likertMean.mean, (1 + 2 + 6 + 4) / 5)
    assert.equal(figures.drivers.positive.n, 4)
    assert.equal(figures.drivers.positive.drivers.ease.count, 3)
    assert.equal(figures.drivers.positive.drivers.ease.share, 0.75)
    assert.equal(figures.drivers.negative.drivers.efficiency.share, 3 / 5)
    assert.equal(figures.drivers.negative.drivers.ease.share, 0)
  })
})
