/**
 * Intake benchmark: the public `POST /api/v1/surveys/:id/responses` on the embedded default (SQLite + DuckDB) in a
 * child `cx280 serve`, driven by autocannon with realistic, varied A-11 answers (trust on the Likert scale, the drivers
 * of the branch shown, open text, now and then a request to be contacted) and a unique idempotency key each, as the
 * widget sends them. A short sweep over connection counts finds the most submissions per second with p99 ≤ 20 ms;
 * a sustained run at that count gives the reported figures. Afterwards the server is stopped and the SQLite file
 * is opened directly to check that every acknowledged response is stored with its answers.
 *
 * Then the widget script: its gzipped size as served, and `GET /widget/v1.js` under load (a prebuilt buffer, so the
 * server renders nothing per request).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import autocannon from 'autocannon'
import SqliteDatabase from 'better-sqlite3'
import { systemActor } from '../src/auth/index.ts'
import { createOrganization, createService } from '../src/catalog/index.ts'
import { loadConfig } from '../src/config.ts'
import { openRuntime } from '../src/runtime.ts'
import { createSurvey, transitionSurvey } from '../src/surveys/index.ts'
import { num, type Section } from './report.ts'
import { BENCH_RATE_LIMIT, httpStatus, makeDataDir, memoryOf, removeDataDir, startServer, stopServer, type Memory, type RunningServer } from './server.ts'
import { seededRandom } from '../src/seeded-random.ts'

export interface IntakeOptions {
  /** Seconds of the sustained, reported run. */
  readonly durationSeconds: number
  readonly warmupSeconds: number
  /** Seconds per connection count in the sweep. */
  readonly sweepSeconds: number
  /** A fixed connection count (skips the sweep), or null to sweep. */
  readonly connections: number | null
}

export const P99_TARGET_MS = 20
export const RATE_TARGET = 5000
const SWEEP = [1, 2, 4, 8, 16] as const
const WIDGET_PATH = '/widget/v1.js'


const DRIVERS = ['effectiveness', 'ease', 'efficiency', 'transparency', 'humanity', 'employee'] as const
const TEXTS = [
  'The form was clear and I finished in ten minutes.',
  'I waited on hold for an hour before anyone answered.',
  'Staff at the front desk were kind and explained the next steps.',
  'The website kept logging me out; please fix it. Call me at 555-201-4477.',
  'Gracias, el proceso fue rápido y sencillo.',
  'I could not find where to upload my documents.',
  '',
]

/** A pool of distinct request bodies, each split around the place the idempotency key goes. */
export function answerBodies(count: number, seed = 280): { before: string; after: string }[] {
  const rand = seededRandom(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T
  return Array.from({ length: count }, () => {
    const trust = 1 + Math.floor(rand() * 5)
    const drivers = [...new Set(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(DRIVERS)))]
    const answers: Record<string, unknown> = { trust, [trust >= 4 ? 'drivers_positive' : 'drivers_negative']: drivers }
    const text = pick(TEXTS)
    if (text) answers.open_text = text
    if (rand() < 0.1) {
      answers.contact_consent = 'yes'
      answers.contact_details = 'resident@example.com'
    }
    const body = JSON.stringify({
      answers, language: rand() < 0.8 ? 'en' : 'es', source: 'widget', pageUrl: `https://www.agency.gov/services/${Math.floor(rand() * 50)}?ref=home`,
      idempotencyKey: '\u0000',
    })
    const [before, after] = body.split('"\\u0000"') as [string, string]
    return { before, after }
  })
}

/** Opens the data directory in-process (migrating it), publishes an A-11 Likert survey with contact questions, closes it. */
async function seedSurvey(dataDir: string): Promise<string> {
  const runtime = await openRuntime(loadConfig({ CX280_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }))
  try {
    const system = systemActor('bench')
    const organization = await createOrganization(runtime.db, system, { kind: 'department', name: 'Bench Department', abbreviation: 'BD', parentId: null })
    const service = await createService(runtime.db, system, { name: 'Apply for benefits', organizationId: organization.id, ownerUserId: null, kind: 'financial', channels: ['website'] })
    const survey = await createSurvey(runtime.db, system, { serviceId: service.id, template: 'a11_v2_likert', askContact: true, allowedOrigins: ['https://www.agency.gov'] })
    await transitionSurvey(runtime.db, system, survey.id, 'publish')
    return survey.id
  } finally {
    await runtime.close()
  }
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat (USER_HZ is 100 on Linux). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

interface RunFigures {
  readonly connections: number
  readonly seconds: number
  readonly okPerSecond: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
  readonly statusCodes: string
}

function figuresOf(result: autocannon.Result, connections: number): RunFigures {
  return {
    connections,
    seconds: result.duration,
    okPerSecond: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes: Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => `${code}x${stat.count ?? 0}`).join(' '),
  }
}

interface Submitter {
  run(connections: number, seconds: number): Promise<RunFigures>
  /** Idempotency keys answered 201, over every run so far. */
  readonly acknowledged: Set<string>
}

/** autocannon's per-connection context: the idempotency key of the request in flight (pipelining is 1). */
interface KeyContext { key?: string }

function submitter(server: RunningServer, surveyId: string): Submitter {
  const bodies = answerBodies(2000)
  const acknowledged = new Set<string>()
  let serial = 0
  let runNumber = 0
  return {
    acknowledged,
    async run(connections, seconds) {
      runNumber++
      const prefix = `bench-${runNumber}-`
      const request: autocannon.Request = {
        method: 'POST',
        setupRequest: (req, context) => {
          const key = `${prefix}${serial}`
          const body = bodies[serial % bodies.length] as { before: string; after: string }
          serial++
          const connection = context as KeyContext
          connection.key = key
          return { ...req, body: `${body.before}"${key}"${body.after}` }
        },
        onResponse: (status, _body, context) => {
          const key = (context as KeyContext).key
          if (status === 201 && key !== undefined) acknowledged.add(key)
        },
      }
      const result = await autocannon({
        url: `${server.baseUrl}/api/v1/surveys/${surveyId}/responses`,
        connections, duration: seconds, timeout: 10, requests: [request],
        headers: { 'content-type': 'application/json', origin: 'https://www.agency.gov', 'accept-language': 'en-US,en;q=0.9' },
      })
      return figuresOf(result, connections)
    },
  }
}

interface StoredCheck {
  readonly responses: number
  readonly answers: number
  readonly withoutAnswers: number
  readonly recoveryCases: number
  readonly missingAcknowledged: number
}

/** Reads the stopped server's SQLite file: counts, responses without answer rows, acknowledged keys not stored. */
function checkStored(dataDir: string, acknowledged: ReadonlySet<string>): StoredCheck {
  const database = new SqliteDatabase(join(dataDir, 'cx280.sqlite'), { readonly: true })
  try {
    const count = (sql: string) => Number((database.prepare(sql).get() as { n: number }).n)
    const stored = new Set((database.prepare('select idempotency_key as k from responses').all() as { k: string | null }[]).map((r) => r.k))
    let missing = 0
    for (const key of acknowledged) if (!stored.has(key)) missing++
    return {
      responses: count('select count(*) as n from responses'),
      answers: count('select count(*) as n from response_answers'),
      withoutAnswers: count('select count(*) as n from responses r where not exists (select 1 from response_answers a where a.response_id = r.id)'),
      recoveryCases: count('select count(*) as n from recovery_cases'),
      missingAcknowledged: missing,
    }
  } finally {
    database.close()
  }
}

interface WidgetFigures {
  readonly available: boolean
  readonly status: number | null
  readonly rawBytes: number
  readonly servedGzipBytes: number | null
  readonly servedBrotliBytes: number | null
  readonly ownGzipBytes: number
  readonly firstRequestMs: number
  readonly load: RunFigures | null
  readonly serverCpuUsPerRequest: number
  readonly cacheControl: string | null
}

/** The Content-Length the server sends for one encoding (fetch() decompresses bodies, so the header is the measure). */
async function encodedLength(url: string, encoding: 'gzip' | 'br'): Promise<number | null> {
  const response = await fetch(url, { headers: { 'accept-encoding': encoding } })
  await response.arrayBuffer()
  return response.headers.get('content-encoding') === encoding ? Number(response.headers.get('content-length')) : null
}

async function benchWidget(server: RunningServer, seconds: number): Promise<WidgetFigures> {
  const url = `${server.baseUrl}${WIDGET_PATH}`
  const pid = server.child.pid as number
  const started = performance.now()
  const plain = await fetch(url, { headers: { 'accept-encoding': 'identity' } })
  const firstRequestMs = performance.now() - started
  const body = Buffer.from(await plain.arrayBuffer())
  if (plain.status !== 200) {
    return { available: false, status: plain.status, rawBytes: 0, servedGzipBytes: null, servedBrotliBytes: null, ownGzipBytes: 0, firstRequestMs, load: null, serverCpuUsPerRequest: Number.NaN, cacheControl: null }
  }
  const servedGzipBytes = await encodedLength(url, 'gzip')
  const servedBrotliBytes = await encodedLength(url, 'br')
  const cpuBefore = cpuMs(pid)
  const result = await autocannon({ url, connections: 10, duration: seconds, headers: { 'accept-encoding': 'gzip, deflate, br' } })
  const load = figuresOf(result, 10)
  return {
    available: true, status: 200, rawBytes: body.length, servedGzipBytes, servedBrotliBytes, ownGzipBytes: gzipSync(body, { level: 9 }).length, firstRequestMs, load,
    serverCpuUsPerRequest: ((cpuMs(pid) - cpuBefore) * 1000) / result.requests.total, cacheControl: plain.headers.get('cache-control'),
  }
}

/** The sweep's choice: the most submissions per second among counts whose p99 meets the target (else the lowest p99). */
export function chooseConnections(sweep: readonly RunFigures[]): number {
  const clean = sweep.filter((r) => r.non2xx === 0 && r.errors === 0)
  const meeting = clean.filter((r) => r.p99 <= P99_TARGET_MS)
  const pool = meeting.length > 0 ? meeting : clean.length > 0 ? clean : sweep
  const best = meeting.length > 0
    ? pool.reduce((a, b) => (b.okPerSecond > a.okPerSecond ? b : a))
    : pool.reduce((a, b) => (b.p99 < a.p99 ? b : a))
  return best.connections
}

export interface IntakeReport {
  readonly sections: readonly Section[]
  readonly warnings: readonly string[]
}

export async function benchIntake(options: IntakeOptions, log: (line: string) => void): Promise<IntakeReport> {
  const dataDir = makeDataDir('intake')
  const warnings: string[] = []
  try {
    log('  publishing an A-11 Likert survey in a fresh data dir ...')
    const surveyId = await seedSurvey(dataDir)
    const server = await startServer({ dataDir, env: { LOG_LEVEL: 'warn' } })
    const pid = server.child.pid as number
    let atReady: Memory
    let afterLoad: Memory
    const sweep: RunFigures[] = []
    let sustained: RunFigures
    let serverCpuMs = Number.NaN
    let benchCpuMs = Number.NaN
    let widget: WidgetFigures
    let sent: Submitter
    try {
      atReady = memoryOf(pid)
      sent = submitter(server, surveyId)
      if (options.warmupSeconds > 0) {
        const warm = await sent.run(8, options.warmupSeconds)
        log(`  warm-up: ${num(warm.okPerSecond)} submissions/s at 8 connections (${warm.statusCodes})`)
      }
      let connections = options.connections
      if (connections === null) {
        for (const count of SWEEP) {
          const figures = await sent.run(count, options.sweepSeconds)
          sweep.push(figures)
          log(`  sweep ${count} connections: ${num(figures.okPerSecond)}/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms (${figures.statusCodes})`)
        }
        connections = chooseConnections(sweep)
      }
      log(`  sustained run: ${connections} connections for ${options.durationSeconds} s ...`)
      const cpuBefore = cpuMs(pid)
      const ownBefore = process.cpuUsage()
      sustained = await sent.run(connections, options.durationSeconds)
      serverCpuMs = cpuMs(pid) - cpuBefore
      const own = process.cpuUsage(ownBefore)
      benchCpuMs = (own.user + own.system) / 1000
      log(`  sustained: ${num(sustained.okPerSecond)}/s, p50 ${sustained.p50} ms, p90 ${sustained.p90} ms, p99 ${sustained.p99} ms (${sustained.statusCodes})`)
      afterLoad = memoryOf(pid)
      widget = await benchWidget(server, Math.min(5, options.durationSeconds))
      log(widget.available ? `  ${WIDGET_PATH}: ${num(widget.load?.okPerSecond ?? Number.NaN)} req/s, p99 ${widget.load?.p99} ms` : `  ${WIDGET_PATH}: not yet available (${widget.status})`)
      if (await httpStatus(`${server.baseUrl}/healthz`) !== 200) warnings.push('the intake server stopped answering /healthz after the load')
    } finally {
      await stopServer(server.child)
    }

    const stored = checkStored(dataDir, sent.acknowledged)
    const inFlight = stored.responses - sent.acknowledged.size
    const runs = (options.warmupSeconds > 0 ? 1 : 0) + sweep.length + 1
    const maxInFlight = (options.warmupSeconds > 0 ? 8 : 0) + sweep.reduce((sum, r) => sum + r.connections, 0) + sustained.connections
    if (stored.missingAcknowledged > 0) warnings.push(`${stored.missingAcknowledged} responses acknowledged with 201 are missing from the database`)
    if (stored.withoutAnswers > 0) warnings.push(`${stored.withoutAnswers} stored responses have no answer rows`)
    if (inFlight < 0 || inFlight > maxInFlight) warnings.push(`stored ${stored.responses} responses for ${sent.acknowledged.size} acknowledgements over ${runs} runs (at most ${maxInFlight} can be in flight when autocannon stops)`)
    for (const r of [...sweep, sustained]) {
      if (r.non2xx > 0 || r.errors > 0) warnings.push(`intake at ${r.connections} connections: ${r.non2xx} non-2xx, ${r.errors} errors/timeouts (${r.statusCodes})`)
    }
    if (sustained.okPerSecond < RATE_TARGET || sustained.p99 > P99_TARGET_MS) {
      warnings.push(`intake target missed: ${num(sustained.okPerSecond)} submissions/s with p99 ${sustained.p99} ms (target >= ${num(RATE_TARGET)}/s with p99 <= ${P99_TARGET_MS} ms); see bench/README.md, "Intake"`)
    }

    const runRow = (label: string, r: RunFigures) => [label, num(r.connections), num(r.okPerSecond), num(r.p50), num(r.p90), num(r.p99), num(r.max), num(r.ok), num(r.non2xx), num(r.errors)]
    const sections: Section[] = [
      {
        title: `INTAKE  (POST /api/v1/surveys/:id/responses on SQLite + DuckDB; autocannon in the bench process; CX280_INTAKE_RATE_LIMIT=${BENCH_RATE_LIMIT}, LOG_LEVEL=warn)`,
        note: [
          'A-11 Likert survey with contact questions; each body varies trust, drivers of the branch shown, open text (some with PII), language, and carries',
          'a unique idempotency key and an allowed Origin. req/s counts 2xx answers; latency percentiles are over 2xx answers, whole milliseconds.',
          `${sweep.length > 0 ? `Sweep ${options.sweepSeconds} s per connection count, then the` : 'The'} sustained run at the count with the most submissions/s and p99 <= ${P99_TARGET_MS} ms${options.warmupSeconds > 0 ? `; ${options.warmupSeconds} s warm-up first` : ''}.`,
        ].join('\n'),
        header: ['run', 'conns', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', '2xx', 'non-2xx', 'errors'],
        rows: [
          ...sweep.map((r) => runRow(`sweep, ${options.sweepSeconds} s`, r)),
          runRow(`sustained, ${options.durationSeconds} s`, sustained),
        ],
      },
      {
        title: 'INTAKE STORAGE AND SERVER  (SQLite file read directly after the server stopped)',
        header: ['measure', 'value'],
        rows: [
          ['responses acknowledged with 201 (all runs)', num(sent.acknowledged.size)],
          ['responses stored', num(stored.responses)],
          ['  of which completed after autocannon stopped reading (in flight)', num(inFlight)],
          ['acknowledged responses missing from the database', num(stored.missingAcknowledged)],
          ['stored responses without answer rows', num(stored.withoutAnswers)],
          ['answer rows stored', num(stored.answers)],
          ['recovery cases opened', num(stored.recoveryCases)],
          ['server CPU per acknowledged submission (sustained run)', `${num((serverCpuMs * 1000) / sustained.ok)} us`],
          ['server CPU use during the sustained run', `${num(serverCpuMs / 10 / sustained.seconds)} % of one core`],
          ['bench process (autocannon) CPU use during the sustained run', `${num(benchCpuMs / 10 / sustained.seconds)} % of one core`],
          ['server start: spawn -> /healthz 200', `${num(server.readyMs)} ms`],
          ['server RSS once ready', `${num(atReady.rssMb)} MiB`],
          ['server RSS after the intake load', `${num(afterLoad.rssMb)} MiB`],
          ['server peak RSS (VmHWM)', `${num(afterLoad.peakMb)} MiB`],
        ],
      },
      {
        title: `WIDGET SCRIPT  (GET ${WIDGET_PATH})`,
        header: ['measure', 'value'],
        rows: widget.available && widget.load ? [
          ['size, uncompressed', `${num(widget.rawBytes)} B`],
          ['size, gzip as served (Content-Length)', widget.servedGzipBytes === null ? 'not served gzipped' : `${num(widget.servedGzipBytes)} B (${num(widget.servedGzipBytes / 1024, 1)} KiB)`],
          ['size, brotli as served (Content-Length)', widget.servedBrotliBytes === null ? 'not served with brotli' : `${num(widget.servedBrotliBytes)} B`],
          ['size, gzip -9 of the body (check)', `${num(widget.ownGzipBytes)} B`],
          ['Cache-Control', widget.cacheControl ?? '(none)'],
          ['first GET after start, new connection (wall, bench side)', `${num(widget.firstRequestMs, 1)} ms`],
          [`GET under load, 10 connections, ${num(widget.load.seconds)} s: req/s`, num(widget.load.okPerSecond)],
          ['GET under load: p50 / p90 / p99 ms', `${widget.load.p50} / ${widget.load.p90} / ${widget.load.p99}`],
          ['GET under load: non-2xx / errors', `${num(widget.load.non2xx)} / ${num(widget.load.errors)}`],
          ['server CPU per GET (whole request: HTTP, hooks, a prebuilt buffer)', `${num(widget.serverCpuUsPerRequest)} us`],
        ] : [['status', `not yet available (GET ${WIDGET_PATH} answered ${widget.status ?? 'nothing'})`]],
      },
    ]
    if (widget.available && widget.servedGzipBytes !== null && widget.servedGzipBytes > 10 * 1024) warnings.push(`the widget is ${num(widget.servedGzipBytes)} B gzipped, above the 10 KB budget`)
    return { sections, warnings }
  } finally {
    removeDataDir(dataDir)
  }
}
