/**
 * A submitted collection's row-level files, frozen at submission like its tallies: each detail's 17-column response
 * file is made once when the collection is submitted (the same pass hashes it), stored gzip compressed in
 * `collection_files`, and served from there while the collection is not open (submitted, published, archived). OMB
 * thus downloads exactly the bytes that were submitted and hashed, even if a response is trashed afterwards (the
 * integrity check still recomputes from the live responses and shows the mismatch). Open collections (draft, changes
 * requested) read the live responses.
 */
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import type { Kysely, Transaction } from 'kysely'
import type { FiscalQuarter } from '../a11/fiscal-year.ts'
import type { Database } from '../db/schema.ts'
import { OPEN_STATES, type CollectionState } from './collection-model.ts'
import { freezeOmbResponses, ombResponseChunks } from './omb-response-file.ts'

/** `collection_files.format` of the 17-column response file. */
export const OMB_RESPONSES_FORMAT = 'omb_responses_csv'

/** Drops a collection's frozen files (a resubmission freezes them anew; a detail may have gone meanwhile). */
export async function clearCollectionFiles(trx: Transaction<Database>, collectionId: string): Promise<void> {
  await trx.deleteFrom('collection_files').where('collection_id', '=', collectionId).execute()
}

/**
 * Makes a detail's 17-column file once, stores it and returns its SHA-256 and row count, the same as
 * `hashOmbResponses` over the same responses. Clear the collection's earlier files first.
 */
export async function freezeDetailFile(trx: Transaction<Database>, detail: { id: string; collectionId: string; surveyId: string }, quarter: FiscalQuarter, now: string): Promise<{ hash: string; rows: number }> {
  const file = await freezeOmbResponses(trx, detail.surveyId, quarter)
  await trx.insertInto('collection_files').values({
    detail_id: detail.id, collection_id: detail.collectionId, format: OMB_RESPONSES_FORMAT, content: file.gzip, bytes: file.bytes, sha256: file.hash, created_at: now,
  }).execute()
  return { hash: file.hash, rows: file.rows }
}

/** A detail's 17-column file as it is to be downloaded: frozen bytes or the live responses. */
export interface DetailResponseFile {
  /** The gzip bytes stored at submission; null when the file is read live. */
  readonly gzip: Buffer | null
  /** The file's bytes (uncompressed). */
  stream(): Readable
  /** The file's text in chunks of whole CRLF records (the first chunk starts with the header). */
  chunks(): AsyncIterable<string>
}

/**
 * The one place that decides frozen or live: a collection that is not open serves the file frozen at its submission;
 * an open one (or one submitted before files were frozen) streams the live responses.
 */
export async function detailResponseFile(db: Kysely<Database>, collection: { state: CollectionState; fiscalYear: number; quarter: 1 | 2 | 3 | 4 }, detail: { id: string; surveyId: string }): Promise<DetailResponseFile> {
  const frozen = OPEN_STATES.has(collection.state)
    ? undefined
    : await db.selectFrom('collection_files').select('content').where('detail_id', '=', detail.id).where('format', '=', OMB_RESPONSES_FORMAT).executeTakeFirst()
  if (frozen) {
    const gzip = Buffer.isBuffer(frozen.content) ? frozen.content : Buffer.from(frozen.content)
    const stream = () => {
      const gunzip = createGunzip()
      gunzip.end(gzip)
      return gunzip
    }
    return { gzip, stream, chunks: () => wholeRecords(stream().setEncoding('utf8')) }
  }
  const quarter = { fiscalYear: collection.fiscalYear, quarter: collection.quarter }
  return { gzip: null, stream: () => Readable.from(ombResponseChunks(db, detail.surveyId, quarter)), chunks: () => ombResponseChunks(db, detail.surveyId, quarter) }
}

/** Re-cuts text chunks at record ends: a CRLF outside double quotes (a quoted field may hold a line break). */
export async function* wholeRecords(source: AsyncIterable<string>): AsyncGenerator<string> {
  let pending = ''
  let scanned = 0
  let quoted = false
  for await (const text of source) {
    pending += text
    let cut = 0
    for (let i = scanned; i < pending.length; i++) {
      const c = pending.charCodeAt(i)
      if (c === 34) quoted = !quoted
      else if (c === 10 && !quoted && i > 0 && pending.charCodeAt(i - 1) === 13) cut = i + 1
    }
    scanned = pending.length - cut
    if (cut > 0) {
      yield pending.slice(0, cut)
      pending = pending.slice(cut)
    }
  }
  if (pending) yield pending
}
