import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MAX_URL_LENGTH, redactProperties, redactReferrer, redactUrl } from '../../src/analytics/redaction.ts'

describe('redactUrl', () => {
  it('masks PII in path segments, including percent-encoded and cross-segment dates', () => {
    assert.equal(redactUrl('https://example.gov/users/jane.doe@example.com/profile'), 'https://example.gov/users/[email]/profile')
    assert.equal(redactUrl('https://example.gov/users/jane.doe%40example.com/profile'), 'https://example.gov/users/[email]/profile')
    assert.equal(redactUrl('https://example.gov/case/123-45-6789/status'), 'https://example.gov/case/[ssn]/status')
    assert.equal(redactUrl('https://example.gov/call/(202)%20555-0142'), 'https://example.gov/call/[phone]')
    assert.equal(redactUrl('https://example.gov/born/01/02/1990/next'), 'https://example.gov/born/[date]/next')
    assert.equal(redactUrl('https://example.gov/where/20500-0003'), 'https://example.gov/where/[zip+4]')
  })

  it('masks a bare value after a segment that names it, but not an ordinary word', () => {
    assert.equal(redactUrl('https://example.gov/lookup/ssn/123456789'), 'https://example.gov/lookup/ssn/[ssn]')
    assert.equal(redactUrl('https://example.gov/zip/20500/offices'), 'https://example.gov/zip/[zip]/offices')
    assert.equal(redactUrl('https://example.gov/dob/19900102'), 'https://example.gov/dob/[date]')
    assert.equal(redactUrl('https://example.gov/email/verify'), 'https://example.gov/email/verify')
    assert.equal(redactUrl('https://example.gov/zip-codes/lookup'), 'https://example.gov/zip-codes/lookup')
  })

  it('leaves harmless paths exactly as the URL parser normalized them', () => {
    assert.equal(redactUrl('https://example.gov/apply/step-2'), 'https://example.gov/apply/step-2')
    assert.equal(redactUrl('https://example.gov/a%20b/c%7Ed'), 'https://example.gov/a%20b/c%7Ed')
    assert.equal(redactUrl('https://example.gov'), 'https://example.gov/')
    assert.equal(redactUrl('https://example.gov/bad%E0%A4%A/x'), 'https://example.gov/bad%E0%A4%A/x')
  })

  it('keeps only allowlisted query parameters, masks their values, drops fragment and credentials', () => {
    assert.equal(
      redactUrl('https://user:pw@Example.GOV:443/a?utm_source=news&email=jane@x.com&token=abc&UTM_Campaign=call%20555-123-4567&lang=es&page=2#section'),
      'https://example.gov/a?utm_source=news&utm_campaign=call%20[phone]&lang=es&page=2',
    )
    assert.equal(redactUrl('https://example.gov/a?q=my+ssn&dob=01/02/1990&zip=20500'), 'https://example.gov/a')
    assert.equal(redactUrl('https://example.gov/a?ref=jane%40x.com'), 'https://example.gov/a?ref=[email]')
    const allowed = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'ref', 'lang', 'page']
    const all = redactUrl(`https://example.gov/?${allowed.map((k) => `${k}=v`).join('&')}&utm_id=1&fbclid=z`)
    assert.equal(all, `https://example.gov/?${allowed.map((k) => `${k}=v`).join('&')}`)
  })

  it('rejects anything but absolute http(s) URLs', () => {
    for (const raw of ['javascript:alert(1)', 'ftp://example.gov/a', 'data:text/html,hi', '/relative/path', 'not a url', '', 'https://' + 'a'.repeat(9000)]) {
      assert.equal(redactUrl(raw), null, raw.slice(0, 40))
    }
    assert.equal(redactUrl('http://localhost:8080/x'), 'http://localhost:8080/x')
  })

  it('caps the result at 1,000 characters without leaving a broken escape', () => {
    const long = redactUrl(`https://example.gov/${'a'.repeat(2000)}`)
    assert.equal(long?.length, MAX_URL_LENGTH)
    const escaped = redactUrl(`https://example.gov/${'%20'.repeat(400)}`) ?? ''
    assert.ok(escaped.length <= MAX_URL_LENGTH && escaped.length >= MAX_URL_LENGTH - 2)
    assert.match(escaped, /(?:%20)+$/)
  })
})

describe('redactReferrer', () => {
  it('keeps origin and masked path only', () => {
    assert.equal(redactReferrer('https://www.google.com/search?q=my+ssn+123-45-6789#top'), 'https://www.google.com/search')
    assert.equal(redactReferrer('https://mail.example.com/u/jane@example.com/inbox?x=1'), 'https://mail.example.com/u/[email]/inbox')
    assert.equal(redactReferrer('android-app://com.google.android.gm/'), null)
  })
})

describe('redactProperties', () => {
  it('keeps strings (masked, capped), finite numbers and booleans under valid keys', () => {
    const out = redactProperties({ step: 'apply', value: 3.5, ok: false, note: 'reach me at 555-123-4567 or a@b.gov', long: 'x'.repeat(300) })
    assert.deepEqual(out, { step: 'apply', value: 3.5, ok: false, note: 'reach me at [phone] or [email]', long: 'x'.repeat(200) })
  })

  it('masks any value under a key that names personal data, numbers included', () => {
    assert.deepEqual(
      redactProperties({ zip: 20500, zip_code: '20500', dob: '1990-01-02', user_email: 'anything', ssn: 123456789, phone_number: 'x', password: 'hunter2' }),
      { zip: '[zip]', zip_code: '[zip]', dob: '[date]', user_email: '[email]', ssn: '[ssn]', phone_number: '[phone]', password: '[secret]' },
    )
  })

  it('masks a number whose digits read as personal data (found by the ingest fuzzer)', () => {
    assert.deepEqual(
      redactProperties({ contact: 5558675309, big: 9.14933208609e+307, amount: 1250.5, count: 12345 }),
      // 9.14933208609e+307 prints as "9.14933208609e+307": "14933208609" reads as +1 493-320-8609.
      { contact: '[phone]', big: '9.[phone]e+307', amount: 1250.5, count: 12345 },
    )
  })

  it('drops bad keys and non-scalar or non-finite values', () => {
    const out = redactProperties({
      Bad: 1, '1st': 1, 'has-dash': 1, __proto__x: 1, ['k'.repeat(41)]: 1, ['k'.repeat(40)]: 1,
      nan: Number.NaN, inf: Number.POSITIVE_INFINITY, obj: { a: 1 }, arr: [1], nul: null, undef: undefined, big: 10n, fn: () => 1,
    })
    assert.deepEqual(out, { ['k'.repeat(40)]: 1 })
  })

  it('keeps at most 20 keys, the first valid ones', () => {
    const input: Record<string, unknown> = { Invalid: 'skipped' }
    for (let i = 0; i < 30; i++) input[`k${i}`] = i
    const out = redactProperties(input)
    assert.equal(Object.keys(out).length, 20)
    assert.equal(out.k0, 0)
    assert.equal(out.k19, 19)
    assert.equal('k20' in out, false)
  })
})
