import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.ts'

for (const engine of ENGINES) describe(`the cx280 command (${engine})`, () => {
  let database: TestDatabase
  let dataDir: string
  before(async () => {
    database = await createTestDatabase(engine)
    dataDir = mkdtempSync(join(tmpdir(), 'cx280-cli-'))
  })
  after(async () => {
    await database.drop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  function cx280(...args: string[]) {
    const env = { ...process.env, CX280_DATA_DIR: dataDir, DATABASE_URL: database.url, LOG_LEVEL: 'silent' }
    const result = spawnSync(process.execPath, ['bin/cx280.js', ...args], { env, encoding: 'utf8', timeout: 60_000 })
    return { code: result.status, out: result.stdout, err: result.stderr }
  }

  it('migrates both stores', () => {
    const run = cx280('migrate')
    assert.equal(run.code, 0, run.err)
    assert.match(run.out, new RegExp(`up to date \\(${engine}, duckdb\\)`))
  })

  it('loads the demo data once, printing the first administrator and the demo users', () => {
    const first = cx280('demo')
    assert.equal(first.code, 0, first.err)
    assert.match(first.out, /Created the first administrator/)
    assert.match(first.out, /reviewer@demo\.cx280\.gov/)
    const second = cx280('demo')
    assert.match(second.out, /already loaded/)
  })

  it('creates a user and an API key that is printed once', () => {
    const user = cx280('user', 'create', '--email', 'cli.user@agency.gov', '--name', 'CLI User', '--role', 'analyst', '--organization', 'VBA', '--password', 'a long cli password')
    assert.equal(user.code, 0, user.err)
    const key = cx280('apikey', 'create', '--email', 'cli.user@agency.gov', '--name', 'script')
    assert.equal(key.code, 0, key.err)
    assert.match(key.out.trim(), /^cx280_[0-9a-f]{12}_[A-Za-z0-9_-]+$/)
    const badRole = cx280('user', 'create', '--email', 'x@agency.gov', '--name', 'X', '--role', 'wizard')
    assert.notEqual(badRole.code, 0)
    assert.match(badRole.err, /role must be one of/)
  })

  it('imports services from CSV all-or-nothing and exports them', () => {
    const bad = join(dataDir, 'bad.csv')
    writeFileSync(bad, 'name,organization,channels\nGood,VBA,website\nBad,VBA,smoke signals\n')
    const rejected = cx280('import', 'services', bad)
    assert.equal(rejected.code, 1)
    assert.match(rejected.err, /line 3, channels/)
    const good = join(dataDir, 'good.csv')
    writeFileSync(good, 'name,organization,channels\nCLI imported service,VBA,website;email\n')
    const imported = cx280('import', 'services', good)
    assert.equal(imported.code, 0, imported.err)
    assert.match(imported.out, /1 added/)
    const exported = cx280('export', 'services')
    assert.equal(exported.code, 0, exported.err)
    assert.match(exported.out, /CLI imported service/)
    assert.ok(!exported.out.includes('\nBad,'), 'the rejected file wrote nothing')
    const json = cx280('export', 'services', '--format', 'json')
    assert.ok((JSON.parse(json.out) as unknown[]).length >= 11)
  })
})
