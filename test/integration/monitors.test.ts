/**
 * Monitors and regression alerts (issue 5), on both relational engines with DuckDB in memory, driven by the real job
 * (`evaluateDueMonitors`) at injected times: three weeks of hand-shaped hourly traffic, then a 50% drop opens exactly
 * one alert, one email to the recipients and one signed webhook; recovery resolves it; the cool-down suppresses a
 * re-open; no-data, a named key action and a journey's completion rate fire; the API validates, audits and keeps
 * other organizations out; the pages render.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import { createJourney } from '../../src/analytics/journeys.ts'
import { evaluateDueMonitors, nextEvaluationAt } from '../../src/analytics/monitor-evaluation.ts'
import { systemActor } from '../../src/auth/index.ts'
import type { EventRow } from '../../src/events/event-store.ts'
import { deliverDueWebhooks, verifyWebhookSignature } from '../../src/notify/webhook-delivery.ts'
import { bearer, describeWithWorld, form, json, signIn, type Person } from '../helpers/test-app.ts'

const HOUR = 3_600_000
const MINUTE = 60_000
/** Monday 2026-01-05 00:00 UTC. */
const T0 = Date.UTC(2026, 0, 5)
const at = (hours: number, minutes = 0) => new Date(T0 + hours * HOUR + minutes * MINUTE)

/** Page views in hour h (from T0): 120 an hour 08:00–20:00 and 30 at night on weekdays, half that at weekends. */
function normal(h: number): number {
  const day = Math.floor(h / 24) % 7
  const base = h % 24 >= 8 && h % 24 < 20 ? 120 : 30
  return day >= 5 ? base / 2 : base
}

function pageviews(siteId: string, hour: number, count: number, path = '/'): EventRow[] {
  return Array.from({ length: count }, (_, i) => ({
    ts: new Date(T0 + hour * HOUR + Math.floor((i * HOUR) / Math.max(1, count))), siteId, visitorId: `v${hour}-${i}`, sessionId: `s${hour}-${i}`,
    eventType: 'pageview', name: null, path, query: null, referrer: null, device: 'desktop', channel: 'web', value: null, properties: null,
  }))
}

/** The outbox's .eml files, oldest first, with quoted-printable soft breaks and escapes undone. */
function outboxMessages(dir: string | null): { to: string; subject: string; text: string }[] {
  if (!dir || !existsSync(dir)) return []
  return readdirSync(dir).filter((f) => f.endsWith('.eml')).sort().map((f) => {
    const raw = readFileSync(join(dir, f), 'utf8')
    const text = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    return { to: /^To: (.+)$/m.exec(raw)?.[1]?.trim() ?? '', subject: /^Subject: (.+)$/m.exec(raw)?.[1]?.trim() ?? '', text }
  })
}

interface Monitor { id: string; name: string; state: { status: string; streak: number; openAlertId: string | null; lastOutcome: string | null; lastMessage: string | null; nextEvaluationAt: string | null } }
interface Alert { id: string; openedAt: string; resolvedAt: string | null; value: number | null; expected: number | null; message: string }

describeWithWorld('monitors and regression alerts', (w) => {
  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, person: Person, payload?: Record<string, unknown>) =>
    w.t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(person), ...(payload ? { payload } : {}) })
  const db = () => w.t.runtime.db
  const publicUrl = 'https://cx280.agency.gov'
  const job = (now: Date) => evaluateDueMonitors(w.t.runtime, { now, publicUrl, mailer: w.t.runtime.mailer })
  const mail = () => outboxMessages(w.t.runtime.mailer.outboxDir)
  const monitor = async (id: string) => json<Monitor>(await api('GET', `/monitors/${id}`, w.world.people.analystA))
  const alerts = async (id: string) => json<{ items: Alert[]; total: number }>(await api('GET', `/monitors/${id}/alerts`, w.world.people.analystA))
  const deliveries = (event: string) => db().selectFrom('webhook_deliveries').selectAll().where('event', '=', event).execute()

  let received: { body: string; verified: boolean; event: string | undefined }[] = []
  let secret = ''
  let server: Server
  let receiverUrl = ''
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined)
        received.push({ body, event: header('x-cx280-event'), verified: verifyWebhookSignature({ secret, body, timestamp: header('x-cx280-timestamp'), signature: header('x-cx280-signature') }) })
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/monitors`
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))

  let siteId = ''
  let monitorId = ''

  it('validates a monitor, audits its creation and lets only managers of the organization create it', async () => {
    const { leadA, analystA, leadB, reviewer } = w.world.people
    const site = await api('POST', '/sites', leadA, { organizationId: w.world.orgs.A1.id, name: 'Permits portal', domain: 'permits.example.gov' })
    siteId = json<{ id: string }>(site).id
    const hook = await api('POST', '/webhooks', leadA, { organizationId: w.world.orgs.A1.id, url: receiverUrl, events: ['monitor.alert_opened', 'monitor.alert_resolved'] })
    assert.equal(hook.statusCode, 201, hook.body)
    secret = json<{ secret: string }>(hook).secret

    const body = { siteId, name: 'Permit traffic drop', metric: 'pageviews', rule: 'seasonal', recipients: [' Ops@Agency.gov ', 'ops@agency.gov'], sendWebhook: true }
    const fieldsOf = async (payload: Record<string, unknown>) => {
      const response = await api('POST', '/monitors', leadA, payload)
      assert.equal(response.statusCode, 400, response.body)
      return json<{ fields: Record<string, string> }>(response).fields
    }
    assert.match((await fieldsOf({ ...body, rule: 'threshold' }))['parameters.value'] ?? '', /required for a threshold/)
    assert.match((await fieldsOf({ ...body, parameters: { k: 4 } }))['parameters.k'] ?? '', /not a setting of the seasonal rule/)
    assert.match((await fieldsOf({ ...body, recipients: ['not-an-email'] })).recipients ?? '', /not an email address/)
    assert.match((await fieldsOf({ ...body, metric: 'journey_completion' })).journeyId ?? '', /required/)
    assert.match((await fieldsOf({ ...body, actionName: 'apply_submit' })).actionName ?? '', /only to the key actions metric/)
    assert.match((await fieldsOf({ ...body, parameters: { dropPercent: 150 } }))['parameters.dropPercent'] ?? '', /100/)
    assert.ok((await fieldsOf({ ...body, intervalMinutes: 45 })).intervalMinutes, 'intervals divide a day')
    assert.ok((await fieldsOf({ ...body, recipients: Array.from({ length: 21 }, (_, i) => `p${i}@agency.gov`) })).recipients, 'at most 20 recipients')
    assert.equal((await api('POST', '/monitors', analystA, body)).statusCode, 403)
    assert.equal((await api('POST', '/monitors', reviewer, body)).statusCode, 403)
    assert.match(json<{ fields: Record<string, string> }>(await api('POST', '/monitors', leadB, body)).fields.siteId ?? '', /not a site you can see/)
    assert.equal(Number((await db().selectFrom('monitors').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 0, 'rejected requests store nothing')

    const created = await api('POST', '/monitors', leadA, body)
    assert.equal(created.statusCode, 201, created.body)
    const view = json<Monitor & { recipients: string[]; rule: Record<string, unknown>; intervalMinutes: number; consecutive: number; cooldownMinutes: number }>(created)
    monitorId = view.id
    assert.deepEqual(view.recipients, ['ops@agency.gov'])
    assert.deepEqual(view.rule, { kind: 'seasonal', dropPercent: 40, weeks: 1, minExpected: 20 })
    assert.deepEqual([view.intervalMinutes, view.consecutive, view.cooldownMinutes], [60, 1, 360])
    assert.deepEqual([view.state.status, view.state.nextEvaluationAt], ['pending', null])
    const audit = await db().selectFrom('audit_log').select(['action', 'organization_id']).where('entity_id', '=', monitorId).execute()
    assert.deepEqual(audit.map((a) => [a.action, a.organization_id]), [['monitor.create', w.world.orgs.A1.id]])

    assert.equal((await api('GET', `/monitors/${monitorId}`, analystA)).statusCode, 200)
    assert.equal((await api('GET', `/monitors/${monitorId}`, leadB)).statusCode, 404)
    assert.equal((await api('GET', `/monitors/${monitorId}/alerts`, leadB)).statusCode, 404)
    assert.equal((await api('PATCH', `/monitors/${monitorId}`, analystA, { name: 'x' })).statusCode, 403)
    assert.equal((await api('PATCH', `/monitors/${monitorId}`, leadB, { name: 'x' })).statusCode, 404)
    assert.equal((await api('POST', `/monitors/${monitorId}/evaluate`, analystA)).statusCode, 403)
    assert.equal((await api('DELETE', `/monitors/${monitorId}`, leadB)).statusCode, 404)
    assert.equal(json<{ total: number }>(await api('GET', '/monitors', leadB)).total, 0)
    assert.equal(json<{ total: number }>(await api('GET', `/monitors?siteId=${siteId}`, analystA)).total, 1)
    const openapi = await w.t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })
    assert.ok(JSON.parse(openapi.body).paths['/api/v1/monitors/{id}/evaluate'], 'the API document lists the monitor endpoints')
  })

  it('a 50% drop opens exactly one alert, one email and one signed webhook; recovery resolves it; the cool-down holds', async () => {
    const { events } = w.t.runtime
    // Three weeks and ten hours of normal traffic (hours 0–513), then Monday 10:00 of week four at half (60 of 120).
    const rows: EventRow[] = []
    for (let h = 0; h < 514; h++) rows.push(...pageviews(siteId, h, normal(h)))
    rows.push(...pageviews(siteId, 514, 60))
    await events.append(rows)
    await events.refreshRollups({ from: at(0), to: at(515) })

    const first = await job(at(515, 3))
    assert.deepEqual(first, { evaluated: 1, opened: 1, resolved: 0, errors: 0, emails: 1, emailFailures: 0 })
    let history = await alerts(monitorId)
    assert.equal(history.total, 1)
    const alert = history.items[0] as Alert
    assert.deepEqual([alert.value, alert.expected, alert.resolvedAt], [60, 120, null])
    assert.match(alert.message, /^Page views on Permits portal, 2026-01-26 10:00 UTC–11:00: 60 against 120 expected from the same hour last week \(trend ×1\.00\), 50% lower/)
    let state = (await monitor(monitorId)).state
    assert.deepEqual([state.status, state.openAlertId, state.lastOutcome], ['alerting', alert.id, 'breach'])
    assert.equal(state.nextEvaluationAt, nextEvaluationAt(60, at(515, 3)).toISOString())
    assert.equal(state.nextEvaluationAt, at(516, 2).toISOString())

    let messages = mail()
    assert.equal(messages.length, 1)
    assert.equal(messages[0]?.to, 'ops@agency.gov')
    assert.match(messages[0]?.subject ?? '', /^Alert: Permit traffic drop \(Permits portal\)/)
    assert.match(messages[0]?.text ?? '', /60 against 120 expected/)
    assert.ok(messages[0]?.text.includes(`${publicUrl}/monitors/${monitorId}`))
    const opened = await deliveries('monitor.alert_opened')
    assert.equal(opened.length, 1)
    assert.deepEqual(JSON.parse(opened[0]?.payload ?? '{}').data, {
      monitorId, alertId: alert.id, name: 'Permit traffic drop', organizationId: w.world.orgs.A1.id, siteId, journeyId: null, metric: 'pageviews', actionName: null,
      rule: 'seasonal', bucket: at(514).toISOString(), value: 60, expected: 120, message: alert.message, openedAt: at(515, 3).toISOString(), url: `${publicUrl}/monitors/${monitorId}`,
    })
    await deliverDueWebhooks(db(), { now: new Date(Date.now() + 1000) })
    assert.deepEqual(received.map((r) => [r.event, r.verified]), [['monitor.alert_opened', true]], 'delivered once, signed')

    // The same time again, and a run before the next slot: nothing is judged twice.
    assert.equal((await job(at(515, 3))).evaluated, 0)
    assert.equal((await job(at(515, 50))).evaluated, 0)
    // Still dropped at 11:00: still one open alert, no new email.
    await events.append(pageviews(siteId, 515, 60))
    assert.deepEqual(await job(at(516, 3)), { evaluated: 1, opened: 0, resolved: 0, errors: 0, emails: 0, emailFailures: 0 })
    assert.equal((await monitor(monitorId)).state.streak, 2)

    // Back to normal at 12:00: resolved at 13:03, one email, one webhook; the cool-down runs until 19:03.
    await events.append(pageviews(siteId, 516, 120))
    assert.deepEqual(await job(at(517, 3)), { evaluated: 1, opened: 0, resolved: 1, errors: 0, emails: 1, emailFailures: 0 })
    history = await alerts(monitorId)
    assert.equal(history.items[0]?.resolvedAt, at(517, 3).toISOString())
    messages = mail()
    assert.equal(messages.length, 2)
    assert.match(messages[1]?.subject ?? '', /^Resolved: Permit traffic drop/)
    assert.equal((await deliveries('monitor.alert_resolved')).length, 1)
    state = (await monitor(monitorId)).state
    assert.deepEqual([state.status, state.openAlertId], ['ok', null])

    // Dropped again at 13:00, inside the cool-down: no alert, no email; the state says why.
    await events.append(pageviews(siteId, 517, 60))
    assert.deepEqual(await job(at(518, 3)), { evaluated: 1, opened: 0, resolved: 0, errors: 0, emails: 0, emailFailures: 0 })
    state = (await monitor(monitorId)).state
    assert.equal(state.lastOutcome, 'suppressed')
    assert.match(state.lastMessage ?? '', /cool-down: no new alert before 2026-01-26 19:03 UTC/)
    assert.equal((await alerts(monitorId)).total, 1)

    // After the cool-down (19:00 dropped), a new alert opens.
    for (let h = 518; h < 523; h++) await events.append(pageviews(siteId, h, normal(h)))
    await events.append(pageviews(siteId, 523, Math.round(normal(523) / 2)))
    await events.refreshRollups({ from: at(518), to: at(524) })
    assert.deepEqual(await job(at(524, 3)), { evaluated: 1, opened: 1, resolved: 0, errors: 0, emails: 1, emailFailures: 0 })
    assert.equal((await alerts(monitorId)).total, 2)
    assert.equal((await deliveries('monitor.alert_opened')).length, 2)

    // Pausing closes the open alert without a verdict and without email, and is audited.
    const paused = await api('PATCH', `/monitors/${monitorId}`, w.world.people.leadA, { enabled: false })
    assert.equal(paused.statusCode, 200, paused.body)
    assert.equal(json<Monitor>(paused).state.status, 'disabled')
    assert.match((await alerts(monitorId)).items[0]?.resolvedAt ?? '', /^\d{4}-/)
    assert.equal((await job(at(530, 3))).emails, 0)
    assert.equal(mail().length, 3)
    const audit = await db().selectFrom('audit_log').select('action').where('entity_id', '=', monitorId).orderBy('id').execute()
    assert.deepEqual(audit.map((a) => a.action), ['monitor.create', 'monitor.update'])
  })

  it('no data fires after two empty hours and not before; a named key action and a journey completion rate alert', async () => {
    const { leadA } = w.world.people
    const { events } = w.t.runtime
    const site = json<{ id: string }>(await api('POST', '/sites', leadA, { organizationId: w.world.orgs.A1.id, name: 'Licensing portal', domain: 'licenses.example.gov' }))
    const D = 24 * 60 // hours from T0: Friday 2026-03-06
    // Hours D+0 … D+9: 20 visitors an hour start the journey (/start), 6 of them finish (/done, 30%); 3 apply_submit
    // and 10 other key actions an hour. Nothing from D+10 on.
    const rows: EventRow[] = []
    for (let h = D; h < D + 10; h++) {
      for (let i = 0; i < 20; i++) {
        const base = { siteId: site.id, visitorId: `j${h}-${i}`, sessionId: `js${h}-${i}`, name: null, query: null, referrer: null, device: 'desktop' as const, channel: 'web' as const, value: null, properties: null }
        rows.push({ ...base, ts: at(h, 1), eventType: 'pageview', path: '/start' })
        if (i < 6) rows.push({ ...base, ts: at(h, 5), eventType: 'pageview', path: '/done' })
      }
      for (let i = 0; i < 13; i++) {
        rows.push({ ts: at(h, 20 + i), siteId: site.id, visitorId: `a${h}-${i}`, sessionId: `as${h}-${i}`, eventType: 'action', name: i < 3 ? 'apply_submit' : 'other', path: '/apply', query: null, referrer: null, device: 'mobile', channel: 'web', value: null, properties: null })
      }
    }
    await events.append(rows)
    await events.refreshRollups({ from: at(D), to: at(D + 24) })
    const journey = await createJourney(db(), systemActor('test'), {
      serviceId: w.world.services.serviceA1.id, name: 'Apply for a license', siteIds: [site.id],
      steps: [{ kind: 'page', pattern: '/start' }, { kind: 'page', pattern: '/done' }],
    })
    const create = async (payload: Record<string, unknown>) => {
      const response = await api('POST', '/monitors', leadA, { recipients: [], ...payload })
      assert.equal(response.statusCode, 201, response.body)
      return json<Monitor>(response).id
    }
    const noData = await create({ siteId: site.id, name: 'Tracker removed', metric: 'events', rule: 'no_data', parameters: { hours: 2 } })
    const action = await create({ siteId: site.id, name: 'Few submissions', metric: 'actions', actionName: 'apply_submit', rule: 'threshold', parameters: { value: 5 } })
    const allActions = await create({ siteId: site.id, name: 'Few key actions', metric: 'actions', rule: 'threshold', parameters: { value: 5 } })
    assert.equal((await api('POST', '/monitors', leadA, { journeyId: journey.id, name: 'x', metric: 'journey_completion', rule: 'seasonal' })).statusCode, 400)
    const completion = await create({ journeyId: journey.id, name: 'Completion below half', metric: 'journey_completion', rule: 'threshold', parameters: { value: 50, minVolume: 20 } })

    // 10:03: hour 9 had events (no data: ok); 3 apply_submit < 5 (alert), 13 key actions ≥ 5 (ok).
    await job(at(D + 10, 3))
    assert.equal((await monitor(noData)).state.lastOutcome, 'ok')
    assert.equal((await monitor(action)).state.status, 'alerting')
    assert.deepEqual((await alerts(action)).items.map((a) => [a.value, a.expected]), [[3, 5]])
    assert.equal((await monitor(allActions)).state.lastOutcome, 'ok')
    // 11:03: one empty hour: not yet.
    await job(at(D + 11, 3))
    assert.deepEqual([(await monitor(noData)).state.lastOutcome, (await alerts(noData)).total], ['ok', 0])
    // 12:03: two empty hours: fires.
    await job(at(D + 12, 3))
    assert.equal((await monitor(noData)).state.status, 'alerting')
    assert.match((await alerts(noData)).items[0]?.message ?? '', /Nothing was recorded in the last 2 hours/)
    // The next day, 00:03: the journey's day is judged: 200 began, 60 finished → 30% < 50%.
    await job(at(D + 24, 3))
    const journeyAlerts = await alerts(completion)
    assert.deepEqual(journeyAlerts.items.map((a) => [a.value, a.expected]), [[30, 50]])
    assert.match(journeyAlerts.items[0]?.message ?? '', /^Journey completion rate on Apply for a license, on 2026-03-06 \(UTC\): 30 is below the bound of 50\./)
    assert.equal(mail().length, 3, 'monitors without recipients send no email')
  })

  it('evaluates now for managers, deletes with the history, and renders the pages', async () => {
    const { leadA, analystA } = w.world.people
    const id = json<Monitor>(await api('POST', '/monitors', leadA, { siteId, name: 'Quiet check', metric: 'pageviews', rule: 'threshold', parameters: { value: 1, direction: 'below' } })).id
    const evaluated = await api('POST', `/monitors/${id}/evaluate`, leadA)
    assert.equal(evaluated.statusCode, 200, evaluated.body)
    const result = json<{ status: string; transition: string; alreadyJudged: boolean; value: number }>(evaluated)
    // Nothing was recorded in the real last hour: 0 < 1 is a breach, and the first breach opens an alert.
    assert.deepEqual([result.status, result.transition, result.alreadyJudged, result.value], ['breach', 'open', false, 0])
    assert.equal(json<{ alreadyJudged: boolean }>(await api('POST', `/monitors/${id}/evaluate`, leadA)).alreadyJudged, true)
    assert.ok((await db().selectFrom('audit_log').select('action').where('entity_id', '=', id).execute()).some((a) => a.action === 'monitor.evaluate'))

    const session = await signIn(w.t.app, analystA.email)
    const list = await w.t.app.inject({ method: 'GET', url: '/monitors', headers: { cookie: session.cookie } })
    assert.equal(list.statusCode, 200)
    assert.ok(list.body.includes('Quiet check') && list.body.includes('Alerting'))
    const page = await w.t.app.inject({ method: 'GET', url: `/monitors/${id}`, headers: { cookie: session.cookie } })
    assert.equal(page.statusCode, 200)
    assert.ok(page.body.includes('Alert history') && page.body.includes('cx-chart') && page.body.includes('Alert opened'))
    assert.ok(!page.body.includes('Evaluate now'), 'an analyst does not see the manage actions')

    const lead = await signIn(w.t.app, leadA.email)
    const bad = await w.t.app.inject({
      method: 'POST', url: '/monitors', headers: { cookie: lead.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: lead.csrf, target: `site:${siteId}`, name: 'Form monitor', metric: 'pageviews', rule: 'threshold', 'threshold.value': 'lots', intervalMinutes: '60', enabled: 'true' }),
    })
    assert.equal(bad.statusCode, 400)
    assert.ok(bad.body.includes('href="#field-threshold-value"'), 'the error summary links to the threshold bound')
    const good = await w.t.app.inject({
      method: 'POST', url: '/monitors', headers: { cookie: lead.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: lead.csrf, target: `site:${siteId}`, name: 'Form monitor', metric: 'pageviews', rule: 'zscore', 'zscore.k': '4', 'zscore.direction': 'both', cooldownHours: '2', recipients: 'a@agency.gov\nb@agency.gov', intervalMinutes: '180', enabled: 'true' }),
    })
    assert.equal(good.statusCode, 303, good.body.slice(0, 500))
    const formId = /\/monitors\/([0-9a-f-]{36})$/.exec(good.headers.location ?? '')?.[1] as string
    const stored = json<{ rule: Record<string, unknown>; cooldownMinutes: number; intervalMinutes: number; recipients: string[] }>(await api('GET', `/monitors/${formId}`, leadA))
    assert.deepEqual(stored.rule, { kind: 'zscore', k: 4, direction: 'both', window: 24, minVolume: 100 })
    assert.deepEqual([stored.cooldownMinutes, stored.intervalMinutes, stored.recipients], [120, 180, ['a@agency.gov', 'b@agency.gov']])

    assert.equal((await api('DELETE', `/monitors/${id}`, leadA)).statusCode, 204)
    assert.equal((await api('GET', `/monitors/${id}`, leadA)).statusCode, 404)
    assert.equal(Number((await db().selectFrom('monitor_alerts').select((eb) => eb.fn.countAll().as('n')).where('monitor_id', '=', id).executeTakeFirstOrThrow()).n), 0)
  })
})
