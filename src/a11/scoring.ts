/**
 * Post-transaction survey scores (A-11 §280.14; reference §6 "Derived metrics"): trust share, Likert means, each
 * driver's share per branch, 95% Wilson score intervals and response rates. Every figure carries its n. The store
 * aggregates counts (a `ScoreTally`); everything after that is here, pure, so the quarterly OMB report reuses it.
 */
import { BRANCHES, DRIVER_KEYS, type Branch, type DriverKey, type SurveyScale } from './survey-model.ts'

/** The two-sided 95% normal quantile. */
export const Z_95 = 1.959963984540054

export interface Interval {
  readonly lower: number
  readonly upper: number
  readonly confidence: 0.95
}

/** A proportion with its numerator, denominator and 95% Wilson interval; share and interval are null when n = 0. */
export interface Share {
  readonly count: number
  readonly n: number
  readonly share: number | null
  readonly interval: Interval | null
}

export interface Mean {
  readonly n: number
  readonly mean: number | null
}

export interface ResponseRate {
  readonly respondents: number
  readonly offers: number
  /** Null when no offers were recorded. Above 1 means some offers went unrecorded. */
  readonly rate: number | null
}

/**
 * The Wilson score interval for `successes` out of `n` (Wilson 1927; Newcombe 1998, method 3). Unlike the normal
 * approximation it stays inside [0, 1] and is meaningful at p = 0 and p = 1, which small survey samples often hit.
 * @example wilsonInterval(0, 20) // { lower: 0, upper: 0.1611, confidence: 0.95 }
 */
export function wilsonInterval(successes: number, n: number): Interval | null {
  if (!Number.isFinite(n) || n <= 0) return null
  if (successes < 0 || successes > n) throw new RangeError(`successes (${successes}) must be between 0 and n (${n})`)
  const p = successes / n
  const z = Z_95
  const z2 = z * z
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n)
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  // At p = 0 and p = 1 the bounds are exactly 0 and 1; floating point would leave 1e-17 residues.
  return {
    lower: successes === 0 ? 0 : Math.max(0, centre - half),
    upper: successes === n ? 1 : Math.min(1, centre + half),
    confidence: 0.95,
  }
}

/** `count` of `n` as a share with its Wilson interval. */
export function shareOf(count: number, n: number): Share {
  return { count, n, share: n > 0 ? count / n : null, interval: wilsonInterval(count, n) }
}

/** Whether a trust answer is positive: thumbs up (1), or Likert at or above the cut-off (reference §3: 4). */
export function isTrustPositive(scale: SurveyScale, value: number, likertPositiveMin = 4): boolean {
  return scale === 'thumbs_up_down' ? value === 1 : value >= likertPositiveMin
}

/** Trust share over raw trust answers: positive answers ÷ answers. */
export function trustShare(values: readonly number[], scale: SurveyScale, likertPositiveMin = 4): Share {
  return shareOf(values.filter((v) => isTrustPositive(scale, v, likertPositiveMin)).length, values.length)
}

/** The mean of Likert answers (1–5). */
export function likertMean(values: readonly number[]): Mean {
  if (values.length === 0) return { n: 0, mean: null }
  return { n: values.length, mean: values.reduce((sum, v) => sum + v, 0) / values.length }
}

/**
 * The weighted mean Σ k·count_k ÷ Σ count_k of a Likert distribution, `counts[0]` being the count of 1s. This is how
 * the legacy 2019–2022 format scored each question from per-point counts (reference §6).
 * @example weightedLikertMean([2302, 3118, 10615, 55358, 249586]).mean // 4.7036 (published as 4.70 for VA FY21 Q2)
 */
export function weightedLikertMean(counts: readonly number[]): Mean {
  let n = 0
  let total = 0
  counts.forEach((count, index) => {
    n += count
    total += (index + 1) * count
  })
  return { n, mean: n > 0 ? total / n : null }
}

/** Each driver's share in one branch: ticks ÷ respondents in that branch (reference §6). */
export function driverShares(ticks: Readonly<Partial<Record<DriverKey, number>>>, branchRespondents: number): Readonly<Record<DriverKey, Share>> {
  return Object.fromEntries(DRIVER_KEYS.map((key) => [key, shareOf(ticks[key] ?? 0, branchRespondents)])) as Record<DriverKey, Share>
}

export function responseRate(respondents: number, offers: number): ResponseRate {
  return { respondents, offers, rate: offers > 0 ? respondents / offers : null }
}

/** Counts the store aggregates for one group (a survey × channel × quarter cell, or any roll-up of cells). */
export interface ScoreTally {
  readonly respondents: number
  /** Respondents who answered the trust question, and how many of them positively. */
  readonly trustAnswered: number
  readonly trustPositive: number
  /** Trust answers on a Likert scale by point: index 0 counts the 1s. */
  readonly likertCounts: readonly [number, number, number, number, number]
  /** Respondents whose trust answer led to each branch. */
  readonly branchRespondents: Readonly<Record<Branch, number>>
  readonly driverTicks: Readonly<Record<Branch, Readonly<Partial<Record<DriverKey, number>>>>>
  readonly offers: number
}

export const emptyTally = (): ScoreTally => ({
  respondents: 0, trustAnswered: 0, trustPositive: 0, likertCounts: [0, 0, 0, 0, 0],
  branchRespondents: { positive: 0, negative: 0 }, driverTicks: { positive: {}, negative: {} }, offers: 0,
})

function addTicks(a: Readonly<Partial<Record<DriverKey, number>>>, b: Readonly<Partial<Record<DriverKey, number>>>): Partial<Record<DriverKey, number>> {
  const sum: Partial<Record<DriverKey, number>> = { ...a }
  for (const key of DRIVER_KEYS) if (b[key] !== undefined) sum[key] = (sum[key] ?? 0) + (b[key] as number)
  return sum
}

/** The tally of two groups together (counts add; figures do not, so roll-ups add tallies, then score them). */
export function addTallies(a: ScoreTally, b: ScoreTally): ScoreTally {
  const l = a.likertCounts
  const r = b.likertCounts
  return {
    respondents: a.respondents + b.respondents,
    trustAnswered: a.trustAnswered + b.trustAnswered,
    trustPositive: a.trustPositive + b.trustPositive,
    likertCounts: [l[0] + r[0], l[1] + r[1], l[2] + r[2], l[3] + r[3], l[4] + r[4]],
    branchRespondents: { positive: a.branchRespondents.positive + b.branchRespondents.positive, negative: a.branchRespondents.negative + b.branchRespondents.negative },
    driverTicks: { positive: addTicks(a.driverTicks.positive, b.driverTicks.positive), negative: addTicks(a.driverTicks.negative, b.driverTicks.negative) },
    offers: a.offers + b.offers,
  }
}

export interface BranchDrivers {
  /** Respondents in the branch: the denominator of every share below. */
  readonly n: number
  readonly drivers: Readonly<Record<DriverKey, Share>>
}

export interface ScoreFigures {
  readonly respondents: number
  readonly offers: number
  readonly responseRate: ResponseRate
  readonly trust: Share
  readonly likertMean: Mean
  readonly likertCounts: readonly number[]
  readonly drivers: Readonly<Record<Branch, BranchDrivers>>
}

/** Every figure of a group from its tally. */
export function scoreFigures(tally: ScoreTally): ScoreFigures {
  return {
    respondents: tally.respondents,
    offers: tally.offers,
    responseRate: responseRate(tally.respondents, tally.offers),
    trust: shareOf(tally.trustPositive, tally.trustAnswered),
    likertMean: weightedLikertMean(tally.likertCounts),
    likertCounts: [...tally.likertCounts],
    drivers: Object.fromEntries(BRANCHES.map((branch) => [branch, {
      n: tally.branchRespondents[branch], drivers: driverShares(tally.driverTicks[branch], tally.branchRespondents[branch]),
    }])) as Record<Branch, BranchDrivers>,
  }
}
