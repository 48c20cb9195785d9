import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { gunzipSync, brotliDecompressSync } from 'node:zlib'
import { it } from 'node:test'
import { embedSnippet, widgetScript } from '../../src/surveys/embed.ts'
import { bearer, describeWithWorld, json } from '../helpers/test-app.ts'

const WIDGET_BUDGET = 10 * 1024

it('builds the widget once, with an SRI hash of its bytes and within the 10 KB gzip budget', () => {
  const script = widgetScript()
  assert.equal(widgetScript(), script, 'built once per process')
  assert.equal(script.integrity, `sha384-${createHash('sha384').update(script.body).digest('base64')}`)
  assert.equal(gunzipSync(script.gzip).compare(script.body), 0)
  assert.equal(brotliDecompressSync(script.brotli).compare(script.body), 0)
  assert.ok(script.gzipBytes <= WIDGET_BUDGET, `widget is ${script.gzipBytes} bytes gzipped; the budget is ${WIDGET_BUDGET}`)
  const snippet = embedSnippet('https://cx.agency.gov', 'f1c0"><x', script.integrity, 'inline')
  assert.match(snippet, /<script src="https:\/\/cx\.agency\.gov\/widget\/v1\.js" integrity="sha384-[^"]+" crossorigin="anonymous" async><\/script>/)
  assert.ok(snippet.includes('data-cx280-survey="f1c0&quot;&gt;&lt;x"'), 'attribute values are escaped')
})

describeWithWorld('widget script and embed snippets', (w) => {
  it('serves /widget/v1.js as a static, immutable, cross-origin script whose bytes match the SRI hash', async () => {
    const response = await w.t.app.inject({ method: 'GET', url: '/widget/v1.js' })
    assert.equal(response.statusCode, 200)
    assert.equal(response.headers['content-type'], 'text/javascript; charset=utf-8')
    assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable')
    assert.equal(response.headers['cross-origin-resource-policy'], 'cross-origin', 'helmet\'s same-origin default is overridden')
    assert.equal(response.headers['access-control-allow-origin'], '*')
    assert.equal(response.headers['content-encoding'], undefined)
    const etag = String(response.headers.etag)
    assert.match(etag, /^"[^"]+"$/)
    assert.equal(`sha384-${createHash('sha384').update(response.rawPayload).digest('base64')}`, widgetScript().integrity)
    assert.equal((await w.t.app.inject({ method: 'GET', url: '/widget/v1.js', headers: { 'if-none-match': etag } })).statusCode, 304)

    const gzipped = await w.t.app.inject({ method: 'GET', url: '/widget/v1.js', headers: { 'accept-encoding': 'gzip, deflate' } })
    assert.equal(gzipped.headers['content-encoding'], 'gzip')
    assert.ok(gzipped.rawPayload.length <= WIDGET_BUDGET, `${gzipped.rawPayload.length} bytes gzipped on the wire`)
    assert.equal(gunzipSync(gzipped.rawPayload).compare(response.rawPayload), 0)
    assert.notEqual(gzipped.headers.etag, etag, 'each encoding has its own ETag')
    const brotli = await w.t.app.inject({ method: 'GET', url: '/widget/v1.js', headers: { 'accept-encoding': 'gzip, br' } })
    assert.equal(brotli.headers['content-encoding'], 'br')
    assert.equal(brotliDecompressSync(brotli.rawPayload).compare(response.rawPayload), 0)
  })

  it('gives staff who can read the survey its embed snippets with the SRI hash; other departments get 404, anonymous 401', async () => {
    const created = await w.t.app.inject({ method: 'POST', url: '/api/v1/surveys', headers: bearer(w.world.people.managerA1), payload: { serviceId: w.world.services.serviceA1.id, template: 'a11_v2_thumbs' } })
    assert.equal(created.statusCode, 201, created.body)
    const id = json<{ id: string }>(created).id
    const url = `/api/v1/surveys/${id}/embed`
    const response = await w.t.app.inject({ method: 'GET', url, headers: bearer(w.world.people.analystA) })
    assert.equal(response.statusCode, 200, response.body)
    const body = json<{ scriptUrl: string; integrity: string; gzipBytes: number; snippets: Record<'modal' | 'inline' | 'button', string> }>(response)
    assert.equal(body.integrity, widgetScript().integrity)
    assert.equal(body.scriptUrl, `${w.t.runtime.config.publicUrl}/widget/v1.js`)
    for (const mode of ['modal', 'inline', 'button'] as const) {
      assert.ok(body.snippets[mode].includes(`integrity="${body.integrity}"`), `${mode} snippet carries the integrity`)
      assert.ok(body.snippets[mode].includes(`data-cx280-survey="${id}"`))
      assert.ok(body.snippets[mode].includes(`data-cx280-mode="${mode}"`))
    }
    assert.match(body.snippets.button, /data-cx280-button="#cx280-feedback-[^"]+"/)
    assert.equal((await w.t.app.inject({ method: 'GET', url, headers: bearer(w.world.people.leadB) })).statusCode, 404)
    const anonymous = await w.t.app.inject({ method: 'GET', url })
    assert.equal(anonymous.statusCode, 401)
    assert.equal(json(anonymous).error, 'unauthorized')
  })
})
