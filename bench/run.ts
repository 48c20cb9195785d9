/**
 * `npm run bench`: runs every benchmark and prints a plain-text table of figures. Each benchmark makes its own data
 * in its own temporary CX280_DATA_DIR (never ./data) and removes it afterwards. See bench/README.md.
 *
 * Options (all optional): --only startup|api|intake|analytics   --services N (2000)   --duration S (5)   --warmup S (1)   --connections N (10)
 *   --intake-duration S (20)   --intake-connections N (default: sweep 1..16 and pick the best with p99 <= 20 ms)
 *   --analytics-events N (10000000)   --analytics-seconds S (10)   --clickhouse (also on local ClickHouse servers)
 *   --analytics-engines duckdb,clickhouse,clickhouse-2 (default: all enabled)   --analytics-ingest-only
 *   --profile-dir DIR (V8 CPU profiles of the analytics ingest server)
 *   --reporting-responses N (1000000)   --reporting-collections N (50)   --reporting-postgres (also on the local PostgreSQL)
 */
import { cpus, loadavg, totalmem } from 'node:os'
import { parseArgs } from 'node:util'
import { benchAnalytics } from './analytics.ts'
import { benchApi } from './api.ts'
import { benchIntake } from './intake.ts'
import { benchReporting } from './reporting.ts'
import { num, renderSection, type Section } from './report.ts'
import { cleanupEverything } from './server.ts'
import { benchStartup } from './startup.ts'

function positiveInteger(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative integer, got "${value}"`)
  return parsed
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' }, services: { type: 'string' }, duration: { type: 'string' }, warmup: { type: 'string' }, connections: { type: 'string' },
      'intake-duration': { type: 'string' }, 'intake-connections': { type: 'string' },
      'analytics-events': { type: 'string' }, 'analytics-seconds': { type: 'string' }, clickhouse: { type: 'boolean' }, 'analytics-ingest-only': { type: 'boolean' },
      'profile-dir': { type: 'string' }, 'analytics-engines': { type: 'string' },
      'reporting-responses': { type: 'string' }, 'reporting-collections': { type: 'string' }, 'reporting-postgres': { type: 'boolean' },
    },
    strict: true,
  })
  const only = values.only
  if (only !== undefined && only !== 'startup' && only !== 'api' && only !== 'intake' && only !== 'analytics' && only !== 'reporting') throw new Error('--only must be startup, api, intake, analytics or reporting')
  const apiOptions = {
    services: positiveInteger(values.services, 2000, 'services'),
    durationSeconds: positiveInteger(values.duration, 5, 'duration'),
    warmupSeconds: positiveInteger(values.warmup, 1, 'warmup'),
    connections: positiveInteger(values.connections, 10, 'connections'),
  }
  const intakeOptions = {
    durationSeconds: positiveInteger(values['intake-duration'], 20, 'intake-duration'),
    warmupSeconds: 3,
    sweepSeconds: 4,
    connections: values['intake-connections'] === undefined ? null : positiveInteger(values['intake-connections'], 8, 'intake-connections'),
  }

  const analyticsOptions = {
    events: positiveInteger(values['analytics-events'], 10_000_000, 'analytics-events'),
    ingestSeconds: positiveInteger(values['analytics-seconds'], 10, 'analytics-seconds'),
    clickhouse: values.clickhouse ?? false,
    profileDir: values['profile-dir'] ?? null,
    ingestOnly: values['analytics-ingest-only'] ?? false,
    engines: values['analytics-engines']?.split(',').map((e) => e.trim()).filter(Boolean) ?? null,
  }

  const reportingOptions = {
    responses: positiveInteger(values['reporting-responses'], 1_000_000, 'reporting-responses'),
    collections: Math.max(1, positiveInteger(values['reporting-collections'], 50, 'reporting-collections')),
    postgres: values['reporting-postgres'] ?? false,
  }

  const started = performance.now()
  const loadAtStart = loadavg()[0] ?? Number.NaN
  const log = (line: string) => process.stderr.write(`${line}\n`)
  const sections: Section[] = []
  const warnings: string[] = []

  if (only === undefined || only === 'startup') {
    log('start-up benchmark ...')
    sections.push(await benchStartup(log))
  }
  if (only === undefined || only === 'api') {
    log('API benchmark ...')
    const api = await benchApi(apiOptions, log)
    sections.push(...api.sections)
    warnings.push(...api.warnings)
  }
  if (only === undefined || only === 'intake') {
    log('intake benchmark ...')
    const intake = await benchIntake(intakeOptions, log)
    sections.push(...intake.sections)
    warnings.push(...intake.warnings)
  }
  if (only === undefined || only === 'analytics') {
    log('analytics benchmark ...')
    const analytics = await benchAnalytics(analyticsOptions, log)
    sections.push(...analytics.sections)
    warnings.push(...analytics.warnings)
  }
  if (only === undefined || only === 'reporting') {
    log('reporting benchmark ...')
    const reporting = await benchReporting(reportingOptions, log)
    sections.push(...reporting.sections)
    warnings.push(...reporting.warnings)
  }

  if (loadAtStart > 1.5) warnings.push(`the 1-min load average was ${num(loadAtStart, 2)} when the bench started: other work was competing for the ${cpus().length} cores, so treat the figures as pessimistic`)
  const cpu = cpus()
  const header = [
    'cx280 benchmarks',
    `${new Date().toISOString()}  node ${process.version}  ${process.platform}/${process.arch}  ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'})  ${num(totalmem() / 1024 ** 3)} GiB RAM`,
    `1-min load average: ${num(loadAtStart, 2)} at start, ${num(loadavg()[0] ?? Number.NaN, 2)} at end (the bench itself adds ~1-2; more means something else was running)`,
  ].join('\n')
  const body = sections.map(renderSection).join('\n\n')
  const footer = [
    ...(warnings.length > 0 ? ['', 'WARNINGS', ...warnings.map((w) => `  ! ${w}`)] : []),
    '',
    `Total bench time: ${num((performance.now() - started) / 1000, 1)} s`,
  ].join('\n')
  process.stdout.write(`\n${header}\n\n${body}\n${footer}\n`)
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanupEverything()
    process.exit(130)
  })
}

main().then(() => {
  cleanupEverything()
}, (error: unknown) => {
  cleanupEverything()
  console.error(error instanceof Error ? error.stack ?? error.message : String(error))
  process.exitCode = 1
})
