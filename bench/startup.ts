/**
 * Start-up benchmark: wall time from spawning `cx280 serve` until GET /healthz answers 200, and the server's RSS
 * once ready. Cold = empty data directory (migrations, first-admin creation with password hashing, new SQLite and
 * DuckDB files); warm = a second start on the same directory. Repeated `RUNS` times; the median is reported.
 * `npm start` is measured once, cold, to show what npm and the tsx CLI add on top.
 */
import { median, num, samples, type Section } from './report.ts'
import { groupMemory, makeDataDir, memoryOf, removeDataDir, startServer, stopServer } from './server.ts'

const RUNS = 3

interface StartSample {
  readonly readyMs: number
  readonly selfMs: number
  readonly rssMb: number
}

async function startOnce(dataDir: string): Promise<StartSample> {
  const server = await startServer({ dataDir })
  try {
    const memory = memoryOf(server.child.pid as number)
    return { readyMs: server.readyMs, selfMs: server.selfReportedReadyMs ?? Number.NaN, rssMb: memory.rssMb }
  } finally {
    await stopServer(server.child)
  }
}

export async function benchStartup(log: (line: string) => void): Promise<Section> {
  const cold: StartSample[] = []
  const warm: StartSample[] = []
  for (let run = 1; run <= RUNS; run++) {
    const dataDir = makeDataDir('startup')
    try {
      cold.push(await startOnce(dataDir))
      warm.push(await startOnce(dataDir))
    } finally {
      removeDataDir(dataDir)
    }
    log(`  start-up run ${run}/${RUNS}: cold ${num(cold.at(-1)?.readyMs ?? Number.NaN)} ms, warm ${num(warm.at(-1)?.readyMs ?? Number.NaN)} ms`)
  }

  const npmDir = makeDataDir('npm-start')
  let npm: { readyMs: number; selfMs: number; processes: readonly string[]; totalRssMb: number; serverRssMb: number }
  try {
    const server = await startServer({ dataDir: npmDir, via: 'npm' })
    try {
      const memory = groupMemory(server.child.pid as number)
      npm = { readyMs: server.readyMs, selfMs: server.selfReportedReadyMs ?? Number.NaN, processes: memory.processes, totalRssMb: memory.totalRssMb, serverRssMb: memory.server.rssMb }
    } finally {
      await stopServer(server.child)
    }
  } finally {
    removeDataDir(npmDir)
  }
  log(`  npm start (cold, once): ${num(npm.readyMs)} ms`)

  const row = (label: string, values: readonly number[], unit: string): string[] => [label, `${num(median(values))} ${unit}`, samples(values)]
  return {
    title: `START-UP  (node --import tsx src/main.ts serve; fresh temp data dir, ephemeral port; median of ${RUNS})`,
    note: 'Wall time is spawn -> first GET /healthz 200 (polled every 10 ms). "Server-reported" is the "ready in N ms" it prints,\n' +
      'timed inside the process after its modules have loaded, so the difference is Node + tsx start-up and module loading.',
    header: ['measure', 'median', 'samples'],
    rows: [
      row('cold start: spawn -> /healthz 200', cold.map((s) => s.readyMs), 'ms'),
      row('cold start: server-reported ready', cold.map((s) => s.selfMs), 'ms'),
      row('cold start: RSS once ready', cold.map((s) => s.rssMb), 'MiB'),
      row('warm start: spawn -> /healthz 200', warm.map((s) => s.readyMs), 'ms'),
      row('warm start: server-reported ready', warm.map((s) => s.selfMs), 'ms'),
      row('warm start: RSS once ready', warm.map((s) => s.rssMb), 'MiB'),
      ['npm start, cold (1 run): spawn -> /healthz 200', `${num(npm.readyMs)} ms`, `server-reported ${num(npm.selfMs)} ms`],
      ['npm start: RSS of the serving node process', `${num(npm.serverRssMb)} MiB`, ''],
      ['npm start: RSS of the whole process group', `${num(npm.totalRssMb)} MiB`, `${npm.processes.length} processes: ${npm.processes.join(', ')}`],
    ],
  }
}
