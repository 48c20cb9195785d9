/**
 * Delivery 4 (A-11 §280.4 channels without a web form: phone/IVR, paper, other tools): responses imported from CSV,
 * either in the survey's own columns (`survey`) or in OMB's 17-column format (`omb17`, reference §6). Every row is
 * checked with the same rules as live intake (`checkAnswers`); any problem means nothing is written and the report
 * names each problem by row (the header is row 1) and column. A valid file is written in one transaction through
 * `storeResponseIn` with source `import`, with its optional offers count and an audit entry.
 */
import type { Kysely } from 'kysely'
import { CHANNELS, type Channel } from '../a11/channels.ts'
import { parseCsv, parseOmbCsv, type CsvRowError, type OmbColumn, type OmbRow } from '../a11/omb-csv.ts'
import { DRIVER_KEYS, questionWithRole, ASKING_TYPES, type Question, type SurveyDefinition } from '../a11/survey-model.ts'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor } from '../auth/actor.ts'
import type { Database } from '../db/schema.ts'
import { refreshStatistics } from '../db/connect.ts'
import { Conflict, Forbidden, Invalid } from '../errors.ts'
import { checkAnswers, type CheckedAnswers, type RawAnswers } from './answers.ts'
import { loadPublicSurvey, recordOffer, storeResponseIn, type SubmissionContext } from './intake.ts'
import { getSurvey, surveyAbilities } from './surveys.ts'

export const IMPORT_FORMATS = ['survey', 'omb17'] as const
export type ImportFormat = (typeof IMPORT_FORMATS)[number]

/** Optional columns of the `survey` format that describe the response rather than answer a question. */
export const IMPORT_META_COLUMNS = ['external_id', 'submitted_at', 'channel', 'language', 'touchpoint', 'location_code'] as const
type MetaColumn = (typeof IMPORT_META_COLUMNS)[number]
/** Columns the CSV export writes that an import ignores, so an export can be imported into another survey. */
export const EXPORT_ONLY_COLUMNS = ['id', 'fiscal_year', 'fiscal_quarter', 'source', 'version', 'status', 'tags'] as const

// Each row costs two inserts in the import's one transaction; larger files are split so a transaction stays short.
export const MAX_RESPONSE_IMPORT_ROWS = 20_000
const MAX_META_LENGTH = 100
const EXTERNAL_ID_LOOKUP_CHUNK = 500
const LANGUAGE = /^[a-z]{2}(-[A-Z]{2})?$/

export interface ResponseImportOptions {
  readonly format: ImportFormat
  /** The channel of rows without a `channel` cell (default: the survey's channel). */
  readonly channel?: Channel | undefined
  /** How many people were offered the survey (calls, forms handed out), for the response rate. */
  readonly offers?: number | undefined
  /** The date (YYYY-MM-DD) of rows without a `submitted_at` cell, e.g. every row of an OMB file (default: now). */
  readonly submittedOn?: string | undefined
}

export interface ResponseImportReport {
  readonly ok: boolean
  readonly format: ImportFormat
  readonly imported: number
  readonly offers: number
  readonly recoveryCases: number
  readonly errors: readonly CsvRowError[]
}

interface PreparedRow {
  readonly row: number
  readonly checked: CheckedAnswers
  readonly context: SubmissionContext
  /** The column holding the external id, for duplicate reports. */
  readonly externalIdColumn: string
}

interface Defaults {
  readonly channel: Channel
  readonly submittedAt: Date | undefined
  readonly language: string
}

/**
 * Imports a CSV file of responses into a published (or closed) survey. All rows or none.
 * @example await importResponsesCsv(db, actor, surveyId, text, { format: 'omb17', channel: 'phone', offers: 400 })
 */
export async function importResponsesCsv(db: Kysely<Database>, actor: Actor, surveyId: string, csvText: string, options: ResponseImportOptions): Promise<ResponseImportReport> {
  const view = await getSurvey(db, actor, surveyId)
  if (!(await surveyAbilities(db, actor, surveyId)).manage) throw new Forbidden('You cannot import responses into this survey.')
  if (view.state === 'draft') throw new Conflict('Publish the survey before importing responses: a draft\'s questions may still change.')
  if (view.state === 'archived') throw new Conflict('This survey is archived.')
  const survey = await loadPublicSurvey(db, surveyId)
  const defaults: Defaults = { channel: options.channel ?? survey.channel, submittedAt: dateOnly(options.submittedOn), language: survey.definition.languages[0] ?? 'en' }
  const errors: CsvRowError[] = []
  const rows = options.format === 'omb17' ? prepareOmbRows(survey.definition, csvText, defaults, errors) : prepareSurveyRows(survey.definition, csvText, defaults, errors)
  const report = (ok: boolean, imported = 0, recoveryCases = 0): ResponseImportReport =>
    ({ ok, format: options.format, imported, offers: ok ? options.offers ?? 0 : 0, recoveryCases, errors: ok ? [] : errors })
  await checkExternalIds(db, survey.id, rows, errors)
  if (errors.length > 0) return report(false)
  let recoveryCases = 0
  await db.transaction().execute(async (trx) => {
    for (const row of rows) {
      const stored = await storeResponseIn(trx, survey, row.checked, row.context)
      if (stored.recoveryCaseId) recoveryCases++
    }
    if (options.offers) {
      // Offers count in the quarter of the responses they go with: the latest response's time.
      const latest = rows.reduce<Date | undefined>((max, r) => (r.context.submittedAt && (!max || r.context.submittedAt > max) ? r.context.submittedAt : max), defaults.submittedAt)
      await recordOffer(trx, survey, { source: 'import', channel: defaults.channel, count: options.offers, offeredAt: latest })
    }
    await recordAudit(trx, actor, {
      action: 'survey.import_responses', entityType: 'survey', entityId: survey.id, organizationId: survey.organizationId,
      after: { format: options.format, responses: rows.length, offers: options.offers ?? 0, channel: defaults.channel, recoveryCases },
    })
  })
  if (rows.length >= STATISTICS_AFTER_ROWS) await refreshStatistics(db)
  return report(true, rows.length, recoveryCases)
}

/** A bulk load this large changes the tables' shape enough to refresh the planner's statistics. */
const STATISTICS_AFTER_ROWS = 1000

function dateOnly(value: string | undefined): Date | undefined {
  if (!value) return undefined
  const at = readInstant(value)
  if (typeof at === 'string') throw new Invalid('Some fields need attention.', { submittedOn: at })
  return at
}

/**
 * A date is read as noon UTC, which is the same calendar day in every U.S. time zone, so it lands in the right fiscal
 * quarter; a date and time needs its zone (Z or an offset).
 */
function readInstant(raw: string): Date | string {
  const value = raw.trim()
  let at: Date
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    at = new Date(`${value}T12:00:00Z`)
    if (Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== value) return 'is not a real date'
  } else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) {
    at = new Date(value.replace(' ', 'T'))
    if (Number.isNaN(at.getTime())) return 'is not a real date and time'
  } else {
    return 'must be a date (2025-01-31) or a date and time with its zone (2025-01-31T14:05:00Z or 2025-01-31T09:05:00-05:00)'
  }
  if (at.getTime() > Date.now() + 24 * 3600 * 1000) return 'is in the future'
  if (at.getUTCFullYear() < 2000) return 'is before 2000'
  return at
}

/** Reads a meta cell into the submission context; problems go to `errors`. */
function readMeta(column: MetaColumn, raw: string, row: number, context: { -readonly [K in keyof SubmissionContext]?: SubmissionContext[K] }, errors: CsvRowError[]): void {
  const value = raw.trim()
  if (value === '') return
  const fail = (message: string) => errors.push({ row, column, message })
  switch (column) {
    case 'submitted_at': {
      const at = readInstant(value)
      if (typeof at === 'string') fail(at)
      else context.submittedAt = at
      return
    }
    case 'channel':
      if ((CHANNELS as readonly string[]).includes(value)) context.channel = value as Channel
      else fail(`"${value}" is not a channel; use one of: ${CHANNELS.join(', ')}`)
      return
    case 'language':
      if (LANGUAGE.test(value)) context.language = value
      else fail('must be a language code such as en or es')
      return
    default:
      if (value.length > MAX_META_LENGTH) fail(`must be at most ${MAX_META_LENGTH} characters`)
      else if (column === 'external_id') context.externalId = value
      else if (column === 'touchpoint') context.touchpoint = value
      else context.locationCode = value
  }
}

/** Runs the intake checks on one row; each problem is reported under the column the file used for it. */
function checkRow(definition: SurveyDefinition, raw: RawAnswers, row: number, columnOf: (key: string) => string, errors: CsvRowError[]): CheckedAnswers | null {
  const checked = checkAnswers(definition, raw)
  if (checked.ok) return checked.value
  for (const [key, problem] of Object.entries(checked.problems)) errors.push({ row, column: columnOf(key), message: problem.message })
  return null
}

function recordsOf(csvText: string, errors: CsvRowError[]): { header: string[]; data: ReadonlyArray<{ row: number; value: string[] }> } | null {
  const { records, error } = parseCsv(csvText)
  if (error) {
    errors.push(error)
    return null
  }
  const [header, ...data] = records
  if (!header) {
    errors.push({ row: 1, column: 'file', message: 'The file is empty; it needs a header row and at least one response.' })
    return null
  }
  if (data.length === 0) errors.push({ row: 2, column: 'file', message: 'The file has a header but no responses.' })
  if (data.length > MAX_RESPONSE_IMPORT_ROWS) throw new Invalid(`The file has more than ${MAX_RESPONSE_IMPORT_ROWS.toLocaleString('en-US')} rows; split it.`, { file: 'has too many rows' })
  return { header: header.value.map((h) => h.trim().toLowerCase()), data }
}

type ColumnRole =
  | { readonly kind: 'meta'; readonly name: MetaColumn }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'answer'; readonly question: Question }
  | { readonly kind: 'other_text'; readonly question: Question }
  | { readonly kind: 'flag'; readonly question: Question; readonly option: string }

/**
 * The survey format's columns: question keys; for multiple choice either one cell of option keys separated by `;`
 * (with `<key>.other` for the "other" text) or, as the export writes it, one `<key>.<option>` column of 1/0 per
 * option (with `<key>.other_text`). Returns null after reporting header problems on row 1.
 */
function surveyColumns(definition: SurveyDefinition, header: readonly string[], errors: CsvRowError[]): ColumnRole[] | null {
  const questions = new Map(definition.questions.filter((q) => q.type !== 'display_text').map((q) => [q.key, q]))
  const flagLayout = new Set<string>()
  for (const name of header) {
    const [key, option] = name.split('.', 2)
    const question = key ? questions.get(key) : undefined
    if (question?.type === 'multiple_choice' && option && option !== 'other' && option !== 'other_text' && question.options?.some((o) => o.key === option)) flagLayout.add(question.key)
  }
  const before = errors.length
  const seen = new Set<string>()
  const roles = header.map((name, index): ColumnRole => {
    const column = name || `column ${index + 1}`
    if (seen.has(name)) errors.push({ row: 1, column, message: 'appears twice in the header' })
    seen.add(name)
    if ((IMPORT_META_COLUMNS as readonly string[]).includes(name)) return { kind: 'meta', name: name as MetaColumn }
    if ((EXPORT_ONLY_COLUMNS as readonly string[]).includes(name)) return { kind: 'ignored' }
    const [key = '', option] = name.split('.', 2)
    const question = questions.get(key)
    if (question && option === undefined) {
      if (flagLayout.has(key)) errors.push({ row: 1, column, message: `give the options of ${key} either in this one column or in ${key}.<option> columns, not both` })
      return { kind: 'answer', question }
    }
    if (question?.type === 'multiple_choice' && option !== undefined) {
      if (option === 'other_text' || (option === 'other' && !flagLayout.has(key))) {
        if (question.otherText) return { kind: 'other_text', question }
        errors.push({ row: 1, column, message: `${key} takes no "other" text` })
        return { kind: 'ignored' }
      }
      if (question.options?.some((o) => o.key === option)) return { kind: 'flag', question, option }
    }
    errors.push({ row: 1, column, message: `is not a question of this survey nor one of ${IMPORT_META_COLUMNS.join(', ')}; the survey's questions are ${[...questions.keys()].join(', ')}` })
    return { kind: 'ignored' }
  })
  return errors.length > before ? null : roles
}

const FLAG_TRUE = new Set(['1', 'true', 'yes', 'x'])
const FLAG_FALSE = new Set(['0', 'false', 'no', 'null', ''])

function prepareSurveyRows(definition: SurveyDefinition, csvText: string, defaults: Defaults, errors: CsvRowError[]): PreparedRow[] {
  const file = recordsOf(csvText, errors)
  if (!file) return []
  const roles = surveyColumns(definition, file.header, errors)
  if (!roles) return []
  const columnFor = new Map<string, string>()
  roles.forEach((role, index) => {
    const name = file.header[index] as string
    if (role.kind === 'answer' || role.kind === 'flag') { if (!columnFor.has(role.question.key)) columnFor.set(role.question.key, name) }
    if (role.kind === 'other_text') columnFor.set(`${role.question.key}.other`, name)
  })
  const externalIdColumn = 'external_id'
  const prepared: PreparedRow[] = []
  for (const { row, value } of file.data) {
    if (value.length !== roles.length) {
      errors.push({ row, column: 'row', message: `has ${value.length} cells; the header has ${roles.length} (quote cells that contain commas)` })
      continue
    }
    const before = errors.length
    const raw: Record<string, unknown> = {}
    const context: { -readonly [K in keyof SubmissionContext]?: SubmissionContext[K] } = {}
    roles.forEach((role, index) => {
      const cell = value[index] as string
      const column = file.header[index] as string
      if (role.kind === 'meta') readMeta(role.name, cell, row, context, errors)
      else if (role.kind === 'answer') {
        const answer = answerCell(role.question, cell)
        if (answer !== undefined) raw[role.question.key] = answer
      } else if (role.kind === 'other_text') {
        if (cell.trim() !== '') raw[`${role.question.key}.other`] = cell
      } else if (role.kind === 'flag') {
        const flag = cell.trim().toLowerCase()
        if (FLAG_TRUE.has(flag)) raw[role.question.key] = [...((raw[role.question.key] as string[] | undefined) ?? []), role.option]
        else if (!FLAG_FALSE.has(flag)) errors.push({ row, column, message: 'must be 1 (chosen), 0 or empty (not chosen)' })
      }
    })
    const checked = checkRow(definition, raw, row, (key) => columnFor.get(key) ?? key, errors)
    if (!checked || errors.length > before) continue
    prepared.push({ row, checked, externalIdColumn, context: contextOf(context, defaults) })
  }
  return prepared
}

/** A cell as the raw answer `checkAnswers` reads; undefined for a blank cell. */
function answerCell(question: Question, cell: string): unknown {
  const value = cell.trim()
  if (value === '') return undefined
  switch (question.type) {
    case 'thumbs':
    case 'yes_no':
      return value.toLowerCase()
    case 'likert':
    case 'single_choice':
      return value
    case 'multiple_choice':
      return value.split(/[;|]/).map((k) => k.trim()).filter((k) => k !== '')
    default:
      return cell
  }
}

function contextOf(context: { -readonly [K in keyof SubmissionContext]?: SubmissionContext[K] }, defaults: Defaults): SubmissionContext {
  return {
    source: 'import', channel: context.channel ?? defaults.channel, language: context.language ?? defaults.language,
    submittedAt: context.submittedAt ?? defaults.submittedAt, externalId: context.externalId, touchpoint: context.touchpoint, locationCode: context.locationCode,
  }
}

/** The questions an OMB row fills, found by role (never by position). */
function ombTargets(definition: SurveyDefinition) {
  const trust = questionWithRole(definition, 'trust')
  if (!trust || (trust.type !== 'thumbs' && trust.type !== 'likert')) {
    throw new Invalid('This survey has no thumbs or Likert trust question, so OMB-format rows have nowhere to go; use the survey format.', { format: 'needs a survey with the A-11 trust question' })
  }
  const targets = {
    trust,
    positive: questionWithRole(definition, 'drivers_positive'),
    negative: questionWithRole(definition, 'drivers_negative'),
    open: questionWithRole(definition, 'open_text'),
  }
  const filled = new Set([trust, targets.positive, targets.negative, targets.open].filter(Boolean).map((q) => (q as Question).key))
  const unfilled = definition.questions.filter((q) => q.required && ASKING_TYPES.has(q.type) && !filled.has(q.key)).map((q) => q.key)
  if (unfilled.length > 0) {
    throw new Invalid(`This survey has required questions the OMB format does not carry (${unfilled.join(', ')}); use the survey format.`, { format: 'needs a survey whose only required question is trust' })
  }
  return targets
}

function prepareOmbRows(definition: SurveyDefinition, csvText: string, defaults: Defaults, errors: CsvRowError[]): PreparedRow[] {
  const targets = ombTargets(definition)
  const parsed = parseOmbCsv(csvText, { scale: targets.trust.type === 'likert' ? 'likert_scale' : 'thumbs_up_down', likertPositiveMin: definition.likertPositiveMin })
  errors.push(...parsed.errors)
  const prepared: PreparedRow[] = []
  for (const { row, value } of parsed.rows) {
    const before = errors.length
    const raw: Record<string, unknown> = { [targets.trust.key]: value.question1 }
    const firstTick: Record<string, OmbColumn> = {}
    for (const branch of ['positive', 'negative'] as const) {
      const question = targets[branch]
      const ticked = DRIVER_KEYS.filter((k) => value[branch][k] === true)
      if (ticked.length === 0) continue
      const first = `${branch}_${ticked[0]}` as OmbColumn
      if (!question) {
        errors.push({ row, column: first, message: `this survey has no ${branch} drivers question; write 0 or null` })
        continue
      }
      firstTick[question.key] = first
      for (const key of ticked) {
        if (!question.options?.some((o) => o.key === key)) errors.push({ row, column: `${branch}_${key}`, message: `this survey's ${question.key} question does not offer "${key}"; write 0 or null` })
      }
      raw[question.key] = ticked
    }
    if (value.question4 !== null) {
      if (targets.open) raw[targets.open.key] = value.question4
      else errors.push({ row, column: 'question_4', message: 'this survey has no open-text question; leave question_4 empty' })
    }
    if (errors.length > before) continue
    const columnOf = (key: string): string =>
      key === targets.trust.key ? 'question_1' : key === targets.open?.key ? 'question_4' : firstTick[key] ?? key
    const checked = checkRow(definition, raw, row, columnOf, errors)
    if (!checked) continue
    prepared.push({ row, checked, externalIdColumn: 'external_id', context: contextOf({ externalId: externalIdOf(value, row, errors) }, defaults) })
  }
  return prepared
}

function externalIdOf(value: OmbRow, row: number, errors: CsvRowError[]): string | undefined {
  if (value.externalId === null) return undefined
  if (value.externalId.length > MAX_META_LENGTH) errors.push({ row, column: 'external_id', message: `must be at most ${MAX_META_LENGTH} characters` })
  return value.externalId
}

/** External ids are unique per survey: twice in the file, or already imported, is a row error (a file imported twice would double-count). */
async function checkExternalIds(db: Kysely<Database>, surveyId: string, rows: readonly PreparedRow[], errors: CsvRowError[]): Promise<void> {
  const firstRow = new Map<string, number>()
  for (const { row, context, externalIdColumn } of rows) {
    const id = context.externalId
    if (!id) continue
    const earlier = firstRow.get(id)
    if (earlier !== undefined) errors.push({ row, column: externalIdColumn, message: `"${id}" is also on row ${earlier}` })
    else firstRow.set(id, row)
  }
  const ids = [...firstRow.keys()]
  for (let start = 0; start < ids.length; start += EXTERNAL_ID_LOOKUP_CHUNK) {
    const chunk = ids.slice(start, start + EXTERNAL_ID_LOOKUP_CHUNK)
    const existing = await db.selectFrom('responses').select('external_id').where('survey_id', '=', surveyId).where('external_id', 'in', chunk).execute()
    for (const { external_id } of existing) {
      if (external_id) errors.push({ row: firstRow.get(external_id) as number, column: 'external_id', message: `"${external_id}" was already imported into this survey` })
    }
  }
  errors.sort((a, b) => a.row - b.row)
}

