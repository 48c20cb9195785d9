#!/usr/bin/env node
// `npm test`: type-checks, then runs every test file under test/ with node's test runner (through tsx):
// unit tests, integration tests on SQLite and PostgreSQL, and end-to-end tests in headless Chromium.
// Pass file or folder paths to run a subset: `npm test -- test/integration`.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

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

const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=120000', ...files], { stdio: 'inherit' })
process.exit(result.status ?? 1)
