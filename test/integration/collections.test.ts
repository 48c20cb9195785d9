/**
 * Quarterly CX data collections end to end through the API, on SQLite and PostgreSQL: collections made per HISP ×
 * designated service × quarter; details and scores from stored responses (known answers, fiscal-quarter boundaries in
 * Eastern time); the byte-exact 17-column file; volumes and their checks; the lifecycle with OMB's rating, the
 * integrity hash, audit entries, webhook and email outboxes; reminders; the round trip through the OMB import.
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { systemActor } from '../../src/auth/index.ts'
import { updateService } from '../../src/catalog/index.ts'
import { createWebhook } from '../../src/notify/webhooks.ts'
import { deliverCollectionEmails, openQuarterCollections, sendCollectionReminders } from '../../src/reporting/index.ts'
import { createSurvey, importResponsesCsv, transitionSurvey } from '../../src/surveys/index.ts'
import { bearer, describeWithWorld, json, type Person } from '../helpers/test-app.ts'

const system = systemActor('collections-test')
const NULL7 = 'null,null,null,null,null,null,null'

interface Share { count: number; n: number; share: number | null; interval: { lower: number; upper: number } | null }
interface Detail {
  id: string; surveyId: string; transactionPoint: string; channel: string; surveyType: string; surveyTitle: string; trustQuestionText: string; legacy: boolean
  volumeOfCustomers: number | null; volumeOffered: number | null; recordedOffers: number; offered: number | null; respondents: number; responseRate: number | null
  dataHash: string | null
  figures: { respondents: number; trust: Share; likertMean: { n: number; mean: number | null }; drivers: Record<'positive' | 'negative', { n: number; drivers: Record<string, Share> }> }
}
interface Collection {
  id: string; fiscalYear: number; quarter: number; label: string; state: string; dueOn: string; rating: string | null; ratingReason: string | null
  reviewNote: string | null; integrityHash: string | null; serviceId: string; hispId: string; detailCount: number; respondents: number
  details: Detail[]; abilities: { editVolumes: boolean; submit: boolean; review: boolean; transitions: string[]; rate: boolean }
}
interface Failure { error: string; message: string; fields?: Record<string, string> }

const round = (value: number | null | undefined) => (value === null || value === undefined ? value : Number(value.toFixed(4)))

describeWithWorld('quarterly collections', (w) => {
  const api = () => w.t.app
  const db = () => w.t.runtime.db
  const call = (person: Person, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    api().inject({ method, url: `/api/v1${url}`, headers: bearer(person), ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) })
  const ok = async <T = Collection>(person: Person, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown): Promise<T> => {
    const response = await call(person, method, url, payload)
    assert.equal(response.statusCode, 200, response.body)
    return json<T>(response)
  }
  const fails = async (status: number, person: Person, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown): Promise<Failure> => {
    const response = await call(person, method, url, payload)
    assert.equal(response.statusCode, status, response.body)
    return json<Failure>(response)
  }
  const collectionOf = async (fiscalYear: number, quarter: number): Promise<Collection> => {
    const list = await ok<{ items: Collection[] }>(w.world.people.reviewer, 'GET', `/collections?fiscalYear=${fiscalYear}&quarter=${quarter}`)
    assert.equal(list.items.length, 1, `one collection for FY${fiscalYear} Q${quarter}`)
    return ok(w.world.people.reviewer, 'GET', `/collections/${list.items[0]?.id}`)
  }

  /**
   * serviceA1 (HISP "Bureau A1 HISP") is made a designated service. Thumbs survey T, FY2026 Q1 (Oct 1 – Dec 31, 2025,
   * Eastern time): t4 at 00:10 EDT Oct 1 (down, efficiency), t1 (up, ease + effectiveness, a phone number in its text),
   * t2 (up, ease, text with a comma and quotes), t3 at 23:30 EST Dec 31 (up, no driver): 4 respondents, 10 offers.
   * Outside the quarter: t5 at 23:50 EDT Sep 30 (FY2025 Q4) and t6 at 00:30 EST Jan 1 (FY2026 Q2). t7 in Q1 is spam.
   * Likert survey L, FY2026 Q1: 5 and 2 (humanity). Legacy survey G, FY2026 Q1: three respondents (below).
   */
  let fixtures: Promise<{ thumbs: string; likert: string; legacy: string }> | null = null
  const setUp = () => (fixtures ??= (async () => {
    const service = w.world.services.serviceA1.id
    await updateService(db(), system, service, { designatedForImprovement: true, yearDesignated: 2024 })
    const published = async (template: 'a11_v2_thumbs' | 'a11_v2_likert' | 'legacy_likert_7', name: string) =>
      (await transitionSurvey(db(), system, (await createSurvey(db(), system, { serviceId: service, template, name })).id, 'publish')).id
    const load = async (survey: string, csv: string, offers?: number) => {
      const report = await importResponsesCsv(db(), system, survey, csv, { format: 'survey', channel: 'website', offers })
      assert.ok(report.ok, JSON.stringify(report.errors))
    }
    const thumbs = await published('a11_v2_thumbs', 'Permit thumbs')
    const header = 'external_id,submitted_at,trust,drivers_positive,drivers_negative,open_text'
    await load(thumbs, [header,
      't4,2025-10-01T00:10:00-04:00,0,,efficiency,',
      't1,2025-10-15,1,ease;effectiveness,,Call me at 555-123-4567',
      't2,2025-11-01,1,ease,,"Fast, ""easy"" service"',
      't3,2025-12-31T23:30:00-05:00,1,,,',
    ].join('\n'), 10)
    await load(thumbs, [header, 't5,2025-09-30T23:50:00-04:00,0,,,', 't6,2026-01-01T00:30:00-05:00,1,,,'].join('\n'))
    await load(thumbs, [header, 't7,2025-11-05,0,,,'].join('\n'))
    await db().updateTable('responses').set({ status: 'spam' }).where('survey_id', '=', thumbs).where('external_id', '=', 't7').execute()
    const likert = await published('a11_v2_likert', 'Permit Likert')
    await load(likert, [header, 'l1,2025-11-10,5,,,', 'l2,2025-11-11,2,,humanity,'].join('\n'))
    const legacy = await published('legacy_likert_7', 'Permit legacy')
    await load(legacy, ['external_id,submitted_at,q1,q2,q3,q4,q5,q6,q7', 'g1,2025-12-01,5,5,4,4,3,5,5', 'g2,2025-12-02,4,3,4,2,1,5,4', 'g3,2025-12-03,5,4,5,5,5,5,5'].join('\n'))
    return { thumbs, likert, legacy }
  })())

  it('makes one collection per HISP × designated service × quarter, on demand and idempotently; not for a quarter to come', async () => {
    await setUp()
    const { reviewer, analystA, leadA } = w.world.people
    assert.deepEqual(await ok(reviewer, 'POST', '/collections', { fiscalYear: 2026, quarter: 1 }), { fiscalYear: 2026, quarter: 1, created: 1, existing: 0 })
    assert.deepEqual(await ok(leadA, 'POST', '/collections', { fiscalYear: 2026, quarter: 1 }), { fiscalYear: 2026, quarter: 1, created: 0, existing: 1 })
    await fails(403, analystA, 'POST', '/collections', { fiscalYear: 2026, quarter: 1 })
    const future = await fails(400, reviewer, 'POST', '/collections', { fiscalYear: 2099, quarter: 1 })
    assert.match(future.fields?.quarter ?? '', /has not started/)
    await fails(400, reviewer, 'POST', '/collections', { fiscalYear: 2026, quarter: 5 })
    const collection = await collectionOf(2026, 1)
    assert.deepEqual([collection.label, collection.state, collection.dueOn, collection.serviceId, collection.hispId], ['FY2026 Q1', 'draft', '2026-01-30', w.world.services.serviceA1.id, w.world.hispId])
    const audit = await db().selectFrom('audit_log').select(['action', 'actor_user_id']).where('entity_id', '=', collection.id).execute()
    assert.deepEqual(audit, [{ action: 'collection.create', actor_user_id: reviewer.id }])
  })

  it('derives one detail per survey with responses in the quarter, with known-answer counts, shares and intervals', async () => {
    const { thumbs, likert, legacy } = await setUp()
    const collection = await collectionOf(2026, 1)
    assert.deepEqual(collection.details.map((d) => d.surveyId).sort(), [thumbs, likert, legacy].sort())
    const t = collection.details.find((d) => d.surveyId === thumbs) as Detail
    assert.deepEqual([t.transactionPoint, t.channel, t.surveyType, t.surveyTitle, t.trustQuestionText, t.legacy], [
      'post_interaction', 'website', 'thumbs_up_down', 'Tell us about your experience', 'This interaction increased my trust in Bureau A1.', false,
    ])
    assert.deepEqual([t.respondents, t.recordedOffers, t.offered, t.responseRate], [4, 10, 10, 0.4], 'Sep 30 and Jan 1 (Eastern) and spam are left out')
    const { trust, drivers } = t.figures
    assert.deepEqual([trust.count, trust.n, trust.share], [3, 4, 0.75])
    assert.deepEqual([round(trust.interval?.lower), round(trust.interval?.upper)], [0.3006, 0.9544])
    assert.deepEqual([drivers.positive.n, round(drivers.positive.drivers.ease?.share), round(drivers.positive.drivers.effectiveness?.share)], [3, 0.6667, 0.3333])
    assert.deepEqual([drivers.negative.n, drivers.negative.drivers.efficiency?.share], [1, 1])
    const l = collection.details.find((d) => d.surveyId === likert) as Detail
    assert.deepEqual([l.surveyType, l.respondents, l.figures.trust.count, l.figures.likertMean.mean, l.offered], ['likert_scale', 2, 1, 3.5, null])
    const g = collection.details.find((d) => d.surveyId === legacy) as Detail
    assert.deepEqual([g.legacy, g.respondents, g.trustQuestionText], [true, 3, 'This interaction increased my confidence in Bureau A1.'])
    assert.equal(collection.respondents, 9)
    const q4 = await ok(w.world.people.reviewer, 'POST', '/collections', { fiscalYear: 2025, quarter: 4 })
    assert.equal((q4 as unknown as { created: number }).created, 1)
    const previous = await collectionOf(2025, 4)
    assert.deepEqual(previous.details.map((d) => [d.surveyId, d.respondents]), [[thumbs, 1]], '23:50 EDT on Sep 30 is FY2025 Q4')
  })

  it('exports the thumbs detail as OMB\'s 17-column CSV, byte for byte', async () => {
    const { thumbs } = await setUp()
    const collection = await collectionOf(2026, 1)
    const detail = collection.details.find((d) => d.surveyId === thumbs) as Detail
    const response = await call(w.world.people.analystA, 'GET', `/collections/${collection.id}/details/${detail.id}/responses.csv`)
    assert.equal(response.statusCode, 200, response.body)
    assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8')
    assert.match(String(response.headers['content-disposition']), /^attachment; filename="fy2026-q1-da-ba1-apply-for-a-permit-responses-tell-us-about-your-experience-[0-9a-f]{8}\.csv"$/)
    const expected = [
      'external_id,question_1,positive_effectiveness,positive_ease,positive_efficiency,positive_transparency,positive_humanity,positive_employee,positive_other,negative_effectiveness,negative_ease,negative_efficiency,negative_transparency,negative_humanity,negative_employee,negative_other,question_4',
      `t4,0,${NULL7},0,0,1,0,0,0,0,`,
      `t1,1,1,1,0,0,0,0,0,${NULL7},Call me at [phone]`,
      `t2,1,0,1,0,0,0,0,0,${NULL7},"Fast, ""easy"" service"`,
      `t3,1,0,0,0,0,0,0,0,${NULL7},`,
    ].map((line) => `${line}\r\n`).join('')
    assert.equal(response.rawPayload.toString('hex'), Buffer.from(expected, 'utf8').toString('hex'))
    await fails(404, w.world.people.leadB, 'GET', `/collections/${collection.id}/details/${detail.id}/responses.csv`)
  })

  it('checks volumes: respondents ≤ offered ≤ customers, per field; only those who may edit the service enter them', async () => {
    const { thumbs, likert } = await setUp()
    const collection = await collectionOf(2026, 1)
    const t = collection.details.find((d) => d.surveyId === thumbs) as Detail
    const l = collection.details.find((d) => d.surveyId === likert) as Detail
    const { managerA1, analystA, leadB } = w.world.people
    const tooFew = await fails(400, managerA1, 'PATCH', `/collections/${collection.id}`, { details: [{ id: t.id, volumeOffered: 3 }] })
    assert.match(tooFew.fields?.[`details.${t.id}.volumeOffered`] ?? '', /at least the number of respondents \(4\)/)
    const fewerCustomers = await fails(400, managerA1, 'PATCH', `/collections/${collection.id}`, { details: [{ id: t.id, volumeOfCustomers: 9 }] })
    assert.match(fewerCustomers.fields?.[`details.${t.id}.volumeOfCustomers`] ?? '', /at least the number offered the survey \(10\)/)
    await fails(403, analystA, 'PATCH', `/collections/${collection.id}`, { details: [{ id: t.id, volumeOfCustomers: 100 }] })
    await fails(404, leadB, 'PATCH', `/collections/${collection.id}`, { details: [{ id: t.id, volumeOfCustomers: 100 }] })
    await fails(400, managerA1, 'PATCH', `/collections/${collection.id}`, { details: [{ id: t.id, volumeOfCustomers: -1 }] })
    const saved = await ok(managerA1, 'PATCH', `/collections/${collection.id}`, { reflection: 'Phone line added.', details: [{ id: t.id, volumeOfCustomers: 120 }, { id: l.id, volumeOfCustomers: 50, volumeOffered: 8 }] })
    const after = saved.details.find((d) => d.id === l.id) as Detail
    assert.deepEqual([after.volumeOfCustomers, after.volumeOffered, after.offered, after.responseRate], [50, 8, 8, 0.25])
    const audit = await db().selectFrom('audit_log').select('after_json').where('entity_id', '=', collection.id).where('action', '=', 'collection.update').execute()
    assert.equal(audit.length, 1)
    assert.match(audit[0]?.after_json ?? '', /"volumeOffered":8/)
  })

  it('submits (HISP leads only, volumes complete), stores the hash, notifies OMB by email and webhook', async () => {
    const { legacy } = await setUp()
    await createWebhook(db(), system, { organizationId: w.world.orgs.A.id, url: 'https://hooks.example.gov/collections', events: ['collection.submitted', 'collection.rated', 'collection.published'] })
    const collection = await collectionOf(2026, 1)
    const { managerA1, leadA, leadB, reviewer } = w.world.people
    await fails(403, managerA1, 'POST', `/collections/${collection.id}/transitions`, { transition: 'submit' })
    await fails(404, leadB, 'POST', `/collections/${collection.id}/transitions`, { transition: 'submit' })
    await fails(403, reviewer, 'POST', `/collections/${collection.id}/transitions`, { transition: 'submit' })
    const g = collection.details.find((d) => d.surveyId === legacy) as Detail
    const incomplete = await fails(400, leadA, 'POST', `/collections/${collection.id}/transitions`, { transition: 'submit' })
    assert.deepEqual(Object.keys(incomplete.fields ?? {}).sort(), [`details.${g.id}.volumeOfCustomers`, `details.${g.id}.volumeOffered`])
    await ok(leadA, 'PATCH', `/collections/${collection.id}`, { details: [{ id: g.id, volumeOfCustomers: 30, volumeOffered: 20 }] })
    const submitted = await ok(leadA, 'POST', `/collections/${collection.id}/transitions`, { transition: 'submit' })
    assert.equal(submitted.state, 'submitted')
    assert.match(submitted.integrityHash ?? '', /^[0-9a-f]{64}$/)
    assert.ok(submitted.details.every((d) => /^[0-9a-f]{64}$/.test(d.dataHash ?? '')))
    for (const person of [leadA, managerA1]) await fails(409, person, 'PATCH', `/collections/${collection.id}`, { reflection: 'late' })
    const mail = await db().selectFrom('collection_emails').select(['kind', 'to_email']).where('collection_id', '=', collection.id).orderBy('to_email').execute()
    assert.deepEqual(mail.map((m) => `${m.kind}:${m.to_email}`), ['submitted:leada@test.gov', 'submitted:managera1@test.gov', `submitted:${reviewer.email}`], 'OMB\'s reviewers, and the HISP\'s people as a receipt')
    const hooks = await db().selectFrom('webhook_deliveries').select(['event', 'payload']).where('event', 'like', 'collection.%').execute()
    assert.deepEqual(hooks.map((h) => h.event), ['collection.submitted'])
    assert.deepEqual(JSON.parse(hooks[0]?.payload ?? '{}').data, { collectionId: collection.id, serviceId: collection.serviceId, hispId: collection.hispId, fiscalYear: 2026, quarter: 1, from: 'draft', state: 'submitted', rating: null })
    const integrity = await ok<{ matches: boolean; stored: string; current: string }>(reviewer, 'GET', `/collections/${collection.id}/integrity`)
    assert.deepEqual([integrity.matches, integrity.stored], [true, submitted.integrityHash])
  })

  it('rates (reviewers, with a reason), publishes green only, and shows a hash mismatch when responses change after submission', async () => {
    const { thumbs } = await setUp()
    const collection = await collectionOf(2026, 1)
    const { leadA, reviewer, admin } = w.world.people
    await fails(403, leadA, 'POST', `/collections/${collection.id}/rating`, { rating: 'green', reason: 'Looks right' })
    await fails(400, reviewer, 'POST', `/collections/${collection.id}/rating`, { rating: 'green', reason: '' })
    await fails(400, reviewer, 'POST', `/collections/${collection.id}/rating`, { rating: 'blue', reason: 'x' })
    const notRated = await fails(409, reviewer, 'POST', `/collections/${collection.id}/transitions`, { transition: 'publish' })
    assert.match(notRated.message, /rated green/)
    const yellow = await ok(reviewer, 'POST', `/collections/${collection.id}/rating`, { rating: 'yellow', reason: 'Channel looks wrong' })
    assert.deepEqual([yellow.rating, yellow.ratingReason, yellow.state], ['yellow', 'Channel looks wrong', 'submitted'])
    await fails(409, reviewer, 'POST', `/collections/${collection.id}/transitions`, { transition: 'publish' })
    await ok(reviewer, 'POST', `/collections/${collection.id}/rating`, { rating: 'green', reason: 'All three questions, correct format' })
    await fails(403, leadA, 'POST', `/collections/${collection.id}/transitions`, { transition: 'publish' })

    // A response trashed after submission changes the data OMB received.
    await db().updateTable('responses').set({ status: 'trash' }).where('survey_id', '=', thumbs).where('external_id', '=', 't2').execute()
    const changed = await ok<{ matches: boolean; details: { surveyId: string; matches: boolean; rows: number }[] }>(reviewer, 'GET', `/collections/${collection.id}/integrity`)
    assert.equal(changed.matches, false)
    assert.deepEqual(changed.details.filter((d) => !d.matches).map((d) => [d.surveyId, d.rows]), [[thumbs, 3]])
    const blocked = await fails(409, reviewer, 'POST', `/collections/${collection.id}/transitions`, { transition: 'publish' })
    assert.match(blocked.message, /changed after this collection was submitted/)
    // The figures stay as submitted (frozen tallies): t2 still counts, 3 of 4 trusting, 2 of 3 positives ticked ease.
    const frozen = (await ok(reviewer, 'GET', `/collections/${collection.id}`)).details.find((d) => d.surveyId === thumbs) as Detail
    assert.deepEqual([frozen.respondents, frozen.figures.respondents, frozen.figures.trust.count, frozen.figures.trust.n, round(frozen.figures.drivers.positive.drivers.ease?.share)], [4, 4, 3, 4, 0.6667])
    const stored = await db().selectFrom('collection_details').select('tally').where('collection_id', '=', collection.id).where('survey_id', '=', thumbs).executeTakeFirstOrThrow()
    assert.match(stored.tally ?? '', /^\{"v":1,"respondents":4,"trustAnswered":4,"trustPositive":3,/)
    await db().updateTable('responses').set({ status: 'inbox' }).where('survey_id', '=', thumbs).where('external_id', '=', 't2').execute()

    const published = await ok(reviewer, 'POST', `/collections/${collection.id}/transitions`, { transition: 'publish' })
    assert.equal(published.state, 'published')
    await fails(409, reviewer, 'POST', `/collections/${collection.id}/rating`, { rating: 'yellow', reason: 'too late' })
    const archived = await ok(admin, 'POST', `/collections/${collection.id}/transitions`, { transition: 'archive' })
    assert.equal(archived.state, 'archived')
    await fails(409, reviewer, 'POST', `/collections/${collection.id}/transitions`, { transition: 'archive' })
    const audit = await db().selectFrom('audit_log').select('action').where('entity_id', '=', collection.id).orderBy('id').execute()
    assert.deepEqual(audit.map((a) => a.action), ['collection.create', 'collection.update', 'collection.update', 'collection.submit', 'collection.rate', 'collection.rate', 'collection.publish', 'collection.archive'])
    const mail = await db().selectFrom('collection_emails').select(['kind', 'to_email']).where('collection_id', '=', collection.id).orderBy('created_at').orderBy('kind').execute()
    assert.deepEqual(mail.map((m) => `${m.kind}:${m.to_email}`).sort(), [
      'archived:leada@test.gov', 'archived:managera1@test.gov', 'published:leada@test.gov', 'published:managera1@test.gov',
      'rated:leada@test.gov', 'rated:leada@test.gov', 'rated:managera1@test.gov', 'rated:managera1@test.gov',
      'submitted:leada@test.gov', 'submitted:managera1@test.gov', `submitted:${reviewer.email}`,
    ], 'HISP leads over the service and its owner hear of OMB\'s decisions; reviewers of the submission')
    const hooks = await db().selectFrom('webhook_deliveries').select('event').where('event', 'like', 'collection.%').orderBy('created_at').execute()
    assert.deepEqual(hooks.map((h) => h.event).sort(), ['collection.published', 'collection.rated', 'collection.rated', 'collection.submitted'], 'only the events the webhook subscribes to')
  })

  it('asks for changes (with a note) and takes a resubmission, which clears the rating', async () => {
    await setUp()
    const collection = await collectionOf(2025, 4)
    const { leadA, reviewer } = w.world.people
    const [detail] = collection.details as [Detail]
    await ok(leadA, 'PATCH', `/collections/${collection.id}`, { details: [{ id: detail.id, volumeOfCustomers: 10, volumeOffered: 5 }] })
    await ok(leadA, 'POST', `/collections/${collection.id}/transitions`, { transition: 'submit' })
    await ok(reviewer, 'POST', `/collections/${collection.id}/rating`, { rating: 'yellow', reason: 'Offers look low' })
    const noNote = await fails(400, reviewer, 'POST', `/collections/${collection.id}/transitions`, { transition: 'request_changes' })
    assert.ok(noNote.fields?.note)
    const returned = await ok(reviewer, 'POST', `/collections/${collection.id}/transitions`, { transition: 'request_changes', note: 'Count the paper forms handed out.' })
    assert.deepEqual([returned.state, returned.reviewNote, returned.abilities.editVolumes], ['change_requested', 'Count the paper forms handed out.', false], 'a reviewer does not edit volumes')
    const lead = await ok(leadA, 'GET', `/collections/${collection.id}`)
    assert.deepEqual([lead.abilities.editVolumes, lead.abilities.transitions], [true, ['submit']])
    await ok(leadA, 'PATCH', `/collections/${collection.id}`, { details: [{ id: detail.id, volumeOffered: 8 }] })
    const again = await ok(leadA, 'POST', `/collections/${collection.id}/transitions`, { transition: 'submit' })
    assert.deepEqual([again.state, again.rating, again.reviewNote], ['submitted', null, null])
  })

  it('marks a quarter with no data not reported (it cannot be submitted) and rates it red, never green', async () => {
    await setUp()
    const { leadA, reviewer } = w.world.people
    await ok(reviewer, 'POST', '/collections', { fiscalYear: 2026, quarter: 3 })
    const empty = await collectionOf(2026, 3)
    assert.equal(empty.details.length, 0)
    const refused = await fails(409, leadA, 'POST', `/collections/${empty.id}/transitions`, { transition: 'submit' })
    assert.match(refused.message, /mark the collection not reported/)
    const marked = await ok(leadA, 'POST', `/collections/${empty.id}/transitions`, { transition: 'mark_not_reported', note: 'Survey launched in Q4' })
    assert.equal(marked.state, 'not_reported')
    await fails(409, reviewer, 'POST', `/collections/${empty.id}/rating`, { rating: 'green', reason: 'no' })
    assert.equal((await ok(reviewer, 'POST', `/collections/${empty.id}/rating`, { rating: 'red', reason: 'No data reported' })).rating, 'red')
    const metadata = await call(reviewer, 'GET', `/collections/${empty.id}/export?format=metadata`)
    assert.equal(metadata.statusCode, 200)
    assert.equal(metadata.body.split('\r\n').length, 3, 'header, one row with empty detail cells, final line end')
  })

  it('sends deadline reminders 14, 7 and 1 days before to HISP leads, each once, and only for open collections', async () => {
    await setUp()
    await ok(w.world.people.reviewer, 'POST', '/collections', { fiscalYear: 2026, quarter: 2 })
    const open = await collectionOf(2026, 2)
    assert.equal(open.dueOn, '2026-04-30')
    const context = (iso: string) => ({ now: new Date(iso), publicUrl: 'https://cx280.agency.gov' })
    const reminders = async () => (await db().selectFrom('collection_reminders').select('days_before').where('collection_id', '=', open.id).orderBy('days_before', 'desc').execute()).map((r) => r.days_before)
    assert.deepEqual(await sendCollectionReminders(db(), context('2026-04-15T16:00:00Z')), { reminders: 0, emails: 0 }, '15 days out: none yet')
    assert.deepEqual(await sendCollectionReminders(db(), context('2026-04-16T16:00:00Z')), { reminders: 1, emails: 1 })
    assert.deepEqual(await sendCollectionReminders(db(), context('2026-04-16T20:00:00Z')), { reminders: 0, emails: 0 }, 'once')
    assert.deepEqual(await sendCollectionReminders(db(), context('2026-04-25T16:00:00Z')), { reminders: 1, emails: 1 }, '5 days out: the 7-day reminder')
    // 03:30 UTC on Apr 30 is still Apr 29 in Washington: one day to go.
    assert.deepEqual(await sendCollectionReminders(db(), context('2026-04-30T03:30:00Z')), { reminders: 1, emails: 1 })
    assert.deepEqual(await sendCollectionReminders(db(), context('2026-05-01T16:00:00Z')), { reminders: 0, emails: 0 }, 'past the deadline')
    assert.deepEqual(await reminders(), [14, 7, 1])
    const mail = await db().selectFrom('collection_emails').select(['to_email', 'subject', 'body']).where('collection_id', '=', open.id).where('kind', '=', 'reminder').orderBy('created_at').execute()
    assert.deepEqual(mail.map((m) => m.to_email), ['leada@test.gov', 'leada@test.gov', 'leada@test.gov'])
    assert.deepEqual(mail.map((m) => m.subject.split(':')[0]), ['Due in 14 days (2026-04-30)', 'Due in 5 days (2026-04-30)', 'Due tomorrow (2026-04-30)'])
    assert.match(mail[0]?.body ?? '', new RegExp(`https://cx280\\.agency\\.gov/collections/${open.id}`))

    const before = w.t.runtime.mailer.outboxDir
    assert.ok(before, 'the test mailer writes .eml files')
    const sent = await deliverCollectionEmails(db(), { now: new Date(Date.now() + 86_400_000), mailer: w.t.runtime.mailer })
    assert.ok(sent.sent >= 3 && sent.failed === 0, JSON.stringify(sent))
    assert.deepEqual(await deliverCollectionEmails(db(), { now: new Date(Date.now() + 86_400_000), mailer: w.t.runtime.mailer }), { sent: 0, failed: 0 }, 'each message is sent once')
    const failing = { send: async () => { throw new Error('SMTP down') } }
    await db().updateTable('collection_emails').set({ status: 'pending', attempts: 0, sent_at: null, next_attempt_at: new Date().toISOString() }).where('collection_id', '=', open.id).execute()
    const failed = await deliverCollectionEmails(db(), { now: new Date(Date.now() + 86_400_000), mailer: failing })
    assert.deepEqual(failed, { sent: 0, failed: 3 })
    const retry = await db().selectFrom('collection_emails').select(['status', 'attempts', 'last_error']).where('collection_id', '=', open.id).execute()
    assert.ok(retry.every((r) => r.status === 'pending' && r.attempts === 1 && r.last_error === 'SMTP down'), 'kept for a retry with its error')
  })

  it('round trip: importing the exported 17-column file into another survey reproduces the counts', async () => {
    const { thumbs } = await setUp()
    const collection = await collectionOf(2026, 1)
    const detail = collection.details.find((d) => d.surveyId === thumbs) as Detail
    const file = (await call(w.world.people.admin, 'GET', `/collections/${collection.id}/details/${detail.id}/responses.csv`)).body
    const copy = (await transitionSurvey(db(), system, (await createSurvey(db(), system, { serviceId: w.world.services.serviceA1Other.id, template: 'a11_v2_thumbs' })).id, 'publish')).id
    const report = await importResponsesCsv(db(), system, copy, file, { format: 'omb17', submittedOn: '2025-11-20' })
    assert.ok(report.ok, JSON.stringify(report.errors))
    assert.equal(report.imported, detail.respondents)
    const scores = await ok<{ overall: Detail['figures'] }>(w.world.people.admin, 'GET', `/surveys/${copy}/scores`)
    const original = detail.figures
    assert.deepEqual([scores.overall.respondents, scores.overall.trust.count, scores.overall.trust.n], [original.respondents, original.trust.count, original.trust.n])
    for (const branch of ['positive', 'negative'] as const) {
      assert.equal(scores.overall.drivers[branch].n, original.drivers[branch].n)
      for (const [key, share] of Object.entries(original.drivers[branch].drivers)) assert.equal(scores.overall.drivers[branch].drivers[key]?.count, share.count, `${branch} ${key}`)
    }
  })

  it('exports metadata, legacy Likert counts, XLSX and JSON; keeps other organizations out of lists and the board', async () => {
    const { legacy } = await setUp()
    const collection = await collectionOf(2026, 1)
    const { reviewer, leadB, analystA } = w.world.people
    const metadata = await call(analystA, 'GET', `/collections/${collection.id}/export`)
    assert.equal(metadata.statusCode, 200)
    const [header, ...rows] = metadata.body.split('\r\n').filter(Boolean)
    assert.equal(header, 'collection_id,fiscal_year,quarter,service_provider_name,service_provider_slug,organization_name,organization_abbreviation,service_id,service_name,state,rating,submitted_at,integrity_hash,detail_id,survey_id,transaction_point,channel,service_stage_name,survey_type,survey_title,omb_control_number,federal_register_url,trust_question_text,volume_of_customers,volume_of_customers_provided_survey_opportunity,volume_of_respondents')
    assert.equal(rows.length, 3)
    const legacyCsv = await call(analystA, 'GET', `/collections/${collection.id}/export?format=legacy`)
    assert.equal(legacyCsv.statusCode, 200, legacyCsv.body)
    const [legacyHeader, legacyRow] = legacyCsv.body.split('\r\n')
    const cells = Object.fromEntries((legacyHeader ?? '').split(',').map((name, i) => [name, (legacyRow ?? '').split(',')[i]]))
    // q1 answers 5,4,5; q2 5,3,4; q5 3,1,5: respondents per point 1…5.
    assert.deepEqual(['q1_1', 'q1_2', 'q1_3', 'q1_4', 'q1_5'].map((k) => cells[k]), ['0', '0', '0', '1', '2'])
    assert.deepEqual(['q2_1', 'q2_2', 'q2_3', 'q2_4', 'q2_5'].map((k) => cells[k]), ['0', '0', '1', '1', '1'])
    assert.deepEqual(['q5_1', 'q5_2', 'q5_3', 'q5_4', 'q5_5'].map((k) => cells[k]), ['1', '0', '1', '0', '1'])
    assert.deepEqual([cells.q8_text, cells.q8_1, cells.volume_of_respondents, cells.year, cells.quarter], ['', '', '3', '2026', '1'])
    const xlsx = await call(analystA, 'GET', `/collections/${collection.id}/export?format=xlsx`)
    assert.equal(xlsx.statusCode, 200)
    assert.equal(xlsx.rawPayload.subarray(0, 2).toString(), 'PK', 'a zip (XLSX) file')
    const { default: ExcelJS } = await import('exceljs')
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
    const names = workbook.worksheets.map((s) => s.name)
    assert.deepEqual([names[0], names[1], names.at(-1), names.length], ['Collection', 'Scores', 'Legacy Likert counts', 6])
    const jsonFile = await call(analystA, 'GET', `/collections/${collection.id}/export?format=json`)
    assert.equal(json<Collection>(jsonFile).details.length, 3)
    assert.ok(collection.details.some((d) => d.surveyId === legacy))

    await fails(404, leadB, 'GET', `/collections/${collection.id}`)
    const theirs = await ok<{ items: Collection[]; total: number }>(leadB, 'GET', '/collections')
    assert.deepEqual([theirs.items.length, theirs.total], [0, 0])
    const board = await ok<{ items: { serviceId: string; quarters: ({ state: string; rating: string | null } | null)[] }[] }>(reviewer, 'GET', '/collections/board?fiscalYear=2026')
    const row = board.items.find((r) => r.serviceId === w.world.services.serviceA1.id)
    assert.deepEqual(row?.quarters.map((q) => q && [q.state, q.rating]), [['archived', 'green'], ['draft', null], ['not_reported', 'red'], null])
    assert.deepEqual((await ok<{ items: unknown[] }>(leadB, 'GET', '/collections/board?fiscalYear=2026')).items, [])
    const filtered = await ok<{ items: Collection[] }>(reviewer, 'GET', '/collections?state=draft')
    assert.deepEqual(filtered.items.map((c) => c.label), ['FY2026 Q2'])
  })

  it('opens each quarter\'s collections by the daily job (and the previous quarter\'s missing ones), with the configured deadline', async () => {
    await setUp()
    // 05:10 UTC on July 1 is 01:10 EDT: FY2026 Q4 has begun. Q3 exists already (marked not reported above).
    const results = await openQuarterCollections(db(), { now: new Date('2026-07-01T05:10:00Z'), deadlineDays: 45 })
    assert.deepEqual(results, [{ fiscalYear: 2026, quarter: 3, created: 0, existing: 1 }, { fiscalYear: 2026, quarter: 4, created: 1, existing: 0 }])
    const q4 = await collectionOf(2026, 4)
    assert.deepEqual([q4.state, q4.dueOn], ['draft', '2026-11-14'], '45 days after Sep 30')
    const audit = await db().selectFrom('audit_log').select('actor_label').where('entity_id', '=', q4.id).execute()
    assert.deepEqual(audit, [{ actor_label: 'system:collections' }])
    assert.deepEqual((await openQuarterCollections(db(), { now: new Date('2026-07-02T05:10:00Z'), deadlineDays: 45 })).map((r) => r.created), [0, 0], 'the next day makes nothing')
  })
})
