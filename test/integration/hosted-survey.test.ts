/**
 * The hosted survey page /s/{id} through plain form posts (no JavaScript), and the staff links and QR endpoints, on
 * SQLite and PostgreSQL. The database is the witness: responses, their typed answers and offers.
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { estimatedBurdenMinutes } from '../../src/a11/pra.ts'
import type { SurveyDefinition } from '../../src/a11/survey-model.ts'
import { contactQuestions, SURVEY_TEMPLATES } from '../../src/a11/survey-templates.ts'
import { bearer, createTestApp, describeWithWorld, form, json, signIn } from '../helpers/test-app.ts'

interface Survey { id: string; version: number; definition: SurveyDefinition }
type Fields = [string, string][]

/** The hidden inputs of the page's survey form, in order (what a browser sends back). */
function hiddenFields(html: string): Fields {
  const decode = (v: string) => v.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
  return [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1] as string, decode(m[2] as string)])
}
const body = (fields: Fields) => fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/** A-11 thumbs with the contact questions and a hidden reference number filled from the link. */
function definitionWithHidden(): SurveyDefinition {
  const base = SURVEY_TEMPLATES.a11_v2_thumbs.build({ provider: 'Bureau A1' })
  return { ...base, questions: [...base.questions, ...contactQuestions(), { key: 'ref', type: 'hidden', role: null, prompt: {}, required: false }] }
}

describeWithWorld('hosted survey page', (w) => {
  const create = async (payload: Record<string, unknown>) => {
    const response = await w.t.app.inject({ method: 'POST', url: '/api/v1/surveys', headers: bearer(w.world.people.managerA1), payload: { serviceId: w.world.services.serviceA1.id, ...payload } })
    assert.equal(response.statusCode, 201, response.body)
    return json<Survey>(response)
  }
  const publish = async (survey: Survey) => {
    const response = await w.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${survey.id}/transitions`, headers: bearer(w.world.people.managerA1), payload: { transition: 'publish' } })
    assert.equal(response.statusCode, 200, response.body)
    return survey
  }
  const get = (url: string, headers: Record<string, string> = {}) => w.t.app.inject({ method: 'GET', url, headers })
  const post = (id: string, fields: Fields, headers: Record<string, string> = {}) =>
    w.t.app.inject({ method: 'POST', url: `/s/${id}`, headers: { ...FORM, ...headers }, payload: body(fields) })
  const responsesOf = (surveyId: string) => w.t.runtime.db.selectFrom('responses').selectAll().where('survey_id', '=', surveyId).execute()
  const offersOf = (surveyId: string) => w.t.runtime.db.selectFrom('survey_offers').selectAll().where('survey_id', '=', surveyId).orderBy('offered_at').execute()

  it('asks the branching questions first, then only the chosen branch, and stores the response with its delivery context', async () => {
    const survey = await publish(await create({ definition: definitionWithHidden(), channel: 'website' }))
    const first = await get(`/s/${survey.id}?src=link&channel=email&touchpoint=renewal-confirmation&location=DC-01&ref=A-123`)
    assert.equal(first.statusCode, 200)
    assert.match(first.body, /<html lang="en">/)
    assert.match(first.body, /class="usa-banner"/)
    assert.match(first.body, /This interaction increased my trust in Bureau A1\./)
    assert.match(first.body, /name="answers\.trust" value="1"/)
    assert.match(first.body, /name="answers\.contact_consent"/, 'consent branches contact details, so it is asked on step 1')
    assert.doesNotMatch(first.body, /answers\.drivers_(positive|negative)|answers\.open_text/, 'dependent and later questions wait for step 2')
    assert.match(first.body, />Continue</)
    const step1 = hiddenFields(first.body)
    assert.deepEqual(Object.fromEntries(step1.filter(([k]) => ['_source', '_channel', '_touchpoint', '_locationCode', 'answers.ref'].includes(k))),
      { _source: 'link', _channel: 'email', _touchpoint: 'renewal-confirmation', _locationCode: 'DC-01', 'answers.ref': 'A-123' })

    const second = await post(survey.id, [...step1, ['answers.trust', '0'], ['answers.contact_consent', '1']])
    assert.equal(second.statusCode, 200, second.body)
    assert.match(second.body, /What could have been better\?/)
    assert.doesNotMatch(second.body, /What about this interaction made the difference\?/, 'only the negative branch')
    assert.match(second.body, /name="answers\.contact_details"/)
    assert.match(second.body, /name="answers\.open_text"/)
    assert.match(second.body, />Submit feedback</)
    const step2 = hiddenFields(second.body)
    assert.ok(step2.some(([k, v]) => k === 'answers.trust' && v === '0'), 'step 1 answers travel in hidden fields')
    assert.equal(step2.find(([k]) => k === '_stage')?.[1], '1')
    assert.equal((await responsesOf(survey.id)).length, 0, 'nothing is stored before the last step')

    const done = await post(survey.id, [...step2, ['answers.drivers_negative', 'ease'], ['answers.drivers_negative', 'other'], ['answers.drivers_negative.other', 'Lost my form'],
      ['answers.open_text', 'Too many steps'], ['answers.contact_details', 'me@example.com']])
    assert.equal(done.statusCode, 200, done.body)
    assert.match(done.body, /Thank you for your feedback\./)
    const [stored, ...more] = await responsesOf(survey.id)
    assert.ok(stored)
    assert.equal(more.length, 0)
    assert.deepEqual([stored.source, stored.channel, stored.touchpoint, stored.location_code, stored.language, stored.trust_value, stored.branch, stored.contact_requested],
      ['link', 'email', 'renewal-confirmation', 'DC-01', 'en', 0, 'negative', 1])
    const answers = await w.t.runtime.db.selectFrom('response_answers').selectAll().where('response_id', '=', stored.id).orderBy('position').execute()
    assert.deepEqual(answers.map((a) => [a.question_key, a.option_key, a.number_value, a.text_value]), [
      ['trust', null, 0, null], ['drivers_negative', 'ease', null, null], ['drivers_negative', 'other', null, 'Lost my form'], ['open_text', null, null, 'Too many steps'],
      ['contact_consent', null, 1, null], ['contact_details', null, null, 'me@example.com'], ['ref', null, null, 'A-123'],
    ])
    assert.equal((await w.t.runtime.db.selectFrom('recovery_cases').select('id').where('response_id', '=', stored.id).execute()).length, 1, 'a recovery case opened')

    const again = await post(survey.id, [...step2, ['answers.drivers_negative', 'ease']])
    assert.equal(again.statusCode, 200)
    assert.match(again.body, /Thank you for your feedback\./)
    assert.equal((await responsesOf(survey.id)).length, 1, 'a double submit (same idempotency key) is stored once')

    assert.deepEqual(await offersOf(survey.id), [], 'an emailed link was offered when sent (by the sender), not again when opened')
  })

  it('shows errors next to each field with a summary in the respondent\'s language, and stores nothing', async () => {
    const survey = await publish(await create({ template: 'a11_v2_likert' }))
    const page = await get(`/s/${survey.id}?lang=es`)
    const fields = hiddenFields(page.body)
    const english = await post(survey.id, fields.map(([k, v]): [string, string] => [k, k === '_lang' ? 'en' : v]))
    assert.equal(english.statusCode, 400)
    assert.match(english.body, /<h2 class="usa-alert__heading" id="error-summary-heading">Please check your answers<\/h2>/)
    assert.match(english.body, /<a href="#q-trust-opt-1">This interaction increased my trust in Bureau A1\.: Answer this question\.<\/a>/)
    assert.match(english.body, /usa-form-group--error/)
    assert.match(english.body, /<span class="usa-error-message" id="q-trust-error">Answer this question\.<\/span>/)
    assert.match(english.body, /aria-describedby="q-trust-error"/)
    const spanish = await post(survey.id, fields)
    assert.equal(spanish.statusCode, 400)
    assert.match(spanish.body, /<html lang="es">/)
    assert.match(spanish.body, /Revise sus respuestas/)
    assert.match(spanish.body, /Responda esta pregunta\./)
    const tooLong = await post(survey.id, [...fields, ['answers.trust', '5']])
    assert.equal(tooLong.statusCode, 200, 'valid step 1 leads to step 2')
    const longText = await post(survey.id, [...hiddenFields(tooLong.body), ['answers.open_text', 'x'.repeat(2001)]])
    assert.equal(longText.statusCode, 400)
    assert.match(longText.body, /Esta respuesta es demasiado larga\./)
    assert.match(longText.body, /name="answers\.drivers_positive"/, 'the step comes back with its branch')
    assert.match(longText.body, /x{2001}<\/textarea>/, 'what was typed is kept')
    assert.equal((await responsesOf(survey.id)).length, 0)
  })

  it('chooses the language from ?lang= or Accept-Language, links to the others, and records it', async () => {
    const survey = await publish(await create({ template: 'page_helpfulness', ombControlNumber: '0348-0069', praExpiresOn: '2099-01-31' }))
    const byQuery = await get(`/s/${survey.id}?lang=es`)
    assert.match(byQuery.body, /<html lang="es">/)
    assert.match(byQuery.body, /¿Le resultó útil esta página\?/)
    assert.match(byQuery.body, /Un sitio oficial del Gobierno de Estados Unidos/)
    assert.match(byQuery.body, /<a class="usa-link" href="\/s\/[^"]+lang=en[^"]*" lang="en" hreflang="en">English<\/a>/)
    const minutes = estimatedBurdenMinutes(survey.definition, { burdenMinutes: null })
    assert.match(byQuery.body, /N\.º de control de la OMB 0348-0069/)
    assert.match(byQuery.body, /Fecha de vencimiento 01\/31\/2099/)
    assert.match(byQuery.body, new RegExp(`unos ${minutes} minutos`))
    const byHeader = await get(`/s/${survey.id}`, { 'accept-language': 'es-MX,es;q=0.9,en;q=0.5' })
    assert.match(byHeader.body, /<html lang="es">/)
    const english = await get(`/s/${survey.id}`, { 'accept-language': 'fr-FR,en;q=0.5' })
    assert.match(english.body, /<html lang="en">/)
    assert.match(english.body, /OMB Control No\. 0348-0069/)
    assert.match(english.body, /Expiration date 01\/31\/2099/)
    assert.match(english.body, new RegExp(`about ${minutes} minutes`))
    assert.match(english.body, />Español<\/a>/)
    assert.match(english.body, />Submit feedback</, 'a survey without branching is one step')
    const done = await post(survey.id, [...hiddenFields(byHeader.body), ['answers.helpful', '1'], ['answers.comment', 'Muy clara']])
    assert.equal(done.statusCode, 200, done.body)
    assert.match(done.body, /Gracias por sus comentarios\./)
    assert.match(done.body, /N\.º de control de la OMB 0348-0069/, 'the PRA statement is on every step')
    const [stored] = await responsesOf(survey.id)
    assert.equal(stored?.language, 'es')
    assert.equal(stored?.source, 'hosted')
  })

  it('records an offer per first view of the page or a QR scan (not on language switches or opened email links), ignoring invalid link parameters', async () => {
    const survey = await publish(await create({ template: 'a11_v2_thumbs', channel: 'website' }))
    await get(`/s/${survey.id}`)
    await get(`/s/${survey.id}?src=qr&channel=in_person&location=Lobby%203`)
    await get(`/s/${survey.id}?src=bogus&channel=carrier_pigeon&touchpoint=${'x'.repeat(101)}`)
    await get(`/s/${survey.id}?lang=es&_seen=1`)
    await get(`/s/${survey.id}?src=link&channel=email`)
    const offers = await offersOf(survey.id)
    assert.deepEqual(offers.map((o) => [o.source, o.channel, o.location_code, o.touchpoint]).sort(), [
      ['hosted', 'website', null, null], ['hosted', 'website', null, null], ['qr', 'in_person', 'Lobby 3', null],
    ])
  })

  it('keeps drafts, archived and unknown surveys at 404 and says closed surveys are not accepting responses', async () => {
    const draft = await create({ template: 'a11_v2_thumbs' })
    assert.equal((await get(`/s/${draft.id}`)).statusCode, 404)
    assert.equal((await get('/s/00000000-0000-4000-8000-000000000000')).statusCode, 404)
    assert.equal((await get('/s/not-a-uuid')).statusCode, 404)
    const survey = await publish(await create({ template: 'a11_v2_thumbs' }))
    const fields = hiddenFields((await get(`/s/${survey.id}`)).body)
    const closed = await w.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${survey.id}/transitions`, headers: bearer(w.world.people.managerA1), payload: { transition: 'close' } })
    assert.equal(closed.statusCode, 200, closed.body)
    const page = await get(`/s/${survey.id}?lang=es`)
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /Esta encuesta no está recibiendo respuestas\./)
    assert.doesNotMatch(page.body, /<form/)
    const late = await post(survey.id, [...fields, ['answers.trust', '1']])
    assert.equal(late.statusCode, 409)
    assert.match(late.body, /This survey is not accepting responses\./)
    const expired = await publish(await create({ template: 'a11_v2_thumbs', ombControlNumber: '0348-0069', praExpiresOn: '2099-01-01' }))
    await w.t.runtime.db.updateTable('surveys').set({ pra_expires_on: '2020-01-01' }).where('id', '=', expired.id).execute()
    assert.match((await get(`/s/${expired.id}`)).body, /This survey is not accepting responses\./)
    assert.equal((await responsesOf(survey.id)).length + (await offersOf(expired.id)).length, 0)
  })

  it('drops a filled honeypot silently, and limits the body to 64 KB', async () => {
    const survey = await publish(await create({ template: 'page_helpfulness' }))
    const page = await get(`/s/${survey.id}`)
    assert.match(page.body, /<div class="cx-honeypot" aria-hidden="true"><label for="website_url">Leave this field empty<\/label><input type="text" id="website_url" name="website_url" tabindex="-1" autocomplete="off"\/><\/div>/)
    const bot = await post(survey.id, [...hiddenFields(page.body), ['answers.helpful', '1'], ['website_url', 'http://spam.example']])
    assert.equal(bot.statusCode, 200)
    assert.match(bot.body, /Thank you for your feedback\./)
    const huge = await post(survey.id, [...hiddenFields(page.body), ['answers.helpful', '1'], ['answers.comment', 'x'.repeat(70 * 1024)]])
    assert.equal(huge.statusCode, 413)
    assert.equal((await responsesOf(survey.id)).length, 0)
  })

  it('lets staff who can read the survey preview drafts without storing or counting offers', async () => {
    const draft = await create({ template: 'page_helpfulness' })
    const { cookie } = await signIn(w.t.app, w.world.people.analystA.email)
    const preview = await get(`/s/${draft.id}?preview=1`, { cookie })
    assert.equal(preview.statusCode, 200)
    assert.match(preview.body, /Preview — responses are not saved/)
    assert.ok(hiddenFields(preview.body).some(([k, v]) => k === '_preview' && v === '1'))
    const done = await post(draft.id, [...hiddenFields(preview.body), ['answers.helpful', '0']], { cookie })
    assert.equal(done.statusCode, 200, done.body)
    assert.match(done.body, /Thank you for your feedback\./)
    assert.match(done.body, /Preview — responses are not saved/)
    assert.equal((await responsesOf(draft.id)).length, 0)
    assert.equal((await offersOf(draft.id)).length, 0)
    assert.equal((await get(`/s/${draft.id}?preview=1`)).statusCode, 404, 'signed out')
    const other = await signIn(w.t.app, w.world.people.leadB.email)
    assert.equal((await get(`/s/${draft.id}?preview=1`, { cookie: other.cookie })).statusCode, 404, 'another organization')
    assert.equal((await post(draft.id, [...hiddenFields(preview.body), ['answers.helpful', '0']])).statusCode, 404, 'a preview post without the right session')
  })

  it('gives staff the email/SMS link and QR codes, and nobody else', async () => {
    const survey = await create({ template: 'a11_v2_thumbs' })
    const base = w.t.runtime.config.publicUrl
    const links = await get(`/api/v1/surveys/${survey.id}/links?channel=email&touchpoint=renewal&language=es`, bearer(w.world.people.analystA))
    assert.equal(links.statusCode, 200, links.body)
    const { url, sms } = json<{ url: string; sms: string }>(links)
    assert.equal(url, `${base}/s/${survey.id}?src=link&channel=email&touchpoint=renewal&lang=es`)
    assert.ok(sms.endsWith(url) && sms.includes('Cuéntenos sobre su experiencia') && sms.length < 300, sms)
    assert.equal((await get(`/api/v1/surveys/${survey.id}/links?language=fr`, bearer(w.world.people.analystA))).statusCode, 400)
    assert.equal((await get(`/api/v1/surveys/${survey.id}/links?channel=pigeon`, bearer(w.world.people.analystA))).statusCode, 400)
    assert.equal((await get(`/api/v1/surveys/${survey.id}/links`, bearer(w.world.people.leadB))).statusCode, 404, 'another organization')
    assert.equal((await get(`/api/v1/surveys/${survey.id}/links`)).statusCode, 401)

    const svg = await get(`/api/v1/surveys/${survey.id}/qr.svg?locationCode=Lobby%203`, bearer(w.world.people.managerA1))
    assert.equal(svg.statusCode, 200, svg.body)
    assert.match(String(svg.headers['content-type']), /^image\/svg\+xml/)
    assert.equal(svg.headers['content-disposition'], `attachment; filename="survey-${survey.id.slice(0, 8)}-qr-Lobby-3.svg"`)
    assert.match(svg.body, /^<svg [^>]*viewBox="0 0 \d+ \d+"/)
    const png = await get(`/api/v1/surveys/${survey.id}/qr.png?locationCode=Lobby%203`, bearer(w.world.people.managerA1))
    assert.equal(png.statusCode, 200)
    assert.equal(png.headers['content-type'], 'image/png')
    assert.match(String(png.headers['content-disposition']), /filename="survey-[0-9a-f]{8}-qr-Lobby-3\.png"/)
    assert.deepEqual([...png.rawPayload.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    assert.equal((await get(`/api/v1/surveys/${survey.id}/qr.png`, bearer(w.world.people.leadB))).statusCode, 404)
    // A different location gives a different code: the location is in the encoded link.
    const other = await get(`/api/v1/surveys/${survey.id}/qr.svg?locationCode=Lobby%204`, bearer(w.world.people.managerA1))
    assert.notEqual(other.body, svg.body)
  })
})

it('rate-limits hosted page posts per client address (sqlite)', async () => {
  const t = await createTestApp('sqlite', { CX280_INTAKE_RATE_LIMIT: '2' })
  try {
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) {
      const response = await t.app.inject({ method: 'POST', url: '/s/00000000-0000-4000-8000-000000000000', headers: FORM, payload: form({ _stage: '0' }) })
      statuses.push(response.statusCode)
    }
    assert.deepEqual(statuses, [404, 404, 429])
  } finally {
    await t.close()
  }
})
