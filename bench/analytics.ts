/**
 * Analytics benchmark (`npm run bench -- --only analytics`), on DuckDB (embedded, default) and, with --clickhouse, on a
 * ClickHouse single node and a 2-shard cluster. Every run makes its own data.
 *
 * 1. Ingest over HTTP against a child `cx280 serve`: tracker batches of 100 events (`POST /api/v1/events`) on many
 *    connections, single-event tracker requests (a sweep over connection counts, then the best count with p99 <=
 *    20 ms), and server-to-server batches of 1,000 events (`POST /api/v1/events/server`). A 204 means the events are
 *    committed (group commit), so acknowledged events per second are durable ones. Server CPU and RSS are sampled
 *    from /proc; afterwards the stored events are counted and must cover every acknowledged one.
 * 2. Queries at scale: N generated events (default 10,000,000) written straight through the store's `append` in
 *    large batches (realistic visitors walking a 5-step application journey over 30 days, 5 sites), then the rollup
 *    refresh, a 5-step funnel (from raw events, then as a journey asked again), totals/series/breakdown from rollups,
 *    raw totals and value statistics, in-process.
 *    Bytes on disk per million events (DuckDB file size after its checkpoint; ClickHouse `system.parts`).
 * 3. Dashboards at that scale over HTTP: the site dashboard page `/analytics/sites/:id` and the totals and series API.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { DuckDBInstance } from '@duckdb/node-api'
import { createIngestKey } from '../src/analytics/server-ingest.ts'
import { createSite } from '../src/analytics/sites.ts'
import { createApiKey, createUser, loadUserActor, systemActor } from '../src/auth/index.ts'
import { createOrganization } from '../src/catalog/index.ts'
import { loadConfig } from '../src/config.ts'
import type { EventRow, EventStore, FunnelQuery, TimeRange } from '../src/events/event-store.ts'
import { openRuntime, type Runtime } from '../src/runtime.ts'
import { seededRandom } from '../src/seeded-random.ts'
import { median, num, type Section } from './report.ts'
import { BENCH_RATE_LIMIT, makeDataDir, memoryOf, removeDataDir, startServer, stopServer, type RunningServer } from './server.ts'

export interface AnalyticsOptions {
  /** Generated events for the query benchmark. */
  readonly events: number
  /** Seconds of each sustained ingest run. */
  readonly ingestSeconds: number
  /** Also run on ClickHouse (a single node and a 2-shard cluster of local test servers). */
  readonly clickhouse: boolean
  /** Directory for V8 CPU profiles of the ingest server (`node --cpu-prof`), or null. */
  readonly profileDir: string | null
  /** Skip the query part (ingest only), for profiling rounds. */
  readonly ingestOnly: boolean
  /** Only these engines (`duckdb`, `clickhouse`, `clickhouse-2`); null for all that are enabled. */
  readonly engines: readonly string[] | null
}

export const TARGETS = { batchedEventsPerSecond: 100_000, singleRequestsPerSecond: 15_000, singleP99Ms: 20, funnelMs: 500, dashboardMs: 100 } as const
const SINGLE_SWEEP = [8, 16, 32, 64, 128] as const
const ORIGIN = 'https://www.bench.example.gov'
const DAY_MS = 24 * 60 * 60 * 1000
const GENERATE_CHUNK = 100_000

/** CPU time (user + system) a process has used so far, in ms (USER_HZ is 100 on Linux). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

interface EngineTarget {
  /** For --analytics-engines. */
  readonly key: string
  readonly label: string
  /** EVENTS_URL for the data directory, or null for the default DuckDB file in it. */
  eventsUrl(dataDir: string, purpose: string): string | null
  /** Bytes the engine holds for the events of this data directory / URL. */
  bytesOnDisk(dataDir: string, eventsUrl: string | null): Promise<number>
  /** Removes what the run stored outside its data directory (a ClickHouse database). */
  drop(eventsUrl: string | null): Promise<void>
}

const duckdbTarget: EngineTarget = {
  key: 'duckdb',
  label: 'DuckDB',
  eventsUrl: () => null,
  async bytesOnDisk(dataDir) {
    return readdirSync(dataDir).filter((f) => f.startsWith('events.duckdb')).reduce((sum, f) => sum + statSync(join(dataDir, f)).size, 0)
  },
  drop: async () => undefined,
}

async function clickHouseQuery(baseUrl: string, sql: string): Promise<string> {
  const response = await fetch(`${baseUrl}/?query=${encodeURIComponent(sql)}`, { method: 'POST' })
  const text = await response.text()
  if (!response.ok) throw new Error(`ClickHouse ${response.status}: ${text.slice(0, 300)}`)
  return text
}

function clickHouseTarget(key: string, label: string, urls: readonly string[], cluster: string | null): EngineTarget {
  const base = new URL(urls[0] as string)
  let serial = 0
  return {
    key,
    label,
    // Local test servers share 127.0.0.1, so the cluster's nodes are named by their HTTP addresses.
    eventsUrl: (_dataDir, purpose) => `clickhouse://${base.host}/cx280_bench_${key.replace(/\W/g, '_')}_${purpose}_${process.pid}_${++serial}${cluster ? `?cluster=${cluster}&nodes=${urls.map((u) => new URL(u).host).join(',')}` : ''}`,
    async bytesOnDisk(_dataDir, eventsUrl) {
      const database = new URL(eventsUrl as string).pathname.slice(1)
      let total = 0
      for (const url of cluster ? urls : urls.slice(0, 1)) {
        total += Number((await clickHouseQuery(url, `SELECT sum(bytes_on_disk) FROM system.parts WHERE database = '${database}' AND active`)).trim() || 0)
      }
      return total
    },
    async drop(eventsUrl) {
      const database = new URL(eventsUrl as string).pathname.slice(1)
      for (const url of cluster ? urls : urls.slice(0, 1)) await clickHouseQuery(url, `DROP DATABASE IF EXISTS ${database}`)
    },
  }
}

interface Seeded {
  readonly siteId: string
  readonly publicKey: string
  readonly ingestSecret: string
  readonly apiKey: string
  readonly otherSiteIds: readonly string[]
}

function configFor(dataDir: string, eventsUrl: string | null) {
  return loadConfig({ CX280_DATA_DIR: dataDir, LOG_LEVEL: 'silent', CX280_JOBS: 'off', ...(eventsUrl ? { EVENTS_URL: eventsUrl } : {}) })
}

/** An organization with five sites (the first is measured), an ingest key, and an admin with an API key for dashboards. */
async function seed(runtime: Runtime): Promise<Seeded> {
  const system = systemActor('bench')
  const organization = await createOrganization(runtime.db, system, { kind: 'department', name: 'Bench Department', abbreviation: 'BD', parentId: null })
  const site = await createSite(runtime.db, system, { organizationId: organization.id, name: 'Benefits portal', domain: 'www.bench.example.gov', allowedOrigins: [ORIGIN] })
  const others = []
  for (const name of ['Permits', 'Records', 'Licensing', 'Grants']) {
    others.push((await createSite(runtime.db, system, { organizationId: organization.id, name, domain: `${name.toLowerCase()}.bench.example.gov` })).id)
  }
  const { secret } = await createIngestKey(runtime.db, system, site.id, { name: 'bench sender' })
  const user = await createUser(runtime.db, system, { email: 'bench-admin@bench.example.gov', name: 'Bench Admin', password: 'correct horse battery staple', roles: [{ role: 'admin', organizationId: null }] })
  const actor = await loadUserActor(runtime.db, user.id)
  if (!actor) throw new Error('bench admin vanished')
  const { secret: apiKey } = await createApiKey(runtime.db, actor, 'bench dashboards')
  return { siteId: site.id, publicKey: site.publicKey, ingestSecret: secret, apiKey, otherSiteIds: others }
}

// --- ingest over HTTP --------------------------------------------------------------------------------------------------

const PAGES = ['/', '/apply', '/apply/eligibility', '/apply/documents', '/apply/review', '/status', '/faq', '/contact', '/benefits/housing', '/benefits/food']
const REFERRERS = ['https://www.google.com/search?q=apply+for+benefits', 'https://www.usa.gov/benefits', 'https://www.bing.com/', 'https://mail.example.com/inbox']

/** Tracker bodies of `size` events each: mostly page views, some key actions and outbound clicks; now and then PII in a URL. */
export function trackerBodies(count: number, size: number, publicKey: string, seedValue = 5280): string[] {
  const rand = seededRandom(seedValue)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T
  return Array.from({ length: count }, () => JSON.stringify({
    k: publicKey,
    e: Array.from({ length: size }, () => {
      const roll = rand()
      const page = pick(PAGES)
      const pii = rand() < 0.05 ? `/case/${pick(['jane.doe@example.com', '555-867-5309', '123-45-6789'])}` : ''
      const url = `${ORIGIN}${page}${pii}${rand() < 0.3 ? `?utm_source=${pick(['email', 'sms', 'search'])}&utm_campaign=renewal&fbclid=abc${Math.floor(rand() * 1e6)}` : ''}`
      if (roll < 0.8) return { y: 'pageview', u: url, ...(rand() < 0.3 ? { r: pick(REFERRERS) } : {}), a: Math.floor(rand() * 2000) }
      if (roll < 0.95) return { y: 'action', u: url, n: pick(['apply_start', 'apply_submit', 'document_upload']), ...(rand() < 0.5 ? { v: Math.round(rand() * 1000) / 10 } : {}), p: { step: pick(['1', '2', '3']), plan: 'standard' } }
      return { y: 'outbound', u: url, n: pick(['https://login.gov/sign-in', 'https://www.irs.gov/forms']) }
    }),
  }))
}

/** Server-to-server bodies of `size` events (SMS, email, contact centre, app), timestamped within the last hour. */
export function serverBodies(count: number, size: number, seedValue = 5281): string[] {
  const rand = seededRandom(seedValue)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T
  const now = Date.now()
  return Array.from({ length: count }, () => JSON.stringify({
    events: Array.from({ length: size }, () => {
      const channel = pick(['mobile_app', 'email', 'sms', 'contact_center'] as const)
      const timestamp = new Date(now - Math.floor(rand() * 3_600_000)).toISOString()
      const subject = `acct-${Math.floor(rand() * 200_000).toString(16)}`
      return rand() < 0.6
        ? { channel, type: 'pageview', subject, timestamp, path: pick(PAGES), ...(channel === 'mobile_app' ? { device: 'mobile' } : {}) }
        : { channel, type: 'action', subject, timestamp, name: pick(['reminder_reply', 'call_resolved', 'renewal_submit']), value: Math.round(rand() * 600), properties: { queue: pick(['benefits', 'tax']) } }
    }),
  }))
}

const USER_AGENTS = Array.from({ length: 400 }, (_, i) => `Mozilla/5.0 (${['Windows NT 10.0; Win64; x64', 'Macintosh; Intel Mac OS X 14_5', 'iPhone; CPU iPhone OS 18_0 like Mac OS X', 'Linux; Android 15; Pixel 9'][i % 4]}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${120 + (i % 37)}.0.${i} Safari/537.36`)

interface LoadFigures {
  readonly name: string
  readonly connections: number
  readonly seconds: number
  readonly requestsPerSecond: number
  readonly eventsPerSecond: number
  readonly p50: number
  readonly p99: number
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
  readonly serverCpuUsPerEvent: number
  readonly serverCpuPercent: number
  /** CPU of this process (autocannon) over the run: what the load generator takes of the same cores. */
  readonly loaderCpuPercent: number
  readonly peakRssMb: number
}

interface LoadSpec {
  readonly name: string
  readonly path: string
  readonly bodies: readonly string[]
  readonly eventsPerRequest: number
  readonly headers: Record<string, string>
  /** Rotate user agents (tracker: distinct visitors). */
  readonly rotateAgents: boolean
}

async function load(server: RunningServer, spec: LoadSpec, connections: number, seconds: number): Promise<LoadFigures> {
  const pid = server.child.pid as number
  let serial = 0
  let peakRssMb = memoryOf(pid).rssMb
  const sampler = setInterval(() => {
    try {
      peakRssMb = Math.max(peakRssMb, memoryOf(pid).rssMb)
    } catch {
      // the server went away; the run will report errors
    }
  }, 250)
  const cpuBefore = cpuMs(pid)
  const loaderBefore = process.cpuUsage()
  const request: autocannon.Request = {
    method: 'POST',
    setupRequest: (req) => {
      const body = spec.bodies[serial % spec.bodies.length] as string
      const headers = spec.rotateAgents ? { ...spec.headers, 'user-agent': USER_AGENTS[serial % USER_AGENTS.length] as string } : spec.headers
      serial++
      return { ...req, body, headers }
    },
  }
  try {
    const result = await autocannon({ url: `${server.baseUrl}${spec.path}`, connections, duration: seconds, timeout: 10, requests: [request], headers: spec.headers })
    const cpu = cpuMs(pid) - cpuBefore
    const loader = process.cpuUsage(loaderBefore)
    const events = result['2xx'] * spec.eventsPerRequest
    return {
      name: spec.name, connections, seconds: result.duration, requestsPerSecond: result['2xx'] / result.duration, eventsPerSecond: events / result.duration,
      p50: result.latency.p50, p99: result.latency.p99, ok: result['2xx'], non2xx: result.non2xx, errors: result.errors + result.timeouts,
      serverCpuUsPerEvent: events > 0 ? (cpu * 1000) / events : Number.NaN, serverCpuPercent: cpu / 10 / result.duration,
      loaderCpuPercent: (loader.user + loader.system) / 10_000 / result.duration, peakRssMb,
    }
  } finally {
    clearInterval(sampler)
  }
}

interface IngestResult {
  readonly runs: readonly LoadFigures[]
  readonly acknowledgedEvents: number
  readonly storedEvents: number
  readonly readyRssMb: number
  readonly afterRssMb: number
  readonly peakRssMb: number
}

async function storedEventCount(dataDir: string, eventsUrl: string | null): Promise<number> {
  if (eventsUrl === null) {
    const instance = await DuckDBInstance.create(join(dataDir, 'events.duckdb'))
    const connection = await instance.connect()
    try {
      return Number((await connection.runAndReadAll('select count(*) as n from events')).getRowObjects()[0]?.n ?? 0)
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
  }
  const runtime = await openRuntime(configFor(dataDir, eventsUrl))
  try {
    return await runtime.events.countEvents()
  } finally {
    await runtime.close()
  }
}

async function benchIngest(target: EngineTarget, options: AnalyticsOptions, log: (line: string) => void): Promise<IngestResult> {
  const dataDir = makeDataDir(`analytics-ingest-${target.label.replace(/\W+/g, '-').toLowerCase()}`)
  const eventsUrl = target.eventsUrl(dataDir, 'ingest')
  try {
    const runtime = await openRuntime(configFor(dataDir, eventsUrl))
    let seeded: Seeded
    try {
      seeded = await seed(runtime)
    } finally {
      await runtime.close()
    }
    const server = await startServer({
      dataDir, env: { LOG_LEVEL: 'warn', CX280_JOBS: 'off', CX280_EVENTS_RATE_LIMIT: BENCH_RATE_LIMIT, ...(eventsUrl ? { EVENTS_URL: eventsUrl } : {}) },
      nodeArgs: options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [],
    })
    const runs: LoadFigures[] = []
    let readyRssMb = Number.NaN
    let afterRssMb = Number.NaN
    let peakRssMb = Number.NaN
    try {
      readyRssMb = memoryOf(server.child.pid as number).rssMb
      const trackerHeaders = { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN }
      const batched: LoadSpec = { name: 'tracker, 100 events/request', path: '/api/v1/events', bodies: trackerBodies(400, 100, seeded.publicKey), eventsPerRequest: 100, headers: trackerHeaders, rotateAgents: true }
      const single: LoadSpec = { name: 'tracker, 1 event/request', path: '/api/v1/events', bodies: trackerBodies(4000, 1, seeded.publicKey, 5282), eventsPerRequest: 1, headers: trackerHeaders, rotateAgents: true }
      const server2server: LoadSpec = {
        name: 'server-to-server, 1,000 events/request', path: '/api/v1/events/server', bodies: serverBodies(40, 1000), eventsPerRequest: 1000,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${seeded.ingestSecret}` }, rotateAgents: false,
      }
      log(`  ${target.label}: warm-up ...`)
      runs.push({ ...(await load(server, batched, 16, 3)), name: `${batched.name} (warm-up)` })
      runs.push({ ...(await load(server, single, 8, 2)), name: `${single.name} (warm-up)` })
      log(`  ${target.label}: batched tracker ingest ...`)
      for (const connections of [16, 64]) runs.push(await load(server, batched, connections, options.ingestSeconds))
      log(`  ${target.label}: single-event requests (sweep) ...`)
      const sweep: LoadFigures[] = []
      for (const connections of SINGLE_SWEEP) sweep.push(await load(server, single, connections, 4))
      const best = [...sweep].filter((r) => r.p99 <= TARGETS.singleP99Ms && r.errors === 0).sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0]
        ?? [...sweep].sort((a, b) => a.p99 - b.p99)[0] as LoadFigures
      runs.push(...sweep.map((r) => ({ ...r, name: `${r.name} (sweep)` })))
      runs.push(await load(server, single, best.connections, options.ingestSeconds))
      log(`  ${target.label}: server-to-server batches ...`)
      runs.push(await load(server, server2server, 8, options.ingestSeconds))
      const memory = memoryOf(server.child.pid as number)
      afterRssMb = memory.rssMb
      peakRssMb = memory.peakMb
    } finally {
      await stopServer(server.child)
    }
    // Every request counted, warm-ups included, was answered 204 only after its commit.
    const acknowledgedEvents = runs.reduce((sum, r) => sum + r.ok * (r.name.startsWith('server') ? 1000 : r.name.includes('100 events') ? 100 : 1), 0)
    const storedEvents = await storedEventCount(dataDir, eventsUrl)
    return { runs, acknowledgedEvents, storedEvents, readyRssMb, afterRssMb, peakRssMb }
  } finally {
    await target.drop(eventsUrl)
    removeDataDir(dataDir)
  }
}

// --- generated events and queries --------------------------------------------------------------------------------------

const JOURNEY = ['/', '/apply', '/apply/eligibility', '/apply/documents'] as const
const CONTINUE = [1, 0.6, 0.7, 0.75] as const
const OTHER_PAGES = ['/status', '/faq', '/contact', '/benefits/housing', '/benefits/food', '/benefits/health', '/about', '/es/', '/es/solicitar']
const DEVICES = ['desktop', 'desktop', 'mobile', 'mobile', 'mobile', 'tablet', 'other'] as const
const CHANNELS = ['web', 'web', 'web', 'web', 'web', 'web', 'web', 'mobile_app', 'email', 'sms'] as const

/**
 * Like the server's ids (analytics/visitor-id.ts): 32 hex characters of SHA-256, changing at midnight UTC with the
 * daily salt. Counting by a 64-bit hash of structured ids (a serial number in hex) collided 7 times in 1.8 M visitors.
 */
function dailyVisitorId(visitor: string, day: number): string {
  return createHash('sha256').update(`${visitor}:${day}`).digest('hex').slice(0, 32)
}

/**
 * Yields `total` events in chunks: visitors arriving uniformly over the range in time order, each walking the application journey
 * (continuing with the probabilities above, submitting at the end with a value) with some other pages on the way.
 * The first site gets 60 % of visitors, four others share the rest. Deterministic for a seed.
 */
export function* generatedEvents(total: number, range: TimeRange, siteIds: readonly string[], seedValue = 280): Generator<EventRow[]> {
  const rand = seededRandom(seedValue)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T
  const span = range.to.getTime() - range.from.getTime()
  let made = 0
  let visitorSerial = 0
  let chunk: EventRow[] = []
  while (made < total) {
    const siteId = rand() < 0.6 ? siteIds[0] as string : siteIds[1 + Math.floor(rand() * (siteIds.length - 1))] as string
    const visitor = String(visitorSerial++)
    // Visitors arrive in time order, a few minutes apart at most, as a server stamps live traffic: DuckDB's row
    // groups then cover short spans of time, as they do in production, and queries over recent days skip the rest.
    let at = range.from.getTime() + Math.floor((made / total) * (span - 3_600_000)) + Math.floor(rand() * 300_000)
    const sessionId = `${visitor}-${at.toString(36)}`
    let visitorDay = -1
    let visitorId = ''
    const device = pick(DEVICES)
    const channel = pick(CHANNELS)
    const referrer = rand() < 0.4 ? pick(REFERRERS).replace(/\?.*$/, '') : null
    const push = (eventType: string, path: string | null, name: string | null, value: number | null, query: string | null = null) => {
      if (Math.floor(at / DAY_MS) !== visitorDay) {
        visitorDay = Math.floor(at / DAY_MS)
        visitorId = dailyVisitorId(visitor, visitorDay)
      }
      chunk.push({ ts: new Date(at), siteId, visitorId, sessionId, eventType, name, path, query, referrer: eventType === 'pageview' ? referrer : null, device, channel, value, properties: null })
      made++
      at += 5_000 + Math.floor(rand() * 240_000)
    }
    for (const [step, path] of JOURNEY.entries()) {
      if (made >= total || rand() > (CONTINUE[step] as number)) break
      push('pageview', path, null, null, step === 0 && rand() < 0.3 ? 'utm_source=email&utm_campaign=renewal' : null)
      if (rand() < 0.3 && made < total) push('pageview', pick(OTHER_PAGES), null, null)
      if (step === JOURNEY.length - 1 && made < total && rand() < 0.8) push('action', '/apply/review', 'apply_submit', Math.round(rand() * 3000) / 10)
    }
    if (chunk.length >= GENERATE_CHUNK) {
      yield chunk
      chunk = []
    }
  }
  if (chunk.length > 0) yield chunk
}

interface Timing { readonly name: string; readonly samples: readonly number[]; readonly target?: number }

/**
 * As live traffic does: each round appends 100 visitors' step-1 page views stamped `agoMs` before now, then times the
 * funnel alone.
 */
async function funnelAfterNewEvents(store: EventStore, query: FunnelQuery, runs: number, agoMs: number): Promise<number[]> {
  const samples: number[] = []
  for (let run = 0; run < runs; run++) {
    const at = Date.now() - agoMs
    await store.append(Array.from({ length: 100 }, (_, i): EventRow => ({
      ts: new Date(at - i), siteId: query.siteIds[0] as string, visitorId: `live-${agoMs}-${run}-${i}`.padStart(32, '0'), sessionId: `live-${agoMs}-${run}-${i}`,
      eventType: 'pageview', name: null, path: '/', query: null, referrer: null, device: 'mobile', channel: 'web', value: null, properties: null,
    })))
    const started = performance.now()
    await store.funnel(query)
    samples.push(performance.now() - started)
  }
  return samples
}

async function timed(runs: number, call: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await call()
    samples.push(performance.now() - started)
  }
  return samples
}

interface QueryResult {
  readonly events: number
  readonly generateSeconds: number
  readonly refreshSeconds: number
  readonly bytesOnDisk: number
  readonly timings: readonly Timing[]
  readonly funnel: string
  readonly dashboards: readonly Timing[]
  readonly dashboardNotes: readonly string[]
}

async function benchQueries(target: EngineTarget, options: AnalyticsOptions, log: (line: string) => void): Promise<QueryResult> {
  const dataDir = makeDataDir(`analytics-query-${target.label.replace(/\W+/g, '-').toLowerCase()}`)
  const eventsUrl = target.eventsUrl(dataDir, 'query')
  try {
    const now = Date.now()
    const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate())
    // Generated visits fill the 29 whole days before today: the same events on every engine, whenever its run starts
    // (visits placed up to `now` would move across midnight, where visitor ids change). Today holds live events only.
    const range: TimeRange = { from: new Date(today - 29 * DAY_MS), to: new Date(today) }
    const runtime = await openRuntime(configFor(dataDir, eventsUrl))
    let seeded: Seeded
    let generateSeconds = 0
    let refreshSeconds = 0
    const timings: Timing[] = []
    let funnelText = ''
    try {
      seeded = await seed(runtime)
      const store: EventStore = runtime.events
      log(`  ${target.label}: generating ${num(options.events)} events ...`)
      const started = performance.now()
      let written = 0
      for (const chunk of generatedEvents(options.events, range, [seeded.siteId, ...seeded.otherSiteIds])) {
        await store.append(chunk)
        written += chunk.length
        if (written % 2_000_000 < GENERATE_CHUNK) log(`    ${num(written)} events, ${num(written / ((performance.now() - started) / 1000))}/s`)
      }
      generateSeconds = (performance.now() - started) / 1000
      log(`  ${target.label}: refreshing rollups ...`)
      const refreshStarted = performance.now()
      await store.refreshRollups({ from: range.from, to: new Date(today + DAY_MS) })
      refreshSeconds = (performance.now() - refreshStarted) / 1000

      log(`  ${target.label}: queries ...`)
      const scope = { siteIds: [seeded.siteId], range: { from: range.from, to: new Date(today + DAY_MS) } }
      const funnelQuery: FunnelQuery = {
        ...scope, windowSeconds: 86_400,
        steps: [{ kind: 'page', pattern: '/' }, { kind: 'page', pattern: '/apply' }, { kind: 'page', pattern: '/apply/eligibility' }, { kind: 'page', pattern: '/apply/*' }, { kind: 'action', name: 'apply_submit' }],
      }
      // A period given as date-times rather than whole UTC days is always answered from raw events.
      const dateTimes: FunnelQuery = { ...funnelQuery, range: { from: new Date(scope.range.from.getTime() + 1_000), to: scope.range.to } }
      timings.push({ name: '5-step funnel, 30 days from 00:00:01 (raw events)', samples: await timed(3, () => store.funnel(dateTimes)) })
      const firstAsk = performance.now()
      const result = await store.funnel(funnelQuery)
      timings.push({ name: '5-step journey, 30 whole days: first ask (DuckDB fills its funnel-days cache)', samples: [performance.now() - firstAsk] })
      funnelText = result.steps.map((s) => num(s.visitors)).join(' → ')
      timings.push({ name: '  asked again, no new events', samples: await timed(5, () => store.funnel(funnelQuery)), target: TARGETS.funnelMs })
      timings.push({ name: '  asked again after 100 new events today', samples: await funnelAfterNewEvents(store, funnelQuery, 5, 0), target: TARGETS.funnelMs })
      // Today holds few events here; events stamped yesterday make DuckDB rebuild a whole day, as today costs by evening.
      timings.push({ name: '  asked again after 100 new events stamped yesterday', samples: await funnelAfterNewEvents(store, funnelQuery, 5, DAY_MS), target: TARGETS.funnelMs })
      const week = { siteIds: [seeded.siteId], range: { from: new Date(today - 6 * DAY_MS), to: new Date(today + DAY_MS) } }
      timings.push({ name: 'totals, 30 days (rollups)', samples: await timed(10, () => store.totals(scope)), target: TARGETS.dashboardMs })
      timings.push({ name: 'series by day, 30 days (rollups)', samples: await timed(10, () => store.series(scope, 'day')), target: TARGETS.dashboardMs })
      timings.push({ name: 'series by hour, 7 days (rollups)', samples: await timed(10, () => store.series(week, 'hour')), target: TARGETS.dashboardMs })
      timings.push({ name: 'breakdown by path, top 20 (rollups)', samples: await timed(10, () => store.breakdown(scope, 'path', 20)), target: TARGETS.dashboardMs })
      timings.push({ name: 'totals, 30 days, all 5 sites (rollups)', samples: await timed(10, () => store.totals({ ...scope, siteIds: [seeded.siteId, ...seeded.otherSiteIds] })), target: TARGETS.dashboardMs })
      timings.push({ name: 'raw totals, 30 days (raw events)', samples: await timed(3, () => store.rawTotals(scope)) })
      timings.push({ name: 'value statistics of apply_submit (raw events)', samples: await timed(3, () => store.valueStats(scope, 'apply_submit')) })
      timings.push({ name: 'refresh rollups for today and yesterday', samples: await timed(3, () => store.refreshRollups({ from: new Date(today - DAY_MS), to: new Date(now) })) })
    } finally {
      await runtime.close()
    }
    const bytesOnDisk = await target.bytesOnDisk(dataDir, eventsUrl)

    log(`  ${target.label}: dashboards over HTTP ...`)
    const dashboards: Timing[] = []
    const dashboardNotes: string[] = []
    const server = await startServer({ dataDir, env: { LOG_LEVEL: 'warn', CX280_JOBS: 'off', ...(eventsUrl ? { EVENTS_URL: eventsUrl } : {}) } })
    try {
      const get = async (path: string): Promise<number> => {
        const response = await fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Bearer ${seeded.apiKey}` } })
        await response.arrayBuffer()
        return response.status
      }
      for (const [name, path] of [
        ['site dashboard page /analytics/sites/:id (30 days)', `/analytics/sites/${seeded.siteId}`],
        ['GET /api/v1/analytics/sites/:id/totals', `/api/v1/analytics/sites/${seeded.siteId}/totals`],
        ['GET /api/v1/analytics/sites/:id/series?granularity=day', `/api/v1/analytics/sites/${seeded.siteId}/series?granularity=day`],
      ] as const) {
        const status = await get(path)
        if (status !== 200) {
          dashboardNotes.push(`${name}: answered ${status}, not measured`)
          continue
        }
        const samples: number[] = []
        for (let i = 0; i < 20; i++) {
          const started = performance.now()
          await get(path)
          samples.push(performance.now() - started)
        }
        dashboards.push({ name, samples, target: TARGETS.dashboardMs })
      }
    } finally {
      await stopServer(server.child)
    }
    return { events: options.events, generateSeconds, refreshSeconds, bytesOnDisk, timings, funnel: funnelText, dashboards, dashboardNotes }
  } finally {
    await target.drop(eventsUrl)
    removeDataDir(dataDir)
  }
}

// --- report ------------------------------------------------------------------------------------------------------------

const p95 = (samples: readonly number[]) => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.ceil(samples.length * 0.95) - 1)] as number

function ingestSection(label: string, result: IngestResult, seconds: number): Section {
  return {
    title: `ANALYTICS INGEST over HTTP  (${label}; child cx280 serve, LOG_LEVEL=warn, jobs off; autocannon in the bench process)`,
    note: `204 = committed (group commit), so events/s are acknowledged-durable events. Sustained runs ${seconds} s, sweep runs 4 s. Latency over 2xx, whole ms.`,
    header: ['run', 'conns', 'req/s', 'events/s', 'p50 ms', 'p99 ms', '2xx', 'non-2xx', 'errors', 'CPU us/event', 'server CPU', 'autocannon CPU', 'peak RSS'],
    rows: [
      ...result.runs.map((r) => [r.name, String(r.connections), num(r.requestsPerSecond), num(r.eventsPerSecond), String(r.p50), String(r.p99), num(r.ok), num(r.non2xx), num(r.errors),
        num(r.serverCpuUsPerEvent, 1), `${num(r.serverCpuPercent)} %`, `${num(r.loaderCpuPercent)} %`, `${num(r.peakRssMb)} MiB`]),
      [`acknowledged events (all runs) / stored after stop`, '', '', `${num(result.acknowledgedEvents)} / ${num(result.storedEvents)}`, '', '', '', '', '', '', '', '', ''],
      [`server RSS: ready / after load / peak (VmHWM)`, '', '', `${num(result.readyRssMb)} / ${num(result.afterRssMb)} / ${num(result.peakRssMb)} MiB`, '', '', '', '', '', '', '', '', ''],
    ],
  }
}

function querySection(label: string, result: QueryResult): Section {
  const bytesPerMillion = result.bytesOnDisk / (result.events / 1_000_000)
  const rows = [
    ...result.timings.map((t) => [t.name, num(median(t.samples), 1), num(Math.max(...t.samples), 1), String(t.samples.length), t.target ? `<= ${t.target}` : '']),
    ...result.dashboards.map((t) => [t.name, num(median(t.samples), 1), num(p95(t.samples), 1), String(t.samples.length), t.target ? `<= ${t.target}` : '']),
    ...result.dashboardNotes.map((note) => [note, '', '', '', '']),
  ]
  return {
    title: `ANALYTICS AT ${num(result.events)} EVENTS  (${label}; store calls in-process, dashboards over HTTP from a child cx280 serve)`,
    note: [
      `Generated through the store's append in batches of ${num(GENERATE_CHUNK)}: ${num(result.generateSeconds, 1)} s (${num(result.events / result.generateSeconds)} events/s); rollup refresh of 30 days ${num(result.refreshSeconds, 1)} s.`,
      `On disk: ${num(result.bytesOnDisk / 1024 ** 2)} MiB, ${num(bytesPerMillion / 1024 ** 2, 1)} MiB per million events. Funnel visitors per step: ${result.funnel}.`,
      'ms: median and max of the store calls (the first ask is one call); for HTTP rows median and p95 wall time on loopback.',
    ].join('\n'),
    header: ['measure', 'median ms', 'max/p95 ms', 'runs', 'target ms'],
    rows,
  }
}

export async function benchAnalytics(options: AnalyticsOptions, log: (line: string) => void): Promise<{ sections: Section[]; warnings: string[] }> {
  const wanted = (key: string) => options.engines === null || options.engines.includes(key)
  const targets: EngineTarget[] = wanted('duckdb') ? [duckdbTarget] : []
  let stopClickHouse: (() => Promise<void>) | null = null
  const warnings: string[] = []
  if (options.clickhouse && (wanted('clickhouse') || wanted('clickhouse-2'))) {
    const given = process.env.CX280_TEST_CLICKHOUSE_URLS?.split(',').filter(Boolean)
    let urls: readonly string[]
    if (given && given.length >= 2) urls = given
    else {
      log('starting two local ClickHouse servers (scripts/clickhouse-servers.mjs) ...')
      const { startClickHouseServers } = await import('../scripts/clickhouse-servers.mjs')
      const servers = await startClickHouseServers(2)
      urls = servers.urls
      stopClickHouse = () => servers.stop()
    }
    if (wanted('clickhouse')) targets.push(clickHouseTarget('clickhouse', 'ClickHouse, single node', urls, null))
    if (wanted('clickhouse-2')) targets.push(clickHouseTarget('clickhouse-2', 'ClickHouse, 2 shards', urls, 'cx280_test'))
  }
  const sections: Section[] = []
  try {
    for (const target of targets) {
      log(`analytics on ${target.label} ...`)
      const ingest = await benchIngest(target, options, log)
      sections.push(ingestSection(target.label, ingest, options.ingestSeconds))
      const batched = Math.max(...ingest.runs.filter((r) => r.name.includes('100 events')).map((r) => r.eventsPerSecond))
      const single = ingest.runs.filter((r) => r.name === 'tracker, 1 event/request').at(-1)
      if (ingest.storedEvents < ingest.acknowledgedEvents) warnings.push(`${target.label}: ${num(ingest.acknowledgedEvents - ingest.storedEvents)} acknowledged events are missing from the store`)
      if (batched < TARGETS.batchedEventsPerSecond) warnings.push(`${target.label}: batched tracker ingest ${num(batched)} events/s (target >= ${num(TARGETS.batchedEventsPerSecond)})`)
      if (single && (single.requestsPerSecond < TARGETS.singleRequestsPerSecond || single.p99 > TARGETS.singleP99Ms)) {
        warnings.push(`${target.label}: single-event requests ${num(single.requestsPerSecond)}/s at p99 ${single.p99} ms (target >= ${num(TARGETS.singleRequestsPerSecond)}/s, p99 <= ${TARGETS.singleP99Ms} ms)`)
      }
      if (options.ingestOnly) continue
      const queries = await benchQueries(target, options, log)
      sections.push(querySection(target.label, queries))
      for (const t of [...queries.timings, ...queries.dashboards]) {
        if (t.target !== undefined && median(t.samples) > t.target) warnings.push(`${target.label}: ${t.name} median ${num(median(t.samples), 1)} ms (target <= ${t.target} ms)`)
      }
    }
  } finally {
    if (stopClickHouse) await stopClickHouse()
  }
  return { sections, warnings }
}
