/**
 * Frozen files of a submitted collection: each detail keeps the 17-column response file it was submitted with, gzip
 * compressed, with its uncompressed size and SHA-256 (the detail's `data_hash`). Downloads of a collection that is
 * not open serve these bytes, so OMB reads exactly what was submitted and hashed; resubmission replaces them.
 */
import type { Kysely } from 'kysely'
import type { Engine } from '../connect.ts'

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  await db.schema.createTable('collection_files')
    .addColumn('detail_id', 'text', (c) => c.primaryKey().references('collection_details.id').onDelete('cascade'))
    .addColumn('collection_id', 'text', (c) => c.notNull().references('collections.id').onDelete('cascade'))
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('content', engine === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('collection_files_collection').on('collection_files').columns(['collection_id']).execute()
}
