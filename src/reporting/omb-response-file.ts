/**
 * One collection detail's 17-column response file (reference §6), byte for byte: OMB's header, then one CRLF row per
 * response of the survey in the fiscal quarter that answered the trust question, oldest first; `null` for the driver
 * branch the respondent was not shown; free text masked for personal information. Spam and trashed responses are
 * not OMB's data. Streamed page by page (keyset over `responses_survey_time`), so memory stays bounded; the same
 * stream feeds the download, the CLI file and the integrity hash.
 */
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createGzip } from 'node:zlib'
import type { Kysely } from 'kysely'
import { formatOmbHeader } from '../a11/omb-csv.ts'
import type { FiscalQuarter } from '../a11/fiscal-year.ts'
import type { SurveyDefinition } from '../a11/survey-model.ts'
import type { Database } from '../db/schema.ts'
import { maskPii } from '../privacy/pii.ts'
import { ombLine, shownQuestions, type ExportAnswer, type LoadedResponse } from '../surveys/response-export.ts'

const PAGE_SIZE = 1000
/** Statuses that are not data (reference §6 counts respondents; spam is nobody's answer). */
export const NOT_DATA_STATUSES = ['spam', 'trash'] as const

/** Pages of the quarter's A-11 responses of one survey, each as the loaded shape the OMB row writer reads. */
export async function* quarterResponsePages(db: Kysely<Database>, surveyId: string, quarter: FiscalQuarter, pageSize = PAGE_SIZE): AsyncGenerator<LoadedResponse[]> {
  const definitions = new Map<string, { version: number; definition: SurveyDefinition }>()
  let after: { at: string; id: string } | null = null
  for (;;) {
    let query = db.selectFrom('responses')
      .select(['id', 'survey_version_id', 'submitted_at', 'fiscal_year', 'fiscal_quarter', 'channel', 'source', 'language', 'status', 'external_id', 'touchpoint', 'location_code', 'trust_value'])
      .where('survey_id', '=', surveyId).where('fiscal_year', '=', quarter.fiscalYear).where('fiscal_quarter', '=', quarter.quarter)
      .where('status', 'not in', [...NOT_DATA_STATUSES]).where('trust_value', 'is not', null)
    if (after) {
      const { at, id } = after
      // A row value: SQLite and PostgreSQL read it as one index range (the `or` form made SQLite skip to the key).
      query = query.where((eb) => eb(eb.refTuple('submitted_at', 'id'), '>', eb.tuple(at, id)))
    }
    const rows = await query.orderBy('submitted_at').orderBy('id').limit(pageSize).execute()
    if (rows.length === 0) return
    const missing = [...new Set(rows.map((r) => r.survey_version_id))].filter((id) => !definitions.has(id))
    if (missing.length > 0) {
      for (const v of await db.selectFrom('survey_versions').select(['id', 'version', 'definition']).where('id', 'in', missing).execute()) {
        definitions.set(v.id, { version: v.version, definition: JSON.parse(v.definition) as SurveyDefinition })
      }
    }
    const answers = await db.selectFrom('response_answers').select(['response_id', 'question_key', 'role', 'option_key', 'number_value', 'text_value'])
      .where('response_id', 'in', rows.map((r) => r.id)).orderBy('response_id').orderBy('position').execute()
    const answersOf = new Map<string, ExportAnswer[]>()
    for (const a of answers) {
      const list = answersOf.get(a.response_id)
      if (list) list.push(a)
      else answersOf.set(a.response_id, [a])
    }
    yield rows.map((r): LoadedResponse => {
      const { version, definition } = definitions.get(r.survey_version_id) as { version: number; definition: SurveyDefinition }
      const mine = answersOf.get(r.id) ?? []
      return {
        id: r.id, submittedAt: r.submitted_at, fiscalYear: r.fiscal_year, fiscalQuarter: r.fiscal_quarter, channel: r.channel, source: r.source,
        language: r.language, version, status: r.status, externalId: r.external_id, touchpoint: r.touchpoint, locationCode: r.location_code,
        trustValue: r.trust_value, definition, answers: mine, tags: [], shown: shownQuestions(definition, mine),
      }
    })
    if (rows.length < pageSize) return
    const last = rows[rows.length - 1] as { submitted_at: string; id: string }
    after = { at: last.submitted_at, id: last.id }
  }
}

/** The file in chunks: the header, then one chunk per page of rows. */
export async function* ombResponseChunks(db: Kysely<Database>, surveyId: string, quarter: FiscalQuarter): AsyncGenerator<string> {
  yield formatOmbHeader()
  for await (const page of quarterResponsePages(db, surveyId, quarter)) {
    let chunk = ''
    for (const response of page) chunk += ombLine(response, maskPii)
    if (chunk) yield chunk
  }
}

/** The whole file as text (tests, small exports). */
export async function ombResponseCsv(db: Kysely<Database>, surveyId: string, quarter: FiscalQuarter): Promise<string> {
  let text = ''
  for await (const chunk of ombResponseChunks(db, surveyId, quarter)) text += chunk
  return text
}

/** SHA-256 (hex) of the file's UTF-8 bytes, and its row count. */
export async function hashOmbResponses(db: Kysely<Database>, surveyId: string, quarter: FiscalQuarter): Promise<{ hash: string; rows: number }> {
  const hash = createHash('sha256')
  let rows = -1
  for await (const chunk of ombResponseChunks(db, surveyId, quarter)) {
    hash.update(chunk, 'utf8')
    rows += countLines(chunk)
  }
  return { hash: hash.digest('hex'), rows }
}

/** Gzip level of frozen files: zlib's default, most of level 9's saving at a fraction of its time. */
export const FROZEN_GZIP_LEVEL = 6

/** The file made once for submission: its SHA-256 and row count (as `hashOmbResponses`) and its bytes, gzip compressed. */
export async function freezeOmbResponses(db: Kysely<Database>, surveyId: string, quarter: FiscalQuarter): Promise<{ hash: string; rows: number; bytes: number; gzip: Buffer }> {
  const hash = createHash('sha256')
  const gzip = createGzip({ level: FROZEN_GZIP_LEVEL })
  const parts: Buffer[] = []
  gzip.on('data', (part: Buffer) => parts.push(part))
  const ended = once(gzip, 'end')
  let rows = -1
  let bytes = 0
  for await (const chunk of ombResponseChunks(db, surveyId, quarter)) {
    const data = Buffer.from(chunk, 'utf8')
    hash.update(data)
    gzip.write(data)
    bytes += data.length
    rows += countLines(chunk)
  }
  gzip.end()
  await ended
  return { hash: hash.digest('hex'), rows, bytes, gzip: Buffer.concat(parts) }
}

/** Records in a chunk of complete CRLF-terminated records (a quoted field may hold a line break, so count CRLFs outside quotes). */
function countLines(chunk: string): number {
  let count = 0
  let quoted = false
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk.charCodeAt(i)
    if (c === 34) quoted = !quoted
    else if (!quoted && c === 13 && chunk.charCodeAt(i + 1) === 10) count++
  }
  return count
}

/** The collection's hash: SHA-256 over each detail's survey id and file hash, in survey id order. */
export function combineHashes(details: ReadonlyArray<{ surveyId: string; hash: string }>): string {
  const hash = createHash('sha256')
  for (const d of [...details].sort((a, b) => (a.surveyId < b.surveyId ? -1 : a.surveyId > b.surveyId ? 1 : 0))) hash.update(`${d.surveyId}:${d.hash}\n`)
  return hash.digest('hex')
}
