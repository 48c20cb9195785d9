/**
 * Who is acting: a signed-in person, a person's API key, or the system (CLI, demo loader, scheduled jobs).
 * Roles are scoped to an organization subtree; `admin` and `omb_reviewer` see every organization.
 */
export const ROLES = ['admin', 'agency_lead', 'service_manager', 'analyst', 'omb_reviewer'] as const
export type Role = (typeof ROLES)[number]

export const GLOBAL_ROLES: ReadonlySet<Role> = new Set(['admin', 'omb_reviewer'])

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  admin: 'Administrator',
  agency_lead: 'Agency CX lead',
  service_manager: 'Service manager',
  analyst: 'Analyst',
  omb_reviewer: 'OMB reviewer',
}

export interface RoleGrant {
  readonly role: Role
  /** null for global roles. */
  readonly organizationId: string | null
  /** The organization's materialized path (`/a/b/`), or null for global roles. */
  readonly organizationPath: string | null
}

export interface Actor {
  readonly kind: 'user' | 'api_key' | 'system'
  readonly userId: string | null
  readonly apiKeyId: string | null
  /** Shown in the audit log: the person's email, or `system:<what>`. */
  readonly label: string
  readonly grants: readonly RoleGrant[]
}

export function systemActor(what: string): Actor {
  return { kind: 'system', userId: null, apiKeyId: null, label: `system:${what}`, grants: [{ role: 'admin', organizationId: null, organizationPath: null }] }
}
