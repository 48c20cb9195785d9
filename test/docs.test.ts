import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { ENV_VARIABLES, loadConfig } from '../src/config.ts'
import { ERROR_IDS } from '../src/errors.ts'

describe('docs stay in step with the code', () => {
  it('documents every environment variable the configuration reads', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8')
    for (const name of ENV_VARIABLES) assert.ok(doc.includes(`\`${name}\``), `docs/configuration.md lacks ${name}`)
  })
  it('documents every error id', () => {
    const doc = readFileSync('docs/errors.md', 'utf8')
    for (const id of ERROR_IDS) assert.ok(doc.includes(`| \`${id}\` |`), `docs/errors.md lacks ${id}`)
  })
})

describe('configuration', () => {
  it('defaults to the embedded stores under ./data on port 8280', () => {
    const config = loadConfig({})
    assert.equal(config.port, 8280)
    assert.match(config.databaseUrl, /^sqlite:.*data\/cx280\.sqlite$/)
    assert.match(config.eventsUrl, /^duckdb:.*data\/events\.duckdb$/)
    assert.equal(config.sessionIdleMinutes, 30)
    assert.equal(config.oidc, null)
  })
  it('names the variable when a value is malformed', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/)
    assert.throws(() => loadConfig({ OIDC_ISSUER: 'https://idp.example' }), /OIDC_CLIENT_ID/)
  })
})
