/**
 * The survey builder's edits, as functions from one SurveyDefinition to the next: add, remove, move and edit a
 * question, the survey's own text, the Likert cut-off, languages and translations. The pages turn a form post into
 * one of these calls and hand the result to `updateSurvey`, which checks the whole definition (and, once published,
 * the PRA limits) and writes a new version when needed. Field problems are thrown as `Invalid` with semantic names
 * (`prompt`, `options`, `option.<key>`, …) that the page maps back onto its inputs.
 *
 * Two small read queries the pages need and `surveys.ts` lacks sit at the end: the services a person may add surveys
 * to (with their stages) and a survey's version history.
 */
import type { Kysely } from 'kysely'
import { RESPONDENT_TEXT, type RespondentTextKey } from '../a11/respondent-text.ts'
import {
  BRANCHES, LONG_TEXT_MAX, QUESTION_ROLES, QUESTION_TYPES, type Branch, type Localized, type Question, type QuestionOption,
  type QuestionRole, type QuestionType, type ShowWhen, type SurveyDefinition, type SurveyState,
} from '../a11/survey-model.ts'
import type { Actor } from '../auth/actor.ts'
import { canManageSurveys, canReadOrganization, readablePaths } from '../auth/permissions.ts'
import type { Database } from '../db/schema.ts'
import { subtreePattern } from '../db/values.ts'
import { Invalid, NotFound } from '../errors.ts'
import type { SurveyTransition } from './survey-schema.ts'

const KEY = /^[a-z][a-z0-9_]{0,39}$/
const LANGUAGE = /^[a-z]{2}(-[A-Z]{2})?$/
const MAX_OPTIONS = 50
const MAX_LANGUAGES = 20

/** The roles a question of each type may carry (mirrors `definitionProblems`, which stays the authority). */
export const ROLES_FOR_TYPE: Readonly<Record<QuestionType, readonly QuestionRole[]>> = {
  thumbs: ['trust'], likert: ['trust', 'legacy_likert'], single_choice: [], multiple_choice: ['drivers_positive', 'drivers_negative'],
  short_text: ['open_text', 'contact_details'], long_text: ['open_text'], yes_no: ['contact_consent'], hidden: [], display_text: [],
}

/** Question types that branch: their answer selects the positive or negative branch. */
export const BRANCHING_QUESTION_TYPES: ReadonlySet<QuestionType> = new Set(['thumbs', 'likert', 'yes_no'])
export const CHOICE_QUESTION_TYPES: ReadonlySet<QuestionType> = new Set(['single_choice', 'multiple_choice'])
export const TEXT_QUESTION_TYPES: ReadonlySet<QuestionType> = new Set(['short_text', 'long_text', 'hidden'])

export const isDriverQuestionRole = (role: QuestionRole | null): boolean => role === 'drivers_positive' || role === 'drivers_negative'

/** Native names of languages agencies commonly offer, used when someone adds a language without naming it. */
export const KNOWN_LANGUAGES: Readonly<Record<string, string>> = {
  en: 'English', es: 'Español', zh: '中文', vi: 'Tiếng Việt', ko: '한국어', tl: 'Tagalog', ru: 'Русский', ar: 'العربية',
  fr: 'Français', ht: 'Kreyòl ayisyen', pt: 'Português', de: 'Deutsch', ja: '日本語', pl: 'Polski', it: 'Italiano', hi: 'हिन्दी',
  fa: 'فارسی', so: 'Soomaali', uk: 'Українська', nv: 'Diné bizaad', sm: 'Gagana Samoa', ch: 'Chamoru',
}

/** Where a definition keeps each language's name for itself (`labels.language_name[code]`). */
export const LANGUAGE_NAME_LABEL = 'language_name'

export const surveyDefaultLanguage = (definition: SurveyDefinition): string => definition.languages[0] ?? 'en'

export function surveyLanguageName(definition: SurveyDefinition, code: string): string {
  return definition.labels?.[LANGUAGE_NAME_LABEL]?.[code] ?? KNOWN_LANGUAGES[code] ?? KNOWN_LANGUAGES[code.split('-')[0] ?? ''] ?? code
}

/** Sets one language of a localized text; an empty value removes that language. */
function withText(text: Localized | undefined, language: string, value: string): Localized {
  const out: Record<string, string> = { ...(text ?? {}) }
  const trimmed = value.trim()
  if (trimmed === '') delete out[language]
  else out[language] = trimmed
  return out
}

/** An optional text (help, intro): clearing the default language drops the text and its translations. */
function withOptionalText(text: Localized | undefined, language: string, value: string): Localized | undefined {
  if (value.trim() === '') return undefined
  return withText(text, language, value)
}

function omit<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
  const out = { ...value } as Record<string, unknown>
  for (const key of keys) delete out[key as string]
  return out as Omit<T, K>
}

function indexOfQuestion(definition: SurveyDefinition, key: string): number {
  const index = definition.questions.findIndex((q) => q.key === key)
  if (index < 0) throw new NotFound('Question')
  return index
}

function replaceQuestion(definition: SurveyDefinition, index: number, question: Question): SurveyDefinition {
  return { ...definition, questions: definition.questions.map((q, i) => (i === index ? question : q)) }
}

function slug(text: string, max: number): string {
  return text.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, max).replace(/_+$/, '')
}

function uniqueKey(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) {
    const candidate = `${base.slice(0, 36)}_${n}`
    if (!taken.has(candidate)) return candidate
  }
}

/**
 * A new question key made from its prompt (readable in exports), unique in the definition.
 * @example newQuestionKey(definition, 'How did you hear about us?', 'single_choice') // 'how_did_you_hear_about_us'
 */
export function newQuestionKey(definition: SurveyDefinition, prompt: string, type: QuestionType): string {
  let base = slug(prompt, 32)
  if (!/^[a-z]/.test(base)) base = base ? `q_${base}`.slice(0, 32) : type
  return uniqueKey(base, new Set(definition.questions.map((q) => q.key)))
}

/**
 * Options written one per line as `key | label` (or just a label, whose key is made from it). Existing options keep
 * their translations when their key stays.
 * @example parseOptionLines('yes_online | Online\nBy phone', 'en') // [{key:'yes_online',…}, {key:'by_phone',…}]
 */
export function parseOptionLines(text: string, language: string, existing: readonly QuestionOption[] = []): QuestionOption[] {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean)
  if (lines.length > MAX_OPTIONS) throw new Invalid('Some fields need attention.', { options: `List at most ${MAX_OPTIONS} options.` })
  const taken = new Set<string>()
  return lines.map((line, index) => {
    const bar = line.indexOf('|')
    const label = (bar >= 0 ? line.slice(bar + 1) : line).trim()
    let key = bar >= 0 ? line.slice(0, bar).trim() : slug(label, 40)
    if (bar < 0 && !/^[a-z]/.test(key)) key = `option_${index + 1}`
    const problem = !label ? 'has no label'
      : !KEY.test(key) ? `has the key "${key}"; keys start with a letter and use lowercase letters, digits and underscores (at most 40)`
        : taken.has(key) ? `repeats the key "${key}"` : null
    if (problem) throw new Invalid('Some fields need attention.', { options: `Line ${index + 1} ${problem}.` })
    taken.add(key)
    return { key, label: withText(existing.find((o) => o.key === key)?.label, language, label) }
  })
}

/** Options as the editor shows them: `key | label` in the default language, one per line. */
export const optionLines = (options: readonly QuestionOption[] | undefined, language: string): string =>
  (options ?? []).map((o) => `${o.key} | ${o.label[language] ?? ''}`).join('\n')

export interface NewQuestion {
  readonly type: string
  readonly prompt: string
  /** Optional; made from the prompt when empty. */
  readonly key: string
  /** Choice questions: `key | label` lines. */
  readonly options: string
}

/** Appends a question (not required, no role) in the default language. */
export function addQuestion(definition: SurveyDefinition, input: NewQuestion): SurveyDefinition {
  const type = input.type as QuestionType
  if (!(QUESTION_TYPES as readonly string[]).includes(type)) throw new Invalid('Some fields need attention.', { type: 'Choose a question type.' })
  const language = surveyDefaultLanguage(definition)
  const prompt = input.prompt.trim()
  if (!prompt && type !== 'hidden') throw new Invalid('Some fields need attention.', { prompt: 'Write the question text.' })
  const requested = input.key.trim()
  if (requested && !KEY.test(requested)) throw new Invalid('Some fields need attention.', { key: 'Keys start with a letter and use lowercase letters, digits and underscores (at most 40).' })
  if (requested && definition.questions.some((q) => q.key === requested)) throw new Invalid('Some fields need attention.', { key: `The key "${requested}" is already used.` })
  const key = requested || newQuestionKey(definition, prompt, type)
  let question: Question = { key, type, role: null, prompt: prompt ? { [language]: prompt } : {}, required: false }
  if (CHOICE_QUESTION_TYPES.has(type)) {
    const options = parseOptionLines(input.options, language)
    if (options.length < 2) throw new Invalid('Some fields need attention.', { options: 'List at least two options, one per line.' })
    question = { ...question, options }
  }
  return { ...definition, questions: [...definition.questions, question] }
}

/** What the edit form of one question posts, as text. */
export interface QuestionEdit {
  readonly prompt: string
  readonly help: string
  readonly required: boolean
  /** '' for none. */
  readonly role: string
  /** Non-driver choice questions: `key | label` lines. */
  readonly options?: string | undefined
  /** Driver questions: the label of each fixed A-11 option key. */
  readonly optionLabels?: Readonly<Record<string, string>> | undefined
  readonly otherText: boolean
  /** '' for always shown, else `<question key>:<branch>`. */
  readonly showWhen: string
  /** '' for the default limit. */
  readonly maxLength: string
}

function parseShowWhen(value: string): ShowWhen | undefined {
  if (value === '') return undefined
  const [question, branch] = value.split(':')
  if (!question || !(BRANCHES as readonly string[]).includes(branch ?? '')) throw new Invalid('Some fields need attention.', { showWhen: 'Choose when the question is shown.' })
  return { question, branch: branch as Branch }
}

function parseMaxLength(value: string): number | undefined {
  const trimmed = value.trim().replace(/,/g, '')
  if (trimmed === '') return undefined
  const number = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN
  if (!(number >= 1 && number <= LONG_TEXT_MAX)) throw new Invalid('Some fields need attention.', { maxLength: `Give a whole number of characters between 1 and ${LONG_TEXT_MAX.toLocaleString('en-US')}.` })
  return number
}

function editedOptions(question: Question, edit: QuestionEdit, language: string): QuestionOption[] | undefined {
  if (!CHOICE_QUESTION_TYPES.has(question.type)) return undefined
  if (isDriverQuestionRole(question.role) && edit.optionLabels) {
    // A-11 driver keys are fixed machine keys (reference §3); only their wording is the agency's.
    return (question.options ?? []).map((option) => {
      const label = (edit.optionLabels?.[option.key] ?? '').trim()
      if (!label) throw new Invalid('Some fields need attention.', { [`option.${option.key}`]: 'Every option needs a label.' })
      return { key: option.key, label: withText(option.label, language, label) }
    })
  }
  return parseOptionLines(edit.options ?? '', language, question.options ?? [])
}

/** Applies one question's edit form in the default language; translations of unchanged keys are kept. */
export function editQuestion(definition: SurveyDefinition, key: string, edit: QuestionEdit): SurveyDefinition {
  const index = indexOfQuestion(definition, key)
  const current = definition.questions[index] as Question
  const language = surveyDefaultLanguage(definition)
  if (edit.role !== '' && !(QUESTION_ROLES as readonly string[]).includes(edit.role)) throw new Invalid('Some fields need attention.', { role: 'Choose a role from the list.' })
  const role = edit.role === '' ? null : (edit.role as QuestionRole)
  const options = editedOptions(current, edit, language)
  const otherText = current.type === 'multiple_choice' && edit.otherText
  if (otherText && !(options ?? []).some((o) => o.key === 'other')) {
    throw new Invalid('Some fields need attention.', { otherText: 'Add an option with the key "other" first.' })
  }
  let question: Question = {
    ...omit(current, 'help', 'options', 'otherText', 'showWhen', 'maxLength'),
    role,
    prompt: withText(current.prompt, language, edit.prompt),
    required: current.type === 'display_text' ? false : edit.required,
  }
  const help = withOptionalText(current.help, language, edit.help)
  if (help) question = { ...question, help }
  if (options) question = { ...question, options }
  if (otherText) question = { ...question, otherText: true }
  const showWhen = parseShowWhen(edit.showWhen)
  if (showWhen) question = { ...question, showWhen }
  const maxLength = TEXT_QUESTION_TYPES.has(current.type) ? parseMaxLength(edit.maxLength) : undefined
  if (maxLength !== undefined) question = { ...question, maxLength }
  return replaceQuestion(definition, index, question)
}

const dependsOn = (question: Question | undefined, key: string | undefined): boolean => question?.showWhen?.question === key

/** Swaps a question with its neighbour; a question never moves above the question it depends on. */
export function moveQuestion(definition: SurveyDefinition, key: string, direction: 'up' | 'down'): SurveyDefinition {
  const index = indexOfQuestion(definition, key)
  const other = direction === 'up' ? index - 1 : index + 1
  if (other < 0 || other >= definition.questions.length) return definition
  const [upper, lower] = direction === 'up' ? [definition.questions[other], definition.questions[index]] : [definition.questions[index], definition.questions[other]]
  if (dependsOn(lower, upper?.key)) {
    throw new Invalid(`“${lower?.key}” is shown depending on the answer to “${upper?.key}”, so it stays below it.`)
  }
  const questions = [...definition.questions]
  questions[index] = definition.questions[other] as Question
  questions[other] = definition.questions[index] as Question
  return { ...definition, questions }
}

/** Removes a question no other question depends on. */
export function removeQuestion(definition: SurveyDefinition, key: string): SurveyDefinition {
  indexOfQuestion(definition, key)
  const dependents = definition.questions.filter((q) => dependsOn(q, key)).map((q) => `“${q.key}”`)
  if (dependents.length > 0) throw new Invalid(`${dependents.join(' and ')} ${dependents.length === 1 ? 'is' : 'are'} shown depending on “${key}”; change or remove ${dependents.length === 1 ? 'it' : 'them'} first.`)
  return { ...definition, questions: definition.questions.filter((q) => q.key !== key) }
}

/** The survey's own text in the default language: title, introduction, thank-you message. */
export function editSurveyText(definition: SurveyDefinition, text: { title: string; intro: string; thankYou: string }): SurveyDefinition {
  const language = surveyDefaultLanguage(definition)
  const intro = withOptionalText(definition.intro, language, text.intro)
  const base = omit(definition, 'intro')
  return {
    ...base, ...(intro ? { intro } : {}),
    title: withText(definition.title, language, text.title), thankYou: withText(definition.thankYou, language, text.thankYou),
  }
}

/** Likert answers at or above the cut-off take the positive branch (reference §3: 4). */
export function setLikertPositiveMin(definition: SurveyDefinition, value: string): SurveyDefinition {
  const number = /^[2-5]$/.test(value.trim()) ? Number(value) : NaN
  if (Number.isNaN(number)) throw new Invalid('Some fields need attention.', { likertPositiveMin: 'Choose a cut-off between 2 and 5.' })
  return { ...definition, likertPositiveMin: number }
}

/** `ES-mx` → `es-MX`; anything else is returned as typed for the check to refuse. */
export function normalizeLanguageCode(code: string): string {
  const match = /^([A-Za-z]{2})(?:[-_]([A-Za-z]{2}))?$/.exec(code.trim())
  if (!match) return code.trim()
  return match[2] ? `${(match[1] as string).toLowerCase()}-${match[2].toUpperCase()}` : (match[1] as string).toLowerCase()
}

/** Declares a language; its strings start untranslated. The name (as its speakers write it) is kept in the labels. */
export function addLanguage(definition: SurveyDefinition, rawCode: string, rawName: string): SurveyDefinition {
  const code = normalizeLanguageCode(rawCode)
  if (!LANGUAGE.test(code)) throw new Invalid('Some fields need attention.', { code: 'Give a language code such as fr, vi or es-MX.' })
  if (definition.languages.includes(code)) throw new Invalid('Some fields need attention.', { code: `The survey already offers ${surveyLanguageName(definition, code)}.` })
  if (definition.languages.length >= MAX_LANGUAGES) throw new Invalid('Some fields need attention.', { code: `A survey offers at most ${MAX_LANGUAGES} languages.` })
  const name = rawName.trim().slice(0, 100) || KNOWN_LANGUAGES[code] || KNOWN_LANGUAGES[code.split('-')[0] ?? ''] || ''
  const labels = { ...(definition.labels ?? {}) }
  if (name) labels[LANGUAGE_NAME_LABEL] = { ...(labels[LANGUAGE_NAME_LABEL] ?? {}), [code]: name }
  return { ...definition, languages: [...definition.languages, code], ...(Object.keys(labels).length > 0 ? { labels } : {}) }
}

function withoutLanguage(text: Localized, language: string): Localized {
  const { [language]: _dropped, ...rest } = text
  return rest
}

/** Drops a language other than the default, with every string written in it. */
export function removeLanguage(definition: SurveyDefinition, code: string): SurveyDefinition {
  if (!definition.languages.includes(code)) throw new NotFound('Language')
  if (code === surveyDefaultLanguage(definition)) throw new Invalid('The default language cannot be removed.')
  const drop = (text: Localized): Localized => withoutLanguage(text, code)
  const dropOptional = (text: Localized | undefined): Localized | undefined => (text ? drop(text) : undefined)
  const questions = definition.questions.map((q): Question => {
    const help = dropOptional(q.help)
    const base = omit(q, 'help')
    return { ...base, prompt: drop(q.prompt), ...(help ? { help } : {}), ...(q.options ? { options: q.options.map((o) => ({ key: o.key, label: drop(o.label) })) } : {}) }
  })
  const labels = definition.labels ? Object.fromEntries(Object.entries(definition.labels).map(([k, v]) => [k, drop(v)]).filter(([, v]) => Object.keys(v as Localized).length > 0)) : undefined
  const intro = dropOptional(definition.intro)
  const base = omit(definition, 'intro', 'labels')
  return {
    ...base, languages: definition.languages.filter((l) => l !== code), title: drop(definition.title), thankYou: drop(definition.thankYou), questions,
    ...(intro ? { intro } : {}), ...(labels && Object.keys(labels).length > 0 ? { labels } : {}),
  }
}

/** One respondent-facing string the translation form offers. `field` is the form field name. */
export interface TranslatableString {
  readonly field: string
  readonly group: string
  readonly label: string
  readonly text: Localized | undefined
  readonly multiline: boolean
}

/** Every respondent-facing string of the definition, in page order (hidden questions show nothing). */
export function translatableStrings(definition: SurveyDefinition): TranslatableString[] {
  const out: TranslatableString[] = [
    { field: 'title', group: 'Survey', label: 'Title', text: definition.title, multiline: false },
  ]
  if (definition.intro) out.push({ field: 'intro', group: 'Survey', label: 'Introduction', text: definition.intro, multiline: true })
  out.push({ field: 'thankYou', group: 'Survey', label: 'Thank-you message', text: definition.thankYou, multiline: true })
  for (const [index, question] of definition.questions.entries()) {
    if (question.type === 'hidden') continue
    const group = `Question ${index + 1} (${question.key})`
    out.push({ field: `q.${question.key}.prompt`, group, label: question.type === 'display_text' ? 'Text' : 'Question', text: question.prompt, multiline: true })
    if (question.help) out.push({ field: `q.${question.key}.help`, group, label: 'Help text', text: question.help, multiline: false })
    for (const option of question.options ?? []) {
      out.push({ field: `q.${question.key}.opt.${option.key}`, group, label: `Option “${option.key}”`, text: option.label, multiline: false })
    }
  }
  return out
}

/** The interface strings a respondent sees around the questions (scale labels, buttons), overridable per language. */
export const INTERFACE_TEXT_KEYS = Object.keys(RESPONDENT_TEXT) as RespondentTextKey[]
export const interfaceTextField = (key: RespondentTextKey): string => `label.${key}`

/** Whether cx280 ships its own interface text in a language (otherwise respondents see English unless overridden). */
export const hasBuiltInInterfaceText = (language: string): boolean => Object.hasOwn(RESPONDENT_TEXT.submit, language)

/**
 * Writes one language's translations from the translation form (field → text). Empty fields clear that language's
 * text, so a string shows in the default language again.
 */
export function applyTranslations(definition: SurveyDefinition, language: string, values: Readonly<Record<string, string>>): SurveyDefinition {
  if (!definition.languages.includes(language) || language === surveyDefaultLanguage(definition)) throw new NotFound('Language')
  const set = (field: string, text: Localized): Localized => (values[field] === undefined ? text : withText(text, language, values[field] as string))
  const setOptional = (field: string, text: Localized | undefined): Localized | undefined => (text ? set(field, text) : undefined)
  const questions = definition.questions.map((q): Question => {
    if (q.type === 'hidden') return q
    const help = setOptional(`q.${q.key}.help`, q.help)
    return {
      ...q, prompt: set(`q.${q.key}.prompt`, q.prompt), ...(help ? { help } : {}),
      ...(q.options ? { options: q.options.map((o) => ({ key: o.key, label: set(`q.${q.key}.opt.${o.key}`, o.label) })) } : {}),
    }
  })
  const labels: Record<string, Localized> = { ...(definition.labels ?? {}) }
  for (const key of INTERFACE_TEXT_KEYS) {
    const value = values[interfaceTextField(key)]
    if (value === undefined) continue
    const text = withText(labels[key], language, value)
    if (Object.keys(text).length > 0) labels[key] = text
    else delete labels[key]
  }
  const intro = setOptional('intro', definition.intro)
  const base = omit(definition, 'intro', 'labels')
  return {
    ...base, title: set('title', definition.title), thankYou: set('thankYou', definition.thankYou), questions,
    ...(intro ? { intro } : {}), ...(Object.keys(labels).length > 0 ? { labels } : {}),
  }
}

// ---- Read queries the pages need ---------------------------------------------------------------------------------

export interface ManageableService {
  readonly id: string
  readonly name: string
  readonly organizationName: string
  readonly stages: readonly { readonly id: string; readonly name: string }[]
}

/** Services (not archived) the actor may add surveys to, with their journey stages, by name; at most `limit`. */
export async function listManageableServices(db: Kysely<Database>, actor: Actor, limit = 500): Promise<ManageableService[]> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return []
  let query = db.selectFrom('services').innerJoin('organizations as o', 'o.id', 'services.organization_id')
    .select(['services.id', 'services.name', 'services.owner_user_id', 'o.path', 'o.name as organization_name'])
    .where('services.state', '!=', 'archived')
  if (paths !== null) query = query.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
  const rows = (await query.orderBy('services.name').orderBy('services.id').limit(limit * 4).execute())
    .filter((r) => canManageSurveys(actor, { organizationPath: r.path, ownerUserId: r.owner_user_id }))
    .slice(0, limit)
  if (rows.length === 0) return []
  const stages = await db.selectFrom('service_stages').select(['id', 'service_id', 'name'])
    .where('service_id', 'in', rows.map((r) => r.id)).orderBy('service_id').orderBy('position').execute()
  return rows.map((r) => ({
    id: r.id, name: r.name, organizationName: r.organization_name,
    stages: stages.filter((s) => s.service_id === r.id).map((s) => ({ id: s.id, name: s.name })),
  }))
}

export interface SurveyVersionSummary {
  readonly version: number
  readonly createdAt: string
  readonly createdBy: string | null
}

/** A survey's versions, newest first (404 when the actor cannot read the survey). */
export async function listSurveyVersions(db: Kysely<Database>, actor: Actor, surveyId: string): Promise<SurveyVersionSummary[]> {
  const survey = await db.selectFrom('surveys').innerJoin('services as s', 's.id', 'surveys.service_id').innerJoin('organizations as o', 'o.id', 's.organization_id')
    .select('o.path').where('surveys.id', '=', surveyId).executeTakeFirst()
  if (!survey || !canReadOrganization(actor, survey.path)) throw new NotFound('Survey')
  const rows = await db.selectFrom('survey_versions').leftJoin('users as u', 'u.id', 'survey_versions.created_by')
    .select(['survey_versions.version', 'survey_versions.created_at', 'u.name as created_by'])
    .where('survey_versions.survey_id', '=', surveyId).orderBy('survey_versions.version', 'desc').execute()
  return rows.map((r) => ({ version: r.version, createdAt: r.created_at, createdBy: r.created_by }))
}

/** Services that have surveys the actor can read (for the survey list's filter), by name. */
export async function listSurveyServices(db: Kysely<Database>, actor: Actor): Promise<{ id: string; name: string }[]> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return []
  let query = db.selectFrom('services').innerJoin('organizations as o', 'o.id', 'services.organization_id')
    .select(['services.id', 'services.name'])
    .where('services.id', 'in', (eb) => eb.selectFrom('surveys').select('surveys.service_id'))
  if (paths !== null) query = query.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
  return query.orderBy('services.name').orderBy('services.id').limit(1000).execute()
}
