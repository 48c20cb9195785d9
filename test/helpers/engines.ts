/**
 * The relational engines every integration test runs on: SQLite always, PostgreSQL on 127.0.0.1:5432 (user
 * postgres, trust auth). Each test app gets its own database, created here and dropped on close.
 * CX280_TEST_ENGINES=sqlite narrows the set for a quick local run; CI runs both.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { Engine } from '../../src/db/connect.ts'

export const POSTGRES_ADMIN_URL = process.env.CX280_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export const ENGINES: readonly Engine[] = (process.env.CX280_TEST_ENGINES ?? 'sqlite,postgres')
  .split(',').map((e) => e.trim()).filter((e): e is Engine => e === 'sqlite' || e === 'postgres')

export interface TestDatabase {
  readonly url: string
  readonly dataDir: string
  drop(): Promise<void>
}

async function withAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
  await client.connect()
  try {
    return await run(client)
  } finally {
    await client.end()
  }
}

export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cx280-test-'))
  if (engine === 'sqlite') {
    return { url: `sqlite:${join(dataDir, 'cx280.sqlite')}`, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) }
  }
  const name = `cx280_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await withAdmin((c) => c.query(`create database ${name}`))
  const base = new URL(POSTGRES_ADMIN_URL)
  base.pathname = `/${name}`
  return {
    url: base.toString(), dataDir,
    drop: async () => {
      // pg's pool.end() resolves before its sockets have closed; a forced drop that races them makes the closing
      // clients emit "terminating connection" errors after the test. Wait for the backends to go first.
      await withAdmin(async (c) => {
        for (let i = 0; i < 100; i++) {
          const { rows } = await c.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1', [name])
          if (Number(rows[0]?.n) === 0) break
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        await c.query(`drop database if exists ${name} with (force)`)
      })
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
