/**
 * Child-process helpers for the benchmarks: temporary data directories, free ports, starting `cx280 serve` in a child
 * process, waiting for GET /healthz to answer 200, reading a process's memory from /proc, and stopping it again.
 * Every child and directory made here is tracked, so an interrupted run still cleans up.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = dirname(dirname(fileURLToPath(import.meta.url)))

/** High enough that a load test never meets the per-IP limit (the API allows 10× this per minute, /healthz 1×). */
export const BENCH_RATE_LIMIT = '10000000'

const liveChildren = new Set<ChildProcess>()
const liveDirs = new Set<string>()

/** A fresh, empty data directory under the system temp dir (never ./data); removed by `removeDataDir` or on exit. */
export function makeDataDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cx280-bench-${label}-`))
  liveDirs.add(dir)
  return dir
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  liveDirs.delete(dir)
}

/** Last-resort cleanup for an interrupted run: kills children this process started and removes its directories. */
export function cleanupEverything(): void {
  for (const child of liveChildren) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue
    try {
      // Children are started as process-group leaders, so this also ends what they spawned (npm → tsx → node).
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  liveChildren.clear()
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true })
  liveDirs.clear()
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.unref()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))))
    })
  })
}

/**
 * The environment for a benchmark server: the caller's, minus anything that would point it away from its own data
 * directory or change what is measured, plus the data dir, the port and a rate limit a load test cannot reach.
 */
export function serverEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of ['DATABASE_URL', 'EVENTS_URL', 'CX280_PUBLIC_URL', 'CX280_ADMIN_EMAIL', 'CX280_ADMIN_PASSWORD', 'CX280_SECRET', 'SMTP_URL', 'OIDC_ISSUER', 'LOG_LEVEL', 'CX280_TRUST_PROXY']) {
    delete env[name]
  }
  return { ...env, CX280_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', CX280_PUBLIC_RATE_LIMIT: BENCH_RATE_LIMIT, CX280_INTAKE_RATE_LIMIT: BENCH_RATE_LIMIT }
}

export interface RunningServer {
  readonly child: ChildProcess
  readonly port: number
  readonly baseUrl: string
  /** Wall time from spawn until GET /healthz first answered 200. */
  readonly readyMs: number
  /** The server's own "ready in N ms" figure (measured inside the process, after its modules loaded), if printed. */
  readonly selfReportedReadyMs: number | null
  /** Everything the child printed so far (kept for error messages). */
  output(): string
}

/** One GET; resolves with the status code, or null when the server is not listening yet. */
export function httpStatus(url: string, timeoutMs = 1000): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume()
      res.once('end', () => resolve(res.statusCode ?? null))
      res.once('error', () => resolve(null))
    })
    req.once('timeout', () => req.destroy())
    req.once('error', () => resolve(null))
    req.end()
  })
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export interface StartOptions {
  /** `direct`: `node --import tsx src/main.ts serve` (default). `npm`: `npm start` (npm → sh → tsx → node). */
  readonly via?: 'direct' | 'npm'
  readonly dataDir: string
  readonly timeoutMs?: number
  /** Extra environment for this server (e.g. LOG_LEVEL), applied after `serverEnv`. */
  readonly env?: NodeJS.ProcessEnv
  /** Extra node flags for `direct` starts, e.g. `--cpu-prof` (the profile is written when the server exits). */
  readonly nodeArgs?: readonly string[]
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const [command, args] = options.via === 'npm'
    ? ['npm', ['start', '--silent']] as const
    : [process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts', 'serve']] as const
  let printed = ''
  const started = performance.now()
  const child = spawn(command, [...args], { cwd: REPO_ROOT, env: { ...serverEnv(options.dataDir, port), ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  liveChildren.add(child)
  child.once('exit', () => liveChildren.delete(child))
  const keep = (chunk: Buffer) => {
    printed += chunk.toString('utf8')
    if (printed.length > 64_000) printed = printed.slice(-32_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)

  const deadline = started + (options.timeoutMs ?? 60_000)
  let readyMs: number | null = null
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break
    const status = await httpStatus(`${baseUrl}/healthz`, 2000)
    if (status === 200) {
      readyMs = performance.now() - started
      break
    }
    await sleep(10)
  }
  if (readyMs === null) {
    await stopServer(child)
    throw new Error(`cx280 did not answer /healthz 200 within the time allowed (exit ${child.exitCode ?? child.signalCode ?? 'none'}). Output:\n${printed}`)
  }
  // The "ready" line is printed just after listen(); give it a moment to arrive through the pipe.
  for (let i = 0; i < 50 && !/ready in \d+ ms/.test(printed); i++) await sleep(10)
  const self = /ready in (\d+) ms/.exec(printed)
  return { child, port, baseUrl, readyMs, selfReportedReadyMs: self ? Number(self[1]) : null, output: () => printed }
}

/** SIGTERM to the child's process group, then SIGKILL if it has not exited within `graceMs`. */
export async function stopServer(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.pid === undefined) return
  const pid = child.pid
  const exited = () => child.exitCode !== null || child.signalCode !== null
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal)
    } catch {
      // group already gone
    }
  }
  if (!exited()) {
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    signalGroup('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), graceMs) })
    const outcome = await Promise.race([done.then(() => 'exited' as const), timeout])
    clearTimeout(timer)
    if (outcome === 'timeout') {
      signalGroup('SIGKILL')
      await done
    }
  }
  // npm may exit before its grandchildren: make sure nothing of the group is left.
  for (let i = 0; i < 100 && groupMembers(pid).length > 0; i++) await sleep(20)
  if (groupMembers(pid).length > 0) signalGroup('SIGKILL')
  liveChildren.delete(child)
}

export interface Memory {
  /** Resident set size now (VmRSS), MiB. */
  readonly rssMb: number
  /** Peak resident set size (VmHWM), MiB. */
  readonly peakMb: number
}

function statusField(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)
  return match ? Number(match[1]) / 1024 : Number.NaN
}

/** VmRSS and VmHWM of one process, from /proc/<pid>/status. */
export function memoryOf(pid: number): Memory {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8')
  return { rssMb: statusField(text, 'VmRSS'), peakMb: statusField(text, 'VmHWM') }
}

/** Pids whose process group is `pgid` (the child we spawned detached, and everything it started). */
export function groupMembers(pgid: number): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // Fields after the parenthesised command: state ppid pgrp …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) === pgid) pids.push(Number(entry))
    } catch {
      // the process went away while we looked
    }
  }
  return pids
}

/** Memory of every process in the group; `server` is the largest (the node running src/main.ts). */
export function groupMemory(pgid: number): { processes: readonly string[]; totalRssMb: number; server: Memory } {
  const members = groupMembers(pgid).flatMap((pid) => {
    try {
      return [{ name: readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), memory: memoryOf(pid) }]
    } catch {
      return []
    }
  })
  const server = members.reduce<Memory>((best, m) => (m.memory.rssMb > best.rssMb ? m.memory : best), { rssMb: 0, peakMb: 0 })
  return { processes: members.map((m) => m.name), totalRssMb: members.reduce((sum, m) => sum + m.memory.rssMb, 0), server }
}
