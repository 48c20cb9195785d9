/** TypeBox schemas for surveys: the versioned definition and the create/update inputs (API, pages, CLI). */
import Type, { type Static } from 'typebox'
import { CHANNELS } from '../a11/channels.ts'
import { BRANCHES, QUESTION_ROLES, QUESTION_TYPES, SURVEY_TYPES } from '../a11/survey-model.ts'
import { TEMPLATE_KEYS } from '../a11/survey-templates.ts'

const Localized = (maxLength: number) =>
  Type.Record(Type.String({ pattern: '^[a-z]{2}(-[A-Z]{2})?$' }), Type.String({ maxLength }), { maxProperties: 20, description: 'Language code → text' })

const Option = Type.Object({ key: Type.String({ maxLength: 40 }), label: Localized(300) }, { additionalProperties: false })

export const QuestionSchema = Type.Object({
  key: Type.String({ maxLength: 40 }),
  type: Type.Enum([...QUESTION_TYPES]),
  role: Type.Union([Type.Enum([...QUESTION_ROLES]), Type.Null()]),
  prompt: Localized(1000),
  help: Type.Optional(Localized(1000)),
  required: Type.Boolean(),
  options: Type.Optional(Type.Array(Option, { maxItems: 50 })),
  otherText: Type.Optional(Type.Boolean()),
  showWhen: Type.Optional(Type.Object({ question: Type.String({ maxLength: 40 }), branch: Type.Enum([...BRANCHES]) }, { additionalProperties: false })),
  maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
  legacyDriver: Type.Optional(Type.String({ maxLength: 40 })),
}, { additionalProperties: false })

export const SurveyDefinitionSchema = Type.Object({
  languages: Type.Array(Type.String({ maxLength: 5 }), { minItems: 1, maxItems: 20 }),
  title: Localized(200),
  intro: Type.Optional(Localized(2000)),
  thankYou: Localized(1000),
  questions: Type.Array(QuestionSchema, { maxItems: 100, description: 'No fixed cap; PRA limits apply at publishing.' }),
  likertPositiveMin: Type.Integer({ minimum: 2, maximum: 5 }),
  labels: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Localized(300), { maxProperties: 60 })),
}, { additionalProperties: false })

const Origin = Type.String({ maxLength: 200, pattern: '^https?://[^/\\s]+$', description: 'An origin such as https://www.va.gov' })
const DateOnly = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' })

const ClearanceFields = {
  ombControlNumber: Type.Optional(Type.Union([Type.String({ maxLength: 9 }), Type.Null()])),
  praExpiresOn: Type.Optional(Type.Union([DateOnly, Type.Null()])),
  burdenMinutes: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 600 }), Type.Null()])),
  federalRegisterUrl: Type.Optional(Type.Union([Type.String({ maxLength: 500, pattern: '^https?://' }), Type.Null()])),
  approvedAnnualResponses: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000_000 }), Type.Null()])),
  otherClearance: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
}

const SettingsFields = {
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  stageId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
  channel: Type.Optional(Type.Enum([...CHANNELS])),
  surveyType: Type.Optional(Type.Enum([...SURVEY_TYPES])),
  allowedOrigins: Type.Optional(Type.Array(Origin, { maxItems: 50 })),
  ...ClearanceFields,
}

export const SurveyCreateInput = Type.Object({
  serviceId: Type.String({ format: 'uuid' }),
  template: Type.Optional(Type.Enum([...TEMPLATE_KEYS], { description: 'Start from a template; otherwise give a definition.' })),
  /** Adds the consent-to-contact questions that open recovery cases. */
  askContact: Type.Optional(Type.Boolean()),
  definition: Type.Optional(SurveyDefinitionSchema),
  ...SettingsFields,
}, { additionalProperties: false })
export type SurveyCreateInput = Static<typeof SurveyCreateInput>

export const SurveyUpdateInput = Type.Object({
  definition: Type.Optional(SurveyDefinitionSchema),
  ...SettingsFields,
}, { additionalProperties: false })
export type SurveyUpdateInput = Static<typeof SurveyUpdateInput>

export const SURVEY_TRANSITIONS = ['publish', 'close', 'reopen', 'archive'] as const
export type SurveyTransition = (typeof SURVEY_TRANSITIONS)[number]
