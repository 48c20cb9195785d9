/**
 * Opens the relational store named by DATABASE_URL: `sqlite:<file>` (embedded default, WAL) or `postgres://…`.
 * Everything above this module talks to Kysely and never learns which engine it got, except through `engine`.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, sql, type SqliteDatabase as KyselySqliteDatabase } from 'kysely'
import pg from 'pg'
import type { Database } from './schema.ts'

export type Engine = 'sqlite' | 'postgres'

export interface RelationalStore {
  readonly db: Kysely<Database>
  readonly engine: Engine
  close(): Promise<void>
}

export function engineOfUrl(url: string): Engine {
  if (url.startsWith('sqlite:')) return 'sqlite'
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres'
  throw new Error(`DATABASE_URL must start with sqlite: or postgres://, got "${url}"`)
}

function openSqlite(file: string): Kysely<Database> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const database = new SqliteDatabase(file)
  database.pragma('journal_mode = WAL')
  // NORMAL in WAL mode loses nothing on a process crash (SIGKILL); only an OS crash can drop the last commits.
  database.pragma('synchronous = NORMAL')
  database.pragma('foreign_keys = ON')
  database.pragma('busy_timeout = 5000')
  // Gathers the statistics the planner needs (SQLite's advice for long-lived connections); cheap when nothing changed.
  database.pragma('optimize = 0x10002')
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: reusingStatements(database) }) })
}

const STATEMENT_CACHE_SIZE = 500

/**
 * Kysely's SQLite driver prepares every statement again; preparing cost a fifth of the CPU of a survey submission.
 * Statements are kept per SQL text (least recently used dropped first). Reuse is safe because better-sqlite3 runs
 * one statement at a time on one connection and nothing here holds an iterator open across awaits.
 */
function reusingStatements(database: SqliteDatabase.Database): KyselySqliteDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>()
  return {
    close: () => database.close(),
    prepare(text: string) {
      let statement = statements.get(text)
      if (statement) {
        statements.delete(text)
      } else {
        statement = database.prepare(text)
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string)
      }
      statements.set(text, statement)
      return statement
    },
  }
}

function openPostgres(url: string): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}

export function openRelationalStore(url: string): RelationalStore {
  const engine = engineOfUrl(url)
  const db = engine === 'sqlite' ? openSqlite(url.slice('sqlite:'.length)) : openPostgres(url)
  return { db, engine, close: () => db.destroy() }
}

/**
 * Refreshes the planner's table statistics. Without them both engines pick poor plans for the feedback inbox after a
 * bulk load (PostgreSQL took minutes on a driver filter before autovacuum's first ANALYZE); run after imports and daily.
 */
export async function refreshStatistics(db: Kysely<Database>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) await sql`PRAGMA optimize`.execute(db)
  else await sql`ANALYZE responses, response_answers, survey_offers`.execute(db)
}
