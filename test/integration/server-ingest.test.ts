/**
 * Server-to-server ingest (issue 5), on both relational engines with DuckDB for events: ingest keys created, listed,
 * rotated and revoked by those who manage the site (shown once, stored as a digest, audited); POST
 * /api/v1/events/server storing redacted events with the caller's subject hashed into a daily visitor id and stored
 * nowhere; every refusal a 4xx with a message that stores nothing; the per-key rate limit; and the site page's keys.
 */
import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { saltFor } from '../../src/analytics/salts.ts'
import { subjectVisitorId } from '../../src/analytics/server-ingest.ts'
import { createSite } from '../../src/analytics/sites.ts'
import { dailySaltKey } from '../../src/analytics/visitor-id.ts'
import { ENGINES } from '../helpers/engines.ts'
import { bearer, createTestApp, describeWithWorld, form, json, seedWorld, signIn, type Person, type TestApp } from '../helpers/test-app.ts'

interface KeyView { id: string; siteId: string; name: string; prefix: string; createdAt: string; rotatedAt: string | null; lastUsedAt: string | null; revokedAt: string | null }
interface Created { key: KeyView; secret: string }

const SECRET = /^cxi_[a-f0-9]{12}_[A-Za-z0-9_-]{43}$/
const HOUR = 3_600_000
const DAY = 24 * HOUR

describeWithWorld('server-to-server ingest', (w) => {
  let siteId = ''
  let secret = ''
  let keyId = ''
  const api = (method: 'GET' | 'POST' | 'DELETE', url: string, person: Person, payload?: Record<string, unknown>) =>
    w.t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(person), ...(payload ? { payload } : {}) })
  const send = (body: unknown, key: string | null = secret, headers: Record<string, string> = {}) => w.t.app.inject({
    method: 'POST', url: '/api/v1/events/server',
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const stored = () => w.t.runtime.events.recentEvents(siteId, 10_000)
  const iso = (ms: number) => new Date(ms).toISOString()

  it('creates an ingest key for a site manager, shows the secret once, stores only its digest and audits it', async () => {
    const site = await createSite(w.t.runtime.db, w.world.people.managerA1.actor, {
      organizationId: w.world.orgs.A1.id, name: `Benefits ${w.engine}`, domain: 'benefits.example.gov',
    })
    siteId = site.id
    const created = await api('POST', `/sites/${siteId}/ingest-keys`, w.world.people.managerA1, { name: 'Mobile app backend' })
    assert.equal(created.statusCode, 201, created.body)
    const body = json<Created>(created)
    assert.match(body.secret, SECRET)
    assert.equal(body.key.name, 'Mobile app backend')
    assert.equal(body.secret.slice(4, 16), body.key.prefix)
    secret = body.secret
    keyId = body.key.id

    const list = await api('GET', `/sites/${siteId}/ingest-keys`, w.world.people.analystA)
    assert.equal(list.statusCode, 200, 'readers of the organization may list keys')
    assert.deepEqual(json<{ items: KeyView[] }>(list).items.map((k) => k.id), [keyId])
    assert.ok(!list.body.includes(secret.slice(17)), 'the list never carries the secret')
    const row = await w.t.runtime.db.selectFrom('site_ingest_keys').selectAll().where('id', '=', keyId).executeTakeFirstOrThrow()
    assert.equal(row.key_hash, createHash('sha256').update(secret).digest('hex'))
    assert.ok(!JSON.stringify(row).includes(secret.slice(17)), 'the secret is stored nowhere in clear')
    const audit = await w.t.runtime.db.selectFrom('audit_log').select(['action', 'actor_user_id', 'after_json']).where('entity_id', '=', keyId).execute()
    assert.deepEqual(audit.map((a) => [a.action, a.actor_user_id]), [['site_ingest_key.create', w.world.people.managerA1.id]])
    assert.ok(!(audit[0]?.after_json ?? '').includes(secret.slice(17)), 'the audit trail holds no secret either')
  })

  it('stores a batch across channels, redacted, with the subject hashed into a daily visitor id and stored nowhere', async () => {
    const now = Date.now()
    const subject = 'acct-7f3a9c'
    const response = await send({ events: [
      { channel: 'mobile_app', type: 'pageview', subject, timestamp: iso(now - 60_000), path: '/apply/jane.doe@example.com?utm_source=push&token=abc#x' },
      { channel: 'mobile_app', type: 'action', subject, timestamp: iso(now - 30_000), path: '/apply', name: 'apply_submit', value: 3, properties: { zip: 20500, plan: 'basic', note: 'call 555-867-5309' } },
      { channel: 'email', type: 'outbound', subject: 'other-person', timestamp: iso(now - 10_000), name: 'https://login.gov/sign-in?email=jane@example.com', device: 'desktop' },
      { channel: 'sms', type: 'action', subject: 'SMS-Session-1', timestamp: iso(now), name: 'reply_yes' },
      { channel: 'contact_center', type: 'pageview', subject: 'call-42', timestamp: iso(now), url: 'https://benefits.example.gov/status/123-45-6789?lang=es&ssn=1', referrer: 'https://ivr.example.gov/menu?caller=5558675309' },
    ] })
    assert.equal(response.statusCode, 204, response.body)
    const rows = await stored()
    assert.equal(rows.length, 5)
    const byName = (name: string) => rows.find((r) => r.name === name)
    const pageview = rows.find((r) => r.channel === 'mobile_app' && r.eventType === 'pageview')
    assert.equal(pageview?.path, '/apply/[email]')
    assert.equal(pageview?.query, 'utm_source=push')
    assert.equal(pageview?.device, 'mobile', 'mobile_app defaults to the mobile device class')
    assert.equal(pageview?.ts.getTime(), Date.parse(iso(now - 60_000)), 'the sender’s timestamp is kept')
    const action = byName('apply_submit')
    assert.equal(action?.value, 3)
    assert.deepEqual(JSON.parse(action?.properties ?? '{}'), { zip: '[zip]', plan: 'basic', note: 'call [phone]' })
    assert.equal(byName('https://login.gov/sign-in')?.device, 'desktop')
    assert.equal(byName('reply_yes')?.channel, 'sms')
    assert.equal(byName('reply_yes')?.device, 'other')
    assert.equal(byName('reply_yes')?.path, null)
    const call = rows.find((r) => r.channel === 'contact_center')
    assert.equal(call?.path, '/status/[ssn]')
    assert.equal(call?.query, 'lang=es')
    assert.equal(call?.referrer, 'https://ivr.example.gov/menu')

    const salt = await saltFor(w.t.runtime.db, dailySaltKey(new Date(now)))
    assert.equal(pageview?.visitorId, subjectVisitorId(siteId, subject, salt))
    assert.equal(action?.visitorId, pageview?.visitorId, 'one subject is one visitor within the day')
    assert.equal(new Set(rows.map((r) => r.visitorId)).size, 4)
    const everything = JSON.stringify(rows)
    for (const sent of [subject, 'other-person', 'SMS-Session-1', 'call-42']) assert.ok(!everything.includes(sent), `the subject ${sent} is stored nowhere`)
    assert.notEqual(subjectVisitorId(siteId, 'ABC', salt), subjectVisitorId(siteId, 'abc', salt), 'subject keys are taken exactly as sent')
  })

  it('masks what the fuzz test found slipping through: chained shapes, a bad escape beside a good one, personal data in a key', async () => {
    const response = await send({ events: [{
      channel: 'other', type: 'action', subject: 'fuzz-finds', timestamp: iso(Date.now()), path: '/notes/%E2%80 jane%40example.com',
      name: '555-867-5309ssn 123456789', properties: { x5558675309: 1, kept: 'yes' },
    }] })
    assert.equal(response.statusCode, 204, response.body)
    const row = (await stored()).find((r) => r.path?.startsWith('/notes/'))
    assert.equal(row?.path, '/notes/%EF%BF%BD%20[email]', 'the %40 is decoded although %E2%80 is half a character')
    assert.equal(row?.name, '[phone][ssn]', 'the SSN hidden behind the phone number is masked once the phone number is')
    assert.deepEqual(JSON.parse(row?.properties ?? '{}'), { kept: 'yes' }, 'a key holding a phone number is dropped with its value')
  })

  it('splits sessions at 30 idle minutes in time order, and hashes yesterday with its salt and older days with today’s', async () => {
    const now = Date.now()
    const base = now - 3 * HOUR
    const response = await send({ events: [
      { channel: 'mobile_app', type: 'pageview', subject: 'sessions-1', timestamp: iso(base + 45 * 60_000), path: '/s/c' },
      { channel: 'mobile_app', type: 'pageview', subject: 'sessions-1', timestamp: iso(base), path: '/s/a' },
      { channel: 'mobile_app', type: 'pageview', subject: 'sessions-1', timestamp: iso(base + 10 * 60_000), path: '/s/b' },
      { channel: 'email', type: 'pageview', subject: 'days-1', timestamp: iso(now - DAY), path: '/d/yesterday' },
      { channel: 'email', type: 'pageview', subject: 'days-1', timestamp: iso(now - 3 * DAY), path: '/d/older' },
    ] })
    assert.equal(response.statusCode, 204, response.body)
    const rows = await stored()
    const session = (path: string) => rows.find((r) => r.path === path)?.sessionId
    assert.equal(session('/s/a'), session('/s/b'), '10 minutes apart: one session')
    assert.notEqual(session('/s/b'), session('/s/c'), '35 idle minutes: a new session, though sent first')
    const { db } = w.t.runtime
    const yesterday = rows.find((r) => r.path === '/d/yesterday')
    const older = rows.find((r) => r.path === '/d/older')
    assert.equal(yesterday?.visitorId, subjectVisitorId(siteId, 'days-1', await saltFor(db, dailySaltKey(new Date(now - DAY)))))
    assert.equal(older?.visitorId, subjectVisitorId(siteId, 'days-1', await saltFor(db, dailySaltKey(new Date(now)))), 'deleted salts are not re-created')
    assert.equal(older?.ts.getTime(), Date.parse(iso(now - 3 * DAY)))
  })

  it('refuses bad batches with 4xx and a message naming the field, storing nothing', async () => {
    const before = (await stored()).length
    const now = Date.now()
    const ok = { channel: 'email', type: 'pageview', subject: 's', timestamp: iso(now), path: '/' }
    const cases: Array<[unknown, number, string | null]> = [
      [{ events: [{ ...ok, timestamp: iso(now + 6 * 60_000) }] }, 400, 'events.0.timestamp'],
      [{ events: [ok, { ...ok, timestamp: iso(now - 7 * DAY - 60_000) }] }, 400, 'events.1.timestamp'],
      [{ events: [{ ...ok, timestamp: '2026-13-45T99:00:00Z' }] }, 400, 'events.0.timestamp'],
      [{ events: [{ ...ok, timestamp: '2026-01-01 10:00' }] }, 400, 'events.0.timestamp'],
      [{ events: [{ ...ok, channel: 'web' }] }, 400, 'events.0.channel'],
      [{ events: [{ ...ok, path: undefined }] }, 400, 'events.0.url'],
      [{ events: [{ ...ok, url: 'https://a.gov/' }] }, 400, 'events.0.path'],
      [{ events: [{ ...ok, path: undefined, url: 'javascript:alert(1)' }] }, 400, 'events.0.url'],
      [{ events: [{ ...ok, path: 'no-slash' }] }, 400, 'events.0.path'],
      [{ events: [{ ...ok, value: 5 }] }, 400, 'events.0.value'],
      [{ events: [{ ...ok, type: 'action' }] }, 400, 'events.0.name'],
      [{ events: [{ ...ok, type: 'outbound', name: 'not a url' }] }, 400, 'events.0.name'],
      [{ events: [{ ...ok, subject: '' }] }, 400, 'events.0.subject'],
      [{ events: [{ ...ok, ip: '1.2.3.4' }] }, 400, 'ip'],
      [{ events: [] }, 400, null],
      [{ events: Array.from({ length: 1001 }, () => ok) }, 400, null],
      [{ k: 'cxs_aaaaaaaaaaaaaaaaaaaa', e: [] }, 400, null],
      ['{"events": [', 400, null],
      [{ events: [{ ...ok, properties: { note: 'x'.repeat(600_000) } }] }, 413, null],
    ]
    for (const [body, status, field] of cases) {
      const response = await send(body)
      assert.equal(response.statusCode, status, `${response.statusCode} for ${JSON.stringify(body).slice(0, 120)}: ${response.body.slice(0, 300)}`)
      const answer = json<{ error: string; message: string; fields?: Record<string, string> }>(response)
      assert.equal(typeof answer.message, 'string')
      if (field) assert.ok(answer.fields?.[field], `the answer names ${field}: ${response.body.slice(0, 300)}`)
    }
    assert.equal((await send(JSON.stringify({ events: [ok] }), secret, { 'content-type': 'application/xml' })).statusCode, 415)
    assert.equal((await send(JSON.stringify({ events: [ok] }), secret, { 'content-type': 'text/plain' })).statusCode, 400, 'a text body is not a batch')
    assert.equal((await stored()).length, before)
  })

  it('answers 401 for a missing, malformed, unknown, rotated or revoked key, and for an API key', async () => {
    const event = { channel: 'sms', type: 'action', subject: 's', timestamp: iso(Date.now()), name: 'auth_probe' }
    const before = (await stored()).length
    const unauthorized = async (key: string | null, why: string, headers: Record<string, string> = {}) => {
      const response = await send({ events: [event] }, key, headers)
      assert.equal(response.statusCode, 401, `${why}: ${response.body}`)
      assert.equal(typeof json<{ message: string }>(response).message, 'string')
    }
    await unauthorized(null, 'no Authorization')
    await unauthorized('not-a-key', 'malformed')
    await unauthorized(`cxi_${'0'.repeat(12)}_${'A'.repeat(43)}`, 'unknown prefix')
    await unauthorized(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, 'right prefix, wrong secret')
    await unauthorized(w.world.people.managerA1.key, 'an API key is not an ingest key')
    await unauthorized(null, 'basic auth', { authorization: 'Basic dXNlcjpwYXNz' })

    const rotated = await api('POST', `/sites/${siteId}/ingest-keys/${keyId}/rotate`, w.world.people.leadA)
    assert.equal(rotated.statusCode, 200, rotated.body)
    const fresh = json<Created>(rotated)
    assert.match(fresh.secret, SECRET)
    assert.equal(fresh.key.id, keyId)
    assert.ok(fresh.key.rotatedAt)
    await unauthorized(secret, 'the secret before rotation stops at once')
    secret = fresh.secret
    assert.equal((await send({ events: [event] })).statusCode, 204, 'the rotated secret works')
    const ingestKeyAsApiKey = await w.t.app.inject({ method: 'GET', url: '/api/v1/sites', headers: { authorization: `Bearer ${secret}` } })
    assert.equal(ingestKeyAsApiKey.statusCode, 401, 'an ingest key opens nothing else')

    const second = json<Created>(await api('POST', `/sites/${siteId}/ingest-keys`, w.world.people.managerA1, { name: 'SMS gateway' }))
    const revoked = await api('DELETE', `/sites/${siteId}/ingest-keys/${second.key.id}`, w.world.people.managerA1)
    assert.equal(revoked.statusCode, 200, revoked.body)
    assert.ok(json<KeyView>(revoked).revokedAt)
    await unauthorized(second.secret, 'revoked')
    assert.equal((await api('DELETE', `/sites/${siteId}/ingest-keys/${second.key.id}`, w.world.people.managerA1)).statusCode, 200, 'revoking twice is harmless')
    assert.equal((await stored()).length, before + 1)
    const actions = await w.t.runtime.db.selectFrom('audit_log').select('action').where('entity_type', '=', 'site_ingest_key').orderBy('id').execute()
    assert.deepEqual(actions.map((a) => a.action), ['site_ingest_key.create', 'site_ingest_key.rotate', 'site_ingest_key.create', 'site_ingest_key.revoke'])
    const used = json<{ items: KeyView[] }>(await api('GET', `/sites/${siteId}/ingest-keys`, w.world.people.managerA1)).items.find((k) => k.id === keyId)
    assert.ok(used?.lastUsedAt, 'the key records when it was last used')
  })

  it('lets only site managers of the organization manage keys, and refuses an archived site', async () => {
    const { analystA, leadB, managerA1, admin } = w.world.people
    assert.equal((await api('POST', `/sites/${siteId}/ingest-keys`, analystA, { name: 'x' })).statusCode, 403)
    assert.equal((await api('POST', `/sites/${siteId}/ingest-keys/${keyId}/rotate`, analystA)).statusCode, 403)
    assert.equal((await api('DELETE', `/sites/${siteId}/ingest-keys/${keyId}`, analystA)).statusCode, 403)
    assert.equal((await api('GET', `/sites/${siteId}/ingest-keys`, leadB)).statusCode, 404, 'another organization’s site does not exist for them')
    assert.equal((await api('POST', `/sites/${siteId}/ingest-keys`, leadB, { name: 'x' })).statusCode, 404)
    assert.equal((await api('POST', `/sites/${siteId}/ingest-keys`, managerA1, { name: '' })).statusCode, 400)
    assert.equal((await api('DELETE', `/sites/${siteId}/ingest-keys/${randomUUID()}`, managerA1)).statusCode, 404)

    assert.equal((await api('POST', `/sites/${siteId}/archive`, admin)).statusCode, 200)
    // Archiving in this process forgets the cached keys at once (other app nodes follow within the second).
    const archived = await send({ events: [{ channel: 'sms', type: 'action', subject: 's', timestamp: iso(Date.now()), name: 'archived' }] })
    assert.equal(archived.statusCode, 403, archived.body)
    assert.equal((await api('POST', `/sites/${siteId}/ingest-keys`, managerA1, { name: 'late' })).statusCode, 409)
    assert.equal((await api('POST', `/sites/${siteId}/restore`, admin)).statusCode, 200)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const restored = await send({ events: [{ channel: 'sms', type: 'action', subject: 's', timestamp: iso(Date.now()), name: 'restored' }] })
    assert.equal(restored.statusCode, 204, restored.body)
  })

  it('shows the keys on the site page and creates (secret once), rotates and revokes them through forms', async () => {
    const session = await signIn(w.t.app, w.world.people.managerA1.email)
    const page = await w.t.app.inject({ method: 'GET', url: `/sites/${siteId}`, headers: { cookie: session.cookie } })
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /Server-to-server ingest keys/)
    assert.match(page.body, /Mobile app backend/)
    assert.ok(!page.body.includes(secret.slice(17)), 'the page never shows a secret again')
    const post = (url: string, fields: Record<string, string> = {}) => w.t.app.inject({
      method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: session.csrf, ...fields }),
    })
    const empty = await post(`/sites/${siteId}/ingest-keys`, { name: '  ' })
    assert.equal(empty.statusCode, 400)
    assert.match(empty.body, /must not be empty/)
    const created = await post(`/sites/${siteId}/ingest-keys`, { name: 'Contact centre' })
    assert.equal(created.statusCode, 200, created.body.slice(0, 500))
    const shown = /data-testid="new-ingest-key">(cxi_[^<]+)</.exec(created.body)?.[1] ?? ''
    assert.match(shown, SECRET)
    const ok = await send({ events: [{ channel: 'contact_center', type: 'action', subject: 'c', timestamp: iso(Date.now()), name: 'form_key' }] }, shown)
    assert.equal(ok.statusCode, 204, 'the key shown on the page works')
    const id = (await w.t.runtime.db.selectFrom('site_ingest_keys').select('id').where('name', '=', 'Contact centre').executeTakeFirstOrThrow()).id
    const rotated = await post(`/sites/${siteId}/ingest-keys/${id}/rotate`)
    assert.equal(rotated.statusCode, 200)
    const next = /data-testid="new-ingest-key">(cxi_[^<]+)</.exec(rotated.body)?.[1] ?? ''
    assert.match(next, SECRET)
    assert.notEqual(next, shown)
    const revoked = await post(`/sites/${siteId}/ingest-keys/${id}/revoke`)
    assert.equal(revoked.statusCode, 303)
    assert.equal((await send({ events: [{ channel: 'sms', type: 'action', subject: 'c', timestamp: iso(Date.now()), name: 'after_revoke' }] }, next)).statusCode, 401)

    const reader = await signIn(w.t.app, w.world.people.analystA.email)
    const readerPage = await w.t.app.inject({ method: 'GET', url: `/sites/${siteId}`, headers: { cookie: reader.cookie } })
    assert.match(readerPage.body, /Mobile app backend/)
    assert.ok(!readerPage.body.includes('Create ingest key'), 'readers see the keys but cannot manage them')
  })
})

// The per-key limit needs its own app: the suite above runs with the limit out of reach.
for (const engine of ENGINES) {
  describe(`server-to-server ingest rate limit (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await createTestApp(engine, { CX280_EVENTS_RATE_LIMIT: '3' })
    })
    after(() => t.close())

    it('limits each key separately with 429 and a message', async () => {
      const world = await seedWorld(t.runtime)
      const site = await createSite(t.runtime.db, world.people.leadA.actor, { organizationId: world.orgs.A.id, name: 'Rate limited', domain: 'rate.example.gov' })
      const newKey = async () => json<Created>(await t.app.inject({ method: 'POST', url: `/api/v1/sites/${site.id}/ingest-keys`, headers: bearer(world.people.leadA), payload: { name: 'k' } })).secret
      const [first, second] = [await newKey(), await newKey()]
      const send = (key: string) => t.app.inject({
        method: 'POST', url: '/api/v1/events/server', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        payload: { events: [{ channel: 'email', type: 'action', subject: 's', timestamp: new Date().toISOString(), name: 'open' }] },
      })
      const statuses = [] as number[]
      for (let i = 0; i < 4; i++) statuses.push((await send(first)).statusCode)
      assert.deepEqual(statuses, [204, 204, 204, 429])
      const limited = await send(first)
      assert.equal(typeof json<{ message: string }>(limited).message, 'string')
      assert.equal((await send(second)).statusCode, 204, 'another key has its own budget')
    })
  })
}
