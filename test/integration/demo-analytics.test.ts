import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { systemActor } from '../../src/auth/actor.ts'
import { journeyResults } from '../../src/analytics/journeys.ts'
import { DEMO_CLAIM_STEPS, DEMO_SITE_DOMAIN, demoEvents } from '../../src/demo/demo-analytics.ts'
import { loadDemoData } from '../../src/demo/demo-data.ts'
import { ENGINES } from '../helpers/engines.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

const DAY_MS = 86_400_000

for (const engine of ENGINES) {
  describe(`demo analytics (${engine})`, () => {
    let t: TestApp
    const loadedAt = new Date()
    before(async () => {
      t = await createTestApp(engine)
      await loadDemoData(t.runtime.db, t.runtime.events, loadedAt)
    })
    after(() => t.close())

    it('generates the same events for the same moment', () => {
      const now = new Date('2026-11-26T12:00:00Z')
      const first = demoEvents('site', now)
      const second = demoEvents('site', now)
      assert.deepEqual(second, first)
      assert.ok(first.every((row) => row.ts.getTime() < now.getTime() && row.ts.getTime() >= now.getTime() - 36 * DAY_MS))
    })

    it('stores a measured site whose journey counts match the generated visitors', async () => {
      const site = await t.runtime.db.selectFrom('sites').select(['id', 'name']).where('domain', '=', DEMO_SITE_DOMAIN).executeTakeFirstOrThrow()
      const stored = await t.runtime.events.countEvents()
      assert.ok(stored > 10_000, `${stored} events`)
      const journey = await t.runtime.db.selectFrom('journeys').select('id').executeTakeFirstOrThrow()
      const to = new Date(Date.now() + DAY_MS).toISOString().slice(0, 10)
      const from = new Date(Date.now() - 40 * DAY_MS).toISOString().slice(0, 10)
      const results = await journeyResults(t.runtime, systemActor('test'), journey.id, { from, to })
      // Every demo visitor is new and walks the claim pages in order, so began = visitors who viewed the first page,
      // and each step's count = visitors who viewed that step's page.
      const rows = demoEvents(site.id, loadedAt).filter((r) => r.eventType === 'pageview')
      assert.equal(stored, demoEvents(site.id, loadedAt).length)
      const reached = DEMO_CLAIM_STEPS.map((path) => new Set(rows.filter((r) => r.path === path).map((r) => r.visitorId)).size)
      assert.deepEqual(results.steps.map((s) => s.visitors), reached)
      assert.equal(results.began, reached[0])
      assert.equal(results.ended, reached.at(-1))
      assert.ok(results.ended > 0 && results.ended < results.began / 2, 'the demo shows drop-off')
      const monitors = await t.runtime.db.selectFrom('monitors').select('name').execute()
      assert.equal(monitors.length, 3)
    })

    it('has rollups ready for the dashboard', async () => {
      const site = await t.runtime.db.selectFrom('sites').select('id').where('domain', '=', DEMO_SITE_DOMAIN).executeTakeFirstOrThrow()
      const range = { from: new Date(Date.now() - 40 * DAY_MS), to: new Date(Date.now() + DAY_MS) }
      const [rolled, raw] = await Promise.all([t.runtime.events.totals({ siteIds: [site.id], range }), t.runtime.events.rawTotals({ siteIds: [site.id], range })])
      assert.equal(rolled.pageviews, raw.pageviews)
      assert.equal(rolled.events, raw.events)
      assert.ok(rolled.pageviews > 5000)
    })
  })
}
