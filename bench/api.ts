/**
 * API benchmark: seeds a fresh data directory with a generated inventory (timing the CSV import and export), starts
 * `cx280 serve` on it in a child process, then drives four endpoints with autocannon (10 connections, a short
 * warm-up, then a timed run each) and reads the server's memory before and after.
 *
 * autocannon runs in this process, so the load generator and the server share the machine's cores; the figures
 * are for that setup, not for a server with the machine to itself.
 */
import autocannon from 'autocannon'
import { CHANNELS } from '../src/a11/channels.ts'
import { SERVICE_KINDS } from '../src/a11/services.ts'
import { num, type Section } from './report.ts'
import { seedDataDir, type SeedResult } from './seed.ts'
import { BENCH_RATE_LIMIT, makeDataDir, memoryOf, removeDataDir, startServer, stopServer, type Memory } from './server.ts'

export interface ApiOptions {
  readonly services: number
  readonly durationSeconds: number
  readonly warmupSeconds: number
  readonly connections: number
}

interface LoadFigures {
  readonly label: string
  readonly ok: number
  readonly okPerSecond: number
  readonly p50: number
  readonly p99: number
  readonly total: number
  readonly non2xx: number
  readonly errors: number
  readonly statusCodes: string
}

type Request = autocannon.Request

async function load(url: string, label: string, options: ApiOptions, requests: Request[], headers: Record<string, string>, measure: boolean): Promise<LoadFigures> {
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: measure ? options.durationSeconds : options.warmupSeconds,
    headers,
    requests,
    timeout: 10,
  })
  const codes = Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => `${code}x${stat.count ?? 0}`).join(' ')
  return {
    label,
    ok: result['2xx'],
    // 2xx answers per second over the run (autocannon's requests.average also counts error answers).
    okPerSecond: result['2xx'] / result.duration,
    // autocannon records latency for 2xx answers only (its default), in whole milliseconds.
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes: codes,
  }
}

async function listIds(baseUrl: string, auth: Record<string, string>, expected: number): Promise<string[]> {
  const ids: string[] = []
  for (let page = 1; ids.length < expected; page++) {
    const response = await fetch(`${baseUrl}/api/v1/services?pageSize=500&page=${page}`, { headers: auth })
    if (!response.ok) throw new Error(`GET /api/v1/services answered ${response.status}: ${await response.text()}`)
    const body = (await response.json()) as { items: { id: string }[] }
    if (body.items.length === 0) break
    ids.push(...body.items.map((s) => s.id))
  }
  return ids
}

async function inventoryTotal(baseUrl: string, auth: Record<string, string>): Promise<number> {
  const response = await fetch(`${baseUrl}/api/v1/services?pageSize=1`, { headers: auth })
  return ((await response.json()) as { total: number }).total
}

export interface ApiReport {
  readonly seed: SeedResult
  readonly sections: readonly Section[]
  readonly warnings: readonly string[]
}

export async function benchApi(options: ApiOptions, log: (line: string) => void): Promise<ApiReport> {
  const dataDir = makeDataDir('api')
  try {
    log(`  seeding ${options.services} services in-process (CSV import) ...`)
    const seed = await seedDataDir(dataDir, options.services)
    log(`  import ${num(seed.importMs)} ms, export ${num(seed.exportMs)} ms; starting the server on the seeded directory ...`)

    const server = await startServer({ dataDir })
    const pid = server.child.pid as number
    const warnings: string[] = []
    let atReady: Memory
    let afterLoad: Memory
    const results: LoadFigures[] = []
    let created = 0
    let created2xx = 0
    let totalBefore = 0
    let totalAfter = 0
    try {
      atReady = memoryOf(pid)
      const auth = { authorization: `Bearer ${seed.apiKey}` }
      const ids = await listIds(server.baseUrl, auth, seed.rows)
      if (ids.length !== seed.rows) throw new Error(`the API listed ${ids.length} services, expected ${seed.rows}`)
      totalBefore = await inventoryTotal(server.baseUrl, auth)

      let next = 0
      const byId: Request = { method: 'GET', setupRequest: (request) => ({ ...request, path: `/api/v1/services/${ids[next++ % ids.length]}` }) }
      let serial = 0
      const createOne: Request = {
        method: 'POST',
        setupRequest: (request) => {
          serial++
          const body = {
            // Unique names: the slug is derived from the name, and the API gives up (409) after 50 clashing slugs.
            name: `Load test service ${process.pid}-${serial}`,
            organizationId: seed.organizationIds[serial % seed.organizationIds.length],
            kind: SERVICE_KINDS[serial % SERVICE_KINDS.length],
            channels: [CHANNELS[serial % CHANNELS.length], CHANNELS[(serial + 7) % CHANNELS.length]],
            shortDescription: 'Created by the cx280 benchmark.',
            digitalService: true,
            annualCustomerVolume: serial * 10,
          }
          return { ...request, headers: { ...request.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) }
        },
      }
      const scenarios: { label: string; path: string; requests: Request[]; headers: Record<string, string> }[] = [
        { label: `GET /api/v1/services?pageSize=50`, path: '/api/v1/services?pageSize=50', requests: [{ method: 'GET' }], headers: auth },
        { label: 'GET /api/v1/services/:id (rotating ids)', path: '/api/v1/services', requests: [byId], headers: auth },
        { label: 'GET /healthz (no auth)', path: '/healthz', requests: [{ method: 'GET' }], headers: {} },
        // Writes last, so the read figures are for exactly the seeded inventory.
        { label: 'POST /api/v1/services (create)', path: '/api/v1/services', requests: [createOne], headers: auth },
      ]
      for (const scenario of scenarios) {
        const url = `${server.baseUrl}${scenario.path}`
        const warmup = options.warmupSeconds > 0 ? await load(url, scenario.label, options, scenario.requests, scenario.headers, false) : null
        const figures = await load(url, scenario.label, options, scenario.requests, scenario.headers, true)
        results.push(figures)
        if (scenario.requests[0] === createOne) created2xx = (warmup?.ok ?? 0) + figures.ok
        log(`  ${scenario.label}: ${num(figures.okPerSecond)} req/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms (${figures.statusCodes})`)
        if (figures.non2xx > 0 || figures.errors > 0) warnings.push(`${scenario.label}: ${figures.non2xx} non-2xx answers, ${figures.errors} errors/timeouts (${figures.statusCodes})`)
      }
      created = serial
      totalAfter = await inventoryTotal(server.baseUrl, auth)
      afterLoad = memoryOf(pid)
    } finally {
      await stopServer(server.child)
    }

    const createdOk = totalAfter - totalBefore
    const sections: Section[] = [
      {
        title: `IN-PROCESS CSV  (SQLite in a temp data dir; ${num(seed.rows)} generated rows, ${num(seed.csvBytes / 1024)} KiB of CSV)`,
        header: ['operation', 'time', 'rows/s', 'notes'],
        rows: [
          ['importServicesCsv (all rows, one transaction)', `${num(seed.importMs)} ms`, num(seed.rows / (seed.importMs / 1000)), 'validates every row, then writes services, channels, stages, audit'],
          ['exportServicesCsv (all services, streamed)', `${num(seed.exportMs)} ms`, num(seed.exportRows / (seed.exportMs / 1000)), `${num(seed.exportBytes / 1024)} KiB written`],
        ],
      },
      {
        title: `API LOAD  (autocannon in the bench process, ${options.connections} connections, ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s per endpoint; ${num(seed.rows)} services; CX280_PUBLIC_RATE_LIMIT=${BENCH_RATE_LIMIT})`,
        note: 'req/s counts 2xx answers only; latency percentiles are over 2xx answers, whole milliseconds.',
        header: ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'errors'],
        rows: results.map((r) => [r.label, num(r.okPerSecond), num(r.p50), num(r.p99), num(r.total), num(r.non2xx), num(r.errors)]),
      },
      {
        title: 'API SERVER  (the node process serving the load test)',
        header: ['measure', 'value'],
        rows: [
          [`start on the seeded dir: spawn -> /healthz 200`, `${num(server.readyMs)} ms`],
          ['RSS once ready', `${num(atReady.rssMb)} MiB`],
          ['RSS after the load test', `${num(afterLoad.rssMb)} MiB`],
          ['peak RSS during the run (VmHWM)', `${num(afterLoad.peakMb)} MiB`],
          ['services created (201s seen, warm-up + run)', `${num(created2xx)}`],
          ['inventory growth (includes creates in flight when autocannon stopped)', `${num(createdOk)}`],
        ],
      },
    ]
    if (created === 0) warnings.push('the POST run sent no requests')
    // autocannon stops with up to one request in flight per connection; the server still completes those creates.
    const inFlight = createdOk - created2xx
    const runs = options.warmupSeconds > 0 ? 2 : 1
    if (inFlight < 0 || inFlight > runs * options.connections) warnings.push(`POST answered 201 ${created2xx} times but the inventory grew by ${createdOk}`)
    return { seed, sections, warnings }
  } finally {
    removeDataDir(dataDir)
  }
}
