/**
 * Service inventory input (A-11 §280.2–280.4, reference §8). The field table below drives the API schema, the
 * page form, the CSV columns and the export, so a field is added in one place.
 */
import Type, { type Static, type TSchema } from 'typebox'
import { CHANNELS } from '../a11/channels.ts'
import { NON_DIGITAL_EXPLANATION_MAX, SERVICE_KINDS } from '../a11/services.ts'

export type FieldKind = 'text' | 'longtext' | 'flag' | 'integer' | 'url' | 'kind'

export interface ServiceField {
  readonly key: string
  readonly column: string
  readonly kind: FieldKind
  readonly label: string
  readonly group: string
  readonly max?: number
  readonly hint?: string
}

const f = (key: string, kind: FieldKind, label: string, group: string, extra: { max?: number; hint?: string } = {}): ServiceField => ({
  key, column: key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), kind, label, group, ...extra,
})

export const SERVICE_FIELD_GROUPS = ['Identity', 'Components', 'Digital status', 'M-23-22 digitization', 'Scale', 'Cross-agency', 'Budget and IT', 'A-11 designation'] as const

/** Every scalar service field except name, organization, HISP and owner (which need lookups). */
export const SERVICE_FIELDS: readonly ServiceField[] = [
  f('shortDescription', 'text', 'Short description', 'Identity', { max: 300 }),
  f('description', 'longtext', 'Description', 'Identity', { max: 5000 }),
  f('url', 'url', 'Web address', 'Identity', { max: 500 }),
  f('kind', 'kind', 'Kind of service', 'Identity'),
  f('occasion', 'longtext', 'Occasion', 'Components', { max: 2000, hint: 'What brings the public to this service.' }),
  f('offering', 'longtext', 'Offering', 'Components', { max: 2000, hint: 'What the service provides.' }),
  f('customerRoles', 'longtext', 'Roles', 'Components', { max: 2000, hint: 'Who takes part: customers, staff, partners.' }),
  f('tools', 'longtext', 'Tools', 'Components', { max: 2000, hint: 'Systems and artifacts used to deliver it.' }),
  f('digitalService', 'flag', 'Available in a digital channel', 'Digital status'),
  f('fullyDigital', 'flag', 'Fully digital', 'Digital status'),
  f('barriersToFullyDigital', 'longtext', 'Barriers to being fully digital', 'Digital status', { max: 2000 }),
  f('nonDigitalExplanation', 'text', 'Why parts stay non-digital', 'Digital status', { max: NON_DIGITAL_EXPLANATION_MAX }),
  f('resourcesNeeded', 'longtext', 'Resources needed to go digital', 'Digital status', { max: 2000 }),
  f('digitalFormAvailable', 'flag', 'Forms available in digital format', 'M-23-22 digitization'),
  f('selfServiceCompletion', 'flag', 'Can be completed by self-service', 'M-23-22 digitization'),
  f('wetSignatureRequired', 'flag', 'Requires a wet signature', 'M-23-22 digitization'),
  f('inPersonIdProofingRequired', 'flag', 'Requires in-person identity proofing', 'M-23-22 digitization'),
  f('digitalEquivalentExists', 'flag', 'An equivalent digital method exists', 'M-23-22 digitization'),
  f('accessibleNonDigitalPath', 'flag', 'Accessible non-digital path kept (M-24-08)', 'M-23-22 digitization'),
  f('annualCustomerVolume', 'integer', 'Estimated annual customers', 'Scale'),
  f('volumeExplanation', 'longtext', 'How the volume was estimated', 'Scale', { max: 2000 }),
  f('transactional', 'flag', 'Transactional', 'Scale'),
  f('contactCenter', 'flag', 'Has a contact center', 'Scale'),
  f('multiAgency', 'flag', 'Delivered with other agencies', 'Cross-agency'),
  f('multiAgencyExplanation', 'longtext', 'Which agencies and how', 'Cross-agency', { max: 2000 }),
  f('budgetCode', 'text', 'Budget account code', 'Budget and IT', { max: 50 }),
  f('uiiCode', 'text', 'Unique investment identifier (UII)', 'Budget and IT', { max: 50 }),
  f('hispService', 'flag', 'HISP service', 'A-11 designation'),
  f('designatedForImprovement', 'flag', 'Designated for improvement (priority service)', 'A-11 designation'),
  f('yearDesignated', 'integer', 'Year designated', 'A-11 designation'),
  f('previouslyReported', 'flag', 'Previously reported to OMB', 'A-11 designation'),
]

function schemaFor(field: ServiceField): TSchema {
  switch (field.kind) {
    case 'flag': return Type.Boolean()
    case 'integer': return field.key === 'yearDesignated'
      ? Type.Union([Type.Integer({ minimum: 2018, maximum: 2100 }), Type.Null()])
      : Type.Union([Type.Integer({ minimum: 0, maximum: 10_000_000_000 }), Type.Null()])
    case 'url': return Type.Union([Type.String({ format: 'uri', maxLength: field.max ?? 500, pattern: '^https?://' }), Type.Null()])
    case 'kind': return Type.Enum([...SERVICE_KINDS])
    default: return Type.Union([Type.String({ maxLength: field.max ?? 2000 }), Type.Null()])
  }
}

export const StageInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  duration: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  eligiblePopulation: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  persona: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
}, { additionalProperties: false })
export type StageInput = Static<typeof StageInput>

const scalarProperties = Object.fromEntries(SERVICE_FIELDS.map((field) => [field.key, Type.Optional(schemaFor(field))]))

const common = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  slug: Type.Optional(Type.String({ minLength: 2, maxLength: 80, pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' })),
  organizationId: Type.String({ format: 'uuid' }),
  hispId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
  ownerUserId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
  channels: Type.Optional(Type.Array(Type.Enum([...CHANNELS]), { maxItems: CHANNELS.length, uniqueItems: true })),
  stages: Type.Optional(Type.Array(StageInput, { minItems: 1, maxItems: 30 })),
}

/** The scalar fields are typed loosely (their keys come from SERVICE_FIELDS); `ServiceScalars` narrows them. */
export type ServiceScalars = {
  shortDescription?: string | null; description?: string | null; url?: string | null; kind?: string
  occasion?: string | null; offering?: string | null; customerRoles?: string | null; tools?: string | null
  digitalService?: boolean; fullyDigital?: boolean; barriersToFullyDigital?: string | null; nonDigitalExplanation?: string | null
  resourcesNeeded?: string | null; digitalFormAvailable?: boolean; selfServiceCompletion?: boolean; wetSignatureRequired?: boolean
  inPersonIdProofingRequired?: boolean; digitalEquivalentExists?: boolean; accessibleNonDigitalPath?: boolean
  annualCustomerVolume?: number | null; volumeExplanation?: string | null; transactional?: boolean; contactCenter?: boolean
  multiAgency?: boolean; multiAgencyExplanation?: string | null; budgetCode?: string | null; uiiCode?: string | null
  hispService?: boolean; designatedForImprovement?: boolean; yearDesignated?: number | null; previouslyReported?: boolean
}

export const ServiceCreateInput = Type.Object({ ...common, ...scalarProperties }, { additionalProperties: false })
export type ServiceCreateInput = Static<typeof ServiceCreateInput> & ServiceScalars & {
  name: string; slug?: string; organizationId: string; hispId?: string | null; ownerUserId?: string | null; channels?: string[]; stages?: StageInput[]
}

export const ServiceUpdateInput = Type.Object({
  ...Object.fromEntries(Object.entries(common).map(([k, s]) => [k, k === 'name' || k === 'organizationId' ? Type.Optional(s) : s])),
  ...scalarProperties,
}, { additionalProperties: false })
export type ServiceUpdateInput = Partial<ServiceCreateInput>

export const SERVICE_TRANSITION_NAMES = ['submit', 'approve', 'verify', 'return', 'archive', 'restore'] as const
export const ServiceTransitionInput = Type.Object({
  transition: Type.Enum([...SERVICE_TRANSITION_NAMES]),
}, { additionalProperties: false })
