/**
 * Table types for Kysely. Both engines store the same shapes: ids are UUID text, timestamps are ISO-8601 UTC text,
 * booleans are 0/1 integers (better-sqlite3 cannot bind JS booleans), JSON is text.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely'

export type Flag = 0 | 1

export interface OrganizationTable {
  id: string
  parent_id: string | null
  kind: string
  name: string
  abbreviation: string | null
  /** Materialized ancestry, `/rootId/childId/…/id/`, so a subtree is one indexed prefix match. */
  path: string
  created_at: string
  updated_at: string
}

export interface HispTable {
  id: string
  name: string
  slug: string
  department: string | null
  department_abbreviation: string | null
  bureau: string | null
  bureau_abbreviation: string | null
  description: string | null
  url: string | null
  year_designated: number | null
  active: Flag
  omb_portfolio_manager_email: string | null
  organization_id: string | null
  created_at: string
  updated_at: string
}

export interface UserTable {
  id: string
  email: string
  name: string
  password_hash: string | null
  oidc_issuer: string | null
  oidc_subject: string | null
  active: Flag
  created_at: string
  updated_at: string
  last_login_at: string | null
}

export interface RoleAssignmentTable {
  id: string
  user_id: string
  role: string
  organization_id: string | null
  created_at: string
}

export interface SessionTable {
  id_hash: string
  user_id: string
  csrf_token: string
  created_at: string
  last_seen_at: string
}

export interface PasswordResetTable {
  token_hash: string
  user_id: string
  expires_at: string
  used_at: string | null
  created_at: string
}

export interface ApiKeyTable {
  id: string
  user_id: string
  name: string
  prefix: string
  key_hash: string
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

export interface ServiceTable {
  id: string
  organization_id: string
  hisp_id: string | null
  owner_user_id: string | null
  name: string
  slug: string
  short_description: string | null
  description: string | null
  url: string | null
  kind: string
  occasion: string | null
  offering: string | null
  customer_roles: string | null
  tools: string | null
  digital_service: Flag
  fully_digital: Flag
  barriers_to_fully_digital: string | null
  non_digital_explanation: string | null
  resources_needed: string | null
  digital_form_available: Flag
  self_service_completion: Flag
  wet_signature_required: Flag
  in_person_id_proofing_required: Flag
  digital_equivalent_exists: Flag
  accessible_non_digital_path: Flag
  annual_customer_volume: number | null
  volume_explanation: string | null
  transactional: Flag
  contact_center: Flag
  multi_agency: Flag
  multi_agency_explanation: string | null
  budget_code: string | null
  uii_code: string | null
  hisp_service: Flag
  designated_for_improvement: Flag
  year_designated: number | null
  previously_reported: Flag
  state: string
  created_at: string
  updated_at: string
}

export interface ServiceChannelTable {
  service_id: string
  channel: string
}

export interface ServiceStageTable {
  id: string
  service_id: string
  position: number
  name: string
  description: string | null
  duration: string | null
  eligible_population: string | null
  persona: string | null
}

export interface AuditLogTable {
  id: Generated<number>
  at: string
  actor_user_id: string | null
  actor_api_key_id: string | null
  actor_label: string
  action: string
  entity_type: string
  entity_id: string
  organization_id: string | null
  before_json: string | null
  after_json: string | null
}

export interface SettingTable {
  key: string
  value: string
}

export interface SurveyTable {
  id: string
  service_id: string
  stage_id: string | null
  name: string
  channel: string
  survey_type: string
  template: string | null
  state: string
  current_version_id: string | null
  version: number
  /** JSON array of origins allowed to embed the widget and post responses. */
  allowed_origins: string
  omb_control_number: string | null
  pra_expires_on: string | null
  burden_minutes: number | null
  federal_register_url: string | null
  approved_annual_responses: number | null
  other_clearance: string | null
  /** The expiration date an owner was last warned about (so each warning goes once). */
  pra_warned_for: string | null
  created_by: string | null
  created_at: string
  updated_at: string
  published_at: string | null
  closed_at: string | null
}

export interface SurveyVersionTable {
  id: string
  survey_id: string
  version: number
  scale: string | null
  /** JSON SurveyDefinition; never changed once responses may refer to it. */
  definition: string
  created_by: string | null
  created_at: string
}

export interface SurveyOfferTable {
  id: string
  survey_id: string
  channel: string
  source: string
  touchpoint: string | null
  location_code: string | null
  count: number
  fiscal_year: number
  fiscal_quarter: number
  offered_at: string
}

export interface ResponseTable {
  id: string
  survey_id: string
  survey_version_id: string
  service_id: string
  channel: string
  source: string
  touchpoint: string | null
  location_code: string | null
  page_url: string | null
  language: string
  submitted_at: string
  fiscal_year: number
  fiscal_quarter: number
  idempotency_key: string | null
  external_id: string | null
  trust_value: number | null
  branch: string | null
  contact_requested: Flag
  contains_pii: Flag
  has_text: Flag
  /** inbox | archived | spam | trash */
  status: string
  flagged: Flag
  trashed_at: string | null
}

export interface ResponseAnswerTable {
  response_id: string
  position: number
  question_key: string
  role: string | null
  option_key: string | null
  number_value: number | null
  text_value: string | null
}

export interface ResponseTagTable {
  response_id: string
  tag: string
}

export interface RecoveryCaseTable {
  id: string
  response_id: string
  survey_id: string
  status: string
  assignee_user_id: string | null
  due_on: string | null
  resolution: string | null
  created_at: string
  updated_at: string
  resolved_at: string | null
}

export interface RecoveryNoteTable {
  id: string
  case_id: string
  author_user_id: string | null
  author_label: string
  body: string
  created_at: string
}

export interface SurveySubscriptionTable {
  survey_id: string
  user_id: string
  /** instant | daily */
  mode: string
  last_digest_at: string | null
}

export interface WebhookTable {
  id: string
  organization_id: string
  url: string
  secret: string
  /** JSON array of event names. */
  events: string
  active: Flag
  created_by: string | null
  created_at: string
  updated_at: string
}

export interface WebhookDeliveryTable {
  id: string
  webhook_id: string
  event: string
  payload: string
  /** pending | delivered | failed */
  status: string
  attempts: number
  next_attempt_at: string
  last_status: number | null
  last_error: string | null
  created_at: string
  delivered_at: string | null
}

/** A website an organization measures (A-11 §280.5). `public_key` appears in the tracker snippet; it is not a secret. */
export interface SiteTable {
  id: string
  organization_id: string
  name: string
  /** Host name, lower case. */
  domain: string
  public_key: string
  /** JSON array of origins (`https://host[:port]`). */
  allowed_origins: string
  respect_gpc: Flag
  state: string
  created_by: string | null
  created_at: string
  updated_at: string
}

export interface SiteServiceTable {
  site_id: string
  service_id: string
}

/** One random salt per UTC day for cookieless visitor ids; rows older than two days are purged. */
export interface VisitorSaltTable {
  day: string
  salt: string
  created_at: string
}

export interface Database {
  organizations: OrganizationTable
  hisps: HispTable
  users: UserTable
  role_assignments: RoleAssignmentTable
  sessions: SessionTable
  password_resets: PasswordResetTable
  api_keys: ApiKeyTable
  services: ServiceTable
  service_channels: ServiceChannelTable
  service_stages: ServiceStageTable
  audit_log: AuditLogTable
  settings: SettingTable
  surveys: SurveyTable
  survey_versions: SurveyVersionTable
  survey_offers: SurveyOfferTable
  responses: ResponseTable
  response_answers: ResponseAnswerTable
  response_tags: ResponseTagTable
  recovery_cases: RecoveryCaseTable
  recovery_notes: RecoveryNoteTable
  survey_subscriptions: SurveySubscriptionTable
  webhooks: WebhookTable
  webhook_deliveries: WebhookDeliveryTable
  visitor_salts: VisitorSaltTable
  sites: SiteTable
  site_services: SiteServiceTable
}

export type ServiceRow = Selectable<ServiceTable>
export type NewServiceRow = Insertable<ServiceTable>
export type ServiceUpdate = Updateable<ServiceTable>
export type OrganizationRow = Selectable<OrganizationTable>
export type HispRow = Selectable<HispTable>
export type UserRow = Selectable<UserTable>
export type AuditRow = Selectable<AuditLogTable>
export type SurveyRow = Selectable<SurveyTable>
export type ResponseRow = Selectable<ResponseTable>
