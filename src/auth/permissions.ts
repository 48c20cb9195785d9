/**
 * Named permission predicates. Every route and page asks one of these; none inspects roles directly.
 * Scope rule: a grant on organization X covers X and everything beneath it (path prefix).
 */
import type { Actor, Role } from './actor.ts'

function holds(actor: Actor, roles: readonly Role[], organizationPath: string | null): boolean {
  return actor.grants.some((grant) => {
    if (!roles.includes(grant.role)) return false
    if (grant.organizationPath === null) return true
    return organizationPath !== null && organizationPath.startsWith(grant.organizationPath)
  })
}

export const isAdmin = (actor: Actor): boolean => actor.grants.some((g) => g.role === 'admin')

/** Read everything everywhere (admin, OMB reviewer). */
export const readsEverything = (actor: Actor): boolean => actor.grants.some((g) => g.organizationPath === null)

/** Paths whose subtrees the actor may read; null means every organization. */
export function readablePaths(actor: Actor): string[] | null {
  if (readsEverything(actor)) return null
  return actor.grants.flatMap((g) => (g.organizationPath ? [g.organizationPath] : []))
}

export const canReadOrganization = (actor: Actor, path: string): boolean =>
  holds(actor, ['admin', 'omb_reviewer', 'agency_lead', 'service_manager', 'analyst'], path)

export const canManageOrganization = (actor: Actor, path: string): boolean => holds(actor, ['admin', 'agency_lead'], path)

export const canCreateService = (actor: Actor, organizationPath: string): boolean =>
  holds(actor, ['admin', 'agency_lead', 'service_manager'], organizationPath)

/** Whether the actor may add services anywhere; an actor who cannot may not create or edit any service (nor import). */
export const canCreateServicesSomewhere = (actor: Actor): boolean =>
  actor.grants.some((g) => g.role === 'admin' || g.role === 'agency_lead' || g.role === 'service_manager')

export function canEditService(actor: Actor, service: { organizationPath: string; ownerUserId: string | null }): boolean {
  if (holds(actor, ['admin', 'agency_lead'], service.organizationPath)) return true
  return holds(actor, ['service_manager'], service.organizationPath) && service.ownerUserId !== null && service.ownerUserId === actor.userId
}

/** OMB's part of the inventory lifecycle (approve, verify, return). */
export const canReviewServices = (actor: Actor): boolean => actor.grants.some((g) => g.role === 'admin' || g.role === 'omb_reviewer')

export const canManageHisps = (actor: Actor): boolean => isAdmin(actor)

/** Creating users and granting scoped roles inside a subtree. Only admins grant admin or omb_reviewer. */
export function canGrantRole(actor: Actor, role: Role, organizationPath: string | null): boolean {
  if (isAdmin(actor)) return true
  if (role === 'admin' || role === 'omb_reviewer' || organizationPath === null) return false
  return holds(actor, ['agency_lead'], organizationPath)
}

export const canManageUsersIn = (actor: Actor, organizationPath: string): boolean => holds(actor, ['admin', 'agency_lead'], organizationPath)

export const canListUsers = (actor: Actor): boolean => actor.grants.some((g) => g.role === 'admin' || g.role === 'agency_lead')

export const canReadAudit = (actor: Actor): boolean => isAdmin(actor)

/** Staff who may call the API at all (every role). */
export const isStaff = (actor: Actor): boolean => actor.grants.length > 0

/** Creating and editing a service's surveys: whoever may edit the service. */
export const canManageSurveys = canEditService

/** Working the feedback inbox and recovery cases (flag, tag, archive, assign). Reviewers read but do not triage. */
export const canTriageResponses = (actor: Actor, organizationPath: string): boolean =>
  holds(actor, ['admin', 'agency_lead', 'service_manager', 'analyst'], organizationPath)

/** Seeing free text unmasked; every reveal is audited. */
export const canRevealPersonalText = (actor: Actor, organizationPath: string): boolean =>
  holds(actor, ['admin', 'agency_lead', 'service_manager'], organizationPath)

export const canManageWebhooks = (actor: Actor, organizationPath: string): boolean => holds(actor, ['admin', 'agency_lead'], organizationPath)

/** Registering and editing an organization's measured websites (analytics sites) and rotating their site keys. */
export const canManageSites = (actor: Actor, organizationPath: string): boolean =>
  holds(actor, ['admin', 'agency_lead', 'service_manager'], organizationPath)

/**
 * Quarterly CX data collections (A-11 §280.14): HISP leads (agency leads over the service) create, submit or mark
 * their collections not reported; whoever may edit the service enters its volumes; OMB reviewers rate, ask for
 * changes, publish and archive every collection.
 */
export const canSubmitCollections = (actor: Actor, organizationPath: string): boolean => holds(actor, ['admin', 'agency_lead'], organizationPath)

export const canReviewCollections = (actor: Actor): boolean => actor.grants.some((g) => g.role === 'admin' || g.role === 'omb_reviewer')

/** Starting a quarter's collections on demand: reviewers for every HISP, agency leads for their own services. */
export const canCreateCollections = (actor: Actor): boolean => actor.grants.some((g) => g.role === 'admin' || g.role === 'omb_reviewer' || g.role === 'agency_lead')
