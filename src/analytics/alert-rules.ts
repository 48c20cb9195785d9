/**
 * Alert rules as pure functions over a metric's buckets (oldest first; the last bucket is the one being judged), and
 * the monitor state machine that turns a run of verdicts into alerts (consecutive breaches, one open alert, cool-down).
 * Nothing here reads a clock or a store, so every rule is tested on synthetic series with known answers.
 *
 * - threshold: the value is above or below a fixed bound.
 * - seasonal: week-over-week with trend. Expected = the same hour last week (the median over `weeks` weeks) scaled by
 *   the ratio of the last 7 days' total to the 7 days before (clamped to 0.5–2 so a launch or an outage in the
 *   baseline cannot make the expectation absurd); a breach is a value more than `dropPercent` below expected and
 *   further below it than counting noise explains (NOISE_SIGMAS).
 * - zscore: robust z = (x − median) ÷ (1.4826 × MAD) over the trailing `window` buckets, judged only when the
 *   baseline's median volume reaches `minVolume` (few events make every hour look unusual).
 * - no_data: no events in each of the last `hours` buckets, the signature of a tracker removed in a deploy.
 */

export const RULE_KINDS = ['threshold', 'seasonal', 'zscore', 'no_data'] as const
export type RuleKind = (typeof RULE_KINDS)[number]

export interface ThresholdRule {
  readonly kind: 'threshold'
  readonly direction: 'above' | 'below'
  readonly value: number
  /** Buckets with less volume than this are not judged (e.g. a completion rate from three visitors). */
  readonly minVolume: number
}

export interface SeasonalRule {
  readonly kind: 'seasonal'
  /** Breach when the value is more than this percentage below expected. */
  readonly dropPercent: number
  /** How many past weeks give the same-hour baseline (their median). */
  readonly weeks: number
  /** Hours expected to be quieter than this are not judged. */
  readonly minExpected: number
}

export interface ZScoreRule {
  readonly kind: 'zscore'
  readonly k: number
  /** Trailing buckets forming the baseline. */
  readonly window: number
  readonly minVolume: number
  readonly direction: 'below' | 'above' | 'both'
}

export interface NoDataRule {
  readonly kind: 'no_data'
  readonly hours: number
}

export type AlertRule = ThresholdRule | SeasonalRule | ZScoreRule | NoDataRule

/** One time bucket of a metric. `value` is null when the metric is undefined (a rate with no one in it). */
export interface Bucket {
  readonly value: number | null
  /** How many events or visitors stand behind the value (for counts, the count itself). */
  readonly volume: number
}

export type VerdictStatus = 'breach' | 'ok' | 'insufficient'

export interface Verdict {
  readonly status: VerdictStatus
  /** The judged bucket's value. */
  readonly value: number | null
  /** What the rule expected (bound, seasonal expectation or median); null when it has none. */
  readonly expected: number | null
  /** One sentence with the numbers, for people. */
  readonly reason: string
}

export const HOURS_PER_WEEK = 168
/** The seasonal trend ratio is clamped to this range. */
export const TREND_LIMITS = [0.5, 2] as const
/**
 * A seasonal breach must also exceed counting noise: expected − value ≥ 3.5 × √(expected + value), the Poisson spread
 * of a difference of two counts. A 50% drop therefore alerts in any hour expected to reach about 75 events.
 */
export const NOISE_SIGMAS = 3.5
/** 1.4826 × MAD estimates the standard deviation of normally distributed data. */
const MAD_SCALE = 1.4826
/** Mean absolute deviation × √(π/2) is the fallback scale when more than half the baseline is identical. */
const MEAN_ABS_SCALE = 1.2533

export const RULE_DEFAULTS = {
  threshold: { kind: 'threshold', direction: 'below', value: 0, minVolume: 0 },
  seasonal: { kind: 'seasonal', dropPercent: 40, weeks: 1, minExpected: 20 },
  zscore: { kind: 'zscore', k: 3.5, window: 24, minVolume: 100, direction: 'below' },
  no_data: { kind: 'no_data', hours: 2 },
} as const satisfies { readonly [K in RuleKind]: Extract<AlertRule, { kind: K }> }

/** How many buckets, ending with the judged one, a rule reads. */
export function bucketsNeeded(rule: AlertRule): number {
  switch (rule.kind) {
    case 'threshold': return 1
    case 'seasonal': return Math.max(2, rule.weeks) * HOURS_PER_WEEK + 1
    case 'zscore': return rule.window + 1
    case 'no_data': return rule.hours
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

const sum = (values: readonly number[]): number => values.reduce((total, v) => total + v, 0)

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞'
  return value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) >= 100 ? 0 : 1 }).replace('-', '−')
}

const insufficient = (value: number | null, expected: number | null, reason: string): Verdict => ({ status: 'insufficient', value, expected, reason })

/** Judges the last bucket. Too few buckets, or a null judged value, is `insufficient`, never a breach. */
export function evaluateRule(rule: AlertRule, buckets: readonly Bucket[]): Verdict {
  const current = buckets[buckets.length - 1]
  if (!current) return insufficient(null, null, 'There is no data to judge yet.')
  switch (rule.kind) {
    case 'threshold': return threshold(rule, current)
    case 'seasonal': return seasonal(rule, buckets)
    case 'zscore': return zscore(rule, buckets)
    case 'no_data': return noData(rule, buckets)
  }
}

function threshold(rule: ThresholdRule, current: Bucket): Verdict {
  const bound = rule.value
  if (current.value === null) return insufficient(null, bound, 'The value is undefined for this period (nothing to measure).')
  if (current.volume < rule.minVolume) {
    return insufficient(current.value, bound, `Only ${formatNumber(current.volume)} behind the value; the rule judges from ${formatNumber(rule.minVolume)}.`)
  }
  const breached = rule.direction === 'below' ? current.value < bound : current.value > bound
  const word = rule.direction === 'below' ? 'below' : 'above'
  return {
    status: breached ? 'breach' : 'ok', value: current.value, expected: bound,
    reason: breached ? `${formatNumber(current.value)} is ${word} the bound of ${formatNumber(bound)}.` : `${formatNumber(current.value)} is not ${word} the bound of ${formatNumber(bound)}.`,
  }
}

function seasonal(rule: SeasonalRule, buckets: readonly Bucket[]): Verdict {
  const c = buckets.length - 1
  const current = buckets[c] as Bucket
  const weeks = Math.max(1, rule.weeks)
  if (c < Math.max(2, weeks) * HOURS_PER_WEEK) return insufficient(current.value, null, `Needs ${Math.max(2, weeks)} weeks of history before judging.`)
  const at = (i: number) => buckets[i]?.value ?? 0
  const sameHour = Array.from({ length: weeks }, (_, j) => at(c - HOURS_PER_WEEK * (j + 1)))
  const recent = sum(buckets.slice(c - HOURS_PER_WEEK, c).map((b) => b.value ?? 0))
  const prior = sum(buckets.slice(c - 2 * HOURS_PER_WEEK, c - HOURS_PER_WEEK).map((b) => b.value ?? 0))
  const trend = prior > 0 ? Math.min(TREND_LIMITS[1], Math.max(TREND_LIMITS[0], recent / prior)) : 1
  const expected = median(sameHour) * trend
  if (current.value === null) return insufficient(null, expected, 'The value is undefined for this period.')
  if (expected < rule.minExpected) {
    return insufficient(current.value, expected, `Expected only ${formatNumber(expected)}; the rule judges hours expected to reach ${formatNumber(rule.minExpected)}.`)
  }
  const floor = expected * (1 - rule.dropPercent / 100)
  const change = (current.value - expected) / expected
  const described = `${formatNumber(current.value)} against ${formatNumber(expected)} expected from the same hour ${weeks === 1 ? 'last week' : `of the last ${weeks} weeks`} (trend ×${trend.toFixed(2)}), ${change < 0 ? `${Math.round(-change * 100)}% lower` : `${Math.round(change * 100)}% higher`}`
  const beyondNoise = expected - current.value >= NOISE_SIGMAS * Math.sqrt(expected + current.value)
  return current.value < floor && beyondNoise
    ? { status: 'breach', value: current.value, expected, reason: `${described}; the rule allows ${formatNumber(rule.dropPercent)}%.` }
    : { status: 'ok', value: current.value, expected, reason: `${described}.` }
}

function zscore(rule: ZScoreRule, buckets: readonly Bucket[]): Verdict {
  const current = buckets[buckets.length - 1] as Bucket
  const baseline = buckets.slice(Math.max(0, buckets.length - 1 - rule.window), buckets.length - 1)
  const values = baseline.flatMap((b) => (b.value === null ? [] : [b.value]))
  if (baseline.length < rule.window || values.length < Math.max(3, Math.ceil(rule.window / 2))) {
    return insufficient(current.value, null, `Needs ${rule.window} earlier periods with data before judging.`)
  }
  const center = median(values)
  const volume = median(baseline.map((b) => b.volume))
  if (volume < rule.minVolume) {
    return insufficient(current.value, center, `The baseline's median volume is ${formatNumber(volume)}; the rule judges from ${formatNumber(rule.minVolume)}.`)
  }
  if (current.value === null) return insufficient(null, center, 'The value is undefined for this period.')
  const z = robustZ(current.value, values, center)
  const breached = rule.direction === 'below' ? z <= -rule.k : rule.direction === 'above' ? z >= rule.k : Math.abs(z) >= rule.k
  const reason = `${formatNumber(current.value)} against the median ${formatNumber(center)} of the previous ${rule.window} periods: z = ${formatNumber(Math.round(z * 10) / 10)} (the rule fires at ${rule.direction === 'below' ? '−' : rule.direction === 'above' ? '+' : '±'}${formatNumber(rule.k)}).`
  return { status: breached ? 'breach' : 'ok', value: current.value, expected: center, reason }
}

/** Robust z-score of x against the values. A baseline with no spread at all makes any difference infinite. */
export function robustZ(x: number, values: readonly number[], center = median(values)): number {
  let scale = MAD_SCALE * median(values.map((v) => Math.abs(v - center)))
  if (scale === 0) scale = MEAN_ABS_SCALE * (sum(values.map((v) => Math.abs(v - center))) / values.length)
  if (scale === 0) return x === center ? 0 : x > center ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY
  return (x - center) / scale
}

function noData(rule: NoDataRule, buckets: readonly Bucket[]): Verdict {
  const current = buckets[buckets.length - 1] as Bucket
  const lastHours = buckets.slice(-rule.hours)
  if (lastHours.length < rule.hours) return insufficient(current.value, 0, `Needs ${rule.hours} hours of history before judging.`)
  const empty = lastHours.every((b) => b.volume === 0)
  return empty
    ? { status: 'breach', value: 0, expected: null, reason: `Nothing was recorded in the last ${rule.hours} hour${rule.hours === 1 ? '' : 's'}: has the tracker been removed?` }
    : { status: 'ok', value: current.value, expected: null, reason: `Events arrived within the last ${rule.hours} hour${rule.hours === 1 ? '' : 's'}.` }
}

// ─── Monitor state machine ─────────────────────────────────────────────────────────────────────────────────────

export interface MonitorPolicy {
  /** Breaches in a row before an alert opens (1 = the first). */
  readonly consecutive: number
  readonly cooldownMs: number
}

export interface MonitorState {
  readonly streak: number
  readonly alertOpen: boolean
  /** A resolved alert may not be followed by a new one before this time. */
  readonly cooldownUntil: Date | null
}

export type Transition = 'open' | 'resolve' | 'suppressed' | 'none'

/**
 * The next state after a verdict. An alert opens when the streak reaches `consecutive` and no cool-down runs;
 * the first bucket that is not a breach resolves it and starts the cool-down. `insufficient` changes nothing.
 */
export function nextState(state: MonitorState, verdict: Pick<Verdict, 'status'>, policy: MonitorPolicy, now: Date): { state: MonitorState; transition: Transition } {
  if (verdict.status === 'insufficient') return { state, transition: 'none' }
  if (verdict.status === 'ok') {
    if (!state.alertOpen) return { state: { ...state, streak: 0 }, transition: 'none' }
    return { state: { streak: 0, alertOpen: false, cooldownUntil: new Date(now.getTime() + policy.cooldownMs) }, transition: 'resolve' }
  }
  const streak = state.streak + 1
  if (state.alertOpen || streak < policy.consecutive) return { state: { ...state, streak }, transition: 'none' }
  if (state.cooldownUntil !== null && now < state.cooldownUntil) return { state: { ...state, streak }, transition: 'suppressed' }
  return { state: { ...state, streak, alertOpen: true }, transition: 'open' }
}
