/** Streams the inventory as CSV or JSON, page by page, so exports have no row cap and bounded memory. */
import type { Kysely } from 'kysely'
import type { Actor } from '../auth/actor.ts'
import type { Database } from '../db/schema.ts'
import { listOrganizations } from './organizations.ts'
import { serviceToCsvRecord, servicesCsvHeader, servicesCsvLine } from './service-csv.ts'
import { iterateServices, type ServiceFilter } from './services.ts'

export async function* exportServicesCsv(db: Kysely<Database>, actor: Actor, filter: ServiceFilter): AsyncGenerator<string> {
  const organizations = new Map((await listOrganizations(db, actor)).map((o) => [o.id, o]))
  const hispSlugs = new Map((await db.selectFrom('hisps').select(['id', 'slug']).execute()).map((h) => [h.id, h.slug]))
  yield `\uFEFF${servicesCsvHeader()}`
  for await (const service of iterateServices(db, actor, filter)) yield servicesCsvLine(serviceToCsvRecord(service, organizations, hispSlugs))
}

export async function* exportServicesJson(db: Kysely<Database>, actor: Actor, filter: ServiceFilter): AsyncGenerator<string> {
  yield '['
  let first = true
  for await (const service of iterateServices(db, actor, filter)) {
    yield `${first ? '' : ','}\n${JSON.stringify(service)}`
    first = false
  }
  yield '\n]\n'
}
