/**
 * The staff survey pages through real sessions and form posts (inject): list and filters, creating from every
 * template, settings with the PRA rules, the question editor, translations, lifecycle with the PRA refusal, versions
 * after editing a published survey, read-only pages for an analyst and 404 for another department.
 */
import assert from 'node:assert/strict'
import { before, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { TEMPLATE_KEYS } from '../../src/a11/survey-templates.ts'
import type { SurveyDefinition } from '../../src/a11/survey-model.ts'
import { widgetScript } from '../../src/surveys/embed.ts'
import { bearer, describeWithWorld, form, json, signIn, type Person } from '../helpers/test-app.ts'

interface Session { cookie: string; csrf: string }

/** The page's <main>, flattened, so a failed expectation prints what the page said rather than its whole frame. */
const mainOf = (html: string): string => (/<main[\s\S]*<\/main>/.exec(html)?.[0] ?? html).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 1500)
function contains(html: string, pattern: RegExp, message?: string): void {
  assert.ok(pattern.test(html), `${message ?? `expected ${pattern}`} in: ${mainOf(html)}`)
}
function lacks(html: string, pattern: RegExp, message?: string): void {
  assert.ok(!pattern.test(html), `${message ?? `did not expect ${pattern}`} in: ${mainOf(html)}`)
}
interface Survey { id: string; name: string; state: string; version: number; definition: SurveyDefinition }

describeWithWorld('survey pages', (w) => {
  const sessions = new Map<string, Session>()
  before(async () => {
    for (const person of ['managerA1', 'analystA', 'leadB', 'leadA'] as const) sessions.set(person, await signIn(w.t.app, w.world.people[person].email))
  })
  const session = (person: string): Session => sessions.get(person) as Session
  const get = (person: string, url: string) => w.t.app.inject({ method: 'GET', url, headers: { cookie: session(person).cookie } })
  const post = (person: string, url: string, fields: Record<string, string | string[]>) =>
    w.t.app.inject({ method: 'POST', url, headers: { cookie: session(person).cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ ...fields, _csrf: session(person).csrf }) })
  const follow = async (person: string, response: LightMyRequestResponse) => {
    assert.equal(response.statusCode, 303, mainOf(response.body))
    const flash = response.cookies.filter((c) => c.name === 'cx280_flash').map((c) => `; ${c.name}=${c.value}`).join('')
    return w.t.app.inject({ method: 'GET', url: String(response.headers.location), headers: { cookie: `${session(person).cookie}${flash}` } })
  }
  const create = async (payload: Record<string, unknown> = {}, person: Person = w.world.people.managerA1): Promise<Survey> => {
    const response = await w.t.app.inject({ method: 'POST', url: '/api/v1/surveys', headers: bearer(person), payload: { serviceId: w.world.services.serviceA1.id, template: 'a11_v2_thumbs', ...payload } })
    assert.equal(response.statusCode, 201, response.body)
    return json<Survey>(response)
  }
  const stored = async (id: string): Promise<Survey> => json<Survey>(await w.t.app.inject({ method: 'GET', url: `/api/v1/surveys/${id}`, headers: bearer(w.world.people.admin) }))
  /** The text of the error message shown next to an input (USWDS: inside the field's error group). */
  const errorNextTo = (html: string, fieldId: string): string | null => {
    const match = new RegExp(`<div class="usa-form-group usa-form-group--error"><label class="usa-label usa-label--error" for="${fieldId}">[\\s\\S]*?<span class="usa-error-message" id="${fieldId}-error" role="alert">([^<]*)</span>`).exec(html)
    return match?.[1] ?? null
  }

  it('lists surveys with search, service and state filters, pagination links and an empty state', async () => {
    const empty = await get('leadB', '/surveys')
    assert.equal(empty.statusCode, 200)
    contains(empty.body, /No surveys yet/)
    contains(empty.body, /href="\/surveys\/new"/, 'an agency lead can start a survey')
    const permit = await create({ name: 'Zebra permit feedback' })
    await create({ name: 'Zebra permit page', template: 'page_helpfulness' })
    const license = await create({ name: 'Zebra license survey', serviceId: w.world.services.serviceA1Other.id }, w.world.people.leadA)
    assert.equal((await w.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${permit.id}/transitions`, headers: bearer(w.world.people.managerA1), payload: { transition: 'publish' } })).statusCode, 200)

    const service = await get('managerA1', `/services/${w.world.services.serviceA1.id}`)
    contains(service.body, /<h2 id="service-surveys-heading">Surveys<\/h2>/)
    contains(service.body, new RegExp(`href="/surveys/new\\?serviceId=${w.world.services.serviceA1.id}"`))
    contains(service.body, /Zebra permit feedback/)
    const search = await get('managerA1', '/surveys?q=zebra+permit')
    contains(search.body, /2 surveys/)
    contains(search.body, /Zebra permit feedback/)
    lacks(search.body, /Zebra license survey/)
    const published = await get('managerA1', '/surveys?q=zebra&state=published')
    contains(published.body, /1 survey</)
    contains(published.body, new RegExp(`href="/surveys/${permit.id}"`))
    const byService = await get('analystA', `/surveys?q=zebra&serviceId=${w.world.services.serviceA1Other.id}`)
    contains(byService.body, new RegExp(`href="/surveys/${license.id}"`))
    lacks(byService.body, /Zebra permit/)
    lacks(byService.body, /href="\/surveys\/new"/, 'an analyst cannot start a survey')
    for (let i = 0; i < 23; i++) await create({ name: `Zebra bulk ${String(i).padStart(2, '0')}`, template: 'page_helpfulness' })
    const first = await get('managerA1', '/surveys?q=zebra')
    contains(first.body, /26 surveys/)
    contains(first.body, /href="\/surveys\?q=zebra&amp;page=2"/)
    contains((await get('managerA1', `/services/${w.world.services.serviceA1.id}`)).body, new RegExp(`href="/surveys\\?serviceId=${w.world.services.serviceA1.id}">All 25 surveys of this service`))
    const second = await get('managerA1', '/surveys?q=zebra&page=2')
    assert.equal((second.body.match(/<th scope="row" data-label="Name">/g) ?? []).length, 1, 'page 2 holds the 26th survey')
    const none = await get('managerA1', '/surveys?q=no-such-survey')
    contains(none.body, /No surveys match/)
    lacks((await get('leadB', '/surveys')).body, /Zebra/, 'another department sees none of them')
  })

  it('creates a survey from each template through the form, and refuses a form without a template', async () => {
    const { serviceA1, serviceA1Other } = w.world.services
    const page = await get('managerA1', `/surveys/new?serviceId=${serviceA1.id}`)
    assert.equal(page.statusCode, 200)
    for (const key of TEMPLATE_KEYS) contains(page.body, new RegExp(`id="template-${key}"`))
    contains(page.body, new RegExp(`<option value="${serviceA1.id}" selected`))
    lacks(page.body, new RegExp(`value="${serviceA1Other.id}"`), 'only services the manager may change are offered')
    const stage = serviceA1.stages[1]
    assert.ok(stage)
    const expected: Record<string, number> = { a11_v2_thumbs: 4, a11_v2_likert: 6, page_helpfulness: 2, legacy_likert_7: 9 }
    for (const template of TEMPLATE_KEYS) {
      const askContact = template === 'a11_v2_likert'
      const response = await post('managerA1', '/surveys', {
        serviceId: serviceA1.id, template, surveyType: 'post_service_journey', channel: 'in_person', stageId: stage.id, name: `From ${template}`, ...(askContact ? { askContact: 'true' } : {}),
      })
      const overview = await follow('managerA1', response)
      assert.equal(overview.statusCode, 200)
      contains(overview.body, /It is a draft until you publish it/)
      const id = /\/surveys\/([0-9a-f-]{36})$/.exec(String(response.headers.location))?.[1] as string
      const row = await w.t.runtime.db.selectFrom('surveys').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
      assert.deepEqual([row.template, row.survey_type, row.channel, row.stage_id, row.name], [template, 'post_service_journey', 'in_person', stage.id, `From ${template}`])
      const survey = await stored(id)
      assert.equal(survey.definition.questions.length, expected[template], template)
      assert.equal(survey.definition.questions.some((q) => q.role === 'contact_consent'), askContact)
    }
    const missing = await post('managerA1', '/surveys', { serviceId: serviceA1.id, surveyType: 'post_interaction', channel: 'website' })
    assert.equal(missing.statusCode, 400)
    contains(missing.body, /<fieldset id="field-template"[^>]*usa-form-group--error/)
    assert.equal((await get('analystA', '/surveys/new')).statusCode, 403)
  })

  it('shows PRA errors next to the field and changes nothing; saves a valid clearance and origins', async () => {
    const survey = await create({ name: 'Settings survey' })
    const base = { name: 'Settings survey', channel: 'website', surveyType: 'post_interaction', stageId: '', allowedOrigins: '', burdenMinutes: '', federalRegisterUrl: '', approvedAnnualResponses: '', otherClearance: '' }
    const half = await post('managerA1', `/surveys/${survey.id}/settings`, { ...base, name: 'Renamed', ombControlNumber: '0348-0069', praExpiresOn: '' })
    assert.equal(half.statusCode, 400)
    assert.equal(errorNextTo(half.body, 'field-praExpiresOn'), 'Give the OMB control number and its expiration date together.')
    contains(half.body, /value="0348-0069"/, 'what was typed is kept')
    const row = await w.t.runtime.db.selectFrom('surveys').select(['name', 'omb_control_number', 'pra_expires_on']).where('id', '=', survey.id).executeTakeFirstOrThrow()
    assert.deepEqual(row, { name: 'Settings survey', omb_control_number: null, pra_expires_on: null }, 'nothing changed')
    const badOrigin = await post('managerA1', `/surveys/${survey.id}/settings`, { ...base, allowedOrigins: 'https://www.agency.gov\nhttps://www.agency.gov/path', ombControlNumber: '', praExpiresOn: '' })
    assert.equal(badOrigin.statusCode, 400)
    assert.match(errorNextTo(badOrigin.body, 'field-allowedOrigins') ?? '', /^Line 2 /)
    const saved = await post('managerA1', `/surveys/${survey.id}/settings`, { ...base, allowedOrigins: 'https://www.agency.gov\r\nhttps://apply.agency.gov', ombControlNumber: '0348-0069', praExpiresOn: '2099-09-30', burdenMinutes: '3' })
    const overview = await follow('managerA1', saved)
    contains(overview.body, /Settings saved\./)
    contains(overview.body, /0348-0069/)
    const after = await w.t.runtime.db.selectFrom('surveys').select(['omb_control_number', 'pra_expires_on', 'burden_minutes', 'allowed_origins']).where('id', '=', survey.id).executeTakeFirstOrThrow()
    assert.deepEqual(after, { omb_control_number: '0348-0069', pra_expires_on: '2099-09-30', burden_minutes: 3, allowed_origins: '["https://www.agency.gov","https://apply.agency.gov"]' })
  })

  it('question editor: adds, moves, edits options and driver labels, removes, and explains what it refuses', async () => {
    const survey = await create({ name: 'Editor survey' })
    const url = `/surveys/${survey.id}/questions`
    const editor = await get('managerA1', url)
    assert.equal(editor.statusCode, 200)
    contains(editor.body, /Label for effectiveness/, 'driver options show their fixed keys with editable labels')
    lacks(editor.body, /Saving creates version/, 'a draft is edited in place')

    const tooFew = await post('managerA1', `${url}/add`, { add_type: 'single_choice', add_prompt: 'How did you hear about us?', add_key: '', add_options: 'Website' })
    assert.equal(tooFew.statusCode, 400)
    assert.equal(errorNextTo(tooFew.body, 'field-add_options'), 'List at least two options, one per line.')
    contains(tooFew.body, />How did you hear about us\?</, 'the typed prompt is kept')

    await follow('managerA1', await post('managerA1', `${url}/add`, { add_type: 'single_choice', add_prompt: 'How did you hear about us?', add_key: '', add_options: 'web | Website\nA friend' }))
    let definition = (await stored(survey.id)).definition
    const added = definition.questions.at(-1)
    assert.equal(added?.key, 'how_did_you_hear_about_us')
    assert.deepEqual(added?.options?.map((o) => [o.key, o.label.en]), [['web', 'Website'], ['a_friend', 'A friend']])

    await follow('managerA1', await post('managerA1', `${url}/move`, { question: 'how_did_you_hear_about_us', direction: 'up' }))
    definition = (await stored(survey.id)).definition
    assert.deepEqual(definition.questions.map((q) => q.key), ['trust', 'drivers_positive', 'drivers_negative', 'how_did_you_hear_about_us', 'open_text'])
    const blocked = await post('managerA1', `${url}/move`, { question: 'drivers_positive', direction: 'up' })
    assert.equal(blocked.statusCode, 400)
    contains(blocked.body, /“drivers_positive” is shown depending on the answer to “trust”, so it stays below it/)

    const edited = await follow('managerA1', await post('managerA1', `${url}/edit`, {
      question: 'how_did_you_hear_about_us', 'how_did_you_hear_about_us.prompt': 'Where did you hear about us?', 'how_did_you_hear_about_us.help': '',
      'how_did_you_hear_about_us.required': 'true', 'how_did_you_hear_about_us.options': 'web | Our website\na_friend | A friend\nmail | Mail',
      'how_did_you_hear_about_us.showWhen': 'trust:negative',
    }))
    contains(edited.body, /Saved question “how_did_you_hear_about_us”\./)
    await follow('managerA1', await post('managerA1', `${url}/edit`, {
      question: 'drivers_positive', 'drivers_positive.prompt': 'What went well?', 'drivers_positive.help': 'Select all that apply.', 'drivers_positive.role': 'drivers_positive',
      'drivers_positive.showWhen': 'trust:positive', 'drivers_positive.otherText': 'true',
      ...Object.fromEntries(['effectiveness', 'ease', 'efficiency', 'transparency', 'humanity', 'employee', 'other'].map((k) => [`drivers_positive.option.${k}`, k === 'ease' ? 'Simple to do' : `Label ${k}`])),
    }))
    definition = (await stored(survey.id)).definition
    const heard = definition.questions.find((q) => q.key === 'how_did_you_hear_about_us')
    assert.deepEqual([heard?.prompt.en, heard?.required, heard?.showWhen], ['Where did you hear about us?', true, { question: 'trust', branch: 'negative' }])
    assert.deepEqual(heard?.options?.map((o) => `${o.key}:${o.label.en}`), ['web:Our website', 'a_friend:A friend', 'mail:Mail'])
    const ease = definition.questions.find((q) => q.key === 'drivers_positive')?.options?.find((o) => o.key === 'ease')
    assert.deepEqual(ease?.label, { en: 'Simple to do', es: 'Fue fácil de hacer' }, 'the Spanish label is kept when the English one changes')

    const emptyLabel = await post('managerA1', `${url}/edit`, {
      question: 'drivers_positive', 'drivers_positive.prompt': 'What went well?', 'drivers_positive.role': 'drivers_positive', 'drivers_positive.showWhen': 'trust:positive',
      ...Object.fromEntries(['effectiveness', 'ease', 'efficiency', 'transparency', 'humanity', 'employee', 'other'].map((k) => [`drivers_positive.option.${k}`, k === 'ease' ? '' : `Label ${k}`])),
    })
    assert.equal(emptyLabel.statusCode, 400)
    assert.equal(errorNextTo(emptyLabel.body, 'field-drivers_positive-option-ease'), 'Every option needs a label.')
    contains(emptyLabel.body, /<details class="cx-details" open><summary>Edit question 2<\/summary>/, 'the failed question stays open')

    const removeTrust = await post('managerA1', `${url}/remove`, { question: 'trust' })
    assert.equal(removeTrust.statusCode, 400)
    contains(removeTrust.body, /shown depending on “trust”/)
    await follow('managerA1', await post('managerA1', `${url}/remove`, { question: 'how_did_you_hear_about_us' }))
    assert.deepEqual((await stored(survey.id)).definition.questions.map((q) => q.key), ['trust', 'drivers_positive', 'drivers_negative', 'open_text'])
    assert.equal((await stored(survey.id)).version, 1)
  })

  it('translations: shows what is untranslated, saves Spanish strings, adds a language with its name', async () => {
    const survey = await create({ name: 'Translated survey' })
    await follow('managerA1', await post('managerA1', `/surveys/${survey.id}/questions/add`, { add_type: 'short_text', add_prompt: 'Which office did you visit?', add_key: 'office', add_options: '' }))
    const languages = await get('managerA1', `/surveys/${survey.id}/translations`)
    contains(languages.body, /1 of \d+ strings untranslated/)
    const spanish = await get('managerA1', `/surveys/${survey.id}/translations/es`)
    assert.equal(spanish.statusCode, 200)
    contains(spanish.body, /English: Which office did you visit\? \(not yet translated\)/)
    contains(spanish.body, /name="q\.trust\.prompt"/)
    const saved = await follow('managerA1', await post('managerA1', `/surveys/${survey.id}/translations/es`, { 'q.office.prompt': '¿Qué oficina visitó?', 'q.trust.prompt': 'Esta interacción aumentó mi confianza.' }))
    contains(saved.body, /Saved the Español translation\. Every string is translated\./)
    const definition = (await stored(survey.id)).definition
    assert.equal(definition.questions.find((q) => q.key === 'office')?.prompt.es, '¿Qué oficina visitó?')
    assert.equal(definition.questions[0]?.prompt.es, 'Esta interacción aumentó mi confianza.')
    assert.equal(definition.title.es, 'Cuéntenos sobre su experiencia', 'fields not posted are kept')

    const badCode = await post('managerA1', `/surveys/${survey.id}/translations`, { code: 'french', name: '' })
    assert.equal(badCode.statusCode, 400)
    assert.equal(errorNextTo(badCode.body, 'field-code'), 'Give a language code such as fr, vi or es-MX.')
    const french = await follow('managerA1', await post('managerA1', `/surveys/${survey.id}/translations`, { code: 'fr', name: '' }))
    contains(french.body, /Added Français\./)
    contains(french.body, /<details class="cx-details" open>/, 'no built-in French interface text: that part is open')
    const withFrench = (await stored(survey.id)).definition
    assert.deepEqual(withFrench.languages, ['en', 'es', 'fr'])
    assert.equal(withFrench.labels?.language_name?.fr, 'Français')
    await follow('managerA1', await post('managerA1', `/surveys/${survey.id}/translations/remove`, { language: 'fr' }))
    assert.deepEqual((await stored(survey.id)).definition.languages, ['en', 'es'])
  })

  it('refuses to publish above 15 questions with the PRA message, then publishes under a recorded clearance', async () => {
    const many = Array.from({ length: 16 }, (_, i) => ({ key: `q${i}`, type: 'yes_no', role: null, required: false, prompt: { en: `Question ${i}?` } }))
    const survey = await create({ template: undefined, name: 'Long survey', definition: { languages: ['en'], title: { en: 'Long' }, thankYou: { en: 'Thanks' }, likertPositiveMin: 4, questions: many } })
    const overview = await get('managerA1', `/surveys/${survey.id}`)
    contains(overview.body, /Publishing is blocked until these are fixed/, 'the overview warns before anyone clicks')
    const refused = await post('managerA1', `/surveys/${survey.id}/transition`, { transition: 'publish' })
    assert.equal(refused.statusCode, 400)
    contains(refused.body, /The survey cannot be published yet\./)
    contains(refused.body, /at most 15 questions; this one asks 16/)
    contains(refused.body, new RegExp(`href="/surveys/${survey.id}/questions">Fix questions`))
    assert.equal((await stored(survey.id)).state, 'draft')
    await w.t.app.inject({ method: 'PATCH', url: `/api/v1/surveys/${survey.id}`, headers: bearer(w.world.people.managerA1), payload: { otherClearance: 'Full ICR 2900-0999' } })
    const published = await follow('managerA1', await post('managerA1', `/surveys/${survey.id}/transition`, { transition: 'publish' }))
    contains(published.body, /Published: the survey accepts responses\./)
    assert.equal((await stored(survey.id)).state, 'published')
  })

  it('editing a published survey creates version 2; the version 1 page still shows version 1', async () => {
    const survey = await create({ name: 'Versioned survey' })
    await follow('managerA1', await post('managerA1', `/surveys/${survey.id}/transition`, { transition: 'publish' }))
    const editor = await get('managerA1', `/surveys/${survey.id}/questions`)
    contains(editor.body, /Saving creates version 2/)
    const saved = await follow('managerA1', await post('managerA1', `/surveys/${survey.id}/questions/edit`, {
      question: 'trust', 'trust.prompt': 'This visit increased my trust in Bureau A1.', 'trust.help': '', 'trust.required': 'true', 'trust.role': 'trust',
    }))
    contains(saved.body, /Saved question “trust”\. Saved as version 2\./)
    const current = await stored(survey.id)
    assert.equal(current.version, 2)
    assert.equal(current.state, 'published')
    const v1 = await get('analystA', `/surveys/${survey.id}/versions/1`)
    assert.equal(v1.statusCode, 200)
    contains(v1.body, /This interaction increased my trust in Bureau A1\./)
    lacks(v1.body, /This visit increased/)
    contains(v1.body, /the current version is 2/)
    contains((await get('analystA', `/surveys/${survey.id}/versions/2`)).body, /This visit increased my trust in Bureau A1\./)
    const overview = await get('managerA1', `/surveys/${survey.id}`)
    contains(overview.body, new RegExp(`href="/surveys/${survey.id}/versions/1">Version 1</a>`))
    contains(overview.body, new RegExp(`href="/surveys/${survey.id}/versions/2">Version 2</a> \\(current\\)`))
    assert.equal((await get('managerA1', `/surveys/${survey.id}/versions/3`)).statusCode, 404)
  })

  it('the overview links to the hosted page, email and SMS links, QR downloads and the widget snippet with its integrity', async () => {
    const survey = await create({ name: 'Delivered survey' })
    const overview = await get('analystA', `/surveys/${survey.id}`)
    const publicUrl = w.t.runtime.config.publicUrl
    contains(overview.body, new RegExp(`href="${publicUrl}/s/${survey.id}"`))
    contains(overview.body, new RegExp(`${publicUrl}/s/${survey.id}\\?src=link&amp;channel=email`))
    contains(overview.body, new RegExp(`${publicUrl}/s/${survey.id}\\?src=link&amp;channel=sms_text_messages`))
    contains(overview.body, new RegExp(`href="/s/${survey.id}\\?preview=1"`), 'a draft offers the preview')
    contains(overview.body, new RegExp(`integrity=&quot;${widgetScript().integrity.replace(/[+/]/g, (c) => `\\${c}`)}&quot;`), 'the snippet carries the SRI hash of the served script')
    const qrHref = new RegExp(`href="(/api/v1/surveys/${survey.id}/qr\\.svg)"`).exec(overview.body)?.[1]
    assert.ok(qrHref, 'a QR download link')
    const qr = await get('analystA', qrHref)
    assert.equal(qr.statusCode, 200, qr.body)
    assert.match(String(qr.headers['content-type']), /^image\/svg\+xml/)
  })

  it('an analyst sees every page read-only and gets 403 for each post', async () => {
    const survey = await create({ name: 'Read-only survey' })
    const pages = ['', '/questions', '/settings', '/translations', '/translations/es', '/versions/1']
    for (const suffix of pages) {
      const response = await get('analystA', `/surveys/${survey.id}${suffix}`)
      assert.equal(response.statusCode, 200, suffix)
      lacks(response.body, /<form[^>]*method="post"[^>]*action="\/surveys\//, `no edit forms on ${suffix || 'the overview'}`)
    }
    const posts: [string, Record<string, string>][] = [
      ['/transition', { transition: 'publish' }], ['/settings', { name: 'Hijacked' }], ['/questions/add', { add_type: 'short_text', add_prompt: 'x' }],
      ['/questions/edit', { question: 'trust', 'trust.prompt': 'x' }], ['/questions/move', { question: 'open_text', direction: 'up' }],
      ['/questions/remove', { question: 'open_text' }], ['/translations', { code: 'fr' }], ['/translations/es', { 'q.trust.prompt': 'x' }],
    ]
    for (const [suffix, fields] of posts) assert.equal((await post('analystA', `/surveys/${survey.id}${suffix}`, fields)).statusCode, 403, suffix)
    const after = await stored(survey.id)
    assert.deepEqual([after.name, after.state, after.definition.questions.length, after.definition.languages.length], ['Read-only survey', 'draft', 4, 2])
  })

  it('another department gets 404 for every page and post', async () => {
    const survey = await create({ name: 'Private survey' })
    for (const suffix of ['', '/questions', '/settings', '/translations', '/translations/es', '/versions/1']) {
      assert.equal((await get('leadB', `/surveys/${survey.id}${suffix}`)).statusCode, 404, suffix)
    }
    for (const suffix of ['/transition', '/settings', '/questions/edit', '/translations/es']) {
      assert.equal((await post('leadB', `/surveys/${survey.id}${suffix}`, { transition: 'publish', question: 'trust', name: 'x' })).statusCode, 404, suffix)
    }
    assert.equal((await post('leadB', '/surveys', { serviceId: w.world.services.serviceA1.id, template: 'a11_v2_thumbs', surveyType: 'post_interaction', channel: 'website' })).statusCode, 400,
      'a service of another department is not offered (and is refused as unknown)')
  })
})
