import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { detectPii, maskPii } from '../../src/privacy/pii.ts'

describe('PII screening', () => {
  const cases: ReadonlyArray<[string, string, string]> = [
    ['email', 'write to jane.doe+va@example.gov please', 'write to [email] please'],
    ['ssn', 'my SSN is 123-45-6789.', 'my SSN is [ssn].'],
    ['ssn', 'ssn 123456789', '[ssn]'],
    ['phone', 'call (202) 555-0143 or 202.555.0143 or +1 202 555 0143', 'call [phone] or [phone] or [phone]'],
    ['date_of_birth', 'born 04/07/1961 and 1961-04-07', 'born [date] and [date]'],
    ['zip_plus_4', 'ZIP 20420-0001', 'ZIP [zip+4]'],
  ]
  for (const [kind, text, masked] of cases) {
    it(`finds and masks ${kind}: ${text}`, () => {
      assert.ok(detectPii(text).includes(kind as never), `${kind} in ${detectPii(text).join(',')}`)
      assert.equal(maskPii(text), masked)
    })
  }

  it('leaves ordinary text alone, including short numbers, years and amounts', () => {
    const text = 'It took 45 minutes in 2024; form 21-526EZ cost $1,200 and case 12345 is open.'
    assert.deepEqual(detectPii(text), [])
    assert.equal(maskPii(text), text)
  })

  it('reads a ZIP+4 as a ZIP+4, not as a phone number or SSN', () => {
    assert.deepEqual(detectPii('20420-0001'), ['zip_plus_4'])
  })
})
