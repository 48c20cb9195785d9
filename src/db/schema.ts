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
  /** The analytics visitor (daily-salted hash) who answered on a page of `site_id`; null when not linked. */
  visitor_id: string | null
  site_id: string | null
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

/** A server-to-server ingest secret of a site, stored as a SHA-256 digest (the secret is shown once). */
export interface SiteIngestKeyTable {
  id: string
  site_id: string
  name: string
  /** 12 hex characters, part of the secret, used to find the row. */
  prefix: string
  key_hash: string
  created_by: string | null
  created_at: string
  rotated_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

export interface SiteServiceTable {
  site_id: string
  service_id: string
}

/** A service's customer journey (A-11 §280.5), measured on sites of the service's organization. */
export interface JourneyTable {
  id: string
  service_id: string
  name: string
  description: string | null
  /** The latest version: the only one that may be active or deprecated (earlier ones are all replaced). */
  current_version_id: string
  created_by: string | null
  created_at: string
  updated_at: string
}

export interface JourneySiteTable {
  journey_id: string
  site_id: string
}

/** One definition of a journey: ordered steps and a conversion window. Never edited once written, except its state. */
export interface JourneyVersionTable {
  id: string
  journey_id: string
  version: number
  /** JSON array of JourneyStep. */
  steps: string
  window_seconds: number
  /** active | deprecated | replaced */
  state: string
  replaced_by_version_id: string | null
  replaced_by_journey_id: string | null
  note: string | null
  created_by: string | null
  created_at: string
  /** When it stopped being active (deprecated or replaced). */
  retired_at: string | null
}

/** One random salt per UTC day for cookieless visitor ids; rows older than two days are purged. */
export interface VisitorSaltTable {
  day: string
  salt: string
  created_at: string
}

/** A quarterly CX data collection (A-11 §280.14): one per HISP × designated service × fiscal quarter. */
export interface CollectionTable {
  id: string
  hisp_id: string
  service_id: string
  organization_id: string
  fiscal_year: number
  quarter: number
  /** draft | submitted | change_requested | published | archived | not_reported */
  state: string
  /** YYYY-MM-DD: the last day to submit. */
  due_on: string
  reflection: string | null
  /** green | yellow | red, set by an OMB reviewer. */
  rating: string | null
  rating_reason: string | null
  rated_by: string | null
  rated_at: string | null
  review_note: string | null
  /** SHA-256 of the exported 17-column data, stored on submit. */
  integrity_hash: string | null
  submitted_by: string | null
  submitted_at: string | null
  published_at: string | null
  created_at: string
  updated_at: string
}

/** One survey that collected responses for the collection's service in its quarter. */
export interface CollectionDetailTable {
  id: string
  collection_id: string
  survey_id: string
  transaction_point: string
  channel: string
  service_stage_id: string | null
  service_stage_name: string | null
  /** The trust scale: thumbs_up_down | likert_scale. */
  survey_type: string | null
  survey_title: string
  omb_control_number: string | null
  federal_register_url: string | null
  trust_question_text: string | null
  /** The survey uses the legacy 7-question Likert set. */
  legacy: Flag
  volume_of_customers: number | string | null
  /** Customers offered the survey as the HISP entered it; null means "use the recorded offers". */
  volume_offered: number | string | null
  respondents: number
  recorded_offers: number | string
  data_hash: string | null
  /** The detail's `ScoreTally` as JSON (reporting/frozen-tally.ts), written on submit; null before. */
  tally: string | null
  created_at: string
  updated_at: string
}

/** A detail's row-level file frozen at submission (reporting/collection-files.ts); resubmission replaces it. */
export interface CollectionFileTable {
  detail_id: string
  collection_id: string
  /** What the file is: `omb_responses_csv` (the 17-column response file). */
  format: string
  /** The file's bytes, gzip compressed. */
  content: Buffer
  /** Uncompressed size in bytes. */
  bytes: number | string
  /** SHA-256 (hex) of the uncompressed bytes: the detail's `data_hash`. */
  sha256: string
  created_at: string
}

export interface CollectionReminderTable {
  collection_id: string
  days_before: number
  sent_at: string
}

/** Outbox of collection email (transitions and deadline reminders), sent by a job with retries. */
export interface CollectionEmailTable {
  id: string
  collection_id: string
  kind: string
  to_email: string
  subject: string
  body: string
  /** pending | sent | failed */
  status: string
  attempts: number
  next_attempt_at: string
  last_error: string | null
  created_at: string
  sent_at: string | null
}

/** A rule watched over a site's or a journey's metric (src/analytics/monitors.ts). */
export interface MonitorTable {
  id: string
  organization_id: string
  site_id: string | null
  journey_id: string | null
  name: string
  /** pageviews | events | actions | journey_completion */
  metric: string
  action_name: string | null
  /** threshold | seasonal | zscore | no_data */
  rule: string
  /** JSON of the rule's parameters. */
  parameters: string
  interval_minutes: number
  consecutive: number
  cooldown_minutes: number
  enabled: Flag
  /** JSON array of email addresses. */
  recipients: string
  send_webhook: Flag
  created_by: string | null
  created_at: string
  updated_at: string
}

export interface MonitorStateTable {
  monitor_id: string
  next_evaluation_at: string
  streak: number
  open_alert_id: string | null
  cooldown_until: string | null
  last_evaluated_at: string | null
  last_bucket: string | null
  last_outcome: string | null
  last_value: number | null
  last_expected: number | null
  last_message: string | null
}

export interface MonitorAlertTable {
  id: string
  monitor_id: string
  bucket: string
  opened_at: string
  value: number | null
  expected: number | null
  message: string
  resolved_at: string | null
  resolved_value: number | null
  resolve_message: string | null
  open_notified_at: string | null
  resolve_notified_at: string | null
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
  collections: CollectionTable
  collection_details: CollectionDetailTable
  collection_files: CollectionFileTable
  collection_reminders: CollectionReminderTable
  collection_emails: CollectionEmailTable
  sites: SiteTable
  site_services: SiteServiceTable
  journeys: JourneyTable
  journey_sites: JourneySiteTable
  journey_versions: JourneyVersionTable
  monitors: MonitorTable
  monitor_states: MonitorStateTable
  monitor_alerts: MonitorAlertTable
  site_ingest_keys: SiteIngestKeyTable
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
