import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { existingSalt, purgeOldSalts, saltFor } from '../../src/analytics/salts.ts'
import { openRelationalStore, type RelationalStore } from '../../src/db/connect.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.ts'

// Two independent handles on one database stand for two server processes racing to create the day's salt.
for (const engine of ENGINES) {
  describe(`visitor salt store (${engine})`, () => {
    let database: TestDatabase
    let first: RelationalStore
    let second: RelationalStore
    before(async () => {
      database = await createTestDatabase(engine)
      first = openRelationalStore(database.url)
      await migrateToLatest(first.db, engine)
      second = openRelationalStore(database.url)
    })
    after(async () => {
      await first.close()
      await second.close()
      await database.drop()
    })

    it('gives concurrent callers on separate connections the same new salt: 32 random bytes in hex', async () => {
      const salts = await Promise.all([
        saltFor(first.db, '2026-11-26'), saltFor(second.db, '2026-11-26'),
        saltFor(first.db, '2026-11-26'), saltFor(second.db, '2026-11-26'),
      ])
      assert.equal(new Set(salts).size, 1)
      assert.match(salts[0] as string, /^[0-9a-f]{64}$/)
      const rows = await first.db.selectFrom('visitor_salts').selectAll().where('day', '=', '2026-11-26').execute()
      assert.equal(rows.length, 1)
      assert.equal(rows[0]?.salt, salts[0])
      assert.ok(!Number.isNaN(Date.parse(rows[0]?.created_at ?? '')))
    })

    it('rotates: each day gets its own salt, and rejects a malformed day', async () => {
      const today = await saltFor(first.db, '2026-11-26')
      const tomorrow = await saltFor(second.db, '2026-11-27')
      assert.notEqual(today, tomorrow)
      assert.equal(await saltFor(first.db, '2026-11-27'), tomorrow)
      await assert.rejects(saltFor(first.db, '2026-13-01'), RangeError)
      await assert.rejects(saltFor(first.db, "2026-11-26' or 1=1"), RangeError)
    })

    it('serves a day it has read from memory', async () => {
      const cached = await saltFor(first.db, '2026-11-27')
      await second.db.deleteFrom('visitor_salts').where('day', '=', '2026-11-27').execute()
      assert.equal(await saltFor(first.db, '2026-11-27'), cached)
      assert.equal(await existingSalt(first.db, '2026-11-27'), null)
    })

    it('purges salts older than yesterday, so earlier visitor ids cannot be re-derived', async () => {
      for (const day of ['2026-11-20', '2026-11-24', '2026-11-25']) await saltFor(first.db, day)
      const old = await saltFor(first.db, '2026-11-24')
      const removed = await purgeOldSalts(first.db, 2, new Date('2026-11-26T00:30:00Z'))
      assert.equal(removed, 2)
      const days = (await second.db.selectFrom('visitor_salts').select('day').orderBy('day').execute()).map((r) => r.day)
      assert.deepEqual(days, ['2026-11-25', '2026-11-26'])
      assert.equal(await existingSalt(first.db, '2026-11-24'), null)
      // The purged day's cached salt is forgotten too: asking again makes a new one, not the old one.
      assert.notEqual(await saltFor(first.db, '2026-11-24'), old)
      await assert.rejects(purgeOldSalts(first.db, 0), RangeError)
    })
  })
}
