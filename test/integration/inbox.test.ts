/**
 * The feedback inbox and responses read API on SQLite and PostgreSQL: every filter against hand-counted fixtures,
 * search (case-insensitive, masked for readers who may not reveal), keyset paging in both directions, masking by
 * default, the audited reveal, all-or-nothing bulk triage with one audit entry per changed response, trash and
 * restore, organization scope, and the pages over the same functions. Fixtures go through createSurvey,
 * transitionSurvey and submitResponse, so the rows are what intake really stores.
 */
import assert from 'node:assert/strict'
import { before, it } from 'node:test'
import { systemActor } from '../../src/auth/index.ts'
import { createSurvey, loadPublicSurvey, submitResponse, transitionSurvey, type PublicSurvey, type RawAnswers } from '../../src/surveys/index.ts'
import { bearer, describeWithWorld, form, json, signIn, type Person } from '../helpers/test-app.ts'

interface Item { id: string; excerpt: string | null; tags: string[]; status: string; flagged: boolean; drivers: string[]; answers: { questionKey: string; textValue: string | null }[] }
interface Page { items: Item[]; nextCursor: string | null; prevCursor: string | null }
interface Detail extends Item { revealed: boolean; questions: { questionKey: string; prompt: string; answer: string | null }[] }

const RANGE = { from: '2025-01-01', to: '2025-03-31' }

describeWithWorld('feedback inbox and responses API', (w) => {
  const system = systemActor('inbox-test')
  const r: Record<string, string> = {}
  const surveys: Record<string, PublicSurvey> = {}
  const people = () => w.world.people

  async function published(name: string, serviceId: string, template: 'a11_v2_thumbs' | 'a11_v2_likert', extra: { channel?: 'phone' | 'website'; askContact?: boolean } = {}) {
    const created = await createSurvey(w.t.runtime.db, system, { serviceId, template, name, ...extra })
    await transitionSurvey(w.t.runtime.db, system, created.id, 'publish')
    return loadPublicSurvey(w.t.runtime.db, created.id)
  }
  async function respond(survey: PublicSurvey, at: string, answers: RawAnswers, context: { language?: string; channel?: 'email' } = {}) {
    const stored = await submitResponse(w.t.runtime.db, survey, answers, { source: 'api', language: context.language ?? 'en', channel: context.channel, submittedAt: new Date(at) })
    return stored.id
  }

  before(async () => {
    const { serviceA1, serviceA1Other, serviceB } = w.world.services
    const T = surveys.T = await published('Permit thumbs', serviceA1.id, 'a11_v2_thumbs', { askContact: true })
    const L = surveys.L = await published('License Likert', serviceA1Other.id, 'a11_v2_likert', { channel: 'phone' })
    const B = surveys.B = await published('Records thumbs', serviceB.id, 'a11_v2_thumbs')
    r.T1 = await respond(T, '2025-01-10T15:00:00.000Z', { trust: 1, drivers_positive: ['ease', 'efficiency'], open_text: 'Quick and easy' })
    r.T2 = await respond(T, '2025-01-11T15:00:00.000Z', { trust: 0, drivers_negative: ['ease'], open_text: 'Call me at 555-123-4567 about the form', contact_consent: 'yes', contact_details: 'me@example.com' }, { language: 'es', channel: 'email' })
    r.T3 = await respond(T, '2025-01-12T15:00:00.000Z', { trust: 1, drivers_positive: ['effectiveness'] })
    r.T4 = await respond(T, '2025-01-13T15:00:00.000Z', { trust: 0, drivers_negative: ['efficiency', 'other'], 'drivers_negative.other': 'Line was long' })
    r.L1 = await respond(L, '2025-01-14T15:00:00.000Z', { trust: 5, drivers_positive: ['ease'], open_text: 'Great staff' })
    r.L2 = await respond(L, '2025-01-15T15:00:00.000Z', { trust: 2, drivers_negative: ['transparency'], open_text: 'My SSN is 123-45-6789 and nobody answered' }, { language: 'es' })
    r.L3 = await respond(L, '2025-02-01T15:00:00.000Z', { trust: 4 })
    r.B1 = await respond(B, '2025-01-12T16:00:00.000Z', { trust: 0, open_text: 'Department B was easy' })
  })

  const get = (url: string, person?: Person) => w.t.app.inject({ method: 'GET', url, headers: person ? bearer(person) : {} })
  const bulk = (person: Person, payload: Record<string, unknown>) => w.t.app.inject({ method: 'POST', url: '/api/v1/responses/bulk', headers: bearer(person), payload })
  const query = (params: Record<string, string | number | boolean>) => new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()
  async function list(person: Person, params: Record<string, string | number | boolean>, path = '/api/v1/responses'): Promise<Page> {
    const response = await get(`${path}?${query(params)}`, person)
    assert.equal(response.statusCode, 200, response.body)
    return json<Page>(response)
  }
  /** Fixture names of the responses a filter returns (within the fixtures' date range), sorted. */
  async function names(params: Record<string, string | number | boolean>, person = people().leadA): Promise<string[]> {
    const page = await list(person, { ...RANGE, ...params })
    const byId = new Map(Object.entries(r).map(([name, id]) => [id, name]))
    return page.items.map((i) => byId.get(i.id) ?? i.id).sort()
  }
  const auditCount = async (action: string, entityId: string) =>
    Number((await w.t.runtime.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).where('action', '=', action).where('entity_id', '=', entityId).executeTakeFirstOrThrow()).n)
  const row = (id: string) => w.t.runtime.db.selectFrom('responses').select(['status', 'flagged', 'trashed_at']).where('id', '=', id).executeTakeFirstOrThrow()

  it('answers each filter with exactly the hand-counted responses', async () => {
    const { serviceA1, serviceA1Other } = w.world.services
    assert.deepEqual(await names({}), ['L1', 'L2', 'L3', 'T1', 'T2', 'T3', 'T4'], 'department A sees its seven, not B1')
    assert.deepEqual(await names({ to: '2025-01-12' }), ['T1', 'T2', 'T3'], 'the last day is included')
    assert.deepEqual(await names({ from: '2025-01-12', to: '2025-01-14' }), ['L1', 'T3', 'T4'])
    assert.deepEqual(await names({ serviceId: serviceA1.id }), ['T1', 'T2', 'T3', 'T4'])
    assert.deepEqual(await names({ serviceId: serviceA1Other.id }), ['L1', 'L2', 'L3'])
    assert.deepEqual(await names({ surveyId: surveys.L!.id }), ['L1', 'L2', 'L3'])
    assert.deepEqual(await names({ channel: 'email' }), ['T2'])
    assert.deepEqual(await names({ channel: 'phone' }), ['L1', 'L2', 'L3'])
    assert.deepEqual(await names({ trust: 0 }), ['T2', 'T4'])
    assert.deepEqual(await names({ trust: 1 }), ['T1', 'T3'])
    assert.deepEqual(await names({ trust: 5 }), ['L1'])
    assert.deepEqual(await names({ branch: 'positive' }), ['L1', 'L3', 'T1', 'T3'])
    assert.deepEqual(await names({ branch: 'negative' }), ['L2', 'T2', 'T4'])
    assert.deepEqual(await names({ driver: 'ease' }), ['L1', 'T1', 'T2'], 'a driver matches in either branch')
    assert.deepEqual(await names({ driver: 'efficiency' }), ['T1', 'T4'])
    assert.deepEqual(await names({ driver: 'other' }), ['T4'])
    assert.deepEqual(await names({ language: 'es' }), ['L2', 'T2'])
    assert.deepEqual(await names({ branch: 'negative', language: 'es' }), ['L2', 'T2'], 'filters combine')
    assert.deepEqual(await names({ hasText: true }), ['L1', 'L2', 'T1', 'T2', 'T4'])
    assert.deepEqual(await names({ hasText: false }), ['L3', 'T3'])
    assert.deepEqual(await names({ contactRequested: true }), ['T2'])
    assert.equal((await names({ contactRequested: false })).length, 6)

    assert.deepEqual(json(await bulk(people().leadA, { ids: [r.T3], action: 'flag' })), { changed: 1 })
    assert.deepEqual(await names({ flagged: true }), ['T3'])
    assert.deepEqual(await names({ flagged: false }), ['L1', 'L2', 'L3', 'T1', 'T2', 'T4'])
    assert.deepEqual(json(await bulk(people().leadA, { ids: [r.T2, r.L2], action: 'tag', tag: 'follow-up' })), { changed: 2 })
    assert.deepEqual(await names({ tag: 'follow-up' }), ['L2', 'T2'])
    assert.deepEqual(await names({ status: 'archived' }), [])
    assert.deepEqual(json(await bulk(people().leadA, { ids: [r.L3], action: 'archive' })), { changed: 1 })
    assert.deepEqual(await names({ status: 'archived' }), ['L3'])
    assert.ok(!(await names({})).includes('L3'), 'the default folder is the inbox')
  })

  it('searches text answers case-insensitively, literally, and only in what the reader may see', async () => {
    assert.deepEqual(await names({ q: 'EASY' }), ['T1'], 'B1 also says easy but is another department')
    assert.deepEqual(await names({ q: 'line was' }), ['T4'], '"other" text is searched')
    assert.deepEqual(await names({ q: '%' }), [], 'LIKE wildcards are literal')
    assert.deepEqual(await names({ q: '555-123' }), ['T2'], 'an agency lead may reveal, so the raw text is searched')
    assert.deepEqual(await names({ q: '555-123' }, people().analystA), [], 'an analyst cannot confirm a masked phone number by searching')
    assert.deepEqual(await names({ q: 'example.com' }, people().analystA), [], 'nor hidden contact details')
    assert.deepEqual(await names({ q: 'call me' }, people().analystA), ['T2'], 'the unmasked words still match')
    assert.deepEqual(await names({ q: 'easy' }, people().leadB), ['B1'])
    // Both raw hits for "1" (L2's SSN, T2's phone) vanish once masked: the page reads on past them and ends cleanly.
    const masked = await list(people().analystA, { ...RANGE, q: '1', limit: 1 })
    assert.deepEqual([masked.items.length, masked.nextCursor], [0, null])
    const lead = await list(people().leadA, { ...RANGE, q: '1', limit: 1 })
    assert.deepEqual(lead.items.map((i) => i.id), [r.L2])
    assert.deepEqual((await list(people().leadA, { ...RANGE, q: '1', limit: 1, cursor: lead.nextCursor as string })).items.map((i) => i.id), [r.T2])
  })

  it('masks free text in lists and single responses; hides contact details', async () => {
    const listing = await get(`/api/v1/surveys/${surveys.T!.id}/responses?${query(RANGE)}`, people().leadA)
    assert.equal(listing.statusCode, 200)
    assert.ok(!listing.body.includes('555-123-4567') && !listing.body.includes('me@example.com'), 'no raw personal data in the list')
    const t2 = json<Page>(listing).items.find((i) => i.id === r.T2)
    assert.equal(t2?.excerpt, 'Call me at [phone] about the form')
    assert.deepEqual(t2?.drivers, ['ease'])
    assert.equal(t2?.answers.find((a) => a.questionKey === 'contact_details')?.textValue, '[contact details hidden]')
    const l2 = (await list(people().leadA, { ...RANGE, surveyId: surveys.L!.id })).items.find((i) => i.id === r.L2)
    assert.equal(l2?.excerpt, 'My SSN is [ssn] and nobody answered')

    const single = await get(`/api/v1/responses/${r.T2}`, people().analystA)
    assert.equal(single.statusCode, 200)
    assert.ok(!single.body.includes('555-123-4567') && !single.body.includes('me@example.com'))
    const detail = json<Detail>(single)
    assert.equal(detail.revealed, false)
    const answer = (key: string) => detail.questions.find((q) => q.questionKey === key)
    assert.equal(answer('trust')?.prompt, 'This interaction increased my trust in Bureau A1.', 'prompts in the default language, though the respondent answered in Spanish')
    assert.equal(answer('trust')?.answer, 'Thumbs down')
    assert.equal(answer('drivers_negative')?.answer, 'It was hard to do')
    assert.equal(answer('open_text')?.answer, 'Call me at [phone] about the form')
    assert.equal(answer('contact_consent')?.answer, 'Yes')
    assert.equal(answer('drivers_positive'), undefined, 'the branch not shown is left out')
    const likert = json<Detail>(await get(`/api/v1/responses/${r.L1}`, people().analystA))
    assert.equal(likert.questions.find((q) => q.questionKey === 'trust')?.answer, '5 (Strongly agree)')
  })

  it('reveals free text only to people allowed to, and audits every reveal', async () => {
    const reveal = (person: Person) => w.t.app.inject({ method: 'POST', url: `/api/v1/responses/${r.T2}/reveal`, headers: bearer(person) })
    assert.equal(await auditCount('response.reveal', r.T2!), 0)
    const shown = await reveal(people().leadA)
    assert.equal(shown.statusCode, 200, shown.body)
    const detail = json<Detail>(shown)
    assert.equal(detail.revealed, true)
    assert.equal(detail.questions.find((q) => q.questionKey === 'open_text')?.answer, 'Call me at 555-123-4567 about the form')
    assert.equal(detail.questions.find((q) => q.questionKey === 'contact_details')?.answer, 'me@example.com')
    const entry = await w.t.runtime.db.selectFrom('audit_log').selectAll().where('action', '=', 'response.reveal').where('entity_id', '=', r.T2!).executeTakeFirstOrThrow()
    assert.equal(entry.actor_user_id, people().leadA.id)
    assert.equal(entry.organization_id, w.world.orgs.A1.id)
    assert.deepEqual(JSON.parse(entry.after_json ?? '{}'), { questionKeys: ['open_text', 'contact_details'] })
    assert.equal((await reveal(people().analystA)).statusCode, 403, 'analysts triage but do not reveal')
    assert.equal((await reveal(people().reviewer)).statusCode, 403, 'OMB reviewers read but do not reveal')
    assert.equal((await reveal(people().leadB)).statusCode, 404, 'another department cannot tell the response exists')
    assert.equal((await reveal(people().managerA1)).statusCode, 200)
    assert.equal(await auditCount('response.reveal', r.T2!), 2, 'one entry per reveal; refusals write none')
  })

  it('pages newest first by keyset with no duplicates or gaps, in both directions', async () => {
    const P = await published('Paging survey', w.world.services.serviceA1Other.id, 'a11_v2_thumbs')
    const start = Date.parse('2024-06-01T00:00:00.000Z')
    const stored: { id: string; at: string }[] = []
    for (let i = 0; i < 23; i++) {
      // Three responses share each timestamp, so the id breaks the ties.
      const at = new Date(start + Math.floor(i / 3) * 3_600_000).toISOString()
      stored.push({ id: await respond(P, at, { trust: i % 2 }), at })
    }
    const expected = [...stored].sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1)).map((s) => s.id)
    const path = `/api/v1/surveys/${P.id}/responses`
    const pages: Page[] = []
    let cursor: string | null = null
    do {
      const page: Page = await list(people().analystA, { limit: 5, ...(cursor ? { cursor } : {}) }, path)
      pages.push(page)
      cursor = page.nextCursor
    } while (cursor && pages.length < 10)
    assert.deepEqual(pages.map((p) => p.items.length), [5, 5, 5, 5, 3])
    assert.deepEqual(pages.flatMap((p) => p.items.map((i) => i.id)), expected, 'every response once, newest first, ties by id')
    assert.equal(pages[0]?.prevCursor, null)
    const newer = await list(people().analystA, { limit: 5, cursor: pages[2]?.prevCursor as string }, path)
    assert.deepEqual(newer.items.map((i) => i.id), pages[1]?.items.map((i) => i.id), 'Newer from page 3 is page 2')
    const first = await list(people().analystA, { limit: 5, cursor: newer.prevCursor as string }, path)
    assert.deepEqual(first.items.map((i) => i.id), pages[0]?.items.map((i) => i.id))
    assert.equal(first.prevCursor, null, 'nothing newer than the first page')
    const whole = await list(people().analystA, { surveyId: P.id, limit: 500 })
    assert.deepEqual(whole.items.map((i) => i.id), expected, 'the cross-survey list agrees')
    assert.equal(whole.nextCursor, null)
    assert.equal((await get(`${path}?limit=501`, people().analystA)).statusCode, 400)
    const bad = await get(`${path}?cursor=bm90LWEtY3Vyc29y`, people().analystA)
    assert.equal(bad.statusCode, 400)
    assert.ok(json<{ fields: Record<string, string> }>(bad).fields.cursor)
  })

  it('applies bulk actions to exactly the named responses, all or nothing, with one audit entry per change', async () => {
    const X = await published('Triage survey', w.world.services.serviceA1.id, 'a11_v2_thumbs')
    const [x1, x2, x3, x4] = [
      await respond(X, '2024-03-01T10:00:00.000Z', { trust: 1 }), await respond(X, '2024-03-02T10:00:00.000Z', { trust: 0 }),
      await respond(X, '2024-03-03T10:00:00.000Z', { trust: 1 }), await respond(X, '2024-03-04T10:00:00.000Z', { trust: 0 }),
    ] as [string, string, string, string]
    const analyst = people().analystA
    assert.deepEqual(json(await bulk(analyst, { ids: [x1, x2, x1], action: 'archive' })), { changed: 2 })
    assert.deepEqual([(await row(x1)).status, (await row(x2)).status, (await row(x3)).status, (await row(x4)).status], ['archived', 'archived', 'inbox', 'inbox'])
    const entry = await w.t.runtime.db.selectFrom('audit_log').selectAll().where('action', '=', 'response.triage').where('entity_id', '=', x1).executeTakeFirstOrThrow()
    assert.deepEqual(JSON.parse(entry.before_json ?? ''), { status: 'inbox', flagged: false, tags: [] })
    assert.deepEqual(JSON.parse(entry.after_json ?? ''), { status: 'archived', flagged: false, tags: [] })
    assert.equal(entry.actor_user_id, analyst.id)
    assert.deepEqual([await auditCount('response.triage', x3), await auditCount('response.triage', x4)], [0, 0])
    assert.deepEqual(json(await bulk(analyst, { ids: [x1], action: 'archive' })), { changed: 0 }, 'already archived')
    assert.equal(await auditCount('response.triage', x1), 1, 'no entry for a response that did not change')

    assert.deepEqual(json(await bulk(analyst, { ids: [x1, x3], action: 'flag' })), { changed: 2 })
    assert.deepEqual(json(await bulk(analyst, { ids: [x1, x2], action: 'tag', tag: ' Needs Review ' })), { changed: 2 })
    assert.deepEqual((await list(analyst, { surveyId: X.id, status: 'archived', tag: 'needs-review' })).items.map((i) => i.id).sort(), [x1, x2].sort())
    assert.deepEqual(json(await bulk(analyst, { ids: [x2], action: 'untag', tag: 'needs-review' })), { changed: 1 })
    const tags = await w.t.runtime.db.selectFrom('response_tags').select(['response_id', 'tag']).where('response_id', 'in', [x1, x2, x3, x4]).execute()
    assert.deepEqual(tags, [{ response_id: x1, tag: 'needs-review' }])

    for (const payload of [{ ids: [x3], action: 'tag', tag: 'Bad tag!' }, { ids: [x3], action: 'tag' }, { ids: [], action: 'flag' }, { ids: [x3], action: 'explode' }, { ids: Array.from({ length: 501 }, () => x3), action: 'flag' }]) {
      assert.equal((await bulk(analyst, payload)).statusCode, 400, JSON.stringify(payload).slice(0, 80))
    }
    assert.equal((await bulk(analyst, { ids: [x4, r.B1], action: 'archive' })).statusCode, 404, 'one unreadable id refuses the lot')
    assert.equal((await bulk(people().reviewer, { ids: [x4], action: 'archive' })).statusCode, 403, 'reviewers read but do not triage')
    assert.equal((await bulk(people().leadB, { ids: [x4], action: 'archive' })).statusCode, 404)
    assert.equal((await row(x4)).status, 'inbox', 'refused requests changed nothing')
    assert.equal(await auditCount('response.triage', x4), 0)
  })

  it('moves responses to the trash with a timestamp and restores them', async () => {
    const X = await published('Trash survey', w.world.services.serviceA1.id, 'a11_v2_thumbs')
    const y1 = await respond(X, '2024-04-01T10:00:00.000Z', { trust: 1 })
    const y2 = await respond(X, '2024-04-02T10:00:00.000Z', { trust: 1 })
    assert.deepEqual(json(await bulk(people().managerA1, { ids: [y1], action: 'trash' })), { changed: 1 })
    const trashed = await row(y1)
    assert.equal(trashed.status, 'trash')
    assert.ok(trashed.trashed_at && Date.now() - Date.parse(trashed.trashed_at) < 60_000, 'trashed_at is now, for the 30-day purge')
    assert.deepEqual((await list(people().managerA1, { surveyId: X.id })).items.map((i) => i.id), [y2])
    assert.deepEqual((await list(people().managerA1, { surveyId: X.id, status: 'trash' })).items.map((i) => i.id), [y1])
    assert.deepEqual(json(await bulk(people().managerA1, { ids: [y1, y2], action: 'restore' })), { changed: 1 }, 'only what was in the trash is restored')
    assert.deepEqual(await row(y1), { status: 'inbox', flagged: 0, trashed_at: null })
    assert.equal(await auditCount('response.triage', y2), 0)
  })

  it('keeps each department to its own responses and the read API behind sign-in', async () => {
    assert.deepEqual(await names({}, people().leadB), ['B1'], 'leadB sees none of department A')
    assert.equal((await get(`/api/v1/responses/${r.T1}`, people().leadB)).statusCode, 404)
    assert.equal((await get(`/api/v1/surveys/${surveys.T!.id}/responses`, people().leadB)).statusCode, 404)
    assert.ok((await names({}, people().reviewer)).includes('B1') && (await names({}, people().reviewer)).includes('T1'), 'OMB reviewers read everywhere')
    assert.equal((await get('/api/v1/responses')).statusCode, 401)
    assert.equal((await get(`/api/v1/surveys/${surveys.T!.id}/responses`)).statusCode, 401, 'the GET beside the public intake POST is staff-only')
    assert.equal((await get(`/api/v1/responses/${r.T1}`)).statusCode, 401)
    const intake = await w.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${surveys.T!.id}/responses`, payload: { answers: {} } })
    assert.equal(intake.statusCode, 400, 'the POST stays public (a validation error, not 401)')
  })

  it('serves the inbox and response pages: masked, bulk form, audited reveal button', async () => {
    const lead = await signIn(w.t.app, people().leadA.email)
    const page = (url: string, session = lead) => w.t.app.inject({ method: 'GET', url, headers: { cookie: session.cookie } })
    const post = (url: string, fields: Record<string, string | string[]>, session = lead) =>
      w.t.app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: session.csrf, ...fields }) })
    const inbox = await page(`/inbox?${query({ ...RANGE, q: 'call' })}`)
    assert.equal(inbox.statusCode, 200)
    assert.match(inbox.body, /<h1>Feedback inbox<\/h1>/)
    assert.match(inbox.body, /Call me at \[phone\] about the form/)
    assert.ok(!inbox.body.includes('555-123-4567'))
    assert.match(inbox.body, new RegExp(`name="ids" value="${r.T2}"`))
    assert.equal((await page(`/surveys/${surveys.B!.id}/inbox`)).statusCode, 404)

    const response = await page(`/responses/${r.T2}`)
    assert.equal(response.statusCode, 200)
    assert.match(response.body, /Reveal personal information/)
    assert.ok(!response.body.includes('555-123-4567'))
    const before = await auditCount('response.reveal', r.T2!)
    const revealed = await post(`/responses/${r.T2}/reveal`, {})
    assert.equal(revealed.statusCode, 200)
    assert.match(revealed.body, /555-123-4567/)
    assert.match(revealed.body, /recorded in the audit log/)
    assert.equal(await auditCount('response.reveal', r.T2!), before + 1)

    const analyst = await signIn(w.t.app, people().analystA.email)
    assert.ok(!(await page(`/responses/${r.T2}`, analyst)).body.includes('Reveal personal information'))
    assert.equal((await post(`/responses/${r.T2}/reveal`, {}, analyst)).statusCode, 403)

    const back = `/surveys/${surveys.T!.id}/inbox?from=2025-01-01`
    const applied = await post('/inbox/bulk', { ids: [r.T1 as string, r.T4 as string], action: 'flag', applyTag: '', return: back })
    assert.equal(applied.statusCode, 303)
    assert.equal(applied.headers.location, back)
    assert.deepEqual([(await row(r.T1!)).flagged, (await row(r.T4!)).flagged], [1, 1])
    const none = await post('/inbox/bulk', { action: 'archive', applyTag: '', return: back })
    assert.equal(none.statusCode, 400)
    assert.match(none.body, /Select at least one response/)
    const tagged = await post(`/responses/${r.T1}/triage`, { action: 'tag', tag: 'praise' })
    assert.equal(tagged.statusCode, 303)
    assert.match((await page(`/responses/${r.T1}`)).body, /aria-label="Remove the tag praise"/)
  })
})
