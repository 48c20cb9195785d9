/**
 * The one migration set, run at start and by `cx280 migrate`. Migrations are imported statically (no folder scan),
 * so they work the same from source and from a build.
 */
import { type Kysely, type Migration, Migrator } from 'kysely'
import type { Engine } from './connect.ts'
import * as foundation from './migrations/0001-foundation.ts'
import * as surveys from './migrations/0002-surveys.ts'
import * as analytics from './migrations/0003-analytics.ts'
import * as journeys from './migrations/0004-journeys.ts'
import * as monitors from './migrations/0005-monitors.ts'
import * as siteIngestKeys from './migrations/0006-site-ingest-keys.ts'
import * as collections from './migrations/0007-collections.ts'
import * as collectionTallies from './migrations/0008-collection-tallies.ts'
import * as collectionFiles from './migrations/0009-collection-files.ts'
import type { Database } from './schema.ts'

type EngineMigration = { up(db: Kysely<unknown>, engine: Engine): Promise<void> }

const MIGRATIONS: Readonly<Record<string, EngineMigration>> = {
  '0001-foundation': foundation,
  '0002-surveys': surveys,
  '0003-analytics': analytics,
  '0004-journeys': journeys,
  '0005-monitors': monitors,
  '0006-site-ingest-keys': siteIngestKeys,
  '0007-collections': collections,
  '0008-collection-tallies': collectionTallies,
  '0009-collection-files': collectionFiles,
}

/** Applies pending migrations; returns the names applied. Throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<Database>, engine: Engine): Promise<string[]> {
  const migrations: Record<string, Migration> = {}
  for (const [name, migration] of Object.entries(MIGRATIONS)) {
    migrations[name] = { up: (kdb) => migration.up(kdb, engine) }
  }
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
  const { error, results } = await migrator.migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${reason}`)
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
