/**
 * The event store: append-only analytics events (page views, key actions, journey steps). One interface, one folder
 * per engine (`duckdb/`, `clickhouse/`), chosen once from EVENTS_URL. Writes arrive in batches (group commit,
 * write-buffer.ts). Engine-specific SQL lives only inside each implementation; the contract suite
 * (test/events/event-store-contract.ts) holds every engine to the same hand-computed answers.
 */
export type EventEngine = 'duckdb' | 'clickhouse'

export interface EventStoreHealth {
  readonly ok: boolean
  readonly engine: EventEngine
  readonly detail: string
}

export const DEVICE_CLASSES = ['desktop', 'mobile', 'tablet', 'other'] as const
export type DeviceClass = (typeof DEVICE_CLASSES)[number]

/** Where an event came from: the browser tracker, or a system sending server-to-server. */
export const EVENT_CHANNELS = ['web', 'mobile_app', 'email', 'sms', 'contact_center', 'in_person', 'other'] as const
export type EventChannel = (typeof EVENT_CHANNELS)[number]

/** One stored event. No IP address and no cookie exist anywhere in it (the visitor id is a salted daily hash). */
export interface EventRow {
  readonly ts: Date
  readonly siteId: string
  readonly visitorId: string
  readonly sessionId: string
  /** pageview | action | outbound | form_submit */
  readonly eventType: string
  readonly name: string | null
  /** The URL path without its query string (redacted). */
  readonly path: string | null
  /** The redacted query string without "?", or null. */
  readonly query: string | null
  /** The referrer's redacted URL. */
  readonly referrer: string | null
  readonly device: DeviceClass
  readonly channel: EventChannel
  readonly value: number | null
  /** Redacted, flat JSON text. */
  readonly properties: string | null
}

/** Half-open [from, to) in UTC. */
export interface TimeRange {
  readonly from: Date
  readonly to: Date
}

/** Which events a question is about: always one or more sites and a period. */
export interface EventScope {
  readonly siteIds: readonly string[]
  readonly range: TimeRange
}

export interface Totals {
  readonly pageviews: number
  /** Distinct visitor ids; ids rotate daily, so a period's visitors are the sum of its days' visitors. */
  readonly visitors: number
  readonly sessions: number
  /** Events of type `action` (declared key actions). */
  readonly actions: number
  readonly events: number
}

export type Granularity = 'hour' | 'day'

export interface SeriesPoint extends Totals {
  /** Start of the hour or UTC day. Every bucket in the range is present, zero-filled. */
  readonly bucket: Date
}

export const BREAKDOWN_DIMENSIONS = ['path', 'referrer_host', 'device', 'channel', 'site', 'action'] as const
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number]

export interface BreakdownRow {
  /** The dimension's value ('(none)' where it is empty, e.g. direct visits for referrer_host). */
  readonly key: string
  readonly pageviews: number
  readonly visitors: number
  readonly actions: number
  readonly events: number
}

/** Aggregations of the numeric values of one key action (280.5: sum, median, mean, minimum, maximum). */
export interface ValueStats {
  readonly count: number
  readonly sum: number
  /** null when count is 0. Median and p95 are exact (interpolated as quantile type 7, like DuckDB's quantile_cont). */
  readonly mean: number | null
  readonly median: number | null
  readonly min: number | null
  readonly max: number | null
  readonly p95: number | null
}

/**
 * What the rollups know of one key action's values over a period (280.5: sum, mean, minimum, maximum). Median and
 * p95 cannot be combined from daily parts, so they stay in `valueStats` (raw events).
 */
export interface ValueSummaryRow {
  /** The action's name ('(none)' for actions without one). */
  readonly key: string
  /** Every occurrence of the action, with or without a value. */
  readonly actions: number
  /** Occurrences with a numeric value. */
  readonly count: number
  readonly sum: number
  /** null when count is 0. */
  readonly mean: number | null
  readonly min: number | null
  readonly max: number | null
}

/** A journey or funnel step: a page pattern (`*` matches any run of characters) or a declared key action. */
export type FunnelStep =
  | { readonly kind: 'page'; readonly pattern: string }
  | { readonly kind: 'action'; readonly name: string }

export const MAX_FUNNEL_STEPS = 20

export interface FunnelQuery extends EventScope {
  readonly steps: readonly FunnelStep[]
  /** A visitor completes step k+1 only if it happens after step k and within this long of their step 1. */
  readonly windowSeconds: number
}

export interface FunnelStepResult {
  /** 0-based. */
  readonly index: number
  /** Visitors who reached this step in order within the window. */
  readonly visitors: number
  /** Visitors who reached this step but not the next (0 for the last step). */
  readonly droppedOff: number
  /** Median seconds between the previous step and this one for visitors who reached it; null for step 0 or none. */
  readonly medianSecondsFromPrevious: number | null
}

export interface FunnelResult {
  /** Visitors who reached step 1 (began) and the last step (ended). */
  readonly began: number
  readonly ended: number
  readonly steps: readonly FunnelStepResult[]
}

export interface EventStore {
  readonly engine: EventEngine
  /** Applies pending event-store migrations; returns their names. */
  migrate(): Promise<string[]>
  health(): Promise<EventStoreHealth>
  /** Appends rows in one committed batch; resolves only after the commit. Callers batch through WriteBuffer. */
  append(rows: readonly EventRow[]): Promise<void>
  /**
   * A site's most recent events, newest first (realtime views and tests). With `since`, only events at or after it:
   * engines then read only the recent part of the data (DuckDB skips row groups by their ts range, ClickHouse
   * prunes monthly partitions); without it they may scan all of the site's events.
   */
  recentEvents(siteId: string, limit: number, since?: Date): Promise<EventRow[]>
  /** Number of stored events (used by health output and tests). */
  countEvents(): Promise<number>

  /**
   * Recomputes the rollups (hourly and daily aggregates) for every UTC day touching the range. Dashboards read
   * `totals`, `series`, `breakdown` and `valueSummary` from rollups only; the scheduler refreshes today and yesterday
   * every minute. A day whose raw events are all gone (retention) is left alone: its rollups stay as they were, so
   * retention shortens the raw history but never the dashboards'.
   *
   * Rollup readers count every bucket that overlaps the range (they never split an hour or a day): `totals` takes
   * the UTC days wholly inside the range from the daily rows (each day's distinct visitors) and adds the hourly rows
   * of partly covered days (hourly distinct counts, the finest the rollups know); daily series, breakdowns and value
   * summaries read whole days. Rollups written before an engine's value columns existed are recomputed from raw
   * events when the migration that adds them runs (days whose raw events are gone keep values of 0).
   */
  refreshRollups(range: TimeRange): Promise<void>
  /** From rollups. */
  totals(scope: EventScope): Promise<Totals>
  /** From rollups; hourly or daily buckets covering the range, zero-filled. */
  series(scope: EventScope, granularity: Granularity): Promise<SeriesPoint[]>
  /** From rollups; the top `limit` keys by pageviews, then events, then key. */
  breakdown(scope: EventScope, dimension: BreakdownDimension, limit: number): Promise<BreakdownRow[]>
  /**
   * From rollups: count, sum, mean, minimum and maximum of the values of each key action name (every name of an
   * `action` event in the days overlapping the range, with values or not), the top `limit` (1 to 1,000) by count of
   * values, then name. Median and p95 come from `valueStats`.
   */
  valueSummary(scope: EventScope, limit: number): Promise<ValueSummaryRow[]>
  /** From raw events (no rollups): the realtime view and anything finer than the rollups. */
  rawTotals(scope: EventScope): Promise<Totals>
  /** From raw events: values of the `action` events named `actionName`. */
  valueStats(scope: EventScope, actionName: string): Promise<ValueStats>
  /**
   * From raw events; cost grows linearly with the number of steps. DuckDB answers periods of whole UTC days from its
   * funnel-days cache, with the same result (duckdb-funnel-days.ts).
   */
  funnel(query: FunnelQuery): Promise<FunnelResult>
  /** Gets ready to answer this funnel fast where the engine keeps anything for it (DuckDB's cache); otherwise does nothing. */
  prepareFunnel(query: FunnelQuery): Promise<void>
  /** For each given visitor, the 0-based index of the furthest step reached in order (absent if none). */
  funnelProgress(query: FunnelQuery, visitorIds: readonly string[]): Promise<Map<string, number>>
  /** Deletes raw events older than the cutoff (rollups stay). Returns how many were deleted when the engine knows. */
  deleteEventsBefore(cutoff: Date): Promise<number | null>
  close(): Promise<void>
}
