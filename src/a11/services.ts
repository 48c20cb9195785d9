/**
 * Service inventory vocabulary (A-11 §280.2–280.4): kinds of service, lifecycle states and the default journey
 * stages. Reference: shared/reference/a11-section-280.md §8.
 */
export const SERVICE_KINDS = [
  'administrative', 'benefits', 'compliance', 'recreation', 'informational', 'data_and_research', 'regulatory', 'other',
] as const
export type ServiceKind = (typeof SERVICE_KINDS)[number]

export const SERVICE_KIND_LABELS: Readonly<Record<ServiceKind, string>> = {
  administrative: 'Administrative', benefits: 'Benefits', compliance: 'Compliance', recreation: 'Recreation',
  informational: 'Informational', data_and_research: 'Data and research', regulatory: 'Regulatory', other: 'Other',
}

/** Lifecycle: created → submitted (to OMB) → approved → verified; any state → archived. */
export const SERVICE_STATES = ['created', 'submitted', 'approved', 'verified', 'archived'] as const
export type ServiceState = (typeof SERVICE_STATES)[number]

export type ServiceTransition = 'submit' | 'approve' | 'verify' | 'return' | 'archive' | 'restore'

const TRANSITIONS: Readonly<Record<ServiceTransition, { from: readonly ServiceState[]; to: ServiceState }>> = {
  submit: { from: ['created'], to: 'submitted' },
  approve: { from: ['submitted'], to: 'approved' },
  verify: { from: ['approved'], to: 'verified' },
  return: { from: ['submitted', 'approved'], to: 'created' },
  archive: { from: ['created', 'submitted', 'approved', 'verified'], to: 'archived' },
  restore: { from: ['archived'], to: 'created' },
}
export const SERVICE_TRANSITIONS = Object.keys(TRANSITIONS) as ServiceTransition[]

/** Transitions that are OMB's to make (280.13 review); the others belong to the agency. */
export const OMB_TRANSITIONS: ReadonlySet<ServiceTransition> = new Set(['approve', 'verify', 'return'])

/** The state a transition leads to, or null when it is not allowed from `from`. */
export function nextServiceState(from: ServiceState, transition: ServiceTransition): ServiceState | null {
  const rule = TRANSITIONS[transition]
  return rule.from.includes(from) ? rule.to : null
}

export const DEFAULT_STAGES = [
  { name: 'Start', description: 'The customer learns about the service and begins.' },
  { name: 'Process', description: 'The customer applies, provides information and waits.' },
  { name: 'End', description: 'The customer receives the outcome.' },
] as const

export const NON_DIGITAL_EXPLANATION_MAX = 250
