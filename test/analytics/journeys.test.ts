/** Journeys without a database: step validation, periods, version state transitions, page pattern matching. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pathMatches } from '../../src/analytics/journey-schema.ts'
import { checkSteps, nextVersionState } from '../../src/analytics/journeys.ts'
import { Invalid } from '../../src/errors.ts'
import { duration } from '../../src/web/journey-pages.tsx'

const fieldsOf = (run: () => unknown): Record<string, string> => {
  try {
    run()
  } catch (error) {
    assert.ok(error instanceof Invalid, `expected Invalid, got ${String(error)}`)
    return { ...error.fields }
  }
  assert.fail('expected the call to throw')
}

describe('journey steps', () => {
  it('trims, defaults labels to the pattern or name, and keeps the order', () => {
    assert.deepEqual(checkSteps([
      { kind: 'page', pattern: ' /apply ', label: ' Start ' }, { kind: 'action', name: 'apply_submit' }, { kind: 'page', pattern: '/apply/*/done', label: '' },
    ]), [
      { kind: 'page', pattern: '/apply', label: 'Start' }, { kind: 'action', name: 'apply_submit', label: 'apply_submit' }, { kind: 'page', pattern: '/apply/*/done', label: '/apply/*/done' },
    ])
  })

  it('names every bad field at once: counts, missing targets, hosts, queries, control characters', () => {
    assert.match(fieldsOf(() => checkSteps([{ kind: 'page', pattern: '/only' }])).steps ?? '', /2 to 20 steps \(it has 1\)/)
    const tooMany = Array.from({ length: 21 }, (_v, i) => ({ kind: 'page' as const, pattern: `/p${i}` }))
    assert.match(fieldsOf(() => checkSteps(tooMany)).steps ?? '', /it has 21/)
    const fields = fieldsOf(() => checkSteps([
      { kind: 'page', pattern: '' }, { kind: 'page', pattern: 'https://x.gov/apply' }, { kind: 'page', pattern: '/apply?step=2' },
      { kind: 'action', name: '  ' }, { kind: 'action', name: 'ok', label: 'bad\u0007label' }, { kind: 'page', pattern: '/a b' },
    ]))
    assert.deepEqual(Object.keys(fields).sort(), ['steps.0.pattern', 'steps.1.pattern', 'steps.2.pattern', 'steps.3.name', 'steps.4.label', 'steps.5.pattern'])
    assert.match(fields['steps.1.pattern'] ?? '', /starting with \//)
    assert.match(fields['steps.2.pattern'] ?? '', /query string/)
  })
})

describe('page patterns match whole paths, * any run of characters', () => {
  const cases: [string, string, boolean][] = [
    ['/apply', '/apply', true], ['/apply', '/apply/', false], ['/apply', '/apply/form', false], ['/apply/*', '/apply/form', true],
    ['/apply/*', '/apply/', true], ['/apply/*/done', '/apply/123/done', true], ['/apply/*/done', '/apply/done', false],
    ['/a.b', '/aXb', false], ['/a.b', '/a.b', true], ['/(x)', '/(x)', true], ['*', '/anything/at/all', true],
  ]
  for (const [pattern, path, expected] of cases) it(`${pattern} ${expected ? 'matches' : 'does not match'} ${path}`, () => assert.equal(pathMatches(pattern, path), expected))
})

describe('version states', () => {
  it('allows exactly the documented transitions', () => {
    assert.equal(nextVersionState('active', 'deprecate'), 'deprecated')
    assert.equal(nextVersionState('deprecated', 'deprecate'), null)
    assert.equal(nextVersionState('deprecated', 'reactivate'), 'active')
    assert.equal(nextVersionState('active', 'reactivate'), null)
    assert.equal(nextVersionState('active', 'new_version'), 'replaced')
    assert.equal(nextVersionState('deprecated', 'new_version'), 'replaced')
    assert.equal(nextVersionState('active', 'replace_by_journey'), 'replaced')
    assert.equal(nextVersionState('deprecated', 'replace_by_journey'), 'replaced')
    for (const action of ['deprecate', 'reactivate', 'new_version', 'replace_by_journey'] as const) assert.equal(nextVersionState('replaced', action), null, `replaced is final (${action})`)
  })
})

describe('durations on the dashboard', () => {
  it('reads as seconds, minutes, hours or days', () => {
    assert.equal(duration(null), '—')
    assert.equal(duration(45), '45 s')
    assert.equal(duration(75), '1 min 15 s')
    assert.equal(duration(120), '2 min')
    assert.equal(duration(7260), '2 h 1 min')
    assert.equal(duration(90_000), '1 d 1 h')
  })
})
