/**
 * The survey builder in headless Chromium against the real app: a service manager creates a survey from the A-11
 * Likert template with the keyboard alone, edits a question's prompt, adds a French translation and publishes it,
 * with the database as the witness. axe-core (every WCAG A/AA rule, Section 508, best practices) runs on every
 * survey page the staff side serves, including error states and the read-only pages an analyst sees.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import type { SurveyDefinition } from '../../src/a11/survey-model.ts'
import { assertPageFrame, axeCheck, pageProblems, startE2e, type E2e } from './browser.ts'

describe('survey builder (headless Chromium)', () => {
  let e: E2e
  before(async () => { e = await startE2e() })
  after(async () => { await e?.close() })

  const path = (page: Page) => new URL(page.url()).pathname
  const field = (page: Page, label: string) => page.getByLabel(label, { exact: true })
  const definitionOf = async (id: string): Promise<SurveyDefinition> => {
    const row = await e.t.runtime.db.selectFrom('surveys').innerJoin('survey_versions as v', 'v.id', 'surveys.current_version_id').select('v.definition').where('surveys.id', '=', id).executeTakeFirstOrThrow()
    return JSON.parse(row.definition) as SurveyDefinition
  }
  const surveyRow = (id: string) => e.t.runtime.db.selectFrom('surveys').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

  /** The page the browser is on: its status, the page frame, axe, and no CSP violations, script errors or broken assets. */
  async function check(page: Page, label: string, status: number | undefined, expected = 200) {
    assert.equal(status, expected, `${label}: HTTP status`)
    await assertPageFrame(page)
    await axeCheck(page)
    assert.deepEqual(pageProblems(page), [], `${label}: CSP violations, script errors or broken assets`)
  }
  async function visit(page: Page, url: string, expected = 200) {
    const response = await page.goto(url)
    await check(page, url, response?.status(), expected)
  }
  async function submit(page: Page, button: string, expected = 200) {
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button, exact: true }).click()])
    await check(page, `after “${button}”`, response?.status(), expected)
  }
  const focused = (page: Page) => page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null
    const style = el ? getComputedStyle(el) : null
    return { id: el?.id ?? '', tag: el?.tagName.toLowerCase() ?? '', text: el?.textContent?.trim() ?? '', outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : '' }
  })
  /** Presses Tab until the element with `id` has focus (at most `limit` times); fails otherwise. */
  async function tabTo(page: Page, id: string, limit = 40) {
    for (let i = 0; i < limit; i++) {
      if ((await focused(page)).id === id) return
      await page.keyboard.press('Tab')
    }
    assert.fail(`Tab never reached #${id}`)
  }
  const flash = (page: Page) => page.locator('main .usa-alert--success').textContent()

  it('creates a survey from the A-11 Likert template with the keyboard alone, edits a prompt, translates it and publishes it', async () => {
    const page = await e.newPage({ as: e.world.people.managerA1 })
    await visit(page, '/surveys')
    await Promise.all([page.waitForURL('**/surveys/new'), page.getByRole('link', { name: 'New survey' }).click()])
    await check(page, '/surveys/new', 200)

    // The create form, keyboard only: Tab to each control, arrows and Space to choose, Enter to submit.
    await tabTo(page, 'field-serviceId')
    await page.keyboard.press('ArrowDown')
    assert.equal(await field(page, 'Service (required)').inputValue(), e.world.services.serviceA1.id)
    await page.keyboard.press('Tab')
    let now = await focused(page)
    assert.equal(now.id, 'template-a11_v2_thumbs', 'Tab enters the template group at the chosen template')
    assert.ok(!now.outline.startsWith('none'), `the focused template shows focus (${now.outline})`)
    await page.keyboard.press('ArrowDown')
    assert.equal((await focused(page)).id, 'template-a11_v2_likert')
    assert.ok(await page.locator('#template-a11_v2_likert').isChecked(), 'the arrow key chooses the Likert template')
    await page.keyboard.press('Tab')
    assert.equal((await focused(page)).id, 'field-name')
    await page.keyboard.type('Permit visit (Likert)')
    await tabTo(page, 'field-stageId', 4)
    await page.keyboard.press('ArrowDown')
    await tabTo(page, 'field-askContact-on', 2)
    await page.keyboard.press('Space')
    assert.ok(await page.locator('#field-askContact-on').isChecked())
    await page.keyboard.press('Tab')
    now = await focused(page)
    assert.deepEqual([now.tag, now.text], ['button', 'Create survey'])
    const [created] = await Promise.all([page.waitForURL(/\/surveys\/[0-9a-f-]{36}$/), page.keyboard.press('Enter')])
    void created
    await check(page, 'the new survey', 200)
    const id = path(page).split('/').at(-1) as string
    assert.match((await flash(page)) ?? '', /Created “Permit visit \(Likert\)” from the A-11 v2 \(5-point Likert\) template/)
    const row = await surveyRow(id)
    assert.deepEqual([row.template, row.name, row.state, row.stage_id], ['a11_v2_likert', 'Permit visit (Likert)', 'draft', e.world.services.serviceA1.stages[0]?.id])
    assert.deepEqual((await definitionOf(id)).questions.map((q) => q.key), ['trust', 'drivers_positive', 'drivers_negative', 'open_text', 'contact_consent', 'contact_details'])

    // Edit the trust question's prompt.
    await Promise.all([page.waitForURL(`**/surveys/${id}/questions`), page.getByRole('link', { name: 'Questions', exact: true }).click()])
    await check(page, 'questions', 200)
    await page.locator('#question-trust summary').click()
    await axeCheck(page, { include: '#question-trust' })
    await page.locator('#question-trust').getByLabel('Question text (English)', { exact: true }).fill('This visit increased my trust in Bureau A1.')
    await submit(page, 'Save question 1')
    assert.equal(await flash(page), 'Saved question “trust”.')
    assert.equal((await definitionOf(id)).questions[0]?.prompt.en, 'This visit increased my trust in Bureau A1.')

    // A failed edit keeps the question open, with the error next to its field and in the summary.
    await page.locator('#question-drivers_positive summary').click()
    await page.locator('#question-drivers_positive').getByLabel('Label for ease', { exact: true }).fill('')
    await submit(page, 'Save question 2', 400)
    assert.equal(await page.locator('#field-drivers_positive-option-ease-error').textContent(), 'Every option needs a label.')
    assert.equal(await page.locator('#question-drivers_positive details').getAttribute('open'), '')

    // Add French and translate the title.
    await visit(page, `/surveys/${id}/translations`)
    await field(page, 'Language code (required)').fill('fr')
    await submit(page, 'Add language')
    assert.equal(path(page), `/surveys/${id}/translations/fr`)
    await field(page, 'Title (Français)').fill('Parlez-nous de votre expérience')
    await submit(page, 'Save Français translation')
    assert.match((await flash(page)) ?? '', /^Saved the Français translation\. \d+ strings still untranslated\.$/)
    const translated = await definitionOf(id)
    assert.deepEqual(translated.languages, ['en', 'es', 'fr'])
    assert.equal(translated.title.fr, 'Parlez-nous de votre expérience')
    await visit(page, `/surveys/${id}/translations/es`)

    // Settings: a control number without its expiration date is refused next to the field.
    await visit(page, `/surveys/${id}/settings`)
    await field(page, 'OMB control number').fill('0348-0069')
    await submit(page, 'Save settings', 400)
    assert.equal(await page.locator('#field-praExpiresOn-error').textContent(), 'Give the OMB control number and its expiration date together.')
    assert.equal((await surveyRow(id)).omb_control_number, null)

    // Publish from the overview.
    await visit(page, `/surveys/${id}`)
    await submit(page, 'Publish')
    assert.equal(await flash(page), 'Published: the survey accepts responses.')
    assert.equal((await surveyRow(id)).state, 'published')
    assert.equal(await page.getByRole('button', { name: 'Close', exact: true }).count(), 1)
    assert.equal(await page.getByRole('button', { name: 'Publish', exact: true }).count(), 0)
    await visit(page, `/surveys/${id}/questions`)
    assert.equal(await page.locator('main .usa-alert--warning .usa-alert__heading').textContent(), 'Saving creates version 2')
    await visit(page, `/surveys/${id}/versions/1`)
    await visit(page, `/services/${e.world.services.serviceA1.id}`)
    assert.equal(await page.locator('#service-surveys-heading + p a', { hasText: 'New survey' }).count(), 1)
  })

  it('passes axe on the empty list, the publish refusal and the read-only pages an analyst sees', async () => {
    const empty = await e.newPage({ as: e.world.people.leadB })
    await visit(empty, '/surveys')
    assert.equal(await empty.locator('main .usa-alert--info .usa-alert__heading').textContent(), 'No surveys yet')

    const many = Array.from({ length: 16 }, (_, i) => ({ key: `q${i}`, type: 'yes_no', role: null, required: false, prompt: { en: `Question ${i}?` } }))
    const response = await e.t.app.inject({
      method: 'POST', url: '/api/v1/surveys', headers: { authorization: `Bearer ${e.world.people.managerA1.key}` },
      payload: { serviceId: e.world.services.serviceA1.id, name: 'Too long', definition: { languages: ['en'], title: { en: 'Long' }, thankYou: { en: 'Thanks' }, likertPositiveMin: 4, questions: many } },
    })
    assert.equal(response.statusCode, 201, response.body)
    const id = (JSON.parse(response.body) as { id: string }).id
    const manager = await e.newPage({ as: e.world.people.managerA1 })
    await visit(manager, `/surveys/${id}`)
    await submit(manager, 'Publish', 400)
    assert.equal(await manager.locator('main .usa-alert--error .usa-alert__heading').textContent(), 'The survey cannot be published yet.')
    assert.equal(await manager.getByRole('link', { name: 'Fix questions' }).count(), 1, 'the refusal links to the page that fixes it')
    assert.match((await manager.locator('main .usa-alert--error').textContent()) ?? '', /at most 15 questions; this one asks 16/)

    const bilingual = await e.t.app.inject({ method: 'POST', url: '/api/v1/surveys', headers: { authorization: `Bearer ${e.world.people.managerA1.key}` }, payload: { serviceId: e.world.services.serviceA1.id, template: 'a11_v2_thumbs' } })
    const bilingualId = (JSON.parse(bilingual.body) as { id: string }).id
    const analyst = await e.newPage({ as: e.world.people.analystA })
    for (const url of [`/surveys/${id}`, `/surveys/${id}/questions`, `/surveys/${id}/settings`, `/surveys/${bilingualId}/translations`, `/surveys/${bilingualId}/translations/es`]) {
      await visit(analyst, url)
      assert.equal(await analyst.locator('main form[method="post"]').count(), 0, `no edit form on ${url}`)
    }
    await visit(analyst, '/surveys')
  })
})
