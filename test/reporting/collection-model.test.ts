/** The collection's rules, pure: lifecycle, rating, fiscal-quarter dates and deadline, reminders, volume checks, known-answer figures. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fiscalQuarterOf } from '../../src/a11/fiscal-year.ts'
import { loadConfig } from '../../src/config.ts'
import { emptyTally, scoreFigures } from '../../src/a11/scoring.ts'
import {
  addDays, collectionDueOn, COLLECTION_STATES, COLLECTION_TRANSITIONS, dateIn, daysBetween, effectiveOffered, nextCollectionState, previousQuarter,
  quarterDates, quarterHasStarted, ratingProblem, reminderDue, transitionsFrom, volumeProblems, type CollectionState, type CollectionTransition,
} from '../../src/reporting/collection-model.ts'

const round = (value: number | null | undefined) => (value === null || value === undefined ? value : Number(value.toFixed(4)))

describe('collection lifecycle (reference §6)', () => {
  it('allows exactly the transitions of Touchpoints\' collection: submit, request changes, resubmit, publish, archive, not reported', () => {
    const allowed: Record<CollectionState, Partial<Record<CollectionTransition, CollectionState>>> = {
      draft: { submit: 'submitted', mark_not_reported: 'not_reported' },
      submitted: { request_changes: 'change_requested', publish: 'published', mark_not_reported: 'not_reported' },
      change_requested: { submit: 'submitted' },
      published: { archive: 'archived' },
      archived: {},
      not_reported: {},
    }
    for (const state of COLLECTION_STATES) {
      for (const transition of COLLECTION_TRANSITIONS) {
        assert.equal(nextCollectionState(state, transition), allowed[state][transition] ?? null, `${state} --${transition}-->`)
      }
      assert.deepEqual(transitionsFrom(state), Object.keys(allowed[state]).sort((a, b) => COLLECTION_TRANSITIONS.indexOf(a as CollectionTransition) - COLLECTION_TRANSITIONS.indexOf(b as CollectionTransition)))
    }
  })

  it('rates only collections in OMB\'s hands, and green only a submitted one', () => {
    assert.equal(ratingProblem('submitted', 'green'), null)
    assert.equal(ratingProblem('submitted', 'yellow'), null)
    assert.equal(ratingProblem('not_reported', 'red'), null)
    assert.match(ratingProblem('not_reported', 'green') ?? '', /Only a submitted collection can be rated green/)
    assert.match(ratingProblem('change_requested', 'green') ?? '', /Only a submitted/)
    assert.match(ratingProblem('draft', 'red') ?? '', /draft collection cannot be rated/)
    assert.match(ratingProblem('published', 'yellow') ?? '', /published collection cannot be rated/)
  })
})

describe('fiscal quarter dates and the deadline (reference §7)', () => {
  it('gives each quarter its first and last day', () => {
    assert.deepEqual(quarterDates({ fiscalYear: 2026, quarter: 1 }), { first: '2025-10-01', last: '2025-12-31' })
    assert.deepEqual(quarterDates({ fiscalYear: 2024, quarter: 2 }), { first: '2024-01-01', last: '2024-03-31' })
    assert.deepEqual(quarterDates({ fiscalYear: 2026, quarter: 3 }), { first: '2026-04-01', last: '2026-06-30' })
    assert.deepEqual(quarterDates({ fiscalYear: 2025, quarter: 4 }), { first: '2025-07-01', last: '2025-09-30' })
  })

  it('reads the deadline from CX280_COLLECTION_DEADLINE_DAYS (default 30)', () => {
    assert.equal(loadConfig({}).collectionDeadlineDays, 30)
    assert.equal(loadConfig({ CX280_COLLECTION_DEADLINE_DAYS: '45' }).collectionDeadlineDays, 45)
    assert.throws(() => loadConfig({ CX280_COLLECTION_DEADLINE_DAYS: 'a month' }), /CX280_COLLECTION_DEADLINE_DAYS/)
  })

  it('is due 30 days after the quarter ends by default, across month and year ends', () => {
    assert.equal(collectionDueOn({ fiscalYear: 2026, quarter: 1 }, 30), '2026-01-30')
    assert.equal(collectionDueOn({ fiscalYear: 2025, quarter: 4 }, 30), '2025-10-30')
    assert.equal(collectionDueOn({ fiscalYear: 2024, quarter: 2 }, 30), '2024-04-30')
    assert.equal(collectionDueOn({ fiscalYear: 2026, quarter: 3 }, 45), '2026-08-14')
    assert.equal(addDays('2024-02-28', 1), '2024-02-29')
    assert.equal(daysBetween('2026-04-16', '2026-04-30'), 14)
  })

  it('reads Sept 30 / Oct 1 in Eastern time: 03:59 UTC is Sep 30 (FY2025 Q4), 04:00 UTC is Oct 1 (FY2026 Q1)', () => {
    assert.equal(dateIn(new Date('2025-10-01T03:59:59Z')), '2025-09-30')
    assert.deepEqual(fiscalQuarterOf(new Date('2025-10-01T03:59:59Z')), { fiscalYear: 2025, quarter: 4 })
    assert.equal(dateIn(new Date('2025-10-01T04:00:00Z')), '2025-10-01')
    assert.deepEqual(fiscalQuarterOf(new Date('2025-10-01T04:00:00Z')), { fiscalYear: 2026, quarter: 1 })
    // In winter the offset is five hours: 04:59 UTC on Jan 1 is still Dec 31 (Q1).
    assert.deepEqual(fiscalQuarterOf(new Date('2026-01-01T04:59:00Z')), { fiscalYear: 2026, quarter: 1 })
    assert.deepEqual(fiscalQuarterOf(new Date('2026-01-01T05:00:00Z')), { fiscalYear: 2026, quarter: 2 })
    assert.equal(dateIn(new Date('2025-10-01T03:59:59Z'), 'UTC'), '2025-10-01')
  })

  it('knows the previous quarter and whether a quarter has started', () => {
    assert.deepEqual(previousQuarter({ fiscalYear: 2026, quarter: 1 }), { fiscalYear: 2025, quarter: 4 })
    assert.deepEqual(previousQuarter({ fiscalYear: 2026, quarter: 3 }), { fiscalYear: 2026, quarter: 2 })
    const now = new Date('2025-10-01T04:00:00Z')
    assert.equal(quarterHasStarted({ fiscalYear: 2026, quarter: 1 }, now), true)
    assert.equal(quarterHasStarted({ fiscalYear: 2026, quarter: 1 }, new Date('2025-10-01T03:59:00Z')), false)
    assert.equal(quarterHasStarted({ fiscalYear: 2026, quarter: 2 }, now), false)
  })
})

describe('deadline reminders: 14, 7 and 1 days before, each once', () => {
  it('sends the nearest threshold passed, never a missed earlier one twice, and none after the deadline', () => {
    const none = new Set<number>()
    assert.equal(reminderDue(15, none), null)
    assert.equal(reminderDue(14, none), 14)
    assert.equal(reminderDue(10, none), 14)
    assert.equal(reminderDue(10, new Set([14])), null)
    assert.equal(reminderDue(7, new Set([14])), 7)
    assert.equal(reminderDue(5, none), 7, 'a job that missed the 14-day reminder sends the 7-day one only')
    assert.equal(reminderDue(1, new Set([14, 7])), 1)
    assert.equal(reminderDue(0, new Set([14, 7])), 1, 'due today and not yet reminded')
    assert.equal(reminderDue(0, new Set([14, 7, 1])), null)
    assert.equal(reminderDue(-1, none), null)
  })
})

describe('volume checks: respondents ≤ offered ≤ customers', () => {
  const v = (respondents: number, recordedOffers: number, volumeOfCustomers: number | null, volumeOffered: number | null) => ({ respondents, recordedOffers, volumeOfCustomers, volumeOffered })

  it('passes consistent volumes, entered or recorded', () => {
    assert.deepEqual(volumeProblems(v(4, 10, 120, null), true), {})
    assert.deepEqual(volumeProblems(v(4, 0, 120, 4), true), {}, 'equal is allowed')
    assert.equal(effectiveOffered(v(4, 10, null, null)), 10)
    assert.equal(effectiveOffered(v(4, 10, null, 25)), 25, 'an entered figure wins over the recorded offers')
    assert.equal(effectiveOffered(v(4, 0, null, null)), null)
  })

  it('names the field that breaks the order', () => {
    assert.match(volumeProblems(v(4, 0, 120, 3), false).volumeOffered ?? '', /at least the number of respondents \(4\)/)
    assert.match(volumeProblems(v(4, 3, 120, null), false).volumeOffered ?? '', /3 recorded offers are fewer than the 4 respondents/)
    assert.match(volumeProblems(v(4, 10, 9, null), false).volumeOfCustomers ?? '', /at least the number offered the survey \(10\)/)
  })

  it('needs both volumes to submit, but not to save', () => {
    assert.deepEqual(volumeProblems(v(4, 0, null, null), false), {})
    const missing = volumeProblems(v(4, 0, null, null), true)
    assert.deepEqual(Object.keys(missing).sort(), ['volumeOfCustomers', 'volumeOffered'])
  })
})

describe('known-answer figures for a detail (a11/scoring over a hand-built tally)', () => {
  it('scores 3 trusting of 4 respondents: 75%, Wilson 95% interval 30.06%–95.44%; drivers over their branch', () => {
    const figures = scoreFigures({
      ...emptyTally(), respondents: 4, trustAnswered: 4, trustPositive: 3, branchRespondents: { positive: 3, negative: 1 },
      driverTicks: { positive: { ease: 2, effectiveness: 1 }, negative: { efficiency: 1 } }, offers: 10,
    })
    assert.deepEqual([figures.trust.count, figures.trust.n, figures.trust.share], [3, 4, 0.75])
    // Hand computation: centre = (0.75 + z²/8) / (1 + z²/4) = 0.62753; half = z/(1 + z²/4) · √(0.75·0.25/4 + z²/64) = 0.32689.
    assert.deepEqual([round(figures.trust.interval?.lower), round(figures.trust.interval?.upper)], [0.3006, 0.9544])
    assert.equal(round(figures.drivers.positive.drivers.ease.share), 0.6667)
    assert.equal(figures.drivers.negative.drivers.efficiency.share, 1)
    assert.equal(figures.responseRate.rate, 0.4)
  })
})
