import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import Type from 'typebox'
import { Invalid } from '../src/errors.ts'
import { parseWith, toFieldErrors } from '../src/validation.ts'

const Schema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 5 }),
  kind: Type.Enum(['a', 'b']),
  count: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  email: Type.Optional(Type.String({ format: 'email' })),
}, { additionalProperties: false })

describe('parseWith', () => {
  it('returns the value when it matches', () => {
    assert.deepEqual(parseWith(Schema, { name: 'ok', kind: 'a' }), { name: 'ok', kind: 'a' })
  })
  it('reports one message per field, including unions, enums, unknown and missing fields', () => {
    try {
      parseWith(Schema, { name: 'toolong', kind: 'c', count: '3', email: 'nope', extra: true })
      assert.fail('expected Invalid')
    } catch (error) {
      assert.ok(error instanceof Invalid)
      assert.deepEqual(Object.keys(error.fields).sort(), ['count', 'email', 'extra', 'kind', 'name'])
      assert.match(error.fields.kind ?? '', /one of: a, b/)
      assert.match(error.fields.name ?? '', /at most 5/)
      assert.match(error.fields.extra ?? '', /not a known field/)
    }
    assert.throws(() => parseWith(Schema, { kind: 'a' }), (e: unknown) => e instanceof Invalid && e.fields.name === 'is required')
  })
  it('names nested fields with dots', () => {
    assert.deepEqual(toFieldErrors([{ keyword: 'minLength', instancePath: '/roles/0/name', params: { limit: 1 } }]), { 'roles.0.name': 'must not be empty' })
  })
})
