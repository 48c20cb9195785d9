import assert from 'node:assert/strict'
import { it } from 'node:test'
import { createSite, rotateSiteKey } from '../../src/analytics/sites.ts'
import { describeWithWorld } from '../helpers/test-app.ts'

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36'
const ORIGIN = 'https://www.permits.example.gov'

describeWithWorld('analytics ingest', (w) => {
  let siteId = ''
  let key = ''
  const post = (body: unknown, headers: Record<string, string> = {}, remoteAddress = '203.0.113.7') => w.t.app.inject({
    method: 'POST', url: '/api/v1/events', remoteAddress,
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': BROWSER, ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const stored = () => w.t.runtime.events.recentEvents(siteId, 1000)

  it('stores a sendBeacon batch after its commit, redacted, with a cookieless visitor and one session', async () => {
    const site = await createSite(w.t.runtime.db, w.world.people.managerA1.actor, {
      organizationId: w.world.orgs.A1.id, name: `Permits ${w.engine}`, domain: 'www.permits.example.gov', allowedOrigins: [ORIGIN], respectGpc: true,
    })
    siteId = site.id
    key = site.publicKey
    const response = await post({ k: key, e: [
      { y: 'pageview', u: `${ORIGIN}/apply/jane.doe@example.com?utm_source=email&token=abc123#step2`, r: 'https://search.example.com/results?q=my+ssn+123-45-6789' },
      { y: 'action', u: `${ORIGIN}/apply`, n: 'apply_start', v: 12.5 },
      { y: 'outbound', u: `${ORIGIN}/apply`, n: 'https://login.gov/sign-in?email=jane@example.com' },
    ] })
    assert.equal(response.statusCode, 204, response.body)
    assert.equal(response.headers['set-cookie'], undefined, 'no cookie for visitors')
    const rows = await stored()
    assert.equal(rows.length, 3)
    const byType = new Map(rows.map((r) => [r.eventType, r]))
    assert.equal(byType.get('pageview')?.path, '/apply/[email]')
    assert.equal(byType.get('pageview')?.query, 'utm_source=email')
    assert.equal(byType.get('action')?.query, null)
    assert.ok(rows.every((r) => r.channel === 'web' && r.device === 'desktop'), 'the device class is kept, the user agent is not')
    assert.ok(rows.every((r) => !JSON.stringify(r).includes('Mozilla')))
    assert.equal(byType.get('pageview')?.referrer, 'https://search.example.com/results')
    assert.equal(byType.get('action')?.name, 'apply_start')
    assert.equal(byType.get('action')?.value, 12.5)
    assert.equal(byType.get('outbound')?.name, 'https://login.gov/sign-in')
    assert.equal(new Set(rows.map((r) => r.visitorId)).size, 1)
    assert.equal(new Set(rows.map((r) => r.sessionId)).size, 1)
    assert.ok(rows.every((r) => !JSON.stringify(r).includes('203.0.113.7')), 'the IP is stored nowhere')
  })

  it('counts the same browser as one visitor and another browser or address as another', async () => {
    await post({ k: key, e: [{ y: 'pageview', u: `${ORIGIN}/status` }] })
    await post({ k: key, e: [{ y: 'pageview', u: `${ORIGIN}/status` }] }, { 'user-agent': `${BROWSER} Edg/156.0` })
    await post({ k: key, e: [{ y: 'pageview', u: `${ORIGIN}/status` }] }, {}, '198.51.100.20')
    const visitors = (await stored()).filter((r) => r.path === '/status').map((r) => r.visitorId)
    assert.equal(visitors.length, 3)
    assert.equal(new Set(visitors).size, 3)
    const first = (await stored()).find((r) => r.path === '/apply')?.visitorId
    assert.ok(visitors.includes(first as string), 'the first browser keeps its visitor id within the day')
  })

  it('dates each event by the server clock minus its age, never trusting the client clock, and keeps at most 10 minutes', async () => {
    const response = await post({ k: key, e: [
      { y: 'pageview', u: `${ORIGIN}/aged/early`, a: 5000 }, { y: 'pageview', u: `${ORIGIN}/aged/late`, a: 0 }, { y: 'pageview', u: `${ORIGIN}/aged/slept`, a: 3_600_000 },
    ] })
    assert.equal(response.statusCode, 204, response.body)
    const at = new Map((await stored()).filter((r) => r.path?.startsWith('/aged/')).map((r) => [r.path, r.ts.getTime()]))
    assert.equal((at.get('/aged/late') as number) - (at.get('/aged/early') as number), 5000)
    assert.equal((at.get('/aged/late') as number) - (at.get('/aged/slept') as number), 600_000)
  })

  it('drops bots and Global Privacy Control (when the site honours it) with 204 and stores nothing', async () => {
    const before = (await stored()).length
    assert.equal((await post({ k: key, e: [{ y: 'pageview', u: `${ORIGIN}/` }] }, { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' })).statusCode, 204)
    assert.equal((await post({ k: key, e: [{ y: 'pageview', u: `${ORIGIN}/` }] }, { 'sec-gpc': '1' })).statusCode, 204)
    assert.equal((await stored()).length, before)
  })

  it('refuses bad input with 4xx and a message, storing nothing', async () => {
    const before = (await stored()).length
    const cases: Array<[unknown, Record<string, string>, number]> = [
      [{ k: 'cxs_aaaaaaaaaaaaaaaaaaaa', e: [{ y: 'pageview', u: `${ORIGIN}/` }] }, {}, 404],
      [{ k: key, e: [{ y: 'pageview', u: `${ORIGIN}/` }] }, { origin: 'https://evil.example.com' }, 403],
      [{ k: key, e: Array.from({ length: 101 }, () => ({ y: 'pageview', u: `${ORIGIN}/` })) }, {}, 400],
      [{ k: key, e: [{ y: 'purchase', u: `${ORIGIN}/` }] }, {}, 400],
      [{ k: key, e: [] }, {}, 400],
      [{ k: key, e: [{ y: 'pageview', u: `${ORIGIN}/`, a: -5 }] }, {}, 400],
      ['{"k": "not json', {}, 400],
      [{ k: key, e: [{ y: 'pageview', u: 'x'.repeat(70_000) }] }, {}, 413],
    ]
    for (const [body, headers, status] of cases) {
      const response = await post(body, headers)
      assert.equal(response.statusCode, status, `${response.statusCode} for ${JSON.stringify(body).slice(0, 80)}: ${response.body}`)
      assert.ok(typeof JSON.parse(response.body).message === 'string')
    }
    assert.equal((await stored()).length, before)
  })

  it('stops accepting a rotated key at once', async () => {
    const old = key
    const rotated = await rotateSiteKey(w.t.runtime.db, w.world.people.managerA1.actor, siteId)
    key = rotated.publicKey
    assert.equal((await post({ k: old, e: [{ y: 'pageview', u: `${ORIGIN}/` }] })).statusCode, 404)
    assert.equal((await post({ k: key, e: [{ y: 'pageview', u: `${ORIGIN}/` }] })).statusCode, 204)
  })

  it('serves the tracker script as an immutable file with its SRI hash in the snippet', async () => {
    const script = await w.t.app.inject({ method: 'GET', url: '/t/v1.js', headers: { 'accept-encoding': 'gzip' } })
    assert.equal(script.statusCode, 200)
    assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable')
    assert.ok(Number(script.headers['content-length']) <= 2048, `${script.headers['content-length']} bytes gzipped`)
  })
})
