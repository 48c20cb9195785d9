import assert from 'node:assert/strict'
import { it } from 'node:test'
import { createWebhook, deleteWebhook } from '../../src/notify/webhooks.ts'
import { bearer, describeWithWorld, json } from '../helpers/test-app.ts'

interface Survey { id: string; state: string; version: number; versionId: string; scale: string; definition: { questions: { key: string; role: string | null }[] } }

describeWithWorld('surveys and intake', (w) => {
  const create = async (payload: Record<string, unknown> = {}, person = w.world.people.managerA1) => {
    const response = await w.t.app.inject({ method: 'POST', url: '/api/v1/surveys', headers: bearer(person), payload: { serviceId: w.world.services.serviceA1.id, template: 'a11_v2_thumbs', ...payload } })
    assert.equal(response.statusCode, 201, response.body)
    return json<Survey>(response)
  }
  const transition = (id: string, to: string, person = w.world.people.managerA1) =>
    w.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${id}/transitions`, headers: bearer(person), payload: { transition: to } })
  const published = async (payload: Record<string, unknown> = {}) => {
    const survey = await create(payload)
    const response = await transition(survey.id, 'publish')
    assert.equal(response.statusCode, 200, response.body)
    return json<Survey>(response)
  }
  const submit = (id: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    w.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${id}/responses`, headers, payload })
  const count = async (table: 'responses' | 'response_answers' | 'recovery_cases' | 'survey_offers') =>
    Number((await w.t.runtime.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)

  it('creates a survey from the A-11 thumbs template with questions found by role, in English and Spanish', async () => {
    const survey = await create()
    assert.equal(survey.state, 'draft')
    assert.equal(survey.scale, 'thumbs_up_down')
    assert.deepEqual(survey.definition.questions.map((q) => q.role), ['trust', 'drivers_positive', 'drivers_negative', 'open_text'])
    const doc = json<{ definition: { languages: string[]; questions: { prompt: Record<string, string> }[] } }>(await w.t.app.inject({ method: 'GET', url: `/api/v1/surveys/${survey.id}`, headers: bearer(w.world.people.analystA) }))
    assert.deepEqual(doc.definition.languages, ['en', 'es'])
    assert.match(doc.definition.questions[0]?.prompt.es ?? '', /confianza en Bureau A1/)
  })

  it('keeps drafts private, stores a valid response once per idempotency key and refuses answers to the branch not shown', async () => {
    const draft = await create()
    assert.equal((await submit(draft.id, { answers: { trust: 1 } })).statusCode, 404, 'a draft does not exist for the public')
    const survey = await published()
    const before = await count('responses')
    const ok = await submit(survey.id, { answers: { trust: 1, drivers_positive: ['ease', 'other'], 'drivers_positive.other': 'Quick', open_text: 'Great, call me at 555-123-4567' }, language: 'es' }, { 'idempotency-key': 'abc12345-retry' })
    assert.equal(ok.statusCode, 201, ok.body)
    const again = await submit(survey.id, { answers: { trust: 1 } }, { 'idempotency-key': 'abc12345-retry' })
    assert.equal(again.statusCode, 200)
    assert.equal(json<{ id: string }>(again).id, json<{ id: string }>(ok).id)
    assert.equal(await count('responses'), before + 1)
    const stored = await w.t.runtime.db.selectFrom('responses').selectAll().where('id', '=', json<{ id: string }>(ok).id).executeTakeFirstOrThrow()
    assert.equal(stored.trust_value, 1)
    assert.equal(stored.branch, 'positive')
    assert.equal(stored.language, 'es')
    assert.equal(stored.contains_pii, 1)
    const answers = await w.t.runtime.db.selectFrom('response_answers').selectAll().where('response_id', '=', stored.id).orderBy('position').execute()
    assert.deepEqual(answers.map((a) => [a.question_key, a.option_key, a.number_value, a.text_value]), [
      ['trust', null, 1, null], ['drivers_positive', 'ease', null, null], ['drivers_positive', 'other', null, 'Quick'], ['open_text', null, null, 'Great, call me at 555-123-4567'],
    ])
    const wrongBranch = await submit(survey.id, { answers: { trust: 1, drivers_negative: ['ease'] } })
    assert.equal(wrongBranch.statusCode, 400)
    assert.match(json<{ fields: Record<string, string> }>(wrongBranch).fields['answers.drivers_negative'] ?? '', /not asked/)
    const missing = await submit(survey.id, { answers: { open_text: 'no trust answer' } })
    assert.equal(missing.statusCode, 400)
    assert.equal(json<{ fields: Record<string, string> }>(missing).fields['answers.trust'], 'Answer this question.')
    assert.equal(await count('responses'), before + 1, 'rejected submissions store nothing')
  })

  it('opens a recovery case for a negative answer whose respondent asked to be contacted', async () => {
    const survey = await published({ template: 'a11_v2_likert', askContact: true })
    const cases = await count('recovery_cases')
    const response = await submit(survey.id, { answers: { trust: 2, drivers_negative: ['efficiency'], contact_consent: 'yes', contact_details: 'me@example.com' } })
    assert.equal(response.statusCode, 201, response.body)
    assert.equal(await count('recovery_cases'), cases + 1)
    const positive = await submit(survey.id, { answers: { trust: 4, contact_consent: 1, contact_details: 'me@example.com' } })
    assert.equal(positive.statusCode, 201)
    assert.equal(await count('recovery_cases'), cases + 1, 'positive answers open no case')
  })

  it('enforces the origin allowlist, the honeypot and the CORS preflight', async () => {
    const survey = await published({ allowedOrigins: ['https://www.agency.gov'] })
    const foreign = await submit(survey.id, { answers: { trust: 0 } }, { origin: 'https://evil.example' })
    assert.equal(foreign.statusCode, 403)
    const allowed = await submit(survey.id, { answers: { trust: 0 } }, { origin: 'https://www.agency.gov' })
    assert.equal(allowed.statusCode, 201, allowed.body)
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://www.agency.gov')
    const preflight = await w.t.app.inject({ method: 'OPTIONS', url: `/api/v1/surveys/${survey.id}/responses`, headers: { origin: 'https://www.agency.gov', 'access-control-request-method': 'POST' } })
    assert.equal(preflight.statusCode, 204)
    assert.match(String(preflight.headers['access-control-allow-headers']), /idempotency-key/)
    const bot = await submit(survey.id, { answers: { trust: 1 }, website_url: 'http://spam' })
    assert.equal(bot.statusCode, 400)
  })

  it('versions edits to a published survey; responses keep the version they answered', async () => {
    const survey = await published()
    const first = await submit(survey.id, { answers: { trust: 1 } })
    const definition = { ...survey.definition, questions: survey.definition.questions.filter((q) => q.role !== 'open_text') }
    const edited = await w.t.app.inject({ method: 'PATCH', url: `/api/v1/surveys/${survey.id}`, headers: bearer(w.world.people.managerA1), payload: { definition } })
    assert.equal(edited.statusCode, 200, edited.body)
    assert.equal(json<Survey>(edited).version, 2)
    const late = await submit(survey.id, { answers: { trust: 0, open_text: 'loaded before the edit' }, version: 1 })
    assert.equal(late.statusCode, 201, late.body)
    const versions = await w.t.runtime.db.selectFrom('responses').innerJoin('survey_versions as v', 'v.id', 'responses.survey_version_id')
      .select(['responses.id', 'v.version']).where('responses.id', 'in', [json<{ id: string }>(first).id, json<{ id: string }>(late).id]).execute()
    assert.deepEqual(versions.map((v) => v.version).sort(), [1, 1])
    const current = await submit(survey.id, { answers: { trust: 0, open_text: 'not in version 2' } })
    assert.equal(current.statusCode, 400)
  })

  it('blocks publishing above the PRA limits and stops taking responses after the clearance expires', async () => {
    const many = Array.from({ length: 16 }, (_, i) => ({ key: `q${i}`, type: 'yes_no', role: null, required: false, prompt: { en: `Question ${i}?` } }))
    const definition = { languages: ['en'], title: { en: 'Long' }, thankYou: { en: 'Thanks' }, likertPositiveMin: 4, questions: many }
    const long = await create({ template: undefined, definition })
    const refused = await transition(long.id, 'publish')
    assert.equal(refused.statusCode, 400)
    assert.match(json<{ fields: Record<string, string> }>(refused).fields.questions ?? '', /at most 15/)
    await w.t.app.inject({ method: 'PATCH', url: `/api/v1/surveys/${long.id}`, headers: bearer(w.world.people.managerA1), payload: { otherClearance: 'Full clearance 2900-0999' } })
    assert.equal((await transition(long.id, 'publish')).statusCode, 200)
    const half = await w.t.app.inject({ method: 'PATCH', url: `/api/v1/surveys/${long.id}`, headers: bearer(w.world.people.managerA1), payload: { ombControlNumber: '0348-0069' } })
    assert.equal(half.statusCode, 400, 'control number and expiration go together')
    const expired = await published({ ombControlNumber: '0348-0069', praExpiresOn: '2099-01-01' })
    await w.t.runtime.db.updateTable('surveys').set({ pra_expires_on: '2020-01-01' }).where('id', '=', expired.id).execute()
    const late = await submit(expired.id, { answers: { trust: 1 } })
    assert.equal(late.statusCode, 409)
    assert.match(json<{ message: string }>(late).message, /expired/)
  })

  it('records offers; only a key of the survey\'s organization may record many at once', async () => {
    const survey = await published()
    const before = await count('survey_offers')
    assert.equal((await w.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${survey.id}/offers`, payload: { source: 'widget' } })).statusCode, 204)
    assert.equal((await w.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${survey.id}/offers`, payload: { source: 'link', count: 500 } })).statusCode, 403)
    assert.equal((await w.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${survey.id}/offers`, headers: bearer(w.world.people.leadB), payload: { source: 'link', count: 500 } })).statusCode, 403)
    assert.equal((await w.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${survey.id}/offers`, headers: bearer(w.world.people.leadA), payload: { source: 'link', count: 500, channel: 'email' } })).statusCode, 204)
    assert.equal(await count('survey_offers'), before + 2)
  })

  it('scopes surveys: another department sees 404, an analyst cannot edit', async () => {
    const survey = await create()
    assert.equal((await w.t.app.inject({ method: 'GET', url: `/api/v1/surveys/${survey.id}`, headers: bearer(w.world.people.leadB) })).statusCode, 404)
    assert.equal((await w.t.app.inject({ method: 'PATCH', url: `/api/v1/surveys/${survey.id}`, headers: bearer(w.world.people.analystA), payload: { name: 'x' } })).statusCode, 403)
    assert.equal((await transition(survey.id, 'publish', w.world.people.analystA)).statusCode, 403)
  })

  it('announces publishing and closing to the organization\'s webhooks in the same transaction', async () => {
    const hook = await createWebhook(w.t.runtime.db, w.world.people.leadA.actor, { organizationId: w.world.orgs.A.id, url: 'https://hooks.example.gov/cx', events: ['survey.published', 'survey.closed'] })
    const hookId = hook.id
    const survey = await published()
    assert.equal((await transition(survey.id, 'close')).statusCode, 200)
    const deliveries = await w.t.runtime.db.selectFrom('webhook_deliveries').select(['event', 'payload']).where('webhook_id', '=', hookId).orderBy('created_at').execute()
    assert.deepEqual(deliveries.map((d) => d.event), ['survey.published', 'survey.closed'])
    assert.equal((JSON.parse(deliveries[0]?.payload ?? '{}') as { data: { surveyId: string } }).data.surveyId, survey.id)
    await deleteWebhook(w.t.runtime.db, w.world.people.leadA.actor, hookId)
  })
})
