import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { differenceInterval, driverAnalysis, DRIVER_ANALYSIS_MIN_BRANCH, excludesZero } from '../../src/a11/driver-analysis.ts'
import { driverShares, type BranchDrivers } from '../../src/a11/scoring.ts'
import type { Branch, DriverKey } from '../../src/a11/survey-model.ts'

const close = (actual: number | null | undefined, expected: number, digits = 4, label = '') =>
  assert.equal(Number((actual ?? NaN).toFixed(digits)), expected, `${label} ${actual} ≈ ${expected}`)

const branches = (positive: [number, Partial<Record<DriverKey, number>>], negative: [number, Partial<Record<DriverKey, number>>]): Record<Branch, BranchDrivers> => ({
  positive: { n: positive[0], drivers: driverShares(positive[1], positive[0]) },
  negative: { n: negative[0], drivers: driverShares(negative[1], negative[0]) },
})

describe('Newcombe hybrid score interval for a difference of proportions (method 10)', () => {
  it('matches Newcombe (1998) Table II: 56/70 − 48/80 = 0.2000, 95% CI 0.0524 to 0.3339', () => {
    // p1 = 0.8, Wilson (0.6918, 0.8770); p2 = 0.6, Wilson (0.4905, 0.7004).
    // lower = 0.2 − √((0.8 − 0.6918)² + (0.7004 − 0.6)²) = 0.2 − √(0.011707 + 0.010080) = 0.2 − 0.1476 = 0.0524
    // upper = 0.2 + √((0.8770 − 0.8)² + (0.6 − 0.4905)²) = 0.2 + √(0.005929 + 0.011990) = 0.2 + 0.1339 = 0.3339
    const interval = differenceInterval(56, 70, 48, 80)
    close(56 / 70 - 48 / 80, 0.2)
    close(interval?.lower, 0.0524, 4, 'lower')
    close(interval?.upper, 0.3339, 4, 'upper')
    assert.equal(interval?.confidence, 0.95)
    assert.equal(excludesZero(interval), true)
  })

  it('handles 0/m and 0/n: both shares zero, the interval spans 0 by the Wilson upper bounds', () => {
    // Wilson upper of 0/n is z²/(n + z²): 3.8415/13.8415 = 0.2775 (n = 10) and 3.8415/23.8415 = 0.1611 (n = 20).
    // D = 0; lower = 0 − √(0² + 0.1611²) = −0.1611; upper = 0 + √(0.2775² + 0²) = 0.2775.
    const interval = differenceInterval(0, 10, 0, 20)
    close(interval?.lower, -0.1611)
    close(interval?.upper, 0.2775)
    assert.equal(excludesZero(interval), false)
  })

  it('handles m/m against 0/n: the difference is 1 and the upper bound stays at exactly 1', () => {
    // p1 = 1 with Wilson (0.7225, 1); p2 = 0 with Wilson (0, 0.1611) for n = 20.
    // lower = 1 − √((1 − 0.7225)² + 0.1611²) = 1 − √(0.07701 + 0.02596) = 1 − 0.3209 = 0.6791; upper = 1 + √(0 + 0) = 1.
    const interval = differenceInterval(10, 10, 0, 20)
    close(interval?.lower, 0.6791)
    assert.equal(interval?.upper, 1)
  })

  it('has no interval when a group is empty', () => {
    assert.equal(differenceInterval(3, 5, 0, 0), null)
    assert.equal(differenceInterval(0, 0, 0, 0), null)
    assert.equal(excludesZero(null), false)
  })
})

describe('driver analysis', () => {
  it('ranks drivers by how clearly they separate trusting from non-trusting respondents', () => {
    // 70 trusting, 80 non-trusting. ease: 56/70 vs 48/80 → +0.2, CI (0.0524, 0.3339): clear, strength 0.0524.
    // efficiency: 7/70 vs 40/80 → 0.1 − 0.5 = −0.4: clear, cited more by the non-trusting (as needing improvement).
    // effectiveness: 35/70 vs 40/80 → 0: not clear. Every other driver: 0/70 vs 0/80 → 0.
    const analysis = driverAnalysis(branches([70, { ease: 56, efficiency: 7, effectiveness: 35 }], [80, { ease: 48, efficiency: 40, effectiveness: 40 }]))
    assert.equal(analysis.sufficient, true)
    assert.deepEqual([analysis.trustingN, analysis.nonTrustingN, analysis.minimum], [70, 80, DRIVER_ANALYSIS_MIN_BRANCH])
    assert.deepEqual(analysis.drivers.slice(0, 3).map((d) => [d.driver, d.clear, d.citedMoreBy]), [
      ['efficiency', true, 'non_trusting'], ['ease', true, 'trusting'], ['effectiveness', false, 'none'],
    ])
    const ease = analysis.drivers.find((d) => d.driver === 'ease')
    close(ease?.difference, 0.2)
    close(ease?.strength, 0.0524)
    close(analysis.drivers[0]?.difference, -0.4)
    // Efficiency's strength is its upper bound's distance from 0, the smallest separation the data support.
    assert.ok((analysis.drivers[0]?.strength ?? 0) > 0.25 && (analysis.drivers[0]?.interval?.upper ?? 0) < 0)
    assert.equal(analysis.drivers.length, 7)
  })

  it('says "not enough responses" (unranked, key order) when a branch has fewer than the minimum', () => {
    const thin = driverAnalysis(branches([40, { ease: 30 }], [9, { ease: 1 }]))
    assert.equal(thin.sufficient, false)
    assert.deepEqual(thin.drivers.map((d) => d.driver), ['effectiveness', 'ease', 'efficiency', 'transparency', 'humanity', 'employee', 'other'])
    // The figures are still there for whoever reads them: 30/40 − 1/9 = 0.75 − 0.1111 = 0.6389.
    close(thin.drivers[1]?.difference, 0.6389)
    assert.equal(driverAnalysis(branches([40, { ease: 30 }], [9, { ease: 1 }]), 5).sufficient, true, 'the minimum is the caller\'s')
  })

  it('handles an empty branch: no difference, no interval, nothing clear', () => {
    const empty = driverAnalysis(branches([12, { ease: 12 }], [0, {}]))
    assert.equal(empty.sufficient, false)
    const ease = empty.drivers.find((d) => d.driver === 'ease')
    assert.deepEqual([ease?.trusting.share, ease?.nonTrusting.share, ease?.difference, ease?.interval, ease?.clear, ease?.strength], [1, null, null, null, false, 0])
  })
})
