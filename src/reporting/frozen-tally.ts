/**
 * A submitted detail's score tally, frozen as JSON in `collection_details.tally`. Parsing checks every count, so a
 * damaged row fails loudly instead of publishing wrong figures.
 */
import type { ScoreTally } from '../a11/scoring.ts'
import { BRANCHES, DRIVER_KEYS, type Branch, type DriverKey } from '../a11/survey-model.ts'

/** The tally as stored: plain JSON with a format version, drivers in a fixed order. */
export function serializeTally(tally: ScoreTally): string {
  const ticks = (branch: Branch) => Object.fromEntries(DRIVER_KEYS.flatMap((k) => (tally.driverTicks[branch][k] === undefined ? [] : [[k, tally.driverTicks[branch][k]]])))
  return JSON.stringify({
    v: 1,
    respondents: tally.respondents, trustAnswered: tally.trustAnswered, trustPositive: tally.trustPositive, likertCounts: [...tally.likertCounts],
    branchRespondents: { positive: tally.branchRespondents.positive, negative: tally.branchRespondents.negative },
    driverTicks: { positive: ticks('positive'), negative: ticks('negative') }, offers: tally.offers,
  })
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0

function count(value: unknown, where: string): number {
  if (!isCount(value)) throw new Error(`frozen tally: ${where} is not a count`)
  return value
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`frozen tally: ${where} is not an object`)
  return value as Record<string, unknown>
}

/** The tally stored by `serializeTally`; throws naming the bad field when the JSON is not one. */
export function parseTally(json: string): ScoreTally {
  const raw = record(JSON.parse(json) as unknown, 'tally')
  if (raw.v !== 1) throw new Error(`frozen tally: unknown format version ${String(raw.v)}`)
  const likert = raw.likertCounts
  if (!Array.isArray(likert) || likert.length !== 5) throw new Error('frozen tally: likertCounts must hold 5 counts')
  const branches = record(raw.branchRespondents, 'branchRespondents')
  const ticks = record(raw.driverTicks, 'driverTicks')
  const ticksOf = (branch: Branch): Partial<Record<DriverKey, number>> => {
    const source = record(ticks[branch], `driverTicks.${branch}`)
    const unknown = Object.keys(source).filter((k) => !(DRIVER_KEYS as readonly string[]).includes(k))
    if (unknown.length > 0) throw new Error(`frozen tally: unknown driver ${unknown[0]}`)
    return Object.fromEntries(Object.entries(source).map(([k, v]) => [k, count(v, `driverTicks.${branch}.${k}`)]))
  }
  const [one, two, three, four, five] = likert.map((v, i) => count(v, `likertCounts[${i}]`)) as [number, number, number, number, number]
  return {
    respondents: count(raw.respondents, 'respondents'),
    trustAnswered: count(raw.trustAnswered, 'trustAnswered'),
    trustPositive: count(raw.trustPositive, 'trustPositive'),
    likertCounts: [one, two, three, four, five],
    branchRespondents: Object.fromEntries(BRANCHES.map((b) => [b, count(branches[b], `branchRespondents.${b}`)])) as Record<Branch, number>,
    driverTicks: Object.fromEntries(BRANCHES.map((b) => [b, ticksOf(b)])) as Record<Branch, Partial<Record<DriverKey, number>>>,
    offers: count(raw.offers, 'offers'),
  }
}
