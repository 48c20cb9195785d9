/**
 * Every file of a fiscal quarter's collections, written to a folder (`cx280 report quarterly`): the quarter's
 * metadata CSV and JSON, and per collection its metadata CSV, JSON, XLSX workbook, one 17-column response file per
 * detail (a submitted collection's as frozen at submission) and, for legacy surveys, the Likert-count CSV. Missing
 * collections are made first.
 */
import { createWriteStream } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Kysely } from 'kysely'
import { formatFiscalQuarter, type FiscalQuarter } from '../a11/fiscal-year.ts'
import type { Actor } from '../auth/actor.ts'
import type { Database } from '../db/schema.ts'
import { collectionFileBase, collectionWorkbook, detailFileName, legacyCsv, metadataCsv } from './collection-export.ts'
import { collectionsOfQuarter, ensureCollections, type CollectionView, type EnsureResult, type ReportingContext } from './collections.ts'
import { detailResponseFile } from './collection-files.ts'

/** What the collection is, without what the caller may do with it (files outlive the caller's rights). */
const withoutAbilities = ({ abilities: _abilities, ...collection }: CollectionView) => collection

export interface QuarterlyReport {
  readonly quarter: string
  readonly directory: string
  readonly ensured: EnsureResult
  readonly collections: number
  /** Paths written, relative to `directory`. */
  readonly files: readonly string[]
}

/**
 * @example await writeQuarterlyReport(db, systemActor('cli'), { fiscalYear: 2026, quarter: 1 }, './out', { deadlineDays: 30, publicUrl })
 */
export async function writeQuarterlyReport(db: Kysely<Database>, actor: Actor, quarter: FiscalQuarter, outDir: string, context: ReportingContext): Promise<QuarterlyReport> {
  const ensured = await ensureCollections(db, actor, { fiscalYear: quarter.fiscalYear, quarter: quarter.quarter }, context)
  const collections = await collectionsOfQuarter(db, actor, quarter)
  const directory = join(outDir, `fy${quarter.fiscalYear}-q${quarter.quarter}`)
  await mkdir(directory, { recursive: true })
  const files: string[] = []
  const write = async (name: string, content: string | Readable | AsyncIterable<string>) => {
    if (typeof content === 'string') await writeFile(join(directory, name), content, 'utf8')
    else await pipeline(content instanceof Readable ? content : Readable.from(content), createWriteStream(join(directory, name)))
    files.push(name)
  }
  await write('collections.csv', metadataCsv(collections))
  await write('collections.json', `${JSON.stringify(collections.map(withoutAbilities), null, 2)}\n`)
  const legacy = await legacyCsv(db, collections)
  if (legacy) await write('legacy-likert.csv', legacy)
  for (const collection of collections) {
    const base = collectionFileBase(collection)
    await write(`${base}.csv`, metadataCsv([collection]))
    await write(`${base}.json`, `${JSON.stringify(withoutAbilities(collection), null, 2)}\n`)
    await write(`${base}.xlsx`, collectionWorkbook(db, collection))
    for (const detail of collection.details) await write(detailFileName(collection, detail), (await detailResponseFile(db, collection, detail)).stream())
    const own = await legacyCsv(db, [collection])
    if (own) await write(`${base}-legacy-likert.csv`, own)
  }
  return { quarter: formatFiscalQuarter(quarter), directory, ensured, collections: collections.length, files }
}
