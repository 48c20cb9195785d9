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

describe('the CSV format page', () => {
  it('lists every column, channel and kind the code knows', async () => {
    const doc = readFileSync('docs/services-csv.md', 'utf8').replace(/\s+/g, ' ')
    const { SERVICE_CSV_COLUMNS } = await import('../src/catalog/index.ts')
    const { CHANNELS } = await import('../src/a11/channels.ts')
    const { SERVICE_KINDS } = await import('../src/a11/services.ts')
    assert.ok(doc.includes(SERVICE_CSV_COLUMNS.join(', ')), 'column list differs from SERVICE_CSV_COLUMNS')
    for (const name of [...CHANNELS, ...SERVICE_KINDS]) assert.ok(doc.includes(name), name)
  })
})
