#!/usr/bin/env node
// `npm test`: type-checks, then runs every test file under test/ with node's test runner (through tsx):
// unit tests, integration tests on SQLite and PostgreSQL, and end-to-end tests in headless Chromium.
// Pass file or folder paths to run a subset: `npm test -- test/integration`.
// When the run includes ClickHouse suites (files using test/helpers/clickhouse.ts), two local ClickHouse servers are
// started first (scripts/clickhouse-servers.mjs), passed on in CX280_TEST_CLICKHOUSE_URLS and stopped afterwards;
// CX280_TEST_CLICKHOUSE=off skips those suites instead.
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { CLICKHOUSE_URLS_ENV, clickHouseTestsDisabled, startClickHouseServers } from './clickhouse-servers.mjs'

function collect(path) {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : []
  return readdirSync(path).sort().flatMap((entry) => collect(join(path, entry)))
}

const targets = process.argv.slice(2)
const files = (targets.length > 0 ? targets : ['test']).flatMap(collect)
if (files.length === 0) {
  console.error('No test files found.')
  process.exit(1)
}

if (targets.length === 0) {
  const typecheck = spawnSync('npx', ['tsc', '--noEmit'], { stdio: 'inherit' })
  if (typecheck.status !== 0) process.exit(typecheck.status ?? 1)
  const widget = spawnSync('npx', ['tsc', '-p', 'client'], { stdio: 'inherit' }) // the widget's browser code (client/tsconfig.json)
  if (widget.status !== 0) process.exit(widget.status ?? 1)
}

const env = { ...process.env }
let clickhouse = null
const needsClickHouse = files.some((file) => readFileSync(file, 'utf8').includes('helpers/clickhouse.ts'))
if (needsClickHouse && !clickHouseTestsDisabled() && !env[CLICKHOUSE_URLS_ENV]) {
  try {
    clickhouse = await startClickHouseServers(2)
  } catch (error) {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  }
  env[CLICKHOUSE_URLS_ENV] = clickhouse.urls.join(',')
}

// The test run gets its own process group, so that on Ctrl-C or TERM this process ends the runner and every test
// file's process at once (node --test alone would finish the run first), and then stops the servers.
// The timeout applies to each test file as a whole too: the largest (the access matrix, the CLI spawning the real
// command on both engines) take about two minutes on a busy 2-core machine, so they get five.
// Two files run at a time: node's default is one fewer than the cores, which is one here, and much of a file's time
// is spent waiting on PostgreSQL, ClickHouse, Chromium or child servers. Every file has its own databases, data
// directories and ports, so files do not share state. On 2 cores this took the suite from about 15 minutes to 7.
const run = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=300000', '--test-concurrency=2', ...files], { stdio: 'inherit', env, detached: true })
let interrupted = false
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = true
    try { process.kill(-run.pid, 'SIGTERM') } catch { /* already gone */ }
  })
}
const status = await new Promise((resolve) => run.on('exit', (code) => resolve(interrupted ? 130 : code ?? 1)))
await clickhouse?.stop()
process.exit(status)
