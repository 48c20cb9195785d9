/**
 * The hosted survey page in headless Chromium under the app's real CSP: completed by keyboard alone through both
 * steps, axe-core clean on every state (step 1, errors, step 2, thank-you) in English and Spanish, and completed
 * again with JavaScript switched off. The database is the witness.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { bearer } from '../helpers/test-app.ts'
import { axeCheck, pageProblems, startE2e, type E2e } from './browser.ts'

describe('hosted survey page (headless Chromium)', () => {
  let e: E2e
  let surveyId: string
  before(async () => {
    e = await startE2e()
    const manager = e.world.people.managerA1
    const created = await e.t.app.inject({
      method: 'POST', url: '/api/v1/surveys', headers: bearer(manager),
      payload: { serviceId: e.world.services.serviceA1.id, template: 'a11_v2_thumbs', askContact: true, ombControlNumber: '0348-0069', praExpiresOn: '2099-01-31' },
    })
    assert.equal(created.statusCode, 201, created.body)
    surveyId = (JSON.parse(created.body) as { id: string }).id
    const published = await e.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${surveyId}/transitions`, headers: bearer(manager), payload: { transition: 'publish' } })
    assert.equal(published.statusCode, 200, published.body)
  })
  after(async () => { await e?.close() })

  const latestResponse = () => e.t.runtime.db.selectFrom('responses').selectAll().where('survey_id', '=', surveyId).orderBy('submitted_at', 'desc').executeTakeFirst()
  const answersOf = async (responseId: string) => (await e.t.runtime.db.selectFrom('response_answers').selectAll().where('response_id', '=', responseId).orderBy('position').execute())
    .map((a) => [a.question_key, a.option_key ?? a.number_value ?? a.text_value])

  /** Presses Tab until the focused element matches `selector`; fails if it is not reached, or the honeypot gets focus. */
  async function tabTo(page: Page, selector: string): Promise<void> {
    for (let presses = 0; presses < 25; presses++) {
      await page.keyboard.press('Tab')
      const focused = await page.evaluate((s) => ({ match: document.activeElement?.matches(s) ?? false, id: document.activeElement?.id ?? '' }), selector)
      assert.notEqual(focused.id, 'website_url', 'the honeypot is never reached by keyboard')
      if (focused.match) return
    }
    assert.fail(`Tab never reached ${selector}`)
  }

  /** Presses Enter on the focused submit button and returns the HTTP status of the page the post produced. */
  async function enter(page: Page): Promise<number> {
    const [response] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
    return response?.status() ?? 0
  }

  async function clickSubmit(page: Page, name: string): Promise<number> {
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name, exact: true }).click()])
    return response?.status() ?? 0
  }

  /** Chooses an option the way a mouse user does: USWDS draws radios and checkboxes on the label. */
  const choose = (page: Page, inputId: string) => page.locator(`label[for="${inputId}"]`).click()

  it('is completed with the keyboard alone (Tab, arrows, Space, Enter) through both steps; every state passes axe in English', async () => {
    const page = await e.newPage()
    const first = await page.goto(`/s/${surveyId}?src=qr&location=Lobby-3`)
    assert.equal(first?.status(), 200)
    assert.equal(await page.locator('html').getAttribute('lang'), 'en')
    assert.equal(await page.locator('section.usa-banner').count(), 1)
    assert.match(await page.locator('footer').innerText(), /OMB Control No\. 0348-0069\s+Expiration date 01\/31\/2099/)
    await axeCheck(page)

    await tabTo(page, 'button[type="submit"]')
    assert.equal(await enter(page), 400, 'nothing answered')
    assert.equal(await page.locator('#error-summary-heading').innerText(), 'Please check your answers')
    assert.equal(await page.locator('#q-trust-error').innerText(), 'Answer this question.')
    await axeCheck(page)

    await tabTo(page, '#q-trust-opt-1')
    await page.keyboard.press('ArrowDown')
    assert.equal(await page.locator('#q-trust-opt-0').isChecked(), true, 'the arrow key chose thumbs down')
    await tabTo(page, '#q-contact_consent-opt-1')
    await page.keyboard.press('Space')
    assert.equal(await page.locator('#q-contact_consent-opt-1').isChecked(), true)
    await tabTo(page, 'button[type="submit"]')
    assert.equal(await enter(page), 200)
    assert.equal(await page.getByRole('group', { name: 'What could have been better?' }).count(), 1, 'the negative branch')
    assert.equal(await page.getByRole('group', { name: 'What about this interaction made the difference?' }).count(), 0)
    await axeCheck(page)

    await tabTo(page, '#q-drivers_negative-opt-efficiency')
    await page.keyboard.press('Space')
    await tabTo(page, '#q-drivers_negative-other-text')
    await page.keyboard.type('The queue')
    await tabTo(page, '#q-open_text')
    await page.keyboard.type('Two hours of waiting')
    await tabTo(page, '#q-contact_details')
    await page.keyboard.type('me@example.com')
    await tabTo(page, 'button[type="submit"]')
    assert.equal(await page.locator(':focus').innerText(), 'Submit feedback')
    assert.equal(await enter(page), 200)
    assert.equal(await page.locator('main .usa-alert--success').innerText(), 'Thank you for your feedback.')
    await axeCheck(page)
    assert.deepEqual(pageProblems(page), [], 'no CSP violations, script errors or broken assets')

    const stored = await latestResponse()
    assert.ok(stored)
    assert.deepEqual([stored.source, stored.location_code, stored.language, stored.branch, stored.contact_requested], ['qr', 'Lobby-3', 'en', 'negative', 1])
    assert.deepEqual(await answersOf(stored.id), [
      ['trust', 0], ['drivers_negative', 'efficiency'], ['drivers_negative', 'other'], ['open_text', 'Two hours of waiting'], ['contact_consent', 1], ['contact_details', 'me@example.com'],
    ])
  })

  it('passes axe on every state in Spanish, with the page, banner and PRA statement in Spanish', async () => {
    const page = await e.newPage()
    await page.goto(`/s/${surveyId}?lang=es`)
    assert.equal(await page.locator('html').getAttribute('lang'), 'es')
    assert.match(await page.locator('.usa-banner__header-text').innerText(), /Un sitio oficial del Gobierno de Estados Unidos/)
    assert.match(await page.locator('footer').innerText(), /N\.º de control de la OMB 0348-0069/)
    await axeCheck(page)
    assert.equal(await clickSubmit(page, 'Continuar'), 400)
    assert.equal(await page.locator('#error-summary-heading').innerText(), 'Revise sus respuestas')
    await axeCheck(page)
    await choose(page, 'q-trust-opt-1')
    assert.equal(await clickSubmit(page, 'Continuar'), 200)
    assert.equal(await page.getByRole('group', { name: '¿Qué hizo la diferencia en esta interacción?' }).count(), 1)
    await axeCheck(page)
    await choose(page, 'q-drivers_positive-opt-ease')
    assert.equal(await clickSubmit(page, 'Enviar comentarios'), 200)
    assert.equal(await page.locator('main .usa-alert--success').innerText(), 'Gracias por sus comentarios.')
    await axeCheck(page)
    assert.deepEqual(pageProblems(page), [])
    const stored = await latestResponse()
    assert.deepEqual([stored?.language, stored?.branch, stored?.source], ['es', 'positive', 'hosted'])
  })

  it('works with JavaScript disabled', async () => {
    const context = await e.browser.newContext({ baseURL: e.baseUrl, javaScriptEnabled: false, locale: 'en-US' })
    try {
      const page = await context.newPage()
      const before = Number((await e.t.runtime.db.selectFrom('responses').select((eb) => eb.fn.countAll().as('n')).where('survey_id', '=', surveyId).executeTakeFirstOrThrow()).n)
      await page.goto(`/s/${surveyId}?src=link&channel=email&touchpoint=no-js`)
      // With scripts on, USWDS opens the banner's "Here's how you know" panel; with them off the button does nothing.
      await page.getByRole('button', { name: 'Here’s how you know' }).click()
      assert.equal(await page.locator('#gov-banner-public').isHidden(), true, 'scripts really are off')
      await choose(page, 'q-trust-opt-1')
      await choose(page, 'q-contact_consent-opt-0')
      assert.equal(await clickSubmit(page, 'Continue'), 200)
      assert.equal(await page.locator('#q-contact_details').count(), 0, 'no contact details without consent')
      await choose(page, 'q-drivers_positive-opt-humanity')
      await page.locator('#q-open_text').fill('Friendly staff')
      assert.equal(await clickSubmit(page, 'Submit feedback'), 200)
      assert.equal(await page.locator('main .usa-alert--success').innerText(), 'Thank you for your feedback.')
      const stored = await latestResponse()
      assert.ok(stored)
      assert.deepEqual([stored.source, stored.channel, stored.touchpoint, stored.branch], ['link', 'email', 'no-js', 'positive'])
      assert.deepEqual(await answersOf(stored.id), [['trust', 1], ['drivers_positive', 'humanity'], ['open_text', 'Friendly staff'], ['contact_consent', 0]])
      const after = Number((await e.t.runtime.db.selectFrom('responses').select((eb) => eb.fn.countAll().as('n')).where('survey_id', '=', surveyId).executeTakeFirstOrThrow()).n)
      assert.equal(after, before + 1)
    } finally {
      await context.close()
    }
  })
})
