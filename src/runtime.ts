/**
 * Opens everything the product runs on: the relational store (migrated), the event store (migrated), the mailer,
 * the signing secret and, when configured, the OIDC client. `cx280 serve`, the CLI commands and tests share it.
 */
import type { JsonWebKey } from 'node:crypto'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import { createOidcClient, type OidcClient } from './auth/oidc-client.ts'
import { randomToken } from './auth/tokens.ts'
import type { Config } from './config.ts'
import { type Engine, openRelationalStore } from './db/connect.ts'
import { migrateToLatest } from './db/migrate.ts'
import type { Database } from './db/schema.ts'
import type { EventRow, EventStore } from './events/event-store.ts'
import { openEventStore } from './events/open-event-store.ts'
import { WriteBuffer } from './events/write-buffer.ts'
import { createMailer, type Mailer } from './notify/mailer.ts'

export interface Runtime {
  readonly config: Config
  readonly db: Kysely<Database>
  readonly engine: Engine
  readonly events: EventStore
  /** Group commit into the event store: ingest appends here and answers once its batch is committed. */
  readonly eventWriter: WriteBuffer<EventRow>
  readonly mailer: Mailer
  /** Signs cookies. From CX280_SECRET, or generated once and kept in the database so every node shares it. */
  readonly secret: string
  readonly oidc: OidcClient | null
  close(): Promise<void>
}

async function resolveSecret(db: Kysely<Database>, configured: string | null): Promise<string> {
  if (configured) return configured
  const existing = await db.selectFrom('settings').select('value').where('key', '=', 'cookie_secret').executeTakeFirst()
  if (existing) return existing.value
  const secret = randomToken(32)
  await db.insertInto('settings').values({ key: 'cookie_secret', value: secret }).onConflict((oc) => oc.column('key').doNothing()).execute()
  const stored = await db.selectFrom('settings').select('value').where('key', '=', 'cookie_secret').executeTakeFirstOrThrow()
  return stored.value
}

/**
 * A batch is written at 5,000 rows, or 1 ms after its first row when the writer is idle; rows arriving during a write
 * form the next batch, written as soon as that write ends. Under load batches grow by themselves, and a request waits
 * about one commit.
 */
const EVENT_BATCHING = { maxRows: 5000, maxDelayMs: 1 }

export async function openRuntime(config: Config): Promise<Runtime> {
  const store = openRelationalStore(config.databaseUrl)
  let events: EventStore | null = null
  try {
    await migrateToLatest(store.db, store.engine)
    events = await openEventStore(config.eventsUrl)
    await events.migrate()
    const secret = await resolveSecret(store.db, config.secret)
    const oidc = config.oidc
      ? await createOidcClient({
        issuer: config.oidc.issuer, clientId: config.oidc.clientId, redirectUri: `${config.publicUrl}/auth/oidc/callback`,
        scopes: config.oidc.scopes, privateKeyJwk: JSON.parse(config.oidc.privateKeyJwk) as JsonWebKey, acrValues: config.oidc.acrValues ?? undefined,
      }, { allowInsecureHttp: config.oidc.allowInsecureHttp })
      : null
    const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, outboxDir: join(config.dataDir, 'outbox') })
    const openedEvents = events
    const eventWriter = new WriteBuffer<EventRow>((rows) => openedEvents.append(rows), EVENT_BATCHING)
    return {
      config, db: store.db, engine: store.engine, events: openedEvents, eventWriter, mailer, secret, oidc,
      async close() {
        await eventWriter.close()
        await openedEvents.close()
        await store.close()
      },
    }
  } catch (error) {
    await events?.close()
    await store.close()
    throw error
  }
}
