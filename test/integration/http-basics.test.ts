import assert from 'node:assert/strict'
import { it } from 'node:test'
import { bearer, createTestApp, describeWithWorld, json, PASSWORD, seedWorld } from '../helpers/test-app.ts'

describeWithWorld('HTTP basics', (w) => {
  it('answers /healthz with ok and the state of both stores', async () => {
    const response = await w.t.app.inject({ method: 'GET', url: '/healthz' })
    assert.equal(response.statusCode, 200)
    const body = json<{ status: string; checks: { database: { engine: string; status: string }; events: { engine: string; status: string } } }>(response)
    assert.equal(body.status, 'ok')
    assert.equal(body.checks.database.engine, w.engine)
    assert.equal(body.checks.database.status, 'ok')
    assert.equal(body.checks.events.engine, 'duckdb')
  })

  it('exposes Prometheus metrics including request counts by route', async () => {
    await w.t.app.inject({ method: 'GET', url: '/healthz' })
    const response = await w.t.app.inject({ method: 'GET', url: '/metrics' })
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /text\/plain/)
    assert.match(response.body, /cx280_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/)
    assert.match(response.body, /cx280_process_resident_memory_bytes/)
  })

  it('publishes an OpenAPI 3.1 document generated from the validating schemas', async () => {
    const response = await w.t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })
    assert.equal(response.statusCode, 200)
    const doc = json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }>> }>(response)
    assert.equal(doc.openapi, '3.1.0')
    for (const path of ['/api/v1/services', '/api/v1/services/{id}', '/api/v1/organizations', '/api/v1/hisps', '/api/v1/users', '/api/v1/api-keys', '/api/v1/audit']) {
      assert.ok(doc.paths[path], `missing ${path}`)
    }
    const body = doc.paths['/api/v1/services']?.post?.requestBody?.content['application/json']?.schema.properties ?? {}
    assert.ok('wetSignatureRequired' in body && 'digitalEquivalentExists' in body && 'channels' in body)
    assert.ok(!Object.keys(doc.paths).some((p) => p.startsWith('/services')), 'pages are not in the API document')
  })

  it('sends security headers with a CSP that forbids inline script and style', async () => {
    const response = await w.t.app.inject({ method: 'GET', url: '/login' })
    const csp = String(response.headers['content-security-policy'])
    assert.match(csp, /script-src 'self'/)
    assert.match(csp, /style-src 'self'/)
    assert.ok(!csp.includes('unsafe-inline'))
    assert.match(csp, /frame-ancestors 'none'/)
    assert.equal(response.headers['x-content-type-options'], 'nosniff')
    assert.ok(!/<script>[^<]/.test(response.body) && !/ style="/.test(response.body), 'no inline script or style in pages')
  })

  it('marks the session cookie Secure behind an HTTPS proxy', async () => {
    const proxied = await createTestApp(w.engine, { CX280_TRUST_PROXY: 'true', CX280_PUBLIC_URL: 'https://cx.example.gov' })
    try {
      await seedWorld(proxied.runtime)
      const page = await proxied.app.inject({ method: 'GET', url: '/login', headers: { 'x-forwarded-proto': 'https' } })
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
      const anon = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ')
      const response = await proxied.app.inject({
        method: 'POST', url: '/login', headers: { cookie: anon, 'x-forwarded-proto': 'https', 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ email: 'admin@test.gov', password: PASSWORD, _csrf: csrf }).toString(),
      })
      assert.equal(response.statusCode, 303)
      assert.equal(response.cookies.find((c) => c.name === 'cx280_session')?.secure, true)
      assert.match(String(response.headers['strict-transport-security']), /max-age=31536000/)
    } finally {
      await proxied.close()
    }
  })

  it('serves USWDS assets with long-lived caching', async () => {
    const response = await w.t.app.inject({ method: 'GET', url: '/assets/uswds/css/uswds.min.css' })
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['cache-control']), /immutable/)
  })

  it('rejects an oversized JSON body with 413 and stores nothing', async () => {
    const response = await w.t.app.inject({ method: 'POST', url: '/api/v1/services', headers: bearer(w.world.people.admin), payload: { name: 'x', organizationId: w.world.orgs.A.id, description: 'x'.repeat(1_100_000) } })
    assert.equal(response.statusCode, 413)
    assert.equal(json(response).error, 'too_large')
  })

  it('answers a malformed multipart body with 400, on pages and on the API', async () => {
    const headers = { 'content-type': 'multipart/form-data; boundary=x' }
    const page = await w.t.app.inject({ method: 'POST', url: '/login', headers, payload: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb' })
    assert.equal(page.statusCode, 400)
    const api = await w.t.app.inject({ method: 'POST', url: '/api/v1/services/import', headers: { ...headers, ...bearer(w.world.people.admin) }, payload: 'garbage' })
    assert.equal(api.statusCode, 400, api.body)
    assert.equal(json<{ error: string }>(api).error, 'invalid')
  })

  it('answers unknown API paths with JSON 404 and unknown pages with an HTML 404', async () => {
    const api = await w.t.app.inject({ method: 'GET', url: '/api/v1/nothing', headers: bearer(w.world.people.admin) })
    assert.equal(api.statusCode, 404)
    assert.equal(json(api).error, 'not_found')
    const page = await w.t.app.inject({ method: 'GET', url: '/nothing-here' })
    assert.equal(page.statusCode, 404)
    assert.match(page.body, /<h1>Page not found<\/h1>/)
  })

  it('rate-limits sign-in attempts per address', async () => {
    const limited = await createTestApp(w.engine, { CX280_LOGIN_RATE_LIMIT: '3' })
    try {
      const codes: number[] = []
      for (let i = 0; i < 5; i++) codes.push((await limited.app.inject({ method: 'POST', url: '/login', payload: {} })).statusCode)
      assert.equal(codes.filter((c) => c === 429).length, 2, `codes: ${codes.join(',')}`)
    } finally {
      await limited.close()
    }
  })
})
