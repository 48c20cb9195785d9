/**
 * The `cx280` command: serve, migrate, demo, user create, apikey create, import services, export services,
 * analytics rollup, report quarterly.
 * Every command runs the same domain functions as the pages and the API, as the system actor (audited as such).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { Command, InvalidArgumentError } from 'commander'
import { createApiKey, ensureFirstAdmin, loadUserActor, ROLES, systemActor, UserCreateInput, createUser, type Role } from './auth/index.ts'
import { exportServicesCsv, exportServicesJson, importServicesCsv, listOrganizations } from './catalog/index.ts'
import { loadConfig } from './config.ts'
import { DEMO_PASSWORD, loadDemoData } from './demo/demo-data.ts'
import { buildApp } from './http/app.ts'
import { scheduledJobs, startScheduler } from './jobs/scheduler.ts'
import { openRuntime, type Runtime } from './runtime.ts'
import { parseWith } from './validation.ts'
import { parseUtcDate } from './analytics/period.ts'
import { rebuildRollups } from './analytics/rollup-job.ts'
import { writeQuarterlyReport } from './reporting/index.ts'

async function withRuntime<T>(run: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(loadConfig())
  try {
    return await run(runtime)
  } finally {
    await runtime.close()
  }
}

async function printFirstAdmin(runtime: Runtime): Promise<void> {
  const created = await ensureFirstAdmin(runtime.db, systemActor('first-start'), runtime.config.adminEmail, runtime.config.adminPassword)
  if (!created) return
  if (created.generatedPassword) {
    console.log(`\nCreated the first administrator.\n  email:    ${created.email}\n  password: ${created.generatedPassword}\nThis password is shown once. Sign in and change it on the Account page.\n`)
  } else {
    console.log(`Created the first administrator ${created.email} (password from CX280_ADMIN_PASSWORD).`)
  }
}

async function printDemo(runtime: Runtime): Promise<void> {
  const demo = await loadDemoData(runtime.db, runtime.events, new Date(), { publicUrl: runtime.config.publicUrl, deadlineDays: runtime.config.collectionDeadlineDays })
  if (!demo.loaded) {
    console.log('Demo data is already loaded.')
    return
  }
  console.log(`Loaded the demo data set. Demo users (password "${DEMO_PASSWORD}"):`)
  for (const user of demo.users) console.log(`  ${user.role.padEnd(16)} ${user.email}`)
}

async function serve(options: { demo?: boolean }): Promise<void> {
  const started = performance.now()
  const config = loadConfig()
  const runtime = await openRuntime(config)
  await printFirstAdmin(runtime)
  if (options.demo) await printDemo(runtime)
  const app = await buildApp(runtime)
  await app.listen({ port: config.port, host: config.host })
  const ms = Math.round(performance.now() - started)
  const rss = Math.round(process.memoryUsage().rss / 1024 / 1024)
  console.log(`cx280 is running at ${config.publicUrl} (listening on ${config.host}:${config.port}; ${runtime.engine} + ${runtime.events.engine}; ready in ${ms} ms, ${rss} MB RSS)`)
  const scheduler = config.jobs ? startScheduler(scheduledJobs(runtime), app.log) : null
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down')
    await scheduler?.stop()
    await app.close()
    process.exit(0)
  }
  process.once('SIGINT', () => void shutdown('SIGINT'))
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
}

function role(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`role must be one of ${ROLES.join(', ')}`)
  return value as Role
}

async function actorFor(runtime: Runtime, email: string | undefined) {
  if (!email) return systemActor('cli')
  const user = await runtime.db.selectFrom('users').select('id').where('email', '=', email.toLowerCase()).executeTakeFirst()
  const actor = user ? await loadUserActor(runtime.db, user.id) : null
  if (!actor) throw new Error(`No active user ${email}`)
  return actor
}

export function buildCli(): Command {
  const program = new Command('cx280').description('cx280: OMB Circular A-11 Section 280 platform').showHelpAfterError()

  program.command('serve').description('start the web server (migrates first)').option('--demo', 'load the demo data set first').action(serve)
  program.command('migrate').description('apply database migrations (relational and events)').action(() => withRuntime(async (r) => {
    console.log(`Migrations are up to date (${r.engine}, ${r.events.engine}).`)
  }))
  program.command('demo').description('load the demo data set').action(() => withRuntime(async (r) => {
    await printFirstAdmin(r)
    await printDemo(r)
  }))

  const user = program.command('user').description('manage users')
  user.command('create').description('create a user with one role')
    .requiredOption('--email <email>').requiredOption('--name <name>').requiredOption('--role <role>', ROLES.join(' | '), role)
    .option('--organization <idOrAbbreviation>', 'organization for scoped roles').option('--password <password>', 'initial password (otherwise sign in by OIDC or reset)')
    .action((o: { email: string; name: string; role: Role; organization?: string; password?: string }) => withRuntime(async (r) => {
      const actor = systemActor('cli')
      let organizationId: string | null = null
      if (o.organization) {
        const match = (await listOrganizations(r.db, actor)).find((org) => org.id === o.organization || org.abbreviation?.toLowerCase() === o.organization?.toLowerCase())
        if (!match) throw new Error(`No organization ${o.organization}`)
        organizationId = match.id
      }
      const input = parseWith(UserCreateInput, { email: o.email, name: o.name, roles: [{ role: o.role, organizationId }], ...(o.password ? { password: o.password } : {}) })
      const created = await createUser(r.db, actor, input)
      console.log(`Created ${created.email} (${created.id})`)
    }))

  program.command('apikey').description('manage API keys').command('create').description('create an API key for a user (printed once)')
    .requiredOption('--email <email>').requiredOption('--name <name>')
    .action((o: { email: string; name: string }) => withRuntime(async (r) => {
      const { secret } = await createApiKey(r.db, await actorFor(r, o.email), o.name)
      console.log(secret)
    }))

  program.command('import').description('import data').command('services <csv>').description('import services from a CSV file (all rows or none)')
    .option('--as <email>', 'act as this user (default: system)')
    .action((file: string, o: { as?: string }) => withRuntime(async (r) => {
      const report = await importServicesCsv(r.db, await actorFor(r, o.as), await readFile(file, 'utf8'))
      if (!report.ok) {
        console.error(`Nothing imported: ${report.errors.length} problem(s).`)
        for (const e of report.errors) console.error(`  line ${e.row}, ${e.field}: ${e.message}`)
        process.exitCode = 1
        return
      }
      console.log(`Imported: ${report.created} added, ${report.updated} updated.`)
    }))

  program.command('export').description('export data').command('services').description('export services as CSV (default) or JSON')
    .option('--format <format>', 'csv or json', 'csv').option('--out <file>', 'write to a file instead of standard output')
    .action((o: { format: string; out?: string }) => withRuntime(async (r) => {
      const rows = o.format === 'json' ? exportServicesJson(r.db, systemActor('cli'), {}) : exportServicesCsv(r.db, systemActor('cli'), {})
      const chunks: string[] = []
      for await (const chunk of rows) {
        if (o.out) chunks.push(chunk)
        else process.stdout.write(chunk)
      }
      if (o.out) await writeFile(o.out, chunks.join(''))
    }))

  program.command('analytics').description('analytics maintenance').command('rollup').description('rebuild the analytics rollups of a range of UTC days (both included)')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD (UTC)', utcDate).requiredOption('--to <date>', 'last day, YYYY-MM-DD (UTC)', utcDate)
    .action((o: { from: Date; to: Date }) => withRuntime(async (r) => {
      if (o.to < o.from) throw new InvalidArgumentError('--from must be on or before --to')
      const days = await rebuildRollups(r.events, o.from, o.to, (through) => console.log(`  rebuilt through ${through}`))
      console.log(`Rebuilt the rollups of ${days} day${days === 1 ? '' : 's'} (${r.events.engine}).`)
    }))

  program.command('report').description('OMB reports').command('quarterly').description('write every file of a fiscal quarter\'s CX data collections (A-11 §280.14), making missing collections first')
    .requiredOption('--fy <year>', 'federal fiscal year, e.g. 2026 (Oct 1, 2025 – Sep 30, 2026)', wholeNumber(2018, 2100)).requiredOption('--quarter <n>', 'fiscal quarter 1–4 (1 is Oct–Dec)', wholeNumber(1, 4))
    .requiredOption('--out <dir>', 'folder to write into (a fy<year>-q<n> folder is made inside)').option('--as <email>', 'act as this user (default: system, every collection)')
    .action((o: { fy: number; quarter: number; out: string; as?: string }) => withRuntime(async (r) => {
      const report = await writeQuarterlyReport(r.db, await actorFor(r, o.as), { fiscalYear: o.fy, quarter: o.quarter as 1 | 2 | 3 | 4 },
        o.out, { publicUrl: r.config.publicUrl, deadlineDays: r.config.collectionDeadlineDays })
      console.log(`${report.quarter}: ${report.collections} collection${report.collections === 1 ? '' : 's'} (${report.ensured.created} made now), ${report.files.length} files in ${report.directory}`)
      for (const file of report.files) console.log(`  ${file}`)
    }))

  return program
}

function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`)
    return n
  }
}

function utcDate(value: string): Date {
  const date = parseUtcDate(value)
  if (!date) throw new InvalidArgumentError('must be a date such as 2025-01-31, between 2000 and 2100')
  return date
}
