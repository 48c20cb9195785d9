/** Engine-neutral checks and result assembly for funnels, so every engine validates and counts drop-offs alike. */
import { Invalid } from '../errors.ts'
import { MAX_FUNNEL_STEPS, type FunnelQuery, type FunnelResult } from './event-store.ts'

export function assertFunnelQuery(query: FunnelQuery): void {
  if (query.steps.length === 0 || query.steps.length > MAX_FUNNEL_STEPS) {
    throw new Invalid(`A funnel has 1 to ${MAX_FUNNEL_STEPS} steps.`, { steps: `1 to ${MAX_FUNNEL_STEPS} steps` })
  }
  if (!Number.isFinite(query.windowSeconds) || query.windowSeconds <= 0) {
    throw new Invalid('The conversion window must be a positive number of seconds.', { windowSeconds: 'must be positive' })
  }
}

/** Builds the result from per-step visitor counts and median gaps (index 0 first); missing steps count 0. */
export function funnelResult(stepCount: number, reached: ReadonlyMap<number, { visitors: number; medianSeconds: number | null }>): FunnelResult {
  const visitors = Array.from({ length: stepCount }, (_, i) => reached.get(i)?.visitors ?? 0)
  return {
    began: visitors[0] ?? 0,
    ended: visitors[stepCount - 1] ?? 0,
    steps: visitors.map((count, index) => ({
      index,
      visitors: count,
      droppedOff: index === stepCount - 1 ? 0 : count - (visitors[index + 1] ?? 0),
      medianSecondsFromPrevious: index === 0 || count === 0 ? null : (reached.get(index)?.medianSeconds ?? null),
    })),
  }
}
