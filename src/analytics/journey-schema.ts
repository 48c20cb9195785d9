/**
 * TypeBox inputs for journeys and ad-hoc funnels, and the step vocabulary shared by journeys.ts and
 * journey-feedback.ts. Steps get their friendly per-field checks in journeys.ts.
 */
import Type, { type Static } from 'typebox'
import { MAX_FUNNEL_STEPS, type FunnelStep } from '../events/event-store.ts'

export const JOURNEY_STATES = ['active', 'deprecated', 'replaced'] as const
export type JourneyState = (typeof JOURNEY_STATES)[number]

export const MIN_JOURNEY_STEPS = 2
export const MAX_JOURNEY_STEPS = MAX_FUNNEL_STEPS
export const JOURNEY_SITES_MAX = 50
export const DEFAULT_WINDOW_SECONDS = 86_400
export const MIN_WINDOW_SECONDS = 60
export const MAX_WINDOW_SECONDS = 90 * 86_400

export const STEP_KINDS = ['page', 'action'] as const
export type StepKind = (typeof STEP_KINDS)[number]

/** A step as stored and returned: a page pattern (`*` matches any run of characters) or a key action, with a label. */
export type JourneyStep =
  | { readonly kind: 'page'; readonly pattern: string; readonly label: string }
  | { readonly kind: 'action'; readonly name: string; readonly label: string }

/** The thing a step matches: its page pattern or action name. */
export const stepTarget = (step: JourneyStep): string => (step.kind === 'page' ? step.pattern : step.name)

/** The step as the event store asks for it (labels are for people). */
export const toFunnelStep = (step: JourneyStep): FunnelStep => (step.kind === 'page' ? { kind: 'page', pattern: step.pattern } : { kind: 'action', name: step.name })

/** Whether a path matches a page pattern the way the event store matches it: the whole path, `*` any run of characters. */
export function pathMatches(pattern: string, path: string): boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')
  return new RegExp(`^${source}$`, 's').test(path)
}

export const StepInput = Type.Object({
  kind: Type.Enum([...STEP_KINDS]),
  pattern: Type.Optional(Type.String({ maxLength: 300, description: 'Page steps: a path such as /apply/* (`*` matches any run of characters)' })),
  name: Type.Optional(Type.String({ maxLength: 100, description: 'Action steps: the declared key action, such as apply_start' })),
  label: Type.Optional(Type.String({ maxLength: 100, description: 'What the step is called on dashboards (default: the pattern or name)' })),
}, { additionalProperties: false })
export type StepInput = Static<typeof StepInput>

const steps = Type.Array(StepInput, { maxItems: MAX_JOURNEY_STEPS, description: `${MIN_JOURNEY_STEPS} to ${MAX_JOURNEY_STEPS} steps, in order` })
const windowSeconds = Type.Integer({
  minimum: MIN_WINDOW_SECONDS, maximum: MAX_WINDOW_SECONDS,
  description: 'A visitor completes the journey only if the last step happens within this long of the first (default one day, at most 90 days)',
})
const siteIds = Type.Array(Type.String({ format: 'uuid' }), { maxItems: JOURNEY_SITES_MAX, uniqueItems: true, description: 'Sites of the service’s organization the journey is measured on' })

export const JourneyCreateInput = Type.Object({
  serviceId: Type.String({ format: 'uuid' }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  siteIds,
  steps,
  windowSeconds: Type.Optional(windowSeconds),
}, { additionalProperties: false })
export type JourneyCreateInput = Static<typeof JourneyCreateInput>

export const JourneyUpdateInput = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  siteIds: Type.Optional(siteIds),
  steps: Type.Optional(steps),
  windowSeconds: Type.Optional(windowSeconds),
  note: Type.Optional(Type.String({ maxLength: 500, description: 'Why the steps changed (kept with the new version)' })),
}, { additionalProperties: false })
export type JourneyUpdateInput = Static<typeof JourneyUpdateInput>

export const JourneyStateInput = Type.Object({
  state: Type.Enum([...JOURNEY_STATES], { description: 'deprecated: retired without a successor; active: back in use; replaced: succeeded by another journey' }),
  replacedByJourneyId: Type.Optional(Type.String({ format: 'uuid', description: 'With state replaced: the journey that replaced this one' })),
  note: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false })
export type JourneyStateInput = Static<typeof JourneyStateInput>

const period = {
  from: Type.Optional(Type.String({ maxLength: 30, description: 'Start: a UTC date (YYYY-MM-DD, from its start) or an ISO date-time. Default: 30 days before `to`.' })),
  to: Type.Optional(Type.String({ maxLength: 30, description: 'End: a UTC date (YYYY-MM-DD, to its end) or an ISO date-time (excluded). Default: now.' })),
}
const format = Type.Optional(Type.Enum(['json', 'csv']))

export const JourneyListQuery = Type.Object({
  serviceId: Type.Optional(Type.String({ format: 'uuid' })),
  siteId: Type.Optional(Type.String({ format: 'uuid' })),
  organizationId: Type.Optional(Type.String({ format: 'uuid' })),
  state: Type.Optional(Type.Enum([...JOURNEY_STATES])),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  format,
}, { additionalProperties: false })
export type JourneyListQuery = Static<typeof JourneyListQuery>

export const JourneyResultsQuery = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Default: the active version, else the latest' })),
  ...period,
  format,
}, { additionalProperties: false })
export type JourneyResultsQuery = Static<typeof JourneyResultsQuery>

export const FormatQuery = Type.Object({ format }, { additionalProperties: false })
export type FormatQuery = Static<typeof FormatQuery>

export const FunnelInput = Type.Object({
  siteIds: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: JOURNEY_SITES_MAX, uniqueItems: true }),
  steps,
  windowSeconds: Type.Optional(windowSeconds),
  ...period,
}, { additionalProperties: false })
export type FunnelInput = Static<typeof FunnelInput>
