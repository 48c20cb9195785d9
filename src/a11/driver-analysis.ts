/**
 * Driver analysis: which A-11 drivers most separate trusting from non-trusting respondents. In the A-11 survey the
 * trusting (positive branch) tick the drivers that went well and the non-trusting (negative branch) tick the drivers
 * that need improvement, from the same keys. For each driver we compare the share of trusting respondents who cite it
 * with the share of non-trusting respondents who cite it, with a 95% interval for the difference (Newcombe's hybrid
 * score interval, built from the two Wilson intervals). Pure: it reads the figures `scoreFigures` already made.
 */
import { wilsonInterval, type BranchDrivers, type Interval, type Share } from './scoring.ts'
import { DRIVER_KEYS, type Branch, type DriverKey } from './survey-model.ts'

/**
 * Fewer respondents than this in either branch and the analysis says "not enough responses". With n = 10 a Wilson
 * interval is still about ±0.25 wide at p = 0.5, so any difference between two such shares is mostly noise; below
 * that ranking drivers would be reading tea leaves. Callers may ask for a higher bar.
 */
export const DRIVER_ANALYSIS_MIN_BRANCH = 10

/** A 95% interval for a difference of proportions; unlike a share's, it runs from −1 to 1. */
export interface DifferenceInterval {
  readonly lower: number
  readonly upper: number
  readonly confidence: 0.95
}

/** Which group cites the driver more: `trusting` (as going well) or `non_trusting` (as needing improvement). */
export type Separation = 'trusting' | 'non_trusting' | 'none'

export interface DriverSeparation {
  readonly driver: DriverKey
  /** Trusting respondents who cite the driver as going well, of all trusting respondents. */
  readonly trusting: Share
  /** Non-trusting respondents who cite the driver as needing improvement, of all non-trusting respondents. */
  readonly nonTrusting: Share
  /** trusting.share − nonTrusting.share; null when a branch is empty. */
  readonly difference: number | null
  readonly interval: DifferenceInterval | null
  /** The interval excludes 0: the two groups cite the driver at clearly different rates. */
  readonly clear: boolean
  /** The group that cites it more when the difference is clear, else `none`. */
  readonly citedMoreBy: Separation
  /**
   * How far the interval stays from 0: the smallest separation the data support (0 unless clear). Drivers are
   * ranked by this, then by |difference|.
   */
  readonly strength: number
}

export interface DriverAnalysis {
  readonly trustingN: number
  readonly nonTrustingN: number
  /** The minimum respondents per branch this analysis asked for. */
  readonly minimum: number
  /** Both branches have at least `minimum` respondents; when false the drivers are listed in key order, unranked. */
  readonly sufficient: boolean
  readonly drivers: readonly DriverSeparation[]
}

/**
 * Newcombe's hybrid score interval for p1 − p2 of two independent proportions (Newcombe 1998, "Interval estimation
 * for the difference between independent proportions", method 10). With Wilson intervals (l1, u1) for p1 = a/m and
 * (l2, u2) for p2 = b/n, and D = p1 − p2:
 *   lower = D − √((p1 − l1)² + (u2 − p2)²)
 *   upper = D + √((u1 − p1)² + (p2 − l2)²)
 * Each tail combines the two shares' own distances to the side that moves D that way, so the interval inherits the
 * Wilson interval's good behaviour at 0 and 1 and never leaves [−1, 1].
 * Newcombe's Table II example: 56/70 − 48/80 = 0.8 − 0.6 = 0.2; Wilson 56/70 = (0.6918, 0.8770), 48/80 = (0.4905, 0.7004);
 * lower = 0.2 − √(0.1082² + 0.1004²) = 0.2 − 0.1476 = 0.0524, upper = 0.2 + √(0.0770² + 0.1095²) = 0.2 + 0.1339 = 0.3339.
 * @example differenceInterval(56, 70, 48, 80) // { lower: 0.0524…, upper: 0.3339…, confidence: 0.95 }
 */
export function differenceInterval(a: number, m: number, b: number, n: number): DifferenceInterval | null {
  const first = wilsonInterval(a, m)
  const second = wilsonInterval(b, n)
  if (!first || !second) return null
  const p1 = a / m
  const p2 = b / n
  const d = p1 - p2
  return {
    lower: Math.max(-1, d - Math.hypot(p1 - first.lower, second.upper - p2)),
    upper: Math.min(1, d + Math.hypot(first.upper - p1, p2 - second.lower)),
    confidence: 0.95,
  }
}

/** Whether an interval leaves out 0 (a difference the data clearly support). */
export const excludesZero = (interval: Interval | DifferenceInterval | null): boolean => interval !== null && (interval.lower > 0 || interval.upper < 0)

function separation(driver: DriverKey, trusting: Share, nonTrusting: Share): DriverSeparation {
  const interval = differenceInterval(trusting.count, trusting.n, nonTrusting.count, nonTrusting.n)
  const difference = trusting.share === null || nonTrusting.share === null ? null : trusting.share - nonTrusting.share
  const clear = excludesZero(interval)
  const citedMoreBy: Separation = !clear || !interval ? 'none' : interval.lower > 0 ? 'trusting' : 'non_trusting'
  const strength = !clear || !interval ? 0 : Math.min(Math.abs(interval.lower), Math.abs(interval.upper))
  return { driver, trusting, nonTrusting, difference, interval, clear, citedMoreBy, strength }
}

/**
 * The analysis of one group's driver ticks (`ScoreFigures.drivers`): per driver, the share of each branch citing it,
 * the difference and its Newcombe interval; ranked by `strength` then |difference| when both branches reach
 * `minimum` respondents (default 10), else in key order with `sufficient: false`.
 */
export function driverAnalysis(drivers: Readonly<Record<Branch, BranchDrivers>>, minimum = DRIVER_ANALYSIS_MIN_BRANCH): DriverAnalysis {
  const trustingN = drivers.positive.n
  const nonTrustingN = drivers.negative.n
  const sufficient = trustingN >= minimum && nonTrustingN >= minimum
  const rows = DRIVER_KEYS.map((key) => separation(key, drivers.positive.drivers[key], drivers.negative.drivers[key]))
  const ranked = sufficient
    ? [...rows].sort((x, y) => y.strength - x.strength || Math.abs(y.difference ?? 0) - Math.abs(x.difference ?? 0) || DRIVER_KEYS.indexOf(x.driver) - DRIVER_KEYS.indexOf(y.driver))
    : rows
  return { trustingN, nonTrustingN, minimum, sufficient, drivers: ranked }
}
