import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { staticScript } from '../../src/http/static-script.ts'

describe('tracker script bundle', () => {
  const script = staticScript('tracker/main.ts')

  it('stays within 2 KB gzipped', () => {
    assert.ok(script.gzipBytes <= 2048, `${script.gzipBytes} bytes gzipped`)
    assert.deepEqual(gunzipSync(script.gzip), script.body)
  })

  it('carries an SRI hash of its bytes', () => {
    assert.equal(script.integrity, `sha384-${createHash('sha384').update(script.body).digest('base64')}`)
  })

  it('uses no cookies and no storage, and sends with sendBeacon', () => {
    const text = script.body.toString('utf8')
    assert.doesNotMatch(text, /document\.cookie|localStorage|sessionStorage|indexedDB/)
    assert.match(text, /sendBeacon/)
    assert.match(text, /globalPrivacyControl/)
  })
})
