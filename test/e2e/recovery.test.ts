/**
 * Service recovery in headless Chromium: the case list, a case page, the webhooks page and the email settings page
 * pass axe-core with zero violations under the real CSP, and a case is resolved with the keyboard alone (including
 * the error shown when the resolution is missing).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { createWebhook } from '../../src/notify/webhooks.ts'
import { createSurvey, loadPublicSurvey, submitResponse, transitionSurvey } from '../../src/surveys/index.ts'
import { assertPageFrame, axeCheck, pageProblems, startE2e, type E2e } from './browser.ts'

describe('recovery cases in the browser (headless Chromium)', () => {
  let e: E2e
  let surveyId = ''
  const caseIds: string[] = []
  before(async () => {
    e = await startE2e()
    const { db } = e.t.runtime
    const manager = e.world.people.managerA1.actor
    const survey = await createSurvey(db, manager, { serviceId: e.world.services.serviceA1.id, template: 'a11_v2_thumbs', askContact: true })
    await transitionSurvey(db, manager, survey.id, 'publish')
    surveyId = survey.id
    const published = await loadPublicSurvey(db, survey.id)
    for (const note of ['The form kept timing out; call 555-201-3344', 'Nobody answered the phone line']) {
      const stored = await submitResponse(db, published, { trust: 0, drivers_negative: ['efficiency'], open_text: note, contact_consent: 1, contact_details: 'sam@example.com' }, { source: 'api', language: 'en' })
      caseIds.push(stored.recoveryCaseId as string)
    }
    await db.updateTable('recovery_cases').set({ due_on: '2020-02-02' }).where('id', '=', caseIds[0] as string).execute()
    await createWebhook(db, e.world.people.leadA.actor, { organizationId: e.world.orgs.A.id, url: 'https://crm.agency.gov/cx280', events: ['recovery_case.opened'] })
  })
  after(async () => { await e?.close() })

  async function visit(page: Page, path: string): Promise<void> {
    const response = await page.goto(path)
    assert.equal(response?.status(), 200, path)
    await assertPageFrame(page)
    await axeCheck(page)
    assert.deepEqual(pageProblems(page), [], `${path}: CSP violations, script errors or broken assets`)
  }

  it('serves the case list, a case, webhooks and email settings with no axe violations', async () => {
    const page = await e.newPage({ as: e.world.people.leadA })
    await visit(page, '/recovery')
    assert.equal(await page.locator('tbody tr').count(), 2)
    assert.equal(await page.locator('tbody tr.cx-row-overdue .cx-overdue').count(), 1, 'the overdue case is highlighted')
    assert.equal(await page.locator('nav a[aria-current="page"]').textContent(), 'Recovery cases')
    await page.setViewportSize({ width: 375, height: 800 })
    await axeCheck(page)
    await page.setViewportSize({ width: 1280, height: 900 })
    await visit(page, `/recovery/${caseIds[0]}`)
    assert.ok(!(await page.locator('main').textContent())?.includes('sam@example.com'), 'contact details are masked')
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Reveal personal information' }).click()])
    assert.ok((await page.locator('main').textContent())?.includes('sam@example.com'), 'a lead may reveal them')
    await axeCheck(page)
    await visit(page, '/recovery?status=resolved')
    assert.equal(await page.locator('main .usa-alert--info .usa-alert__heading').textContent(), 'No cases match')
    await visit(page, '/webhooks')
    await visit(page, `/surveys/${surveyId}/notifications`)
  })

  it('resolves a case with the keyboard alone', async () => {
    const page = await e.newPage({ as: e.world.people.analystA })
    await page.goto(`/recovery/${caseIds[1]}`)
    /** Presses Tab until the element matching `selector` has focus. */
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 120; i++) {
        if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return
        await page.keyboard.press('Tab')
      }
      assert.fail(`Tab never reached ${selector}`)
    }
    const submitWithEnter = async () => {
      const [response] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
      return response?.status()
    }

    await tabTo('#field-status')
    await page.keyboard.type('R')
    assert.equal(await page.locator('#field-status').inputValue(), 'resolved')
    await tabTo('form[action$="/recovery/' + caseIds[1] + '"] button[type="submit"]')
    assert.equal(await submitWithEnter(), 400, 'resolving without a resolution is refused')
    assert.equal(await page.locator('#field-resolution-error').textContent(), 'Describe how the case was resolved.')
    assert.equal(await page.locator('#field-status').inputValue(), 'resolved', 'the chosen status is kept')
    await axeCheck(page)

    await tabTo('#field-resolution')
    await page.keyboard.type('Called back and walked them through the form; submitted the same day.')
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Save changes')
    assert.equal(await submitWithEnter(), 200)
    assert.equal(new URL(page.url()).pathname, `/recovery/${caseIds[1]}`)
    assert.match((await page.locator('main [role="status"]').first().textContent()) ?? '', /Case resolved\./)
    const stored = await e.t.runtime.db.selectFrom('recovery_cases').select(['status', 'resolution']).where('id', '=', caseIds[1] as string).executeTakeFirstOrThrow()
    assert.deepEqual(stored, { status: 'resolved', resolution: 'Called back and walked them through the form; submitted the same day.' })

    await tabTo('#field-body')
    await page.keyboard.type('Customer confirmed by email.')
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Add note')
    assert.equal(await submitWithEnter(), 200)
    assert.equal(await page.locator('.cx-note .cx-pre').last().textContent(), 'Customer confirmed by email.')
    assert.deepEqual(pageProblems(page), [])
  })
})
