/**
 * The feedback inbox in headless Chromium against the real app: the inbox and response pages pass axe-core under
 * the real CSP, and a keyboard-only bulk action (tick two rows, choose "Archive", submit) archives exactly those two.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { systemActor } from '../../src/auth/index.ts'
import { createSurvey, loadPublicSurvey, submitResponse, transitionSurvey } from '../../src/surveys/index.ts'
import { assertPageFrame, axeCheck, pageProblems, startE2e, type E2e } from './browser.ts'

describe('feedback inbox (headless Chromium)', () => {
  let e: E2e
  let surveyId: string
  const ids: string[] = []
  before(async () => {
    e = await startE2e()
    const { db } = e.t.runtime
    const system = systemActor('e2e-inbox')
    const created = await createSurvey(db, system, { serviceId: e.world.services.serviceA1.id, template: 'a11_v2_thumbs', name: 'Permit feedback', askContact: true })
    await transitionSurvey(db, system, created.id, 'publish')
    const survey = await loadPublicSurvey(db, created.id)
    surveyId = survey.id
    const answers = [
      { trust: 1, drivers_positive: ['ease'], open_text: 'Fast and friendly' },
      { trust: 0, drivers_negative: ['efficiency'], open_text: 'Too slow; reach me at 555-867-5309', contact_consent: 'yes', contact_details: 'jo@example.com' },
      { trust: 1, drivers_positive: ['effectiveness', 'other'], 'drivers_positive.other': 'Clear letter' },
    ]
    // Oldest first, so the page (newest first) lists them in reverse.
    for (const [i, a] of answers.entries()) {
      ids.push((await submitResponse(db, survey, a, { source: 'hosted', language: 'en', submittedAt: new Date(Date.UTC(2025, 0, 10 + i, 12)) })).id)
    }
  })
  after(async () => { await e?.close() })

  const status = (id: string) => e.t.runtime.db.selectFrom('responses').select('status').where('id', '=', id).executeTakeFirstOrThrow().then((r) => r.status)

  /** Presses Tab until the focused element matches, as a keyboard user would; fails after `max` presses. */
  async function tabTo(page: Page, selector: string, max = 80): Promise<void> {
    for (let i = 0; i < max; i++) {
      if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return
      await page.keyboard.press('Tab')
    }
    assert.fail(`Tab never reached ${selector}`)
  }

  it('the inbox and response pages pass axe-core, masked until an audited reveal', async () => {
    const page = await e.newPage({ as: e.world.people.leadA })
    const inbox = await page.goto('/inbox')
    assert.equal(inbox?.status(), 200)
    await assertPageFrame(page)
    assert.equal(await page.locator('tbody tr').count(), 3)
    assert.match((await page.locator('main').textContent()) ?? '', /Too slow; reach me at \[phone\]/)
    await axeCheck(page)

    const detail = await page.goto(`/responses/${ids[1]}`)
    assert.equal(detail?.status(), 200)
    await assertPageFrame(page)
    assert.ok(!((await page.locator('main').textContent()) ?? '').includes('555-867-5309'), 'masked by default')
    await axeCheck(page)
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Reveal personal information' }).click()])
    const main = (await page.locator('main').textContent()) ?? ''
    assert.match(main, /555-867-5309/)
    assert.match(main, /recorded in the audit log/)
    await axeCheck(page)

    const empty = await page.goto(`/surveys/${surveyId}/inbox?status=spam`)
    assert.equal(empty?.status(), 200)
    assert.equal(await page.getByRole('heading', { name: 'No responses match' }).count(), 1)
    await axeCheck(page)
    assert.deepEqual(pageProblems(page), [], 'no CSP violations, script errors or broken assets')
  })

  it('archives two selected responses with the keyboard alone', async () => {
    const page = await e.newPage({ as: e.world.people.analystA })
    await page.goto(`/surveys/${surveyId}/inbox`)
    const [oldest, middle, newest] = ids as [string, string, string]
    await tabTo(page, `#select-${newest}`)
    await page.keyboard.press('Space')
    await page.keyboard.press('Tab') // the newest row's date link
    await tabTo(page, `#select-${oldest}`, 20) // past the middle row's checkbox, left clear
    await page.keyboard.press('Space')
    assert.deepEqual(await page.locator('input[name="ids"]:checked').evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value)), [newest, oldest])
    await tabTo(page, 'select[name="action"]', 20)
    await page.keyboard.type('Archive')
    assert.equal(await page.locator('select[name="action"]').inputValue(), 'archive')
    await tabTo(page, '.cx-bulk button[type="submit"]', 5)
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
    assert.equal(new URL(page.url()).pathname, `/surveys/${surveyId}/inbox`)
    assert.match((await page.locator('main [role="status"]').first().textContent()) ?? '', /Archived 2 responses/)
    assert.deepEqual([await status(newest), await status(middle), await status(oldest)], ['archived', 'inbox', 'archived'])
    assert.equal(await page.locator('tbody tr').count(), 1, 'only the middle response is left in the inbox')
    assert.deepEqual(pageProblems(page), [])
  })
})
