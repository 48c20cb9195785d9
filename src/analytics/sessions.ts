/**
 * Sessionization (anchors.md §5: a visit ends after 30 idle minutes, as in Umami and Plausible). A gap of exactly
 * the idle limit or more starts a new session: after 30 idle minutes the old session is over. Session numbers count
 * from 1 per visitor. Store queries (DuckDB, ClickHouse) must use the same rule: `startsNewSession`.
 */

export const SESSION_IDLE_MS = 30 * 60 * 1000

export type Instant = Date | string | number

export interface SessionState {
  readonly sessionNo: number
  /** Epoch milliseconds of the latest event seen. */
  readonly lastSeenAt: number
  readonly isNewSession: boolean
}

/** Whether an idle gap (milliseconds since the previous event) ends the previous session. */
export function startsNewSession(gapMs: number, idleMs: number = SESSION_IDLE_MS): boolean {
  return gapMs >= idleMs
}

/**
 * One visitor's events with session numbers. Input in any order is accepted: the result is a new array sorted by
 * time (stable for equal times), each event copied with its `sessionNo`. Throws RangeError for an unreadable time.
 */
export function sessionize<E extends { readonly at: Instant }>(events: readonly E[], idleMs: number = SESSION_IDLE_MS): Array<E & { sessionNo: number }> {
  const timed = events.map((event, index) => ({ event, index, ms: toMs(event.at) }))
  timed.sort((a, b) => a.ms - b.ms || a.index - b.index)
  let sessionNo = 0
  let previous = Number.NEGATIVE_INFINITY
  return timed.map(({ event, ms }) => {
    if (sessionNo === 0 || startsNewSession(ms - previous, idleMs)) sessionNo++
    previous = ms
    return { ...event, sessionNo }
  })
}

/**
 * The session of an event seen one at a time (ingest), given the visitor's last event time (null if none yet) and
 * session number (0 if none yet). A late event, older than `lastSeenAt`, joins the current session and does not move
 * `lastSeenAt` back; so with late arrivals this can differ from `sessionize` over the sorted history, which is the
 * reference a store's query follows.
 */
export function nextSessionState(lastSeenAt: Instant | null, sessionNo: number, at: Instant, idleMs: number = SESSION_IDLE_MS): SessionState {
  const now = toMs(at)
  if (lastSeenAt === null || sessionNo < 1) return { sessionNo: Math.max(sessionNo, 0) + 1, lastSeenAt: now, isNewSession: true }
  const last = toMs(lastSeenAt)
  if (now < last) return { sessionNo, lastSeenAt: last, isNewSession: false }
  if (startsNewSession(now - last, idleMs)) return { sessionNo: sessionNo + 1, lastSeenAt: now, isNewSession: true }
  return { sessionNo, lastSeenAt: now, isNewSession: false }
}

function toMs(at: Instant): number {
  const ms = at instanceof Date ? at.getTime() : typeof at === 'number' ? at : Date.parse(at)
  if (!Number.isFinite(ms)) throw new RangeError(`not a time: ${String(at)}`)
  return ms
}
