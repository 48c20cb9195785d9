/**
 * Response exports, streamed page by page (keyset pages over `responses_survey_time`) so memory stays bounded and
 * there is no row cap: CSV (csv-stringify), XLSX (exceljs streaming writer) and OMB's 17-column CSV (reference §6).
 * Free text is masked for personal information unless the caller may reveal it and asks to (then the reveal is
 * audited). Trashed responses are left out; spam stays in, with its status, for the analyst to filter.
 */
import { PassThrough, Readable } from 'node:stream'
import { stringify } from 'csv-stringify/sync'
import ExcelJS from 'exceljs'
import type { Kysely } from 'kysely'
import { driverCells, formatOmbHeader, formatOmbRow } from '../a11/omb-csv.ts'
import { branchOf, questionWithRole, type Branch, type DriverKey, type Question, type SurveyDefinition } from '../a11/survey-model.ts'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor } from '../auth/actor.ts'
import type { Database } from '../db/schema.ts'
import { Forbidden, Invalid } from '../errors.ts'
import { maskPii } from '../privacy/pii.ts'
import { getSurvey, surveyAbilities, type SurveyView } from './surveys.ts'

export const EXPORT_FORMATS = ['csv', 'xlsx', 'omb17'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

const PAGE_SIZE = 500
// One worksheet holds 1,048,576 rows; longer exports continue on another sheet.
const XLSX_ROWS_PER_SHEET = 1_048_575

export interface ExportOptions {
  readonly format: ExportFormat
  /** Unmasked free text; needs the reveal permission and is audited. */
  readonly reveal?: boolean | undefined
  readonly pageSize?: number | undefined
}

export interface ResponseExport {
  readonly filename: string
  readonly contentType: string
  readonly stream: Readable
}

export interface ExportAnswer {
  readonly question_key: string
  readonly role: string | null
  readonly option_key: string | null
  readonly number_value: number | null
  readonly text_value: string | null
}

/** One response with what every format needs: its version's definition, answers, tags and the questions it was shown. */
export interface LoadedResponse {
  readonly id: string
  readonly submittedAt: string
  readonly fiscalYear: number
  readonly fiscalQuarter: number
  readonly channel: string
  readonly source: string
  readonly language: string
  readonly version: number
  readonly status: string
  readonly externalId: string | null
  readonly touchpoint: string | null
  readonly locationCode: string | null
  readonly trustValue: number | null
  readonly definition: SurveyDefinition
  readonly answers: readonly ExportAnswer[]
  readonly tags: readonly string[]
  readonly shown: ReadonlySet<string>
}

type Cell = string | number | null

export interface ExportColumn {
  readonly header: string
  /** Text that came from the public (guarded against spreadsheet formulas in CSV). */
  readonly untrusted?: boolean
  read(response: LoadedResponse, text: (value: string) => string): Cell
}

export interface SurveyVersionInfo {
  readonly version: number
  readonly definition: SurveyDefinition
}

/**
 * Opens an export after checking access (404 for another organization's survey, before anything is streamed).
 * @example const { stream, filename } = await exportResponses(db, actor, id, { format: 'xlsx' })
 */
export async function exportResponses(db: Kysely<Database>, actor: Actor, surveyId: string, options: ExportOptions): Promise<ResponseExport> {
  const survey = await getSurvey(db, actor, surveyId)
  if (options.reveal) {
    if (!(await surveyAbilities(db, actor, surveyId)).reveal) throw new Forbidden('Your role cannot see personal information in free text.')
    await recordAudit(db, actor, { action: 'survey.export_reveal', entityType: 'survey', entityId: surveyId, organizationId: survey.organizationId, after: { format: options.format } })
  }
  const versions = await loadVersions(db, surveyId)
  const text = options.reveal ? (value: string) => value : maskPii
  const pages = () => responsePages(db, surveyId, versions, options.pageSize ?? PAGE_SIZE)
  const base = `${slug(survey.name)}-responses-${new Date().toISOString().slice(0, 10)}`
  switch (options.format) {
    case 'omb17': {
      if (!questionWithRole(survey.definition, 'trust')) throw new Invalid('This survey has no trust question, so it has no OMB-format export.', { format: 'needs the A-11 trust question' })
      return { filename: `${base}-omb.csv`, contentType: 'text/csv; charset=utf-8', stream: Readable.from(ombLines(pages(), text)) }
    }
    case 'xlsx':
      return { filename: `${base}.xlsx`, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', stream: xlsxStream(survey, columnsFor(versions), pages(), text) }
    default:
      return { filename: `${base}.csv`, contentType: 'text/csv; charset=utf-8', stream: csvStream(columnsFor(versions), pages(), text) }
  }
}

function slug(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'survey'
}

async function loadVersions(db: Kysely<Database>, surveyId: string): Promise<Map<string, SurveyVersionInfo>> {
  const rows = await db.selectFrom('survey_versions').select(['id', 'version', 'definition']).where('survey_id', '=', surveyId).orderBy('version', 'desc').execute()
  return new Map(rows.map((r) => [r.id, { version: r.version, definition: JSON.parse(r.definition) as SurveyDefinition }]))
}

/** The questions a respondent was shown, replaying the version's branching over the stored answers. */
export function shownQuestions(definition: SurveyDefinition, answers: readonly ExportAnswer[]): Set<string> {
  const numbers = new Map<string, number>()
  for (const a of answers) if (a.number_value !== null) numbers.set(a.question_key, a.number_value)
  const branches = new Map<string, Branch | null>()
  const shown = new Set<string>()
  for (const question of definition.questions) {
    if (question.showWhen && branches.get(question.showWhen.question) !== question.showWhen.branch) {
      branches.set(question.key, null)
      continue
    }
    shown.add(question.key)
    const value = numbers.get(question.key)
    branches.set(question.key, value === undefined ? null : branchOf(question.type, value, definition.likertPositiveMin))
  }
  return shown
}

/** Pages of responses in (submitted_at, id) order; each page costs three indexed queries. */
export async function* responsePages(db: Kysely<Database>, surveyId: string, versions: ReadonlyMap<string, SurveyVersionInfo>, pageSize = PAGE_SIZE): AsyncGenerator<LoadedResponse[]> {
  let after: { at: string; id: string } | null = null
  for (;;) {
    let query = db.selectFrom('responses')
      .select(['id', 'survey_version_id', 'submitted_at', 'fiscal_year', 'fiscal_quarter', 'channel', 'source', 'language', 'status', 'external_id', 'touchpoint', 'location_code', 'trust_value'])
      .where('survey_id', '=', surveyId).where('status', '!=', 'trash')
    if (after) {
      const { at, id } = after
      query = query.where((eb) => eb.or([eb('submitted_at', '>', at), eb.and([eb('submitted_at', '=', at), eb('id', '>', id)])]))
    }
    const rows = await query.orderBy('submitted_at').orderBy('id').limit(pageSize).execute()
    if (rows.length === 0) return
    const ids = rows.map((r) => r.id)
    const [answers, tags] = await Promise.all([
      db.selectFrom('response_answers').select(['response_id', 'question_key', 'role', 'option_key', 'number_value', 'text_value'])
        .where('response_id', 'in', ids).orderBy('response_id').orderBy('position').execute(),
      db.selectFrom('response_tags').select(['response_id', 'tag']).where('response_id', 'in', ids).orderBy('tag').execute(),
    ])
    const answersOf = groupBy(answers, (a) => a.response_id)
    const tagsOf = groupBy(tags, (t) => t.response_id)
    yield rows.map((r) => {
      const version = versions.get(r.survey_version_id) as SurveyVersionInfo
      const mine = answersOf.get(r.id) ?? []
      return {
        id: r.id, submittedAt: r.submitted_at, fiscalYear: r.fiscal_year, fiscalQuarter: r.fiscal_quarter, channel: r.channel, source: r.source,
        language: r.language, version: version.version, status: r.status, externalId: r.external_id, touchpoint: r.touchpoint, locationCode: r.location_code,
        trustValue: r.trust_value, definition: version.definition, answers: mine, tags: (tagsOf.get(r.id) ?? []).map((t) => t.tag),
        shown: shownQuestions(version.definition, mine),
      }
    })
    if (rows.length < pageSize) return
    const last = rows[rows.length - 1] as { submitted_at: string; id: string }
    after = { at: last.submitted_at, id: last.id }
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = groups.get(k)
    if (list) list.push(item)
    else groups.set(k, [item])
  }
  return groups
}

/**
 * The spreadsheet columns: the fixed ones, then each question key of any version (the current version's order first,
 * questions only older versions had after). Multiple choice takes one `<key>.<option>` column per option (1/0, empty
 * when the question was not shown) and `<key>.other_text` when it allows "other" text.
 */
export function columnsFor(versions: ReadonlyMap<string, SurveyVersionInfo>): ExportColumn[] {
  const columns: ExportColumn[] = [
    { header: 'id', read: (r) => r.id },
    { header: 'submitted_at', read: (r) => r.submittedAt },
    { header: 'fiscal_year', read: (r) => r.fiscalYear },
    { header: 'fiscal_quarter', read: (r) => r.fiscalQuarter },
    { header: 'channel', read: (r) => r.channel },
    { header: 'source', read: (r) => r.source },
    { header: 'language', read: (r) => r.language },
    { header: 'version', read: (r) => r.version },
    { header: 'status', read: (r) => r.status },
    { header: 'tags', untrusted: true, read: (r) => r.tags.join('; ') },
    { header: 'external_id', untrusted: true, read: (r) => r.externalId },
    { header: 'touchpoint', untrusted: true, read: (r) => r.touchpoint },
    { header: 'location_code', untrusted: true, read: (r) => r.locationCode },
  ]
  const questions = new Map<string, { type: Question['type']; options: string[]; otherText: boolean }>()
  for (const { definition } of versions.values()) {
    for (const q of definition.questions) {
      if (q.type === 'display_text') continue
      const known = questions.get(q.key) ?? { type: q.type, options: [], otherText: false }
      for (const option of q.options ?? []) if (!known.options.includes(option.key)) known.options.push(option.key)
      known.otherText ||= Boolean(q.otherText)
      questions.set(q.key, known)
    }
  }
  for (const [key, q] of questions) columns.push(...questionColumns(key, q))
  return columns
}

const answersTo = (r: LoadedResponse, key: string) => r.answers.filter((a) => a.question_key === key)

function questionColumns(key: string, q: { type: Question['type']; options: string[]; otherText: boolean }): ExportColumn[] {
  switch (q.type) {
    case 'thumbs':
    case 'likert':
    case 'yes_no':
      return [{ header: key, read: (r) => answersTo(r, key)[0]?.number_value ?? null }]
    case 'single_choice':
      return [{ header: key, read: (r) => answersTo(r, key)[0]?.option_key ?? null }]
    case 'multiple_choice': {
      const offered = (r: LoadedResponse, option: string) =>
        r.shown.has(key) && Boolean(r.definition.questions.find((x) => x.key === key)?.options?.some((o) => o.key === option))
      return [
        ...q.options.map((option): ExportColumn => ({
          header: `${key}.${option}`,
          read: (r) => (offered(r, option) ? (answersTo(r, key).some((a) => a.option_key === option) ? 1 : 0) : null),
        })),
        ...(q.otherText ? [{
          header: `${key}.other_text`, untrusted: true,
          read: (r: LoadedResponse, text: (value: string) => string) => {
            const other = answersTo(r, key).find((a) => a.option_key === 'other')?.text_value
            return other ? text(other) : null
          },
        }] : []),
      ]
    }
    default:
      return [{
        header: key, untrusted: true,
        read: (r, text) => {
          const value = answersTo(r, key)[0]?.text_value
          return value === null || value === undefined ? null : text(value)
        },
      }]
  }
}

/** OWASP "CSV injection": a spreadsheet would run a cell that starts with = + - @ as a formula. */
function guardFormula(value: Cell): Cell {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}

/** CSV in one chunk per page (csv-stringify per page keeps memory to a page and avoids per-record stream overhead). */
function csvStream(columns: readonly ExportColumn[], pages: AsyncGenerator<LoadedResponse[]>, text: (value: string) => string): Readable {
  const options = { record_delimiter: 'windows' } as const
  async function* chunks(): AsyncGenerator<string> {
    yield `\uFEFF${stringify([columns.map((c) => c.header)], options)}`
    for await (const page of pages) {
      yield stringify(page.map((response) => columns.map((c) => (c.untrusted ? guardFormula(c.read(response, text)) : c.read(response, text)))), options)
    }
  }
  return Readable.from(chunks(), { objectMode: false })
}

function xlsxStream(survey: SurveyView, columns: readonly ExportColumn[], pages: AsyncGenerator<LoadedResponse[]>, text: (value: string) => string): Readable {
  const out = new PassThrough()
  const write = async (): Promise<void> => {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false })
    workbook.creator = 'cx280'
    workbook.title = survey.name
    let sheetNumber = 0
    let rowsInSheet = 0
    let sheet = workbook.addWorksheet('Responses')
    const startSheet = (): void => {
      sheet.addRow(columns.map((c) => c.header)).commit()
      rowsInSheet = 1
    }
    startSheet()
    for await (const page of pages) {
      for (const response of page) {
        if (rowsInSheet >= XLSX_ROWS_PER_SHEET) {
          sheet.commit()
          sheetNumber++
          sheet = workbook.addWorksheet(`Responses ${sheetNumber + 1}`)
          startSheet()
        }
        sheet.addRow(columns.map((c) => c.read(response, text))).commit()
        rowsInSheet++
      }
      // Backpressure: wait for the client to take what was written before reading the next page.
      if (out.writableNeedDrain) await drainedOrClosed(out)
      if (out.destroyed) return
    }
    sheet.commit()
    await workbook.commit()
  }
  write().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))))
  return out
}

/** Resolves when the stream drains or closes (a client that goes away must not leave the writer waiting). */
function drainedOrClosed(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('close', done)
  })
}

async function* ombLines(pages: AsyncGenerator<LoadedResponse[]>, text: (value: string) => string): AsyncGenerator<string> {
  yield formatOmbHeader()
  for await (const page of pages) {
    let chunk = ''
    for (const response of page) chunk += ombLine(response, text)
    if (chunk) yield chunk
  }
}

/** One response as an OMB row, or '' when it has no trust answer (question_1 is required). */
export function ombLine(response: LoadedResponse, text: (value: string) => string): string {
  if (response.trustValue === null) return ''
  const { definition } = response
  const cells = (role: 'drivers_positive' | 'drivers_negative', branch: Branch) => {
    const question = questionWithRole(definition, role)
    const shown = question && response.shown.has(question.key) ? branch : null
    const ticked = new Set(response.answers.filter((a) => a.role === role && a.option_key !== null).map((a) => a.option_key as DriverKey))
    const offered = new Set((question?.options ?? []).map((o) => o.key))
    const row = driverCells(shown, ticked, branch)
    // Touchpoints writes null for an option the form lacks (reference §6); so does cx280.
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, offered.has(k) ? v : null])) as typeof row
  }
  const open = questionWithRole(definition, 'open_text')
  const openText = open ? response.answers.find((a) => a.question_key === open.key)?.text_value ?? null : null
  return formatOmbRow({
    externalId: response.externalId ?? response.id,
    question1: response.trustValue,
    positive: cells('drivers_positive', 'positive'),
    negative: cells('drivers_negative', 'negative'),
    question4: openText === null ? null : text(openText),
  })
}
