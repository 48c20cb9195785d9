import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkPasswordPolicy, hashPassword, verifyPassword } from '../../src/auth/passwords.ts'
import { digest, randomToken } from '../../src/auth/tokens.ts'

describe('passwords', () => {
  it('hashes with scrypt and a random salt, and verifies', async () => {
    const one = await hashPassword('a long enough password')
    const two = await hashPassword('a long enough password')
    assert.match(one, /^scrypt\$16384\$8\$1\$/)
    assert.notEqual(one, two)
    assert.equal(await verifyPassword('a long enough password', one), true)
    assert.equal(await verifyPassword('a long enough passworD', one), false)
  })
  it('rejects malformed stored hashes instead of throwing', async () => {
    assert.equal(await verifyPassword('x', 'plain-text'), false)
  })
  it('enforces length and refuses the email name inside the password', () => {
    assert.match(checkPasswordPolicy('short') ?? '', /at least 12/)
    assert.equal(checkPasswordPolicy('x'.repeat(300)) !== null, true)
    assert.match(checkPasswordPolicy('pat.smith-is-great', 'pat.smith@agency.gov') ?? '', /email/)
    assert.equal(checkPasswordPolicy('correct horse battery staple', 'pat@agency.gov'), null)
  })
  it('stores only digests of tokens', () => {
    const token = randomToken()
    assert.equal(token.length >= 43, true)
    assert.match(digest(token), /^[0-9a-f]{64}$/)
    assert.notEqual(digest(token), token)
  })
})
