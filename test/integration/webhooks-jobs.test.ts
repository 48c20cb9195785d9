/**
 * Webhooks and the scheduled jobs, on both engines, driven with an injected `now`: signed deliveries to a real local
 * HTTP receiver (a 500, then success on the retry; failure after the last attempt), instant and digest email written
 * to the runtime's outbox (no free text, nothing twice), PRA clearance duties, and the 30-day trash purge.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../../src/config.ts'
import { runJob, scheduledJobs, startScheduler } from '../../src/jobs/scheduler.ts'
import { sendDailyDigests, sendInstantNotifications } from '../../src/notify/survey-notifications.ts'
import { deliverDueWebhooks, MAX_ATTEMPTS, RETRY_DELAYS_MS, verifyWebhookSignature } from '../../src/notify/webhook-delivery.ts'
import { runClearanceDuties } from '../../src/surveys/clearance-jobs.ts'
import { purgeTrash } from '../../src/surveys/retention.ts'
import { bearer, describeWithWorld, form, json, signIn, type Person } from '../helpers/test-app.ts'

interface Received { path: string; headers: IncomingHttpHeaders; body: string; verified: boolean }

/** A webhook receiver on 127.0.0.1 that checks every signature and answers with the next scripted status per path. */
async function startReceiver(secrets: Map<string, string>, script: Map<string, number[]>): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = req.url ?? '/'
      const body = Buffer.concat(chunks).toString('utf8')
      const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined)
      const verified = verifyWebhookSignature({ secret: secrets.get(path) ?? '', body, timestamp: header('x-cx280-timestamp'), signature: header('x-cx280-signature') })
      received.push({ path, headers: req.headers, body, verified })
      const statuses = script.get(path) ?? []
      res.writeHead(verified ? (statuses.length > 1 ? (statuses.shift() as number) : (statuses[0] ?? 204)) : 401).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

/** The outbox's .eml files, oldest first, with quoted-printable soft breaks and escapes undone so text can be searched. */
function outboxMessages(dir: string | null): { to: string; text: string }[] {
  if (!dir || !existsSync(dir)) return []
  return readdirSync(dir).filter((f) => f.endsWith('.eml')).sort().map((f) => {
    const raw = readFileSync(join(dir, f), 'utf8')
    const text = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    return { to: /^To: (.+)$/m.exec(raw)?.[1]?.trim() ?? '', text }
  })
}

describeWithWorld('webhooks and scheduled jobs', (w) => {
  const secrets = new Map<string, string>()
  const script = new Map<string, number[]>()
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  before(async () => { receiver = await startReceiver(secrets, script) })
  after(() => receiver.close())

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, person: Person, payload?: Record<string, unknown>) =>
    w.t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(person), ...(payload ? { payload } : {}) })
  const db = () => w.t.runtime.db
  const context = (now: Date) => ({ now, publicUrl: 'https://cx280.agency.gov', mailer: w.t.runtime.mailer })
  const publishedSurvey = async (payload: Record<string, unknown> = {}, person = w.world.people.managerA1) => {
    const created = await api('POST', '/surveys', person, { serviceId: w.world.services.serviceA1.id, template: 'a11_v2_likert', askContact: true, ...payload })
    assert.equal(created.statusCode, 201, created.body)
    const id = json<{ id: string }>(created).id
    assert.equal((await api('POST', `/surveys/${id}/transitions`, person, { transition: 'publish' })).statusCode, 200)
    return id
  }
  const respond = async (surveyId: string, answers: Record<string, unknown>) => {
    const response = await w.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${surveyId}/responses`, payload: { answers } })
    assert.equal(response.statusCode, 201, response.body)
    return json<{ id: string }>(response).id
  }
  const createHook = async (path: string, events: string[]) => {
    const response = await api('POST', '/webhooks', w.world.people.leadA, { organizationId: w.world.orgs.A1.id, url: `${receiver.url}${path}`, events })
    assert.equal(response.statusCode, 201, response.body)
    const hook = json<{ id: string; secret: string }>(response)
    secrets.set(path, hook.secret)
    return hook
  }
  const delivery = (id: string) => db().selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

  it('creates webhooks for an organization with a secret shown once, https only, managed by leads and admins', async () => {
    const { leadA, analystA, leadB, admin } = w.world.people
    const plain = await api('POST', '/webhooks', leadA, { organizationId: w.world.orgs.A.id, url: 'http://crm.agency.gov/hook', events: ['response.created'] })
    assert.equal(plain.statusCode, 400)
    assert.match(json<{ fields: Record<string, string> }>(plain).fields.url ?? '', /https/)
    assert.equal((await api('POST', '/webhooks', leadA, { organizationId: w.world.orgs.A.id, url: 'https://crm.agency.gov/hook', events: ['nope'] })).statusCode, 400)
    assert.equal((await api('POST', '/webhooks', analystA, { organizationId: w.world.orgs.A.id, url: 'https://crm.agency.gov/hook', events: ['response.created'] })).statusCode, 403)
    assert.equal((await api('POST', '/webhooks', leadB, { organizationId: w.world.orgs.A.id, url: 'https://crm.agency.gov/hook', events: ['response.created'] })).statusCode, 404)
    const created = await api('POST', '/webhooks', leadA, { organizationId: w.world.orgs.A.id, url: 'https://crm.agency.gov/hook', events: ['response.created', 'recovery_case.opened'] })
    assert.equal(created.statusCode, 201, created.body)
    const hook = json<{ id: string; secret: string; events: string[] }>(created)
    assert.match(hook.secret, /^whsec_[A-Za-z0-9_-]{43}$/)
    const fetched = await api('GET', `/webhooks/${hook.id}`, admin)
    assert.equal(fetched.statusCode, 200)
    assert.ok(!fetched.body.includes(hook.secret) && !(await api('GET', '/webhooks', leadA)).body.includes(hook.secret), 'the secret is never shown again')
    assert.equal((await api('GET', `/webhooks/${hook.id}`, leadB)).statusCode, 404)
    assert.equal((await api('GET', `/webhooks/${hook.id}`, analystA)).statusCode, 403)
    assert.equal(json<{ items: unknown[] }>(await api('GET', '/webhooks', leadB)).items.length, 0)
    const rotated = json<{ secret: string }>(await api('PATCH', `/webhooks/${hook.id}`, leadA, { rotateSecret: true, active: false }))
    assert.ok(rotated.secret && rotated.secret !== hook.secret)
    const audit = await db().selectFrom('audit_log').select(['action', 'before_json', 'after_json']).where('entity_id', '=', hook.id).orderBy('id').execute()
    assert.deepEqual(audit.map((a) => a.action), ['webhook.create', 'webhook.update'])
    assert.ok(!JSON.stringify(audit).includes(hook.secret) && !JSON.stringify(audit).includes(rotated.secret), 'secrets stay out of the audit log')
    assert.equal((await api('DELETE', `/webhooks/${hook.id}`, leadA)).statusCode, 204)
    assert.equal((await api('GET', `/webhooks/${hook.id}`, leadA)).statusCode, 404)
  })

  it('signs each delivery, retries a 500 after one minute and records the success', async () => {
    const hook = await createHook('/flaky', ['response.created'])
    script.set('/flaky', [500, 204])
    const surveyId = await publishedSurvey()
    const responseId = await respond(surveyId, { trust: 5 })
    const queued = await db().selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', hook.id).execute()
    assert.equal(queued.length, 1)
    const id = queued[0]?.id as string
    const t0 = new Date(Date.now() + 1000)

    const first = await deliverDueWebhooks(db(), { now: t0 })
    assert.equal(first.retrying, 1)
    let row = await delivery(id)
    assert.deepEqual([row.status, row.attempts, row.last_status, row.last_error], ['pending', 1, 500, 'HTTP 500'])
    assert.equal(row.next_attempt_at, new Date(t0.getTime() + 60_000).toISOString())
    assert.deepEqual(await deliverDueWebhooks(db(), { now: new Date(t0.getTime() + 30_000) }), { delivered: 0, retrying: 0, failed: 0 }, 'not due again before a minute')
    assert.equal((await delivery(id)).attempts, 1)

    const second = await deliverDueWebhooks(db(), { now: new Date(t0.getTime() + 61_000) })
    assert.equal(second.delivered, 1)
    row = await delivery(id)
    assert.deepEqual([row.status, row.attempts, row.last_status, row.last_error], ['delivered', 2, 204, null])
    assert.equal(row.delivered_at, new Date(t0.getTime() + 61_000).toISOString())

    const calls = receiver.received.filter((r) => r.path === '/flaky')
    assert.equal(calls.length, 2)
    assert.ok(calls.every((c) => c.verified), 'the receiver verified both signatures')
    assert.deepEqual(calls.map((c) => c.headers['x-cx280-delivery']), [id, id])
    assert.deepEqual(calls.map((c) => c.headers['x-cx280-timestamp']), [String(Math.floor(t0.getTime() / 1000)), String(Math.floor(t0.getTime() / 1000) + 61)])
    assert.equal(calls[0]?.headers['x-cx280-event'], 'response.created')
    assert.equal(JSON.parse(calls[1]?.body ?? '{}').data.responseId, responseId)
    const tampered = calls[0] as Received
    assert.equal(verifyWebhookSignature({ secret: hook.secret, body: tampered.body.replace('5', '1'), timestamp: tampered.headers['x-cx280-timestamp'] as string, signature: tampered.headers['x-cx280-signature'] as string }), false)
    assert.equal(verifyWebhookSignature({ secret: hook.secret, body: tampered.body, timestamp: tampered.headers['x-cx280-timestamp'] as string, signature: tampered.headers['x-cx280-signature'] as string, toleranceSeconds: 300, now: new Date(t0.getTime() + 3_600_000) }), false, 'stale timestamps fail the tolerance check')

    const history = json<{ items: { id: string; status: string }[] }>(await api('GET', `/webhooks/${hook.id}/deliveries`, w.world.people.leadA))
    assert.deepEqual(history.items.map((d) => [d.id, d.status]), [[id, 'delivered']])
  })

  it('backs off 1 min, 5 min, 30 min, 2 h and 12 h, then marks the delivery failed', async () => {
    const hook = await createHook('/down', ['recovery_case.opened'])
    script.set('/down', [503])
    const ping = await api('POST', `/webhooks/${hook.id}/ping`, w.world.people.leadA)
    assert.equal(ping.statusCode, 202)
    const id = json<{ id: string }>(ping).id
    let now = new Date(Date.now() + 1000)
    const waits: number[] = []
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await deliverDueWebhooks(db(), { now })
      const row = await delivery(id)
      assert.equal(row.attempts, attempt)
      if (attempt < MAX_ATTEMPTS) {
        assert.equal(row.status, 'pending')
        waits.push(Date.parse(row.next_attempt_at) - now.getTime())
        now = new Date(Date.parse(row.next_attempt_at))
      } else {
        assert.deepEqual([row.status, row.last_status], ['failed', 503])
      }
    }
    assert.deepEqual(waits, [...RETRY_DELAYS_MS])
    await deliverDueWebhooks(db(), { now: new Date(now.getTime() + 86_400_000) })
    assert.equal((await delivery(id)).attempts, MAX_ATTEMPTS, 'a failed delivery is not tried again')
    const calls = receiver.received.filter((r) => r.path === '/down')
    assert.equal(calls.length, MAX_ATTEMPTS)
    assert.ok(calls.every((c) => c.verified && c.headers['x-cx280-event'] === 'ping'))
  })

  it('manages webhooks from the page, and fails what is pending once a webhook is deactivated', async () => {
    const { cookie, csrf } = await signIn(w.t.app, w.world.people.leadA.email)
    const post = (url: string, fields: Record<string, string | string[]>) =>
      w.t.app.inject({ method: 'POST', url, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: csrf, ...fields }) })
    const bad = await post('/webhooks', { organizationId: w.world.orgs.A1.id, url: 'ftp://files.agency.gov', events: ['response.created'] })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /id="field-url-error"[^>]*>must use https:\/\//)
    const good = await post('/webhooks', { organizationId: w.world.orgs.A1.id, url: `${receiver.url}/paused`, events: ['survey.closed', 'recovery_case.updated'] })
    assert.equal(good.statusCode, 200)
    const secret = /data-testid="webhook-secret">([^<]+)</.exec(good.body)?.[1] ?? ''
    const row = await db().selectFrom('webhooks').selectAll().where('url', '=', `${receiver.url}/paused`).executeTakeFirstOrThrow()
    assert.equal(row.secret, secret, 'the page shows the stored secret once')
    assert.deepEqual(JSON.parse(row.events), ['recovery_case.updated', 'survey.closed'])
    assert.ok(!(await w.t.app.inject({ method: 'GET', url: '/webhooks', headers: { cookie } })).body.includes(secret))
    const ping = json<{ id: string }>(await api('POST', `/webhooks/${row.id}/ping`, w.world.people.leadA))
    assert.equal((await post(`/webhooks/${row.id}/active`, { active: 'false' })).statusCode, 303)
    assert.equal((await api('POST', `/webhooks/${row.id}/ping`, w.world.people.leadA)).statusCode, 409)
    await deliverDueWebhooks(db(), { now: new Date(Date.now() + 1000) })
    const failed = await delivery(ping.id)
    assert.deepEqual([failed.status, failed.last_error], ['failed', 'the webhook is deactivated'])
    assert.equal(receiver.received.filter((r) => r.path === '/paused').length, 0)
    assert.equal((await post(`/webhooks/${row.id}/delete`, {})).statusCode, 303)
    assert.equal(await db().selectFrom('webhooks').select('id').where('id', '=', row.id).executeTakeFirst(), undefined)
  })

  it('emails instant subscribers per response and daily subscribers one digest, without free text and never twice', async () => {
    const { analystA, leadA, leadB } = w.world.people
    const surveyId = await publishedSurvey()
    assert.equal((await api('PUT', `/surveys/${surveyId}/subscription`, analystA, { mode: 'instant' })).statusCode, 200)
    assert.equal((await api('PUT', `/surveys/${surveyId}/subscription`, leadA, { mode: 'daily' })).statusCode, 200)
    assert.equal((await api('PUT', `/surveys/${surveyId}/subscription`, leadB, { mode: 'daily' })).statusCode, 404)
    assert.equal((await api('PUT', `/surveys/${surveyId}/subscription`, leadA, { mode: 'hourly' })).statusCode, 400)
    assert.equal(json<{ mode: string }>(await api('GET', `/surveys/${surveyId}/subscription`, leadA)).mode, 'daily')
    const outbox = () => outboxMessages(w.t.runtime.mailer.outboxDir)
    const before = outbox().length

    const negative = await respond(surveyId, { trust: 1, drivers_negative: ['ease'], open_text: 'Zebra42 call me at 555-867-5309', contact_consent: 1, contact_details: 'pat@example.com' })
    const positive = await respond(surveyId, { trust: 5, drivers_positive: ['other'], 'drivers_positive.other': 'Wombat13', open_text: 'Quokka77' })
    const caseId = (await db().selectFrom('recovery_cases').select('id').where('response_id', '=', negative).executeTakeFirstOrThrow()).id
    const soon = new Date(Date.now() + 20_000)

    assert.deepEqual(await sendInstantNotifications(db(), context(soon)), { emails: 2, failures: 0 })
    assert.deepEqual(await sendInstantNotifications(db(), context(soon)), { emails: 0, failures: 0 }, 'the same window is not sent twice')
    assert.deepEqual(await sendInstantNotifications(db(), context(new Date(soon.getTime() + 60_000))), { emails: 0, failures: 0 })
    const instant = outbox().slice(before)
    assert.deepEqual(instant.map((m) => m.to), [analystA.email, analystA.email])
    assert.ok(instant[0]?.text.includes(`https://cx280.agency.gov/recovery/${caseId}`), 'the negative response links its recovery case')
    assert.ok(instant[0]?.text.includes(`https://cx280.agency.gov/responses/${negative}`))
    assert.ok(instant[1]?.text.includes(`https://cx280.agency.gov/responses/${positive}`))
    assert.match(instant[0]?.text ?? '', /trust: 1 of 5 \(negative\)/)

    const tomorrow = new Date(`${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}T13:00:00Z`)
    assert.deepEqual(await sendDailyDigests(db(), context(tomorrow)), { emails: 1, failures: 0 })
    assert.deepEqual(await sendDailyDigests(db(), context(new Date(tomorrow.getTime() + 3_600_000))), { emails: 0, failures: 0 }, 'one digest per day')
    const digest = outbox().slice(before + 2)
    assert.equal(digest.length, 1)
    assert.equal(digest[0]?.to, leadA.email)
    assert.match(digest[0]?.text ?? '', /Responses since .*: 2 \(positive 1, negative 1\)/)
    assert.match(digest[0]?.text ?? '', /Open recovery cases: 1/)
    assert.ok(digest[0]?.text.includes(`/recovery/${caseId}`))

    for (const message of outbox().slice(before)) {
      for (const secret of ['Zebra42', 'Quokka77', 'Wombat13', '555-867-5309', 'pat@example.com']) assert.ok(!message.text.includes(secret), `an email to ${message.to} contains “${secret}”`)
    }
    const { cookie, csrf } = await signIn(w.t.app, analystA.email)
    const settings = await w.t.app.inject({ method: 'GET', url: `/surveys/${surveyId}/notifications`, headers: { cookie } })
    assert.match(settings.body, /id="mode-instant"[^>]*checked/)
    const off = await w.t.app.inject({ method: 'POST', url: `/surveys/${surveyId}/notifications`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: csrf, mode: 'off' }) })
    assert.equal(off.statusCode, 303)
    assert.equal(json<{ mode: string }>(await api('GET', `/surveys/${surveyId}/subscription`, analystA)).mode, 'off')
    await respond(surveyId, { trust: 4 })
    assert.deepEqual(await sendInstantNotifications(db(), context(new Date(Date.now() + 20_000))), { emails: 0, failures: 0 }, 'off sends nothing')
  })

  it('closes surveys whose PRA clearance expired and warns the owner and creator once, 7 days ahead', async () => {
    const { leadA, managerA1 } = w.world.people
    const clearance = { ombControlNumber: '0348-0069', praExpiresOn: '2099-01-01' }
    const expired = await publishedSurvey(clearance)
    const expiring = await publishedSurvey(clearance, leadA)
    const later = await publishedSurvey(clearance)
    const now = new Date()
    const day = (offset: number) => new Date(now.getTime() + offset * 86_400_000).toISOString().slice(0, 10)
    await db().updateTable('surveys').set({ pra_expires_on: day(-1) }).where('id', '=', expired).execute()
    await db().updateTable('surveys').set({ pra_expires_on: day(5) }).where('id', '=', expiring).execute()
    await db().updateTable('surveys').set({ pra_expires_on: day(30) }).where('id', '=', later).execute()
    const outbox = () => outboxMessages(w.t.runtime.mailer.outboxDir)
    const before = outbox().length

    const first = await runClearanceDuties(db(), context(now))
    assert.deepEqual([first.closed, first.warned], [1, 1])
    const state = async (id: string) => (await db().selectFrom('surveys').select(['state', 'pra_warned_for']).where('id', '=', id).executeTakeFirstOrThrow())
    assert.equal((await state(expired)).state, 'closed')
    assert.equal((await state(expiring)).state, 'published')
    assert.equal((await state(expiring)).pra_warned_for, day(5))
    assert.equal((await state(later)).pra_warned_for, null)
    const closeAudit = await db().selectFrom('audit_log').select(['actor_label', 'action']).where('entity_id', '=', expired).where('action', '=', 'survey.close').executeTakeFirstOrThrow()
    assert.equal(closeAudit.actor_label, 'system:pra-expiry')
    const sent = outbox().slice(before)
    const warnings = sent.filter((m) => m.text.includes(`expires on ${day(5)}`))
    assert.deepEqual(warnings.map((m) => m.to).sort(), [leadA.email, managerA1.email].sort(), 'the survey creator and the service owner')
    assert.deepEqual(sent.filter((m) => m.text.includes('cx280 closed the survey')).map((m) => m.to), [managerA1.email])

    const again = await runClearanceDuties(db(), context(new Date(now.getTime() + 3_600_000)))
    assert.deepEqual([again.closed, again.warned, again.emails], [0, 0, 0], 'each expiration date is warned about once')
    await db().updateTable('surveys').set({ pra_expires_on: day(6) }).where('id', '=', expiring).execute()
    assert.equal((await runClearanceDuties(db(), context(now))).warned, 1, 'a new expiration date gets its own warning')
  })

  it('purges only trash older than 30 days, with answers, cases and notes, and audits one summary', async () => {
    const surveyId = await publishedSurvey()
    const old = await respond(surveyId, { trust: 1, contact_consent: 1, contact_details: 'x@example.com' })
    const recent = await respond(surveyId, { trust: 2 })
    const kept = await respond(surveyId, { trust: 3 })
    const caseId = (await db().selectFrom('recovery_cases').select('id').where('response_id', '=', old).executeTakeFirstOrThrow()).id
    assert.equal((await api('POST', `/recovery-cases/${caseId}/notes`, w.world.people.analystA, { body: 'note' })).statusCode, 201)
    const now = new Date()
    const ago = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString()
    await db().updateTable('responses').set({ status: 'trash', trashed_at: ago(31) }).where('id', '=', old).execute()
    await db().updateTable('responses').set({ status: 'trash', trashed_at: ago(29) }).where('id', '=', recent).execute()

    assert.equal(await purgeTrash(db(), now), 1)
    const ids = (await db().selectFrom('responses').select('id').where('id', 'in', [old, recent, kept]).execute()).map((r) => r.id).sort()
    assert.deepEqual(ids, [recent, kept].sort())
    const answersOf = async (responseId: string) => (await db().selectFrom('response_answers').select('position').where('response_id', '=', responseId).execute()).length
    assert.equal(await answersOf(old), 0)
    assert.ok((await answersOf(recent)) > 0)
    assert.equal(await db().selectFrom('recovery_cases').select('id').where('id', '=', caseId).executeTakeFirst(), undefined)
    assert.equal(await db().selectFrom('recovery_notes').select('id').where('case_id', '=', caseId).executeTakeFirst(), undefined)
    const audits = await db().selectFrom('audit_log').select(['actor_label', 'after_json']).where('action', '=', 'response.purge').execute()
    assert.equal(audits.length, 1)
    assert.equal(audits[0]?.actor_label, 'system:trash-purge')
    assert.equal(JSON.parse(audits[0]?.after_json ?? '{}').purged, 1)
    assert.equal(await purgeTrash(db(), now), 0)
    assert.equal((await db().selectFrom('audit_log').select('id').where('action', '=', 'response.purge').execute()).length, 1, 'an empty purge writes no audit entry')
  })
})

describe('the job scheduler', () => {
  it('schedules each job in UTC, logs a failing job instead of throwing, and stops cleanly', async () => {
    const runtime = { db: {} as never, events: {} as never, mailer: { send: async () => undefined, outboxDir: null }, config: loadConfig({}) }
    const jobs = scheduledJobs(runtime)
    assert.deepEqual(jobs.map((j) => [j.name, j.pattern]), [
      ['webhook-delivery', '*/15 * * * * *'], ['instant-notifications', '0 * * * * *'], ['daily-digest', '0 0 13 * * *'],
      ['pra-clearance', '0 0 12 * * *'], ['trash-purge', '0 30 3 * * *'], ['planner-statistics', '0 45 3 * * *'], ['visitor-salts', '0 5 0 * * *'],
      ['collections-open', '0 10 5 * * *'], ['collection-reminders', '0 30 13 * * *'], ['collection-mail', '45 * * * * *'],
      ['analytics-rollups', '30 * * * * *'], ['event-retention', '0 15 4 * * *'], ['monitors', '0 */5 * * * *'],
      ['journey-funnels', '20 */10 * * * *'],
    ])
    assert.deepEqual(jobs.filter((j) => j.atStart).map((j) => j.name), ['journey-funnels'])
    const logged: { level: string; data: Record<string, unknown> }[] = []
    const log = {
      debug: (data: object) => logged.push({ level: 'debug', data: data as Record<string, unknown> }),
      info: (data: object) => logged.push({ level: 'info', data: data as Record<string, unknown> }),
      error: (data: object) => logged.push({ level: 'error', data: data as Record<string, unknown> }),
    }
    await runJob({ name: 'broken', pattern: '* * * * * *', run: async () => { throw new Error('boom') } }, new Date(), log)
    assert.equal(logged.at(-1)?.level, 'error')
    assert.equal(logged.at(-1)?.data.job, 'broken')
    const scheduler = startScheduler(jobs, log)
    // The journey-funnels job runs at start; with no database here it fails, and the failure is logged.
    for (let wait = 0; wait < 50 && !logged.some((l) => l.data.job === 'journey-funnels'); wait++) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.deepEqual(logged.filter((l) => l.data.job === 'journey-funnels').map((l) => l.level), ['error'], 'ran once at start')
    const digest = scheduler.jobs.find((j) => j.name === 'daily-digest')?.nextRun()
    assert.equal(digest?.toISOString().slice(11), '13:00:00.000Z')
    const webhook = scheduler.jobs.find((j) => j.name === 'webhook-delivery')?.nextRun()
    assert.ok(webhook && webhook.getTime() - Date.now() <= 15_000)
    await scheduler.stop()
    assert.equal(scheduler.jobs[0]?.nextRun(), null, 'a stopped schedule has no next run')
  })

  it('reads CX280_JOBS as on (default) or off', () => {
    assert.equal(loadConfig({}).jobs, true)
    assert.equal(loadConfig({ CX280_JOBS: 'off' }).jobs, false)
    assert.throws(() => loadConfig({ CX280_JOBS: 'maybe' }), /CX280_JOBS/)
  })
})
