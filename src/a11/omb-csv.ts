/**
 * OMB's post-transaction response CSV (reference §6, Touchpoints' "CX Data Collection Data Format"): UTF-8 (a BOM is
 * accepted), exactly 17 columns A–Q in a fixed order, one row per response. Driver cells are `0`, `1` or `null`
 * (false, true, not asked). cx280 writes `null` for the branch the respondent was not shown and reads `0` there too,
 * as Touchpoints' own export writes it; an empty cell reads as `null`. `question_1` must match the survey's scale.
 * Also the RFC 4180 reader and field quoting that cx280's other CSV imports share. Pure: no I/O.
 */
import { branchOf, DRIVER_KEYS, type Branch, type DriverKey, type SurveyScale } from './survey-model.ts'

export const OMB_CSV_COLUMNS = [
  'external_id', 'question_1',
  'positive_effectiveness', 'positive_ease', 'positive_efficiency', 'positive_transparency', 'positive_humanity', 'positive_employee', 'positive_other',
  'negative_effectiveness', 'negative_ease', 'negative_efficiency', 'negative_transparency', 'negative_humanity', 'negative_employee', 'negative_other',
  'question_4',
] as const
export type OmbColumn = (typeof OMB_CSV_COLUMNS)[number]

/** Driver cells: true (1), false (0) or not asked (null). */
export type DriverCells = Readonly<Record<DriverKey, boolean | null>>

export interface OmbRow {
  readonly externalId: string | null
  /** Thumbs 0/1 or Likert 1–5. */
  readonly question1: number
  readonly positive: DriverCells
  readonly negative: DriverCells
  readonly question4: string | null
}

export interface CsvRowError {
  /** The record's number in the file, the header being row 1 (as a spreadsheet numbers rows). */
  readonly row: number
  readonly column: string
  readonly message: string
}

export interface ParsedRow<T> {
  readonly row: number
  readonly value: T
}

export interface CsvRecords {
  /** Records with their row numbers; blank lines are skipped but still counted. */
  readonly records: ReadonlyArray<ParsedRow<string[]>>
  readonly error: CsvRowError | null
}

const BOM = '\uFEFF'
const LINE_END = '\r\n'

/**
 * Reads RFC 4180 CSV: comma-separated, fields optionally in double quotes with `""` for a quote, CRLF or LF line
 * ends, line breaks allowed inside quoted fields. A leading BOM is dropped. Stops at the first malformed record.
 * @example parseCsv('a,"b ""c"""\r\n1,2').records // [{ row: 1, value: ['a', 'b "c"'] }, { row: 2, value: ['1', '2'] }]
 */
export function parseCsv(text: string): CsvRecords {
  const source = text.startsWith(BOM) ? text.slice(1) : text
  const records: ParsedRow<string[]>[] = []
  let row = 1
  let fields: string[] = []
  let field = ''
  let i = 0
  const endRecord = (): void => {
    fields.push(field)
    const blank = fields.length === 1 && fields[0] === ''
    if (!blank) records.push({ row, value: fields })
    fields = []
    field = ''
    row++
  }
  while (i < source.length) {
    const ch = source[i] as string
    if (ch === '"' && field === '') {
      // A quoted field runs to the next quote that is not doubled.
      let j = i + 1
      let value = ''
      for (;;) {
        const next = source.indexOf('"', j)
        if (next === -1) return { records, error: { row, column: `column ${fields.length + 1}`, message: 'A quoted field is never closed; check for a missing quote.' } }
        value += source.slice(j, next)
        if (source[next + 1] === '"') {
          value += '"'
          j = next + 2
          continue
        }
        i = next + 1
        break
      }
      const after = source[i]
      if (after !== undefined && after !== ',' && after !== '\r' && after !== '\n') {
        return { records, error: { row, column: `column ${fields.length + 1}`, message: 'Text follows a closing quote; a quote inside a field must be doubled ("").' } }
      }
      field = value
      // Mark the field as quoted-and-closed so a following quote is not read as an opening one.
      if (after === ',') {
        fields.push(field)
        field = ''
        i++
      }
      continue
    }
    if (ch === '"') return { records, error: { row, column: `column ${fields.length + 1}`, message: 'A quote inside an unquoted field; quote the whole field and double the quote ("").' } }
    if (ch === ',') {
      fields.push(field)
      field = ''
      i++
    } else if (ch === '\r' || ch === '\n') {
      endRecord()
      i += ch === '\r' && source[i + 1] === '\n' ? 2 : 1
    } else {
      const stop = nextSpecial(source, i)
      field += source.slice(i, stop)
      i = stop
    }
  }
  if (field !== '' || fields.length > 0) endRecord()
  return { records, error: null }
}

function nextSpecial(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 44 || c === 34 || c === 13 || c === 10) return i
  }
  return text.length
}

/** One field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, quote or line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

/** One CRLF-terminated record. */
export function csvLine(values: readonly string[]): string {
  return `${values.map(csvField).join(',')}${LINE_END}`
}

/** The header line, byte for byte as OMB's format defines it. */
export function formatOmbHeader(): string {
  return csvLine(OMB_CSV_COLUMNS)
}

const cell = (value: boolean | null): string => (value === null ? 'null' : value ? '1' : '0')

/** One response as a CRLF-terminated OMB row. */
export function formatOmbRow(row: OmbRow): string {
  return csvLine([
    row.externalId ?? '', String(row.question1),
    ...DRIVER_KEYS.map((k) => cell(row.positive[k])), ...DRIVER_KEYS.map((k) => cell(row.negative[k])),
    row.question4 ?? '',
  ])
}

/** Driver cells for a response: the shown branch's ticks as 1/0, the other branch `null`. */
export function driverCells(branch: Branch | null, ticked: ReadonlySet<DriverKey>, shown: Branch): DriverCells {
  return Object.fromEntries(DRIVER_KEYS.map((k) => [k, branch === shown ? ticked.has(k) : null])) as Record<DriverKey, boolean | null>
}

export interface OmbParseOptions {
  /** The survey's trust scale: `question_1` must be 0/1 for thumbs, 1–5 for Likert. */
  readonly scale: SurveyScale
  /** Likert answers at or above this take the positive branch (reference §3: 4). */
  readonly likertPositiveMin?: number
}

export interface OmbParseResult {
  readonly rows: ReadonlyArray<ParsedRow<OmbRow>>
  readonly errors: readonly CsvRowError[]
}

function headerErrors(header: readonly string[]): CsvRowError[] {
  const normalized = header.map((h) => h.trim().toLowerCase())
  if (normalized.length === OMB_CSV_COLUMNS.length && normalized.every((h, i) => h === OMB_CSV_COLUMNS[i])) return []
  const at = normalized.findIndex((h, i) => h !== OMB_CSV_COLUMNS[i])
  const column = at === -1 || at >= OMB_CSV_COLUMNS.length ? `column ${Math.min(normalized.length, OMB_CSV_COLUMNS.length) + 1}` : OMB_CSV_COLUMNS[at] as string
  const message = normalized.length !== OMB_CSV_COLUMNS.length
    ? `The header has ${normalized.length} columns; the OMB format has exactly 17: ${OMB_CSV_COLUMNS.join(',')}`
    : `The header differs at column ${at + 1} ("${header[at] ?? ''}"); the OMB format's header is: ${OMB_CSV_COLUMNS.join(',')}`
  return [{ row: 1, column, message }]
}

function readQuestion1(raw: string, scale: SurveyScale): number | string {
  const value = raw.trim()
  if (scale === 'thumbs_up_down') return value === '0' || value === '1' ? Number(value) : 'must be 0 (thumbs down) or 1 (thumbs up) for a thumbs up/down survey'
  return /^[1-5]$/.test(value) ? Number(value) : 'must be a whole number from 1 to 5 for a Likert survey'
}

function readDriver(raw: string): boolean | null | undefined {
  const value = raw.trim().toLowerCase()
  if (value === '' || value === 'null') return null
  if (value === '1') return true
  if (value === '0') return false
  return undefined
}

/**
 * Parses OMB's 17-column response CSV into typed rows, checking every row and collecting every problem by row and
 * column. A header that is not exactly OMB's stops the parse with one error on row 1.
 */
export function parseOmbCsv(text: string, options: OmbParseOptions): OmbParseResult {
  const { records, error } = parseCsv(text)
  const errors: CsvRowError[] = []
  const [header, ...data] = records
  if (!header) return { rows: [], errors: [error ?? { row: 1, column: 'file', message: 'The file is empty; it needs the OMB header and at least one row.' }] }
  const bad = headerErrors(header.value)
  if (bad.length > 0) return { rows: [], errors: bad }
  const rows: ParsedRow<OmbRow>[] = []
  for (const { row, value } of data) {
    const parsed = parseOmbRecord(row, value, options, errors)
    if (parsed) rows.push({ row, value: parsed })
  }
  if (error) errors.push(error)
  if (!error && rows.length === 0 && errors.length === 0) errors.push({ row: 2, column: 'file', message: 'The file has a header but no rows.' })
  return { rows, errors }
}

function parseOmbRecord(row: number, value: readonly string[], options: OmbParseOptions, errors: CsvRowError[]): OmbRow | null {
  if (value.length !== OMB_CSV_COLUMNS.length) {
    errors.push({ row, column: 'row', message: `has ${value.length} cells; every row has exactly 17 (quote cells that contain commas)` })
    return null
  }
  const at = (column: OmbColumn): string => value[OMB_CSV_COLUMNS.indexOf(column)] as string
  const before = errors.length
  const question1 = readQuestion1(at('question_1'), options.scale)
  if (typeof question1 === 'string') errors.push({ row, column: 'question_1', message: question1 })
  const branch = typeof question1 === 'number'
    ? branchOf(options.scale === 'thumbs_up_down' ? 'thumbs' : 'likert', question1, options.likertPositiveMin ?? 4)
    : null
  const cells = (prefix: Branch): Record<DriverKey, boolean | null> => {
    const out = {} as Record<DriverKey, boolean | null>
    for (const key of DRIVER_KEYS) {
      const column = `${prefix}_${key}` as OmbColumn
      const read = readDriver(at(column))
      if (read === undefined) {
        errors.push({ row, column, message: 'must be 0, 1 or null (empty reads as null)' })
        continue
      }
      if (read === true && branch !== null && branch !== prefix) {
        errors.push({ row, column, message: `is 1, but question_1 = ${String(question1)} leads to the ${branch} drivers; write 0 or null here` })
      }
      out[key] = read
    }
    return out
  }
  const positive = cells('positive')
  const negative = cells('negative')
  if (errors.length > before || typeof question1 === 'string') return null
  const externalId = at('external_id').trim()
  const question4 = at('question_4')
  return { externalId: externalId === '' ? null : externalId, question1, positive, negative, question4: question4.trim() === '' ? null : question4 }
}
