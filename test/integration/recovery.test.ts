/**
 * Service recovery cases through the API and pages, on both engines: the lifecycle (assign, due date, note, resolve
 * with a resolution, reopen) with its audit rows and webhook outbox rows, who may do what, and masking.
 */
import assert from 'node:assert/strict'
import { before, it } from 'node:test'
import { bearer, describeWithWorld, form, json, signIn, type Person } from '../helpers/test-app.ts'

interface CaseView {
  id: string; status: string; assigneeUserId: string | null; dueOn: string | null; resolution: string | null; overdue: boolean; surveyId: string
  notes: { body: string; authorLabel: string }[]; response: { answers: { questionKey: string; answer: string }[] }; revealed: boolean
  abilities: { work: boolean; reveal: boolean }
}

describeWithWorld('recovery cases', (w) => {
  let surveyId = ''
  const caseIds: string[] = []
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, person: Person, payload?: Record<string, unknown>) =>
    w.t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(person), ...(payload ? { payload } : {}) })
  const audits = async (entityId: string) =>
    (await w.t.runtime.db.selectFrom('audit_log').select(['action', 'actor_label']).where('entity_id', '=', entityId).orderBy('id').execute()).map((a) => a.action)
  const outbox = async (event: string) =>
    (await w.t.runtime.db.selectFrom('webhook_deliveries').select('payload').where('event', '=', event).execute()).map((d) => JSON.parse(d.payload) as { data: Record<string, unknown> })

  before(async () => {
    const { people, services, orgs } = w.world
    const hook = await api('POST', '/webhooks', people.leadA, { organizationId: orgs.A.id, url: 'https://crm.agency.gov/hook', events: ['recovery_case.updated'] })
    assert.equal(hook.statusCode, 201, hook.body)
    const created = await api('POST', '/surveys', people.managerA1, { serviceId: services.serviceA1.id, template: 'a11_v2_likert', askContact: true })
    surveyId = json<{ id: string }>(created).id
    assert.equal((await api('POST', `/surveys/${surveyId}/transitions`, people.managerA1, { transition: 'publish' })).statusCode, 200)
    for (const trust of [1, 2, 3]) {
      const answers = { trust, drivers_negative: ['efficiency'], open_text: 'Call me at 555-123-4567 please', contact_consent: 1, contact_details: 'pat@example.com' }
      const response = await w.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${surveyId}/responses`, payload: { answers } })
      assert.equal(response.statusCode, 201, response.body)
    }
    const cases = await w.t.runtime.db.selectFrom('recovery_cases').select('id').where('survey_id', '=', surveyId).orderBy('created_at').execute()
    caseIds.push(...cases.map((c) => c.id))
    assert.equal(caseIds.length, 3)
  })

  it('walks a case through assign, due date, note, resolve (which needs a resolution) and reopen, auditing each step', async () => {
    const { analystA, managerA1 } = w.world.people
    const id = caseIds[0] as string
    const assigned = await api('PATCH', `/recovery-cases/${id}`, analystA, { assigneeUserId: managerA1.id, dueOn: '2031-01-15' })
    assert.equal(assigned.statusCode, 200, assigned.body)
    assert.equal(json<CaseView>(assigned).assigneeUserId, managerA1.id)
    assert.equal(json<CaseView>(assigned).dueOn, '2031-01-15')
    assert.equal(json<CaseView>(assigned).status, 'new')

    const note = await api('POST', `/recovery-cases/${id}/notes`, analystA, { body: 'Left a voicemail.' })
    assert.equal(note.statusCode, 201, note.body)
    assert.equal((await api('POST', `/recovery-cases/${id}/notes`, analystA, { body: '' })).statusCode, 400)

    assert.equal((await api('PATCH', `/recovery-cases/${id}`, managerA1, { status: 'in_progress' })).statusCode, 200)
    const bare = await api('PATCH', `/recovery-cases/${id}`, managerA1, { status: 'resolved' })
    assert.equal(bare.statusCode, 400)
    assert.match(json<{ fields: Record<string, string> }>(bare).fields.resolution ?? '', /Describe/)
    const blank = await api('PATCH', `/recovery-cases/${id}`, managerA1, { status: 'resolved', resolution: '   ' })
    assert.equal(blank.statusCode, 400, 'whitespace is no resolution')

    const resolved = await api('PATCH', `/recovery-cases/${id}`, managerA1, { status: 'resolved', resolution: 'Called back; the permit was reissued.' })
    assert.equal(resolved.statusCode, 200, resolved.body)
    assert.equal(json<CaseView>(resolved).status, 'resolved')
    assert.equal(json<CaseView>(resolved).resolution, 'Called back; the permit was reissued.')
    assert.deepEqual(json<CaseView>(resolved).notes.map((n) => [n.body, n.authorLabel]), [['Left a voicemail.', analystA.email]])

    const backToNew = await api('PATCH', `/recovery-cases/${id}`, managerA1, { status: 'new' })
    assert.equal(backToNew.statusCode, 409, 'a resolved case reopens to in progress, not new')
    const reopened = await api('PATCH', `/recovery-cases/${id}`, managerA1, { status: 'in_progress' })
    assert.equal(reopened.statusCode, 200)
    assert.equal(json<CaseView>(reopened).status, 'in_progress')
    assert.equal(json<CaseView>(reopened).resolution, null)

    assert.deepEqual(await audits(id), ['recovery_case.update', 'recovery_case.note', 'recovery_case.update', 'recovery_case.resolve', 'recovery_case.reopen'])
    const resolveAudit = await w.t.runtime.db.selectFrom('audit_log').select(['before_json', 'after_json', 'actor_label']).where('entity_id', '=', id).where('action', '=', 'recovery_case.resolve').executeTakeFirstOrThrow()
    assert.equal(resolveAudit.actor_label, managerA1.email)
    assert.equal(JSON.parse(resolveAudit.before_json ?? '{}').status, 'in_progress')
    assert.equal(JSON.parse(resolveAudit.after_json ?? '{}').resolution, 'Called back; the permit was reissued.')
    const events = (await outbox('recovery_case.updated')).filter((e) => e.data.caseId === id).map((e) => e.data.change)
    assert.deepEqual(events, ['update', 'note', 'update', 'resolve', 'reopen'], 'every change queues recovery_case.updated for the department webhook')
    assert.ok(!JSON.stringify(await outbox('recovery_case.updated')).includes('voicemail'), 'note text stays out of webhook payloads')
  })

  it('lets analysts work cases, reviewers only read, and answers 404 to another department', async () => {
    const { reviewer, leadB, analystA } = w.world.people
    const id = caseIds[1] as string
    const read = await api('GET', `/recovery-cases/${id}`, reviewer)
    assert.equal(read.statusCode, 200)
    assert.equal(json<CaseView>(read).abilities.work, false)
    assert.equal((await api('PATCH', `/recovery-cases/${id}`, reviewer, { status: 'in_progress' })).statusCode, 403)
    assert.equal((await api('POST', `/recovery-cases/${id}/notes`, reviewer, { body: 'hello' })).statusCode, 403)
    assert.equal((await api('GET', `/recovery-cases/${id}`, leadB)).statusCode, 404)
    assert.equal((await api('PATCH', `/recovery-cases/${id}`, leadB, { status: 'in_progress' })).statusCode, 404)
    assert.equal((await api('POST', `/recovery-cases/${id}/notes`, leadB, { body: 'hello' })).statusCode, 404)
    assert.equal(json<{ total: number }>(await api('GET', '/recovery-cases', leadB)).total, 0, 'department B lists none of A\'s cases')
    assert.equal((await api('GET', '/recovery-cases/00000000-0000-4000-8000-000000000000', analystA)).statusCode, 404)
    assert.equal((await w.t.app.inject({ method: 'GET', url: `/api/v1/recovery-cases/${id}` })).statusCode, 401)
  })

  it('assigns only people who work feedback for the case\'s organization', async () => {
    const { analystA, leadB, reviewer, leadA } = w.world.people
    const id = caseIds[1] as string
    for (const outsider of [leadB, reviewer]) {
      const refused = await api('PATCH', `/recovery-cases/${id}`, analystA, { assigneeUserId: outsider.id })
      assert.equal(refused.statusCode, 400, outsider.email)
      assert.match(json<{ fields: Record<string, string> }>(refused).fields.assigneeUserId ?? '', /works feedback/)
    }
    const unknown = await api('PATCH', `/recovery-cases/${id}`, analystA, { assigneeUserId: '00000000-0000-4000-8000-000000000000' })
    assert.equal(unknown.statusCode, 400)
    const badDate = await api('PATCH', `/recovery-cases/${id}`, analystA, { dueOn: '2031-02-30' })
    assert.equal(badDate.statusCode, 400)
    assert.ok(json<{ fields: Record<string, string> }>(badDate).fields.dueOn)
    const assignees = json<{ items: { email: string }[] }>(await api('GET', `/recovery-cases/${id}/assignees`, analystA)).items.map((a) => a.email).sort()
    assert.deepEqual(assignees, [w.world.people.admin.email, analystA.email, leadA.email, w.world.people.managerA1.email].sort())
    assert.equal((await api('PATCH', `/recovery-cases/${id}`, analystA, { assigneeUserId: leadA.id })).statusCode, 200)
  })

  it('masks personal information unless someone allowed reveals it, and audits the reveal', async () => {
    const { analystA, managerA1 } = w.world.people
    const id = caseIds[2] as string
    const masked = json<CaseView>(await api('GET', `/recovery-cases/${id}`, managerA1))
    const text = JSON.stringify(masked.response.answers)
    assert.ok(!text.includes('pat@example.com') && !text.includes('555-123-4567'), text)
    assert.equal(masked.response.answers.find((a) => a.questionKey === 'contact_details')?.answer, '[contact details hidden]', 'contact details stay hidden whole until revealed')
    assert.match(text, /\[phone\]/)
    assert.equal(masked.response.answers.find((a) => a.questionKey === 'trust')?.answer, '3 (Neutral)')
    assert.equal((await api('POST', `/recovery-cases/${id}/reveal`, analystA)).statusCode, 403)
    const revealed = await api('POST', `/recovery-cases/${id}/reveal`, managerA1)
    assert.equal(revealed.statusCode, 200)
    assert.match(JSON.stringify(json<CaseView>(revealed).response.answers), /pat@example\.com/)
    const responseId = (await w.t.runtime.db.selectFrom('recovery_cases').select('response_id').where('id', '=', id).executeTakeFirstOrThrow()).response_id
    assert.deepEqual(await audits(responseId), ['response.reveal'])
  })

  it('filters the list by status, assignee, overdue and survey, open cases first', async () => {
    const { analystA, managerA1 } = w.world.people
    await w.t.runtime.db.updateTable('recovery_cases').set({ due_on: '2020-01-01' }).where('id', '=', caseIds[2] as string).execute()
    const list = async (query: string) => json<{ items: CaseView[]; total: number }>(await api('GET', `/recovery-cases?${query}`, analystA))
    assert.equal((await list('')).total, 3)
    assert.deepEqual((await list('status=open')).items.map((c) => c.id), [caseIds[2], caseIds[0], caseIds[1]], 'by due date, undated last')
    assert.deepEqual((await list('status=in_progress')).items.map((c) => c.id), [caseIds[0]])
    assert.deepEqual((await list('overdue=true')).items.map((c) => c.id), [caseIds[2]])
    assert.equal((await list('overdue=true')).items[0]?.overdue, true)
    assert.deepEqual((await list('assignee=none')).items.map((c) => c.id), [caseIds[2]])
    assert.deepEqual((await list(`assignee=${managerA1.id}`)).items.map((c) => c.id), [caseIds[0]])
    assert.equal(json<{ total: number }>(await api('GET', '/recovery-cases?assignee=me', managerA1)).total, 1)
    assert.equal((await list(`surveyId=${surveyId}&pageSize=2`)).items.length, 2)
    assert.equal((await list(`surveyId=${surveyId}&pageSize=2&page=2`)).items.length, 1)
    assert.equal((await api('GET', '/recovery-cases?status=bogus', analystA)).statusCode, 400, 'an unknown status is refused, not an empty list')
  })

  it('serves the list and case pages and shows a missing resolution next to its field', async () => {
    const { cookie, csrf } = await signIn(w.t.app, w.world.people.analystA.email)
    const list = await w.t.app.inject({ method: 'GET', url: '/recovery?status=all', headers: { cookie } })
    assert.equal(list.statusCode, 200)
    for (const id of caseIds) assert.ok(list.body.includes(`/recovery/${id}`))
    assert.match(list.body, /Overdue/)
    const id = caseIds[1] as string
    const page = await w.t.app.inject({ method: 'GET', url: `/recovery/${id}`, headers: { cookie } })
    assert.equal(page.statusCode, 200)
    assert.ok(!page.body.includes('pat@example.com'))
    const post = (url: string, fields: Record<string, string>) => w.t.app.inject({ method: 'POST', url, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: csrf, ...fields }) })
    const missing = await post(`/recovery/${id}`, { assigneeUserId: '', dueOn: '', status: 'resolved', resolution: '' })
    assert.equal(missing.statusCode, 400)
    assert.match(missing.body, /id="field-resolution-error"[^>]*>Describe how the case was resolved\./)
    const done = await post(`/recovery/${id}`, { assigneeUserId: '', dueOn: '2031-03-01', status: 'resolved', resolution: 'Sent the form by mail.' })
    assert.equal(done.statusCode, 303)
    const noted = await post(`/recovery/${id}/notes`, { body: 'Confirmed receipt.' })
    assert.equal(noted.statusCode, 303)
    const stored = await w.t.runtime.db.selectFrom('recovery_cases').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    assert.equal(stored.status, 'resolved')
    assert.equal(stored.assignee_user_id, null)
    assert.equal(stored.due_on, '2031-03-01')
    assert.ok(stored.resolved_at)
    const all = json<{ items: CaseView[] }>(await api('GET', '/recovery-cases', w.world.people.analystA)).items
    assert.equal(all.at(-1)?.id, id, 'resolved cases come after open ones')
    const forged = await w.t.app.inject({ method: 'POST', url: `/recovery/${id}/notes`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ body: 'no token' }) })
    assert.equal(forged.statusCode, 403, 'forms need the CSRF token')
  })
})
