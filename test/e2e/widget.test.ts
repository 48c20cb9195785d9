/**
 * The embeddable widget in real Chromium, embedded in a deliberately hostile host page on another origin: global
 * `all: unset !important` resets, `display:none !important` on form controls and `.usa-*`, huge fonts, a fake older
 * USWDS stylesheet, and a strict CSP that allows scripts, connections and images only from the cx280 origin (styles
 * only from the host itself). The widget must render, submit (the database is the witness), work by keyboard alone,
 * pass axe in English and Spanish, keep drafts across reloads, store a retried submission once and fire its events.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { Locator, Page } from 'playwright-core'
import { embedSnippet, widgetScript } from '../../src/surveys/embed.ts'
import { bearer, json } from '../helpers/test-app.ts'
import { axeCheck, pageProblems, startE2e, type E2e } from './browser.ts'

const HOSTILE_CSS = `
*, *::before, *::after { all: unset !important; }
html { font-size: 40px !important; }
head, script, style, title { display: none !important; }
body { display: block !important; font: 30px/3 "Comic Sans MS", serif !important; color: #c00 !important; letter-spacing: 4px !important; text-transform: uppercase !important; background: #fff !important; }
main, h1, p, div, section { display: block !important; }
div { visibility: hidden !important; position: relative !important; z-index: 2147483647 !important; max-width: 10px !important; }
button, input, textarea, select, fieldset, legend, label, dialog, form, [role="dialog"], .usa-button, [class*="usa-"] { display: none !important; }
#custom-feedback { display: inline-block !important; visibility: visible !important; border: 2px solid #000 !important; padding: 4px !important; color: #000 !important; }
`
// A fake, older USWDS whose rules would wreck a USWDS 3 form if they could reach it.
const OLD_USWDS_CSS = `/*! uswds v1.6.0 (conflicting copy) */
.usa-form, form { max-width: 1px !important; overflow: hidden !important; }
.usa-fieldset, fieldset { border: 20px solid #f0f !important; }
.usa-input, input, textarea { position: absolute !important; left: -9999em !important; }
.usa-button, button { background: #000 !important; color: #000 !important; font-size: 2px !important; }
.usa-legend, legend, label { font-size: 64px !important; }
dialog::backdrop { display: none !important; }
`

interface Recorded { type: string; survey: string | null; detail: { responseId?: string; message?: string } | null }
type HostWindow = { __events: Recorded[]; __violations: string[] }

describe('embeddable widget on a hostile host page (headless Chromium)', () => {
  let e: E2e
  let host: Server
  let hostOrigin: string
  const pages = new Map<string, string>()
  const surveys = { thumbs: '', likert: '', closed: '' }

  async function createSurvey(payload: Record<string, unknown>, publish = true): Promise<string> {
    const headers = bearer(e.world.people.managerA1)
    const created = await e.t.app.inject({ method: 'POST', url: '/api/v1/surveys', headers, payload: { serviceId: e.world.services.serviceA1.id, allowedOrigins: [hostOrigin], ...payload } })
    assert.equal(created.statusCode, 201, created.body)
    const { id } = json<{ id: string }>(created)
    if (publish) {
      const published = await e.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${id}/transitions`, headers, payload: { transition: 'publish' } })
      assert.equal(published.statusCode, 200, published.body)
    }
    return id
  }

  function hostPage(title: string, body: string): string {
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<link rel="stylesheet" href="/uswds-1.6.0.css"><link rel="stylesheet" href="/hostile.css"></head>
<body><main><h1>${title}</h1><p class="usa-intro">Agency content.</p>
${body}
</main></body></html>`
  }

  before(async () => {
    e = await startE2e()
    host = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0] ?? '/'
      const css = path === '/hostile.css' ? HOSTILE_CSS : path === '/uswds-1.6.0.css' ? OLD_USWDS_CSS : null
      if (css !== null) return response.writeHead(200, { 'content-type': 'text/css' }).end(css)
      const html = pages.get(path)
      if (!html) return response.writeHead(404).end()
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': `default-src 'none'; script-src ${e.baseUrl}; connect-src ${e.baseUrl}; img-src ${e.baseUrl}; style-src 'self'; base-uri 'none'; form-action 'none'`,
      }).end(html)
    })
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve))
    hostOrigin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`
    assert.notEqual(hostOrigin, e.baseUrl)

    const clearance = { ombControlNumber: '1234-5678', praExpiresOn: '2030-12-31', burdenMinutes: 3 }
    surveys.thumbs = await createSurvey({ template: 'a11_v2_thumbs', ...clearance })
    surveys.likert = await createSurvey({ template: 'a11_v2_likert', askContact: true, ...clearance })
    surveys.closed = await createSurvey({ template: 'page_helpfulness' })
    const closed = await e.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${surveys.closed}/transitions`, headers: bearer(e.world.people.managerA1), payload: { transition: 'close' } })
    assert.equal(closed.statusCode, 200, closed.body)

    const { integrity } = widgetScript()
    const snippet = (id: string, mode: 'inline' | 'modal' | 'button', extra = '') =>
      embedSnippet(e.baseUrl, id, integrity, mode).replace('data-cx280-mode', `${extra} data-cx280-mode`)
    // Each snippet carries its own script tag: the page loads the widget twice, and it must mount each survey once.
    pages.set('/two', hostPage('Two surveys', `${snippet(surveys.thumbs, 'inline', 'data-cx280-touchpoint="checkout"')}\n${snippet(surveys.likert, 'modal')}`))
    pages.set('/es', hostPage('Encuesta', `<a href="#" id="custom-feedback">Opine</a>
<div data-cx280-survey="${surveys.thumbs}" data-cx280-mode="inline" data-cx280-lang="es"></div>
<div data-cx280-survey="${surveys.likert}" data-cx280-mode="button" data-cx280-button="#custom-feedback" data-cx280-lang="es"></div>
${snippet(surveys.closed, 'inline')}`))
    pages.set('/draft', hostPage('Draft', snippet(surveys.thumbs, 'inline')))
  })
  after(async () => {
    await e?.close()
    await new Promise((resolve) => host?.close(resolve))
  })

  async function open(path: string, loaded: number): Promise<Page> {
    const page = await e.newPage()
    await page.addInitScript(() => {
      const w = window as unknown as HostWindow
      w.__events = []
      w.__violations = []
      document.addEventListener('securitypolicyviolation', (event) => w.__violations.push(`${event.violatedDirective} ${event.blockedURI}`))
      for (const type of ['loaded', 'opened', 'submitted', 'error']) {
        document.addEventListener(`cx280:${type}`, (event) => {
          const target = event.target as HTMLElement
          w.__events.push({ type, survey: target.getAttribute('data-cx280-survey'), detail: (event as CustomEvent).detail ?? null })
        })
      }
    })
    await page.goto(`${hostOrigin}${path}`)
    await page.waitForFunction((n) => (window as unknown as HostWindow).__events.filter((x) => x.type === 'loaded' || x.type === 'error').length >= n, loaded)
    return page
  }
  const events = (page: Page) => page.evaluate(() => (window as unknown as HostWindow).__events)
  const violations = (page: Page) => page.evaluate(() => (window as unknown as HostWindow).__violations)
  const widget = (page: Page, id: string): Locator => page.locator(`[data-cx280-survey="${id}"]`)
  /** The element focused inside a widget's shadow root, described by its role-ish text. */
  const focused = (page: Page) => page.evaluate(() => {
    const el = document.activeElement?.shadowRoot?.activeElement as HTMLInputElement | null | undefined
    if (!el) return `light:${document.activeElement?.id ?? document.activeElement?.tagName ?? ''}`
    const label = el.id ? el.getRootNode() instanceof ShadowRoot && (el.getRootNode() as ShadowRoot).querySelector(`label[for="${el.id}"]`)?.textContent : null
    return `${el.tagName.toLowerCase()}:${label ?? el.textContent ?? ''}`
  })
  /** Presses Tab (Shift+Tab) until the focused widget element matches, as a keyboard user would. */
  async function tabTo(page: Page, match: RegExp, backwards = false): Promise<void> {
    for (let i = 0; i < 40; i++) {
      if (match.test(await focused(page))) return
      await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab')
    }
    assert.fail(`keyboard focus never reached ${match}; it is on ${await focused(page)}`)
  }
  const offers = async (id: string) => Number((await e.t.runtime.db.selectFrom('survey_offers').select((eb) => eb.fn.countAll().as('n')).where('survey_id', '=', id).executeTakeFirstOrThrow()).n)
  const responsesOf = (id: string) => e.t.runtime.db.selectFrom('responses').selectAll().where('survey_id', '=', id).orderBy('submitted_at').execute()
  const answersOf = async (responseId: string) => (await e.t.runtime.db.selectFrom('response_answers').selectAll().where('response_id', '=', responseId).orderBy('position').execute())
    .map((a) => [a.question_key, a.option_key, a.number_value, a.text_value])

  it('renders two surveys untouched by hostile CSS under a strict CSP, validates, submits and fires its events', async () => {
    const page = await open('/two', 2)
    const inline = widget(page, surveys.thumbs)
    const modal = widget(page, surveys.likert)
    assert.deepEqual(await page.evaluate(() => Array.from(document.querySelectorAll('[data-cx280-survey]'), (el) => el.shadowRoot?.mode ?? null)), ['open', 'open'], 'each survey has its own open shadow root')
    assert.equal(await page.locator('script[src$="/widget/v1.js"]').count(), 2, 'the script is on the page twice')
    assert.equal(await inline.locator('form').count(), 1, 'mounted once although the script ran twice')

    const hostText = await page.locator('p.usa-intro').evaluate((el) => { const s = getComputedStyle(el); return [s.fontSize, s.textTransform] })
    assert.deepEqual(hostText, ['30px', 'uppercase'], 'the hostile stylesheet is in force on the host page')
    const legend = inline.locator('legend').first()
    assert.ok(await legend.isVisible())
    assert.match((await legend.textContent()) ?? '', /^This interaction increased my trust in Bureau A1\. \(required\)$/)
    const style = await legend.evaluate((el) => { const s = getComputedStyle(el); return { size: s.fontSize, transform: s.textTransform, spacing: s.letterSpacing, color: s.color } })
    assert.deepEqual(style, { size: '16px', transform: 'none', spacing: 'normal', color: 'rgb(27, 27, 27)' }, 'host fonts, colours and text transforms do not leak in')
    const box = await inline.locator('form').boundingBox()
    assert.ok(box && box.width > 400 && box.height > 200, `the form is laid out (${JSON.stringify(box)})`)
    assert.ok(await inline.getByRole('button', { name: 'Submit feedback' }).isVisible())
    assert.ok(await modal.getByRole('button', { name: 'Give feedback' }).isVisible())
    assert.equal(await modal.locator('dialog[open]').count(), 0, 'the modal survey waits for its button')
    const footer = (await inline.locator('footer').textContent()) ?? ''
    assert.match(footer, /OMB Control No\. 1234-5678 · Expiration date 12\/31\/2030/)
    assert.match(footer, /We estimate it will take about 3 minutes/)
    assert.equal(await offers(surveys.thumbs), 1, 'the inline survey counts one offer when shown')
    assert.equal(await offers(surveys.likert), 0, 'the modal survey is not offered until opened')

    // Sending nothing shows the error summary and a field error the radio inputs point to.
    await inline.getByRole('button', { name: 'Submit feedback' }).click()
    assert.equal(await inline.locator('.m h3').textContent(), 'Please check your answers')
    assert.match(await focused(page), /^div:Please check your answers/, 'focus moves to the error summary')
    const firstRadio = inline.getByRole('radio', { name: 'Yes (thumbs up)' })
    const describedBy = (await firstRadio.getAttribute('aria-describedby')) ?? ''
    assert.equal(await inline.locator(`[id="${describedBy.split(' ').pop()}"]`).textContent(), 'Answer this question.')
    await axeCheck(page, { include: `[data-cx280-survey="${surveys.thumbs}"]` })

    assert.equal(await inline.locator('.m a').textContent(), 'This interaction increased my trust in Bureau A1. Answer this question.')
    await inline.locator('.m a').click()
    assert.match(await focused(page), /^input:Yes \(thumbs up\)/, 'the summary link moves focus to the question')
    assert.equal(await inline.getByRole('group', { name: /What could have been better/ }).count(), 0)
    await firstRadio.check()
    const positive = inline.getByRole('group', { name: /What about this interaction made the difference/ })
    assert.ok(await positive.isVisible(), 'thumbs up shows the positive drivers')
    await positive.getByRole('checkbox', { name: 'It was easy to do' }).check()
    await inline.getByLabel('Please describe (optional)').first().fill('Quick line')
    await inline.getByLabel(/Anything else you want us to know/).fill('Clear instructions')
    await inline.getByRole('button', { name: 'Submit feedback' }).click()
    await inline.getByText('Thank you for your feedback.').waitFor()

    const [stored] = await responsesOf(surveys.thumbs)
    assert.ok(stored, 'the response is in the database')
    assert.equal(stored.source, 'widget')
    assert.equal(stored.language, 'en')
    assert.equal(stored.touchpoint, 'checkout')
    assert.equal(stored.page_url, `${hostOrigin}/two`)
    assert.equal(stored.trust_value, 1)
    assert.deepEqual(await answersOf(stored.id), [
      ['trust', null, 1, null], ['drivers_positive', 'ease', null, null], ['drivers_positive', 'other', null, 'Quick line'], ['open_text', null, null, 'Clear instructions'],
    ])
    const fired = (await events(page)).map((x) => `${x.type}:${x.survey === surveys.thumbs ? 'inline' : 'modal'}`).sort()
    assert.deepEqual(fired, ['loaded:inline', 'loaded:modal', 'opened:inline', 'submitted:inline'])
    assert.deepEqual((await events(page)).find((x) => x.type === 'submitted')?.detail, { responseId: stored.id })
    assert.deepEqual(await violations(page), [], 'no CSP violations')
    assert.deepEqual(pageProblems(page), [], 'no script errors or failed requests')
    // The witness works: an inline style is refused by the host's CSP and reported.
    await page.evaluate(() => document.head.append(Object.assign(document.createElement('style'), { textContent: 'p { color: red }' })))
    await page.waitForFunction(() => (window as unknown as HostWindow).__violations.length > 0)
    assert.match((await violations(page))[0] ?? '', /^style-src/)
    pageProblems(page)
  })

  it('is completed by keyboard alone in modal mode: focus moves in, stays in, Escape closes and focus returns', async () => {
    const page = await open('/two', 2)
    await tabTo(page, /^button:Give feedback$/)
    await page.keyboard.press('Enter')
    const modal = widget(page, surveys.likert)
    const dialog = modal.locator('dialog[open]')
    await dialog.waitFor()
    assert.equal(await dialog.getAttribute('aria-labelledby'), 'title')
    assert.equal(await modal.getByRole('dialog', { name: 'Tell us about your experience' }).count(), 1, 'a labelled dialog')
    assert.match(await focused(page), /^button:Español$/, 'focus moves into the dialog')
    await page.keyboard.press('Shift+Tab')
    assert.match(await focused(page), /^button:Submit feedback$/, 'Shift+Tab from the first control wraps to the last')
    await page.keyboard.press('Tab')
    assert.match(await focused(page), /^button:Español$/, 'Tab from the last control wraps to the first')
    await axeCheck(page, { include: `[data-cx280-survey="${surveys.likert}"]` })

    await tabTo(page, /^input:Strongly disagree$/)
    await page.keyboard.press('ArrowRight') // moves to and selects "Disagree" (2): the negative branch
    assert.ok(await modal.getByRole('radio', { name: 'Disagree', exact: true }).isChecked())
    await tabTo(page, /^input:It took too long$/)
    await page.keyboard.press('Space')
    await tabTo(page, /^textarea:/)
    await page.keyboard.type('The wait was long.')
    await tabTo(page, /^input:Yes$/)
    await page.keyboard.press('Space')
    await tabTo(page, /^input:Email address or phone number$/)
    await page.keyboard.type('me@example.com')
    await tabTo(page, /^button:Submit feedback$/)
    await page.keyboard.press('Enter')
    await modal.getByText('Thank you for your feedback.').waitFor()
    assert.match(await focused(page), /^p:Thank you/, 'focus moves to the confirmation')

    const [stored] = await responsesOf(surveys.likert)
    assert.ok(stored)
    assert.equal(stored.branch, 'negative')
    assert.deepEqual(await answersOf(stored.id), [
      ['trust', null, 2, null], ['drivers_negative', 'efficiency', null, null], ['open_text', null, null, 'The wait was long.'],
      ['contact_consent', null, 1, null], ['contact_details', null, null, 'me@example.com'],
    ])
    assert.equal(stored.contact_requested, 1)
    await page.keyboard.press('Escape')
    assert.equal(await dialog.count(), 0, 'Escape closes the dialog')
    assert.match(await focused(page), /^button:Give feedback$/, 'focus returns to the button that opened it')
    await page.keyboard.press('Enter')
    await dialog.waitFor()
    await page.keyboard.press('Escape')
    assert.equal(await offers(surveys.likert), 1, 'opening twice counts one offer')
    assert.deepEqual((await events(page)).filter((x) => x.survey === surveys.likert).map((x) => x.type), ['loaded', 'opened', 'submitted', 'opened'])
    assert.deepEqual(await violations(page), [])
    assert.deepEqual(pageProblems(page), [])
  })

  it('speaks Spanish with zero axe violations, opens from the host page\'s own button and shows a closed survey\'s message', async () => {
    const page = await open('/es', 3)
    const inline = widget(page, surveys.thumbs)
    assert.equal(await inline.locator('.w').getAttribute('lang'), 'es')
    assert.match((await inline.locator('legend').first().textContent()) ?? '', /^Esta interacción aumentó mi confianza en Bureau A1\. \(obligatorio\)$/)
    assert.ok(await inline.getByRole('button', { name: 'Enviar comentarios' }).isVisible())
    assert.match((await inline.locator('footer').textContent()) ?? '', /N\.º de control de la OMB 1234-5678 · Fecha de vencimiento 12\/31\/2030/)
    await inline.getByRole('radio', { name: 'No (pulgar abajo)' }).check()
    assert.ok(await inline.getByRole('group', { name: /¿Qué podría haber sido mejor\?/ }).isVisible())
    await axeCheck(page, { include: `[data-cx280-survey="${surveys.thumbs}"]` })
    await inline.getByRole('button', { name: 'English' }).click()
    assert.equal(await inline.locator('.w').getAttribute('lang'), 'en', 'the respondent can switch language')
    assert.ok(await inline.getByRole('radio', { name: 'No (thumbs down)' }).isChecked(), 'answers survive the switch')
    assert.ok(await inline.getByRole('group', { name: /What could have been better/ }).isVisible())

    const closed = widget(page, surveys.closed)
    assert.equal(await closed.locator('form').count(), 0, 'a closed survey shows no form')
    assert.equal(await closed.locator('#closed').textContent(), 'This survey is not accepting responses.')
    assert.equal(await offers(surveys.closed), 0)

    const custom = page.locator('#custom-feedback')
    assert.equal(await custom.getAttribute('aria-haspopup'), 'dialog')
    await custom.click()
    const button = widget(page, surveys.likert)
    await button.locator('dialog[open]').waitFor()
    assert.ok(await button.getByRole('dialog', { name: 'Cuéntenos sobre su experiencia' }).isVisible())
    assert.equal(await page.evaluate(() => location.hash), '', 'the host link does not navigate')
    await axeCheck(page, { include: `[data-cx280-survey="${surveys.likert}"]` })
    await button.getByRole('button', { name: 'Cerrar' }).click()
    assert.equal(await button.locator('dialog[open]').count(), 0, 'the close button closes the dialog')
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'custom-feedback', 'focus returns to the host page\'s button')
    assert.deepEqual(await violations(page), [])
    assert.deepEqual(pageProblems(page), [])
  })

  it('keeps a draft across reloads, stores a retried submission once and then clears the draft', async () => {
    const before = (await responsesOf(surveys.thumbs)).length
    const page = await open('/draft', 1)
    let inline = widget(page, surveys.thumbs)
    await inline.getByRole('radio', { name: 'No (thumbs down)' }).check()
    await inline.getByRole('checkbox', { name: 'It took too long' }).check()
    await inline.getByLabel(/Anything else you want us to know/).fill('Half-written thought')
    await page.reload()
    await page.waitForFunction(() => (window as unknown as HostWindow).__events.some((x) => x.type === 'loaded'))
    inline = widget(page, surveys.thumbs)
    assert.ok(await inline.getByRole('radio', { name: 'No (thumbs down)' }).isChecked(), 'the thumbs answer is restored')
    assert.ok(await inline.getByRole('checkbox', { name: 'It took too long' }).isChecked(), 'the revealed branch and its choice are restored')
    assert.equal(await inline.getByLabel(/Anything else you want us to know/).inputValue(), 'Half-written thought')

    // The first attempt reaches the server and is stored, but the reply is lost on the way back.
    let lost = 0
    await page.route(`${e.baseUrl}/api/v1/surveys/*/responses`, async (route) => {
      if (route.request().method() !== 'POST' || lost > 0) return route.continue()
      lost++
      await route.fetch()
      await route.abort('failed')
    })
    await inline.getByRole('button', { name: 'Submit feedback' }).click()
    await inline.getByText('We could not send your feedback. Please try again.').waitFor()
    assert.equal((await responsesOf(surveys.thumbs)).length, before + 1, 'the lost reply was stored')
    assert.equal((await events(page)).filter((x) => x.type === 'error').length, 1, 'the host page hears about the failure')
    pageProblems(page) // the aborted request is logged by the browser; that failure is the point of this step
    await inline.getByRole('button', { name: 'Submit feedback' }).click()
    await inline.getByText('Thank you for your feedback.').waitFor()
    const all = await responsesOf(surveys.thumbs)
    assert.equal(all.length, before + 1, 'the retry reused the idempotency key: stored once')
    assert.deepEqual((await events(page)).find((x) => x.type === 'submitted')?.detail, { responseId: all[all.length - 1]?.id })
    assert.equal(await page.evaluate((id) => localStorage.getItem(`cx280:draft:${id}`), surveys.thumbs), null, 'the draft is cleared')
    await page.reload()
    await page.waitForFunction(() => (window as unknown as HostWindow).__events.some((x) => x.type === 'loaded'))
    assert.equal(await widget(page, surveys.thumbs).getByRole('radio', { name: 'No (thumbs down)' }).isChecked(), false, 'a fresh form after reload')
    assert.deepEqual(await violations(page), [])
    assert.deepEqual(pageProblems(page), [])
  })
})
