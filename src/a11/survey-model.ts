/**
 * The post-transaction survey model (reference §3): survey types, scales, question types and semantic roles, and the
 * versioned definition a survey publishes. Every respondent-facing string is `Localized` content data; machine keys
 * (question keys, option keys such as the A-11 driver keys) are fixed. Pure: no I/O.
 */

export const SURVEY_TYPES = ['post_interaction', 'post_service_journey', 'relational'] as const
export type SurveyType = (typeof SURVEY_TYPES)[number]

export const SURVEY_SCALES = ['thumbs_up_down', 'likert_scale'] as const
export type SurveyScale = (typeof SURVEY_SCALES)[number]

export const SURVEY_STATES = ['draft', 'published', 'closed', 'archived'] as const
export type SurveyState = (typeof SURVEY_STATES)[number]

export const QUESTION_TYPES = [
  'thumbs', 'likert', 'single_choice', 'multiple_choice', 'short_text', 'long_text', 'yes_no', 'hidden', 'display_text',
] as const
export type QuestionType = (typeof QUESTION_TYPES)[number]

/** Semantic roles: reports and the OMB formats find the A-11 questions by role, never by position. */
export const QUESTION_ROLES = [
  'trust', 'drivers_positive', 'drivers_negative', 'open_text', 'contact_consent', 'contact_details', 'legacy_likert',
] as const
export type QuestionRole = (typeof QUESTION_ROLES)[number]

/** The A-11 driver keys (reference §3), fixed machine keys in OMB's column order. */
export const DRIVER_KEYS = ['effectiveness', 'ease', 'efficiency', 'transparency', 'humanity', 'employee', 'other'] as const
export type DriverKey = (typeof DRIVER_KEYS)[number]

export const BRANCHES = ['positive', 'negative'] as const
export type Branch = (typeof BRANCHES)[number]

/** Language code (ISO 639-1, optionally with region) → text. Every definition carries its default language. */
export type Localized = Readonly<Record<string, string>>

export interface QuestionOption {
  readonly key: string
  readonly label: Localized
}

/** Show a question only when another question's answer falls in a branch (thumbs up, Likert ≥ cut-off, yes). */
export interface ShowWhen {
  readonly question: string
  readonly branch: Branch
}

export interface Question {
  readonly key: string
  readonly type: QuestionType
  readonly role: QuestionRole | null
  readonly prompt: Localized
  readonly help?: Localized
  readonly required: boolean
  readonly options?: readonly QuestionOption[]
  /** Multiple choice: the `other` option takes optional short text. */
  readonly otherText?: boolean
  readonly showWhen?: ShowWhen
  readonly maxLength?: number
  /** Legacy Likert set: the driver a statement measures (reference §4). */
  readonly legacyDriver?: string
}

export interface SurveyDefinition {
  /** The first language is the default. */
  readonly languages: readonly string[]
  readonly title: Localized
  readonly intro?: Localized
  readonly thankYou: Localized
  readonly questions: readonly Question[]
  /** Likert answers at or above this value take the positive branch (reference §3: 4). */
  readonly likertPositiveMin: number
  /** Overrides of the respondent-facing interface strings (`RESPONDENT_TEXT` keys), per language. */
  readonly labels?: Readonly<Record<string, Localized>>
}

export const LIKERT_POINTS = [1, 2, 3, 4, 5] as const
export const DEFAULT_TEXT_MAX = 500
export const LONG_TEXT_MAX = 5000
/** Question types that ask the respondent something (count toward the PRA limit). */
export const ASKING_TYPES: ReadonlySet<QuestionType> = new Set(['thumbs', 'likert', 'single_choice', 'multiple_choice', 'short_text', 'long_text', 'yes_no'])

/** Picks a string in the wanted language, falling back to the definition's default language, then any. */
export function pick(text: Localized | undefined, language: string, fallback: string): string {
  if (!text) return ''
  return text[language] ?? text[fallback] ?? Object.values(text)[0] ?? ''
}

/** The branch an answer to a branching question selects, or null when it selects none. */
export function branchOf(type: QuestionType, value: number, likertPositiveMin: number): Branch | null {
  if (type === 'thumbs' || type === 'yes_no') return value === 1 ? 'positive' : value === 0 ? 'negative' : null
  if (type === 'likert') return value >= likertPositiveMin ? 'positive' : 'negative'
  return null
}

export const askingQuestions = (definition: SurveyDefinition): Question[] => definition.questions.filter((q) => ASKING_TYPES.has(q.type))

export function questionWithRole(definition: SurveyDefinition, role: QuestionRole): Question | undefined {
  return definition.questions.find((q) => q.role === role)
}

/** The scale a definition's trust question uses, or null if it has none. */
export function trustScaleOf(definition: SurveyDefinition): SurveyScale | null {
  const trust = questionWithRole(definition, 'trust')
  if (!trust) return null
  return trust.type === 'likert' ? 'likert_scale' : trust.type === 'thumbs' ? 'thumbs_up_down' : null
}

const KEY = /^[a-z][a-z0-9_]{0,39}$/
const LANGUAGE = /^[a-z]{2}(-[A-Z]{2})?$/

/** Structural checks beyond the schema: unique keys, branching targets, roles on the right types, translations. */
export function definitionProblems(definition: SurveyDefinition): Record<string, string> {
  const problems: Record<string, string> = {}
  const [defaultLanguage] = definition.languages
  if (!defaultLanguage) problems.languages = 'List at least one language.'
  for (const language of definition.languages) {
    if (!LANGUAGE.test(language)) problems.languages = `"${language}" is not a language code such as en or es.`
  }
  if (new Set(definition.languages).size !== definition.languages.length) problems.languages = 'Each language may be listed once.'
  const missing = (text: Localized | undefined): boolean => !text || !defaultLanguage || !(text[defaultLanguage] ?? '').trim()
  if (missing(definition.title)) problems.title = `Give the survey a title in ${defaultLanguage ?? 'the default language'}.`
  if (missing(definition.thankYou)) problems.thankYou = 'Write the thank-you message.'
  if (definition.likertPositiveMin < 2 || definition.likertPositiveMin > 5) problems.likertPositiveMin = 'The positive cut-off must be between 2 and 5.'
  if (definition.questions.length === 0) problems.questions = 'Add at least one question.'
  const seen = new Map<string, Question>()
  const roleCount = new Map<QuestionRole, number>()
  definition.questions.forEach((question, index) => {
    const at = `questions.${index}`
    if (!KEY.test(question.key)) problems[`${at}.key`] = 'Keys start with a letter and use lowercase letters, digits and underscores (at most 40).'
    else if (seen.has(question.key)) problems[`${at}.key`] = `The key "${question.key}" is used twice.`
    if (question.type !== 'hidden' && missing(question.prompt)) problems[`${at}.prompt`] = 'Write the question text.'
    const choice = question.type === 'single_choice' || question.type === 'multiple_choice'
    if (choice) {
      const keys = (question.options ?? []).map((o) => o.key)
      if (keys.length < 2) problems[`${at}.options`] = 'A choice question needs at least two options.'
      else if (keys.some((k) => !KEY.test(k))) problems[`${at}.options`] = 'Option keys use lowercase letters, digits and underscores.'
      else if (new Set(keys).size !== keys.length) problems[`${at}.options`] = 'Option keys must be unique.'
      else if ((question.options ?? []).some((o) => missing(o.label))) problems[`${at}.options`] = 'Every option needs a label.'
      if (question.otherText && !keys.includes('other')) problems[`${at}.otherText`] = 'Free text for "other" needs an option with the key other.'
    } else if (question.options && question.options.length > 0) {
      problems[`${at}.options`] = 'Only choice questions have options.'
    }
    if (question.role) {
      roleCount.set(question.role, (roleCount.get(question.role) ?? 0) + 1)
      const rolesOk: Record<QuestionRole, readonly QuestionType[]> = {
        trust: ['thumbs', 'likert'], drivers_positive: ['multiple_choice'], drivers_negative: ['multiple_choice'],
        open_text: ['long_text', 'short_text'], contact_consent: ['yes_no'], contact_details: ['short_text'], legacy_likert: ['likert'],
      }
      if (!rolesOk[question.role].includes(question.type)) problems[`${at}.role`] = `The ${question.role} role needs a ${rolesOk[question.role].join(' or ')} question.`
      if ((question.role === 'drivers_positive' || question.role === 'drivers_negative') && question.options) {
        const unknown = question.options.find((o) => !(DRIVER_KEYS as readonly string[]).includes(o.key))
        if (unknown) problems[`${at}.options`] = `Driver options use the A-11 keys (${DRIVER_KEYS.join(', ')}); "${unknown.key}" is not one.`
        else if (!question.options.some((o) => o.key === 'effectiveness') || !question.options.some((o) => o.key === 'ease')) {
          problems[`${at}.options`] = 'Each driver branch offers at least effectiveness and ease.'
        }
      }
    }
    if (question.showWhen) {
      const target = seen.get(question.showWhen.question)
      if (!target) problems[`${at}.showWhen`] = 'A question can only depend on an earlier question.'
      else if (!['thumbs', 'likert', 'yes_no'].includes(target.type)) problems[`${at}.showWhen`] = 'Only thumbs, Likert and yes/no questions can branch.'
    }
    if (question.maxLength !== undefined && (question.maxLength < 1 || question.maxLength > LONG_TEXT_MAX)) {
      problems[`${at}.maxLength`] = `The limit must be between 1 and ${LONG_TEXT_MAX} characters.`
    }
    seen.set(question.key, question)
  })
  for (const role of ['trust', 'drivers_positive', 'drivers_negative', 'open_text', 'contact_consent', 'contact_details'] as const) {
    if ((roleCount.get(role) ?? 0) > 1) problems.questions = `Only one question may have the ${role} role.`
  }
  return problems
}

/** Languages a definition declares but whose respondent-facing strings are incomplete. */
export function untranslated(definition: SurveyDefinition): Record<string, string[]> {
  const gaps: Record<string, string[]> = {}
  for (const language of definition.languages) {
    const missing: string[] = []
    const check = (where: string, text: Localized | undefined): void => {
      if (text && Object.keys(text).length > 0 && !(text[language] ?? '').trim()) missing.push(where)
    }
    check('title', definition.title)
    check('intro', definition.intro)
    check('thankYou', definition.thankYou)
    for (const question of definition.questions) {
      if (question.type === 'hidden') continue
      check(`${question.key}.prompt`, question.prompt)
      check(`${question.key}.help`, question.help)
      for (const option of question.options ?? []) check(`${question.key}.${option.key}`, option.label)
    }
    if (missing.length > 0) gaps[language] = missing
  }
  return gaps
}
