import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pagePatternToLike } from '../../src/events/patterns.ts'

describe('page patterns', () => {
  it('turns * into % and escapes LIKE wildcards and the escape character', () => {
    assert.equal(pagePatternToLike('/forms/*/submit'), '/forms/%/submit')
    assert.equal(pagePatternToLike('*'), '%')
    assert.equal(pagePatternToLike('/a_b/100%'), '/a\\_b/100\\%')
    assert.equal(pagePatternToLike('/x\\y*'), '/x\\\\y%')
    assert.equal(pagePatternToLike("/o'brien"), "/o'brien", 'quotes are left to parameters or the engine literal escaper')
  })
})
