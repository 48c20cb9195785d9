import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  bucketsNeeded, evaluateRule, HOURS_PER_WEEK, median, nextState, robustZ, RULE_DEFAULTS,
  type AlertRule, type Bucket, type MonitorState, type SeasonalRule, type ZScoreRule,
} from '../../src/analytics/alert-rules.ts'
import { seededRandom } from '../../src/seeded-random.ts'

const counts = (values: readonly number[]): Bucket[] => values.map((value) => ({ value, volume: value }))
const flat = (value: number, n: number): number[] => Array.from({ length: n }, () => value)

/**
 * A realistic hourly page-view series starting on a Monday 00:00 UTC: day/night (a cosine peaking at 14:00, 8% of
 * the peak at 02:00), weekends at 40% of weekdays, 2% growth a week, Poisson-like noise (sd √mean) plus ±8% jitter.
 */
function weeklyTraffic(weeks: number, seed: number, peak = 800): number[] {
  const random = seededRandom(seed)
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  return Array.from({ length: weeks * HOURS_PER_WEEK }, (_, h) => {
    const hourOfDay = h % 24
    const dayOfWeek = Math.floor(h / 24) % 7
    const daily = 0.08 + 0.92 * (1 + Math.cos(((hourOfDay - 14) / 24) * 2 * Math.PI)) / 2
    const weekly = dayOfWeek >= 5 ? 0.4 : 1
    const mean = peak * daily * weekly * (1 + 0.02 * (h / HOURS_PER_WEEK))
    const noisy = mean * (1 + 0.08 * (random() * 2 - 1)) + Math.sqrt(mean) * gaussian()
    return Math.max(0, Math.round(noisy))
  })
}

/** Evaluates the rule at every hour from `from` to the end, as the hourly job would; returns the hours that breached. */
function breachesOver(rule: AlertRule, series: readonly number[], from: number): number[] {
  const buckets = counts(series)
  const breached: number[] = []
  for (let c = from; c < buckets.length; c++) {
    const window = buckets.slice(Math.max(0, c + 1 - bucketsNeeded(rule)), c + 1)
    if (evaluateRule(rule, window).status === 'breach') breached.push(c)
  }
  return breached
}

describe('threshold', () => {
  const below = { kind: 'threshold', direction: 'below', value: 50, minVolume: 0 } as const
  it('breaches strictly below (or above) the bound and says so with the numbers', () => {
    assert.deepEqual(evaluateRule(below, counts([49])), { status: 'breach', value: 49, expected: 50, reason: '49 is below the bound of 50.' })
    assert.equal(evaluateRule(below, counts([50])).status, 'ok')
    assert.equal(evaluateRule({ ...below, direction: 'above' }, counts([51])).status, 'breach')
    assert.equal(evaluateRule({ ...below, direction: 'above' }, counts([50])).status, 'ok')
  })
  it('does not judge an undefined value or a value standing on too little volume', () => {
    assert.equal(evaluateRule(below, [{ value: null, volume: 0 }]).status, 'insufficient')
    assert.equal(evaluateRule({ ...below, minVolume: 20 }, [{ value: 10, volume: 3 }]).status, 'insufficient')
    assert.equal(evaluateRule({ ...below, minVolume: 20 }, [{ value: 10, volume: 20 }]).status, 'breach')
    assert.equal(evaluateRule(below, []).status, 'insufficient')
  })
})

describe('seasonal (week over week with trend)', () => {
  const rule: SeasonalRule = { ...RULE_DEFAULTS.seasonal }

  it('scales the same hour last week by the 7-day trend (hand-computed)', () => {
    // Two weeks back: 100 every hour (total 16,800); last week: 120 every hour (20,160). Trend 20,160 / 16,800 = 1.2;
    // the same hour last week is 120, so expected = 144; a 40% drop allowance puts the floor at 86.4.
    const history = [...flat(100, HOURS_PER_WEEK), ...flat(120, HOURS_PER_WEEK)]
    const low = evaluateRule(rule, counts([...history, 86]))
    assert.equal(low.status, 'breach')
    assert.equal(low.expected, 144)
    assert.match(low.reason, /86 against 144 expected .*trend ×1\.20\), 40% lower; the rule allows 40%/)
    assert.equal(evaluateRule(rule, counts([...history, 87])).status, 'ok')
  })

  it('clamps the trend to ×0.5–×2 and needs two weeks of history', () => {
    const history = [...flat(100, HOURS_PER_WEEK), ...flat(300, HOURS_PER_WEEK)]
    assert.equal(evaluateRule(rule, counts([...history, 400])).expected, 600) // 300 × min(3, 2)
    assert.equal(evaluateRule(rule, counts([...flat(100, HOURS_PER_WEEK), 10])).status, 'insufficient')
    assert.equal(bucketsNeeded(rule), 2 * HOURS_PER_WEEK + 1)
  })

  it('takes the median of the same hour over several weeks when asked', () => {
    // Three weeks of 100 an hour, except the judged hour last week, a holiday with 20. Trend: last week totals
    // 167 × 100 + 20 = 16,720 against 16,800 the week before → ×0.995238. One week: expected 20 × 0.995238 = 19.9;
    // three weeks: median(20, 100, 100) = 100 → expected 99.52, so a normal 100 is no surprise.
    const series = flat(100, 3 * HOURS_PER_WEEK)
    series[2 * HOURS_PER_WEEK] = 20
    const trend = 16_720 / 16_800
    assert.equal(evaluateRule({ ...rule, weeks: 1 }, counts([...series, 100])).expected, 20 * trend)
    const verdict = evaluateRule({ ...rule, weeks: 3 }, counts([...series, 100]))
    assert.equal(verdict.expected, 100 * trend)
    assert.equal(verdict.status, 'ok')
    assert.match(verdict.reason, /same hour of the last 3 weeks/)
  })

  it('does not call a drop that counting noise explains a breach', () => {
    // Expected 40 (two flat weeks), value 20: 50% lower, but 40 − 20 = 20 < 3.5 × √60 = 27.1.
    const history = [...flat(40, HOURS_PER_WEEK), ...flat(40, HOURS_PER_WEEK)]
    assert.equal(evaluateRule(rule, counts([...history, 20])).status, 'ok')
    // Expected 100, value 50: 50 ≥ 3.5 × √150 = 42.9 → breach.
    assert.equal(evaluateRule(rule, counts([...flat(100, 2 * HOURS_PER_WEEK), 50])).status, 'breach')
  })

  it('does not judge quiet hours (expected below the minimum)', () => {
    const history = [...flat(10, HOURS_PER_WEEK), ...flat(10, HOURS_PER_WEEK)]
    assert.equal(evaluateRule(rule, counts([...history, 0])).status, 'insufficient')
  })

  it('stays quiet over four weeks of a normal weekly cycle with noise and growth', () => {
    for (const seed of [1, 2, 3]) {
      const series = weeklyTraffic(6, seed)
      assert.deepEqual(breachesOver(rule, series, 2 * HOURS_PER_WEEK), [], `seed ${seed}`)
    }
  })

  it('alerts on the first evaluation of a 50% drop, whatever the hour of a working day', () => {
    const series = weeklyTraffic(4, 7)
    // Wednesday of week 4, 08:00 to 20:00: traffic halves from that hour on.
    for (let hour = 8; hour <= 20; hour++) {
      const start = 3 * HOURS_PER_WEEK + 2 * 24 + hour
      const dropped = series.slice(0, start + 1).map((v, i) => (i >= start ? Math.round(v * 0.5) : v))
      const verdict = evaluateRule(rule, counts(dropped.slice(-bucketsNeeded(rule))))
      assert.equal(verdict.status, 'breach', `drop starting ${hour}:00: ${verdict.reason}`)
    }
  })
})

describe('robust z-score', () => {
  const rule: ZScoreRule = { kind: 'zscore', k: 3.5, window: 5, minVolume: 100, direction: 'below' }

  it('computes z from the median and MAD (hand-computed)', () => {
    // Baseline 100, 102, 98, 101, 99: median 100, absolute deviations 0, 2, 2, 1, 1 → MAD 1, scale 1.4826.
    // 94 → z = −6 / 1.4826 = −4.05 (breach at −3.5); 95 → −3.37 (no breach).
    assert.ok(Math.abs(robustZ(94, [100, 102, 98, 101, 99]) - -6 / 1.4826) < 1e-12)
    const verdict = evaluateRule(rule, counts([100, 102, 98, 101, 99, 94]))
    assert.equal(verdict.status, 'breach')
    assert.equal(verdict.expected, 100)
    assert.match(verdict.reason, /z = −4 /)
    assert.equal(evaluateRule(rule, counts([100, 102, 98, 101, 99, 95])).status, 'ok')
    assert.equal(evaluateRule({ ...rule, direction: 'above' }, counts([100, 102, 98, 101, 99, 94])).status, 'ok')
    assert.equal(evaluateRule({ ...rule, direction: 'both' }, counts([100, 102, 98, 101, 99, 106])).status, 'breach')
  })

  it('falls back to the mean absolute deviation when MAD is zero, and to ±∞ when nothing varies', () => {
    // 5, 5, 5, 5, 6: MAD 0; mean absolute deviation 0.2 → scale 1.2533 × 0.2; 4 → z = −1 / 0.25066 = −3.99.
    assert.ok(Math.abs(robustZ(4, [5, 5, 5, 5, 6]) - -1 / (1.2533 * 0.2)) < 1e-9)
    assert.equal(robustZ(4, [5, 5, 5]), Number.NEGATIVE_INFINITY)
    assert.equal(robustZ(5, [5, 5, 5]), 0)
  })

  it('does not judge low volume, however unusual the hour looks', () => {
    // Same shape at a tenth of the volume: median 10, MAD 1 → 2 would be z = −5.4, but the median volume 10 < 100.
    const verdict = evaluateRule(rule, counts([10, 12, 8, 11, 9, 2]))
    assert.equal(verdict.status, 'insufficient')
    assert.match(verdict.reason, /median volume is 10; the rule judges from 100/)
    const noisyLowTraffic = weeklyTraffic(4, 11, 60)
    assert.deepEqual(breachesOver({ ...RULE_DEFAULTS.zscore }, noisyLowTraffic, 24), [])
  })

  it('needs a full window and ignores undefined values in it', () => {
    assert.equal(evaluateRule(rule, counts([100, 100, 94])).status, 'insufficient')
    const gappy: Bucket[] = [{ value: null, volume: 0 }, ...counts([100, 102, 98, 101]), { value: 94, volume: 94 }]
    assert.equal(evaluateRule({ ...rule, minVolume: 0 }, gappy).status, 'breach')
  })

  it('stays quiet over a normal weekly cycle and fires on a collapse of steady traffic', () => {
    assert.deepEqual(breachesOver({ ...RULE_DEFAULTS.zscore }, weeklyTraffic(4, 5), 24), [])
    const random = seededRandom(9)
    const steady = Array.from({ length: 48 }, () => Math.round(500 + (random() - 0.5) * 60))
    assert.equal(evaluateRule({ ...RULE_DEFAULTS.zscore }, counts([...steady.slice(-24), 250])).status, 'breach')
  })
})

describe('no data', () => {
  const rule = { kind: 'no_data', hours: 2 } as const
  it('fires after N empty hours and not before', () => {
    const series = [...flat(30, 10), 0, 0, 0]
    assert.equal(evaluateRule(rule, counts(series.slice(0, 10)).slice(-2)).status, 'ok') // last hour had events
    assert.equal(evaluateRule(rule, counts(series.slice(0, 11)).slice(-2)).status, 'ok') // one empty hour
    const fired = evaluateRule(rule, counts(series.slice(0, 12)).slice(-2))
    assert.equal(fired.status, 'breach') // two empty hours
    assert.match(fired.reason, /last 2 hours/)
    assert.deepEqual(breachesOver(rule, series, 1), [11, 12])
  })
  it('judges volume, so an undefined rate with events behind it is not "no data"', () => {
    assert.equal(evaluateRule(rule, [{ value: null, volume: 3 }, { value: null, volume: 0 }]).status, 'ok')
    assert.equal(evaluateRule(rule, counts([0])).status, 'insufficient')
  })
})

describe('monitor state', () => {
  const idle: MonitorState = { streak: 0, alertOpen: false, cooldownUntil: null }
  const t = (hours: number) => new Date(Date.UTC(2026, 0, 5) + hours * 3_600_000)
  const policy = { consecutive: 2, cooldownMs: 6 * 3_600_000 }

  it('opens after the required consecutive breaches, once, and resolves on the first good bucket', () => {
    const first = nextState(idle, { status: 'breach' }, policy, t(0))
    assert.deepEqual(first, { state: { streak: 1, alertOpen: false, cooldownUntil: null }, transition: 'none' })
    const second = nextState(first.state, { status: 'breach' }, policy, t(1))
    assert.equal(second.transition, 'open')
    const third = nextState(second.state, { status: 'breach' }, policy, t(2))
    assert.equal(third.transition, 'none')
    assert.equal(third.state.alertOpen, true)
    const resolved = nextState(third.state, { status: 'ok' }, policy, t(3))
    assert.equal(resolved.transition, 'resolve')
    assert.deepEqual(resolved.state, { streak: 0, alertOpen: false, cooldownUntil: t(9) })
  })

  it('a good bucket between breaches resets the streak; insufficient data changes nothing', () => {
    const one = nextState(idle, { status: 'breach' }, policy, t(0)).state
    assert.equal(nextState(one, { status: 'insufficient' }, policy, t(1)).state, one)
    assert.equal(nextState(one, { status: 'ok' }, policy, t(1)).state.streak, 0)
  })

  it('suppresses a new alert during the cool-down and opens it after', () => {
    const cooling: MonitorState = { streak: 0, alertOpen: false, cooldownUntil: t(6) }
    const single = { ...policy, consecutive: 1 }
    assert.equal(nextState(cooling, { status: 'breach' }, single, t(5)).transition, 'suppressed')
    assert.equal(nextState(cooling, { status: 'breach' }, single, t(6)).transition, 'open')
  })

  it('median of an even count averages the middle pair', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5)
    assert.ok(Number.isNaN(median([])))
  })
})
