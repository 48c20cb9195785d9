/**
 * The main journeys in headless Chromium against the real app on 127.0.0.1: signing in (mouse and keyboard only),
 * adding and editing a service, and importing services from CSV, with the database as the witness.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { PASSWORD } from '../helpers/test-app.ts'
import { pageProblems, startE2e, type E2e } from './browser.ts'

describe('end-to-end flows (headless Chromium)', () => {
  let e: E2e
  before(async () => { e = await startE2e() })
  after(async () => { await e?.close() })

  const path = (page: Page) => new URL(page.url()).pathname
  const serviceNamed = (name: string) => e.t.runtime.db.selectFrom('services').select(['id', 'name', 'organization_id']).where('name', '=', name).executeTakeFirst()
  const serviceCount = async () => Number((await e.t.runtime.db.selectFrom('services').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  /**
   * Ticks or clears a USWDS checkbox the way a person does: by clicking its label (USWDS moves the real input off
   * screen and draws the box on the label), then checks the input's state.
   */
  async function tick(page: Page, group: string, label: string, on: boolean) {
    const box = page.getByRole('group', { name: group }).getByLabel(label, { exact: true })
    if ((await box.isChecked()) !== on) await page.getByRole('group', { name: group }).locator('label.usa-checkbox__label', { hasText: new RegExp(`^${label}$`) }).click()
    assert.equal(await box.isChecked(), on, `${label} is ${on ? 'ticked' : 'clear'}`)
  }
  /** Clicks a submit button and returns the HTTP status of the page the form post produced (after any redirect). */
  async function submit(page: Page, button: string): Promise<number> {
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button, exact: true }).click()])
    return response?.status() ?? 0
  }

  it('signs in through the form and lands on the overview; a wrong password keeps you on /login with the error above the form', async () => {
    const page = await e.newPage()
    await page.goto('/')
    assert.equal(path(page), '/login', 'signed-out visitors are sent to sign in')
    await page.getByLabel('Email address (required)', { exact: true }).fill(e.world.people.admin.email)
    await page.getByLabel('Password (required)', { exact: true }).fill(PASSWORD)
    assert.equal(await submit(page, 'Sign in'), 200)
    assert.equal(path(page), '/')
    assert.equal(await page.locator('h1').textContent(), 'Overview')
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 1)
    assert.ok((await page.context().cookies()).some((c) => c.name === 'cx280_session'))

    const other = await e.newPage()
    await other.goto('/login')
    await other.getByLabel('Email address (required)', { exact: true }).fill(e.world.people.admin.email)
    await other.getByLabel('Password (required)', { exact: true }).fill('not the password')
    assert.equal(await submit(other, 'Sign in'), 400)
    assert.equal(path(other), '/login')
    const summary = other.locator('main .usa-alert--error[role="alert"]')
    assert.equal(await summary.locator('.usa-alert__heading').textContent(), 'The email or password is not correct.')
    assert.equal(await other.locator('main .usa-alert--error + form[action="/login"]').count(), 1, 'the error summary sits right above the sign-in form')
    assert.equal(await other.getByLabel('Email address (required)', { exact: true }).inputValue(), e.world.people.admin.email, 'the email is kept')
    assert.equal(await other.getByLabel('Password (required)', { exact: true }).inputValue(), '', 'the password is not echoed back')
    assert.ok(!(await other.context().cookies()).some((c) => c.name === 'cx280_session'), 'no session')
    await other.goto('/services')
    assert.equal(path(other), '/login', 'still signed out')
    assert.deepEqual([...pageProblems(page), ...pageProblems(other)], [], 'no CSP violations, script errors or broken assets')
  })

  it('signs in with the keyboard alone: skip link, email, password, submit', async () => {
    const page = await e.newPage()
    await page.goto('/login')
    const focused = () => page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null
      const style = el ? getComputedStyle(el) : null
      return { tag: el?.tagName.toLowerCase() ?? '', id: el?.id ?? '', text: el?.textContent?.trim() ?? '', type: el?.getAttribute('type') ?? '', outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : '' }
    })
    const hasFocusRing = (outline: string) => !outline.startsWith('none') && !/ 0px$/.test(outline)

    await page.keyboard.press('Tab')
    let now = await focused()
    assert.equal(now.text, 'Skip to main content', 'the first Tab reaches the skip link')
    assert.ok(hasFocusRing(now.outline), `the skip link shows focus (${now.outline})`)
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => document.activeElement?.id === 'main-content', undefined, { timeout: 3000 }).catch(() => undefined)
    now = await focused()
    assert.equal(now.id, 'main-content', 'the skip link moves focus to <main>')

    await page.keyboard.press('Tab')
    now = await focused()
    assert.equal(now.id, 'field-email', 'after the skip link, Tab reaches the email field')
    assert.ok(hasFocusRing(now.outline), `the email field shows focus (${now.outline})`)
    await page.keyboard.type(e.world.people.leadA.email)
    await page.keyboard.press('Tab')
    now = await focused()
    assert.equal(now.id, 'field-password')
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press('Tab')
    now = await focused()
    assert.deepEqual([now.tag, now.type, now.text], ['button', 'submit', 'Sign in'])
    assert.ok(hasFocusRing(now.outline), `the submit button shows focus (${now.outline})`)
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.keyboard.press('Enter')])
    assert.equal(await page.locator('h1').textContent(), 'Overview')
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 1)
    assert.deepEqual(pageProblems(page), [])
  })

  it('adds a service, edits it, and refuses an empty name with the error next to the field', async () => {
    const page = await e.newPage({ as: e.world.people.admin })
    await page.goto('/services')
    await Promise.all([page.waitForURL('**/services/new'), page.getByRole('link', { name: 'Add a service' }).click()])
    await page.getByLabel('Name (required)', { exact: true }).fill('Renew a fishing permit')
    await page.getByLabel('Organization (required)', { exact: true }).selectOption({ label: '— Bureau A1' })
    await tick(page, 'Channels', 'Website', true)
    await tick(page, 'Channels', 'Phone', true)
    assert.equal(await submit(page, 'Add service'), 200)
    assert.match(path(page), /^\/services\/[0-9a-f-]{36}$/)
    assert.equal(await page.locator('h1').textContent(), 'Renew a fishing permit')
    assert.equal(await page.locator('main .usa-alert--success').textContent(), 'Added “Renew a fishing permit”.')
    const channelRow = page.locator('.cx-summary__row', { has: page.locator('dt', { hasText: /^Channels$/ }) }).locator('dd')
    assert.deepEqual(((await channelRow.textContent()) ?? '').split(', ').sort(), ['Phone', 'Website'])
    const created = await serviceNamed('Renew a fishing permit')
    assert.ok(created, 'stored')
    assert.equal(created.organization_id, e.world.orgs.A1.id)
    assert.equal(path(page), `/services/${created.id}`)

    await Promise.all([page.waitForURL(`**/services/${created.id}/edit`), page.getByRole('link', { name: 'Edit', exact: true }).click()])
    assert.equal(await page.getByLabel('Name (required)', { exact: true }).inputValue(), 'Renew a fishing permit')
    assert.ok(await page.getByRole('group', { name: 'Channels' }).getByLabel('Phone', { exact: true }).isChecked(), 'the form shows the saved channels')
    await page.getByLabel('Name (required)', { exact: true }).fill('Renew a fishing license')
    await tick(page, 'Channels', 'Phone', false)
    assert.equal(await submit(page, 'Save changes'), 200)
    assert.equal(path(page), `/services/${created.id}`)
    assert.equal(await page.locator('main .usa-alert--success').textContent(), 'Changes saved.')
    assert.equal(await page.locator('h1').textContent(), 'Renew a fishing license')
    assert.equal(await channelRow.textContent(), 'Website')
    assert.equal((await serviceNamed('Renew a fishing license'))?.id, created.id)

    const before = await serviceCount()
    await page.goto('/services/new')
    await page.getByLabel('Organization (required)', { exact: true }).selectOption({ label: '— Bureau A1' })
    assert.equal(await submit(page, 'Add service'), 400)
    const group = page.locator('.usa-form-group.usa-form-group--error', { has: page.locator('#field-name') })
    assert.equal(await group.count(), 1, 'the Name form group is in the error state')
    const message = (await group.locator('.usa-error-message').textContent()) ?? ''
    assert.ok(message.trim() !== '', 'the Name error message is inside the Name form group')
    assert.equal(await page.locator('#field-name').getAttribute('aria-invalid'), 'true')
    assert.match((await page.locator('#field-name').getAttribute('aria-describedby')) ?? '', /\bfield-name-error\b/)
    assert.equal(await page.locator('.usa-form-group--error').count(), 1, 'only the name is in error')
    assert.equal(await page.locator('main .usa-alert--error a[href="#field-name"]').count(), 1, 'the error summary links to the field')
    assert.equal(await page.getByLabel('Organization (required)', { exact: true }).inputValue(), e.world.orgs.A1.id, 'the other answers are kept')
    assert.equal(await serviceCount(), before, 'nothing was created')
    assert.deepEqual(pageProblems(page), [])
  })

  it('imports a CSV: a bad row rejects the whole file with a line-by-line report; a valid file imports', async () => {
    const page = await e.newPage({ as: e.world.people.admin })
    const upload = async (name: string, text: string) => {
      await page.goto('/services/import')
      await page.locator('input#file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') })
      return submit(page, 'Check and import')
    }
    const before = await serviceCount()
    assert.equal(await upload('bad.csv', 'name,organization,channels\nIssue a boating license,BA1,website;phone\nReplace a lost card,NOWHERE,carrier_pigeon\n'), 400)
    assert.equal(path(page), '/services/import')
    const report = page.locator('main .usa-alert--error')
    assert.match((await report.locator('.usa-alert__heading').textContent()) ?? '', /^Nothing was imported: 2 problems found$/)
    const rows = await report.locator('table tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')))
    assert.deepEqual(rows.map(([line, column]) => [line, column]).sort(), [['3', 'channels'], ['3', 'organization']], 'both problems name line 3 (the header is line 1)')
    assert.ok(rows.some(([, column, problem]) => column === 'channels' && problem?.includes('"carrier_pigeon"')), 'the unknown channel is named')
    assert.equal(await serviceCount(), before, 'nothing was imported')
    assert.equal(await serviceNamed('Issue a boating license'), undefined, 'not even the good row')

    assert.equal(await upload('good.csv', 'name,organization,channels\nIssue a boating license,BA1,website;phone\n"Replace a lost card, quickly",DB,in_person\n'), 200)
    assert.equal(path(page), '/services')
    assert.equal(await page.locator('main .usa-alert--success').textContent(), 'Imported: 2 added, 0 updated.')
    assert.equal(await page.getByRole('link', { name: 'Issue a boating license', exact: true }).count(), 1)
    assert.equal(await page.getByRole('link', { name: 'Replace a lost card, quickly', exact: true }).count(), 1)
    assert.equal(await serviceCount(), before + 2)
    assert.equal((await serviceNamed('Issue a boating license'))?.organization_id, e.world.orgs.A1.id)
    assert.equal((await serviceNamed('Replace a lost card, quickly'))?.organization_id, e.world.orgs.B.id)
    assert.deepEqual(pageProblems(page), [])
  })
})
