/**
 * Crash test: the real `cx280 serve` in a child process takes concurrent submissions, is killed with SIGKILL in the
 * middle of them, and is started again on the same data directory. Every response it acknowledged with 201 must be
 * there after the restart, complete (its answer rows, its idempotency key), and the database must be sound: a
 * response is acknowledged only after its transaction committed, and a transaction is all or nothing.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import SqliteDatabase from 'better-sqlite3'
import pg from 'pg'
import { systemActor } from '../../src/auth/index.ts'
import { createOrganization, createService } from '../../src/catalog/index.ts'
import { loadConfig } from '../../src/config.ts'
import type { Engine } from '../../src/db/connect.ts'
import { openRuntime } from '../../src/runtime.ts'
import { createSurvey, transitionSurvey } from '../../src/surveys/index.ts'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.ts'
import { sleep, startServer, stopServer, type ServerProcess } from '../helpers/server-process.ts'

const SERVER_SETTINGS = { CX280_INTAKE_RATE_LIMIT: '100000000', CX280_PUBLIC_RATE_LIMIT: '100000000' }

const IN_FLIGHT = 12
/** Once the load has this many acknowledgements, the kill comes at a random moment within the next 300 ms. */
const LOAD_BEFORE_KILL = 100
const DRIVERS = ['effectiveness', 'ease', 'efficiency', 'transparency', 'humanity', 'employee'] as const



/** Opens the data directory in-process (migrating it), publishes an A-11 Likert survey, and closes it again. */
async function publishSurvey(database: TestDatabase): Promise<string> {
  const runtime = await openRuntime(loadConfig({ CX280_DATA_DIR: database.dataDir, DATABASE_URL: database.url, LOG_LEVEL: 'silent' }))
  try {
    const system = systemActor('crash-test')
    const organization = await createOrganization(runtime.db, system, { kind: 'department', name: 'Crash Department', abbreviation: 'CR', parentId: null })
    const service = await createService(runtime.db, system, { name: 'Apply for benefits', organizationId: organization.id, ownerUserId: null, kind: 'financial', channels: ['website'] })
    const survey = await createSurvey(runtime.db, system, { serviceId: service.id, template: 'a11_v2_likert' })
    await transitionSurvey(runtime.db, system, survey.id, 'publish')
    return survey.id
  } finally {
    await runtime.close()
  }
}

interface Sent {
  readonly key: string
  readonly trust: number
  /** Answer rows the response must have: trust, each driver, the open text. */
  readonly rows: number
}

function submission(serial: number): { sent: Sent; body: string } {
  const trust = 1 + (serial % 5)
  const drivers = DRIVERS.filter((_, i) => (serial >> i) % 3 === 0)
  const text = serial % 4 === 0 ? null : `Crash test response ${serial}: the wait was ${serial % 60} minutes.`
  const answers = { trust, [trust >= 4 ? 'drivers_positive' : 'drivers_negative']: drivers, ...(text ? { open_text: text } : {}) }
  const key = `crash-${process.pid}-${serial}`
  return { sent: { key, trust, rows: 1 + drivers.length + (text ? 1 : 0) }, body: JSON.stringify({ answers, idempotencyKey: key, source: 'api' }) }
}

interface StoredRow {
  readonly id: string
  readonly idempotency_key: string | null
  readonly trust_value: number | null
  readonly answers: number
}

async function readStored(engine: Engine, database: TestDatabase, surveyId: string): Promise<{ rows: StoredRow[]; integrity: string }> {
  const query = `select r.id, r.idempotency_key, r.trust_value, (select count(*) from response_answers a where a.response_id = r.id) as answers
    from responses r where r.survey_id = `
  if (engine === 'sqlite') {
    const db = new SqliteDatabase(join(database.dataDir, 'cx280.sqlite'), { readonly: true })
    try {
      const rows = db.prepare(`${query}?`).all(surveyId) as StoredRow[]
      const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join(', ')
      return { rows, integrity }
    } finally {
      db.close()
    }
  }
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  try {
    const result = await client.query<StoredRow>(`${query}$1`, [surveyId])
    return { rows: result.rows.map((r) => ({ ...r, answers: Number(r.answers) })), integrity: 'ok' }
  } finally {
    await client.end()
  }
}

for (const engine of ENGINES) {
  describe(`intake crash safety (${engine})`, () => {
    let database: TestDatabase | null = null
    let server: ServerProcess | null = null
    after(async () => {
      if (server) await stopServer(server.child, 'SIGKILL')
      await database?.drop()
    })

    it('keeps every acknowledged response across a SIGKILL during a submission load', { timeout: 180_000 }, async (context) => {
      database = await createTestDatabase(engine)
      const surveyId = await publishSurvey(database)
      server = await startServer(database, SERVER_SETTINGS)
      const responsesUrl = (at: ServerProcess) => `${at.baseUrl}/api/v1/surveys/${surveyId}/responses`
      const url = responsesUrl(server)

      const acknowledged = new Map<string, Sent & { id: string }>()
      let serial = 0
      let killed = false
      let cutOff = 0
      let otherStatuses = 0
      let outstanding = 0
      const worker = async () => {
        while (!killed) {
          const { sent, body } = submission(serial++)
          outstanding++
          try {
            const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
            const answer = (await response.json()) as { id?: string }
            if (response.status === 201 && answer.id) acknowledged.set(answer.id, { ...sent, id: answer.id })
            else otherStatuses++
          } catch (error) {
            // Only the kill may cut a request off; it was then never acknowledged.
            if (!killed) throw error
            cutOff++
          } finally {
            outstanding--
          }
        }
      }
      const workers = Array.from({ length: IN_FLIGHT }, worker)
      const running = server
      const deadline = Date.now() + 60_000
      while (acknowledged.size < LOAD_BEFORE_KILL && Date.now() < deadline && running.child.exitCode === null) await sleep(2)
      await sleep(Math.random() * 300)
      // From here no worker starts a request; those on the wire fail when the process dies.
      killed = true
      const outstandingAtKill = outstanding
      running.child.kill('SIGKILL')
      await Promise.all(workers)
      if (running.child.exitCode === null && running.child.signalCode === null) await new Promise((resolve) => running.child.once('exit', resolve))
      assert.equal(running.child.signalCode, 'SIGKILL', 'the server was killed, not stopped')
      assert.ok(acknowledged.size >= LOAD_BEFORE_KILL, `the load got ${acknowledged.size} acknowledgements before the kill:\n${running.output()}`)
      assert.equal(otherStatuses, 0, 'every answered submission was a 201')
      context.diagnostic(`${serial} submissions sent, ${acknowledged.size} acknowledged; ${outstandingAtKill} awaiting an answer when the SIGKILL came, ${cutOff} of them never got one`)

      server = await startServer(database, SERVER_SETTINGS)
      const { rows, integrity } = await readStored(engine, database, surveyId)
      assert.equal(integrity, 'ok', 'the database file is sound after the crash')
      const stored = new Map(rows.map((r) => [r.id, r]))
      const missing = [...acknowledged.keys()].filter((id) => !stored.has(id))
      assert.deepEqual(missing, [], 'every acknowledged response survived the SIGKILL')
      for (const sent of acknowledged.values()) {
        const row = stored.get(sent.id) as StoredRow
        assert.equal(row.idempotency_key, sent.key)
        assert.equal(Number(row.trust_value), sent.trust)
        assert.equal(row.answers, sent.rows, `response ${sent.id} has all its answer rows`)
      }
      assert.equal(rows.filter((r) => r.answers === 0).length, 0, 'no stored response lost its answers (commits are atomic)')
      assert.ok(rows.length - acknowledged.size <= IN_FLIGHT, `at most the ${IN_FLIGHT} requests in flight were stored without an answer (${rows.length - acknowledged.size})`)
      context.diagnostic(`${rows.length} responses stored after the restart (${rows.length - acknowledged.size} committed but cut off before the answer)`)

      // The restarted server takes new submissions and recognizes a retry of one acknowledged before the crash.
      const retried = [...acknowledged.values()][0] as Sent & { id: string }
      const retry = await fetch(responsesUrl(server), { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': retried.key }, body: JSON.stringify({ answers: { trust: retried.trust } }) })
      assert.equal(retry.status, 200)
      assert.equal(((await retry.json()) as { id: string }).id, retried.id)
      const fresh = await fetch(responsesUrl(server), { method: 'POST', headers: { 'content-type': 'application/json' }, body: submission(serial++).body })
      assert.equal(fresh.status, 201)
      await stopServer(server.child, 'SIGTERM')
      server = null
    })
  })
}
