/**
 * The real `cx280 serve` in a child process on a test database, for crash tests: started on a free port with the
 * developer's own settings removed, waited for until /healthz answers, and stopped by a signal (SIGKILL for crashes).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { TestDatabase } from './engines.ts'

const REPO_ROOT = join(import.meta.dirname, '..', '..')

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export interface ServerProcess {
  readonly child: ChildProcess
  readonly baseUrl: string
  /** The last 20,000 characters it printed. */
  output(): string
}

/** Starts `cx280 serve` on the database with jobs off and the given settings (e.g. rate limits out of reach). */
export async function startServer(database: TestDatabase, settings: Readonly<Record<string, string>>): Promise<ServerProcess> {
  const port = await freePort()
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of ['EVENTS_URL', 'CX280_PUBLIC_URL', 'CX280_ADMIN_EMAIL', 'CX280_ADMIN_PASSWORD', 'CX280_SECRET', 'SMTP_URL', 'OIDC_ISSUER', 'CX280_TRUST_PROXY']) delete env[name]
  Object.assign(env, {
    CX280_DATA_DIR: database.dataDir, DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', CX280_JOBS: 'off', ...settings,
  })
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let printed = ''
  const keep = (chunk: Buffer) => {
    printed = (printed + chunk.toString('utf8')).slice(-20_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const baseUrl = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).status === 200) return { child, baseUrl, output: () => printed }
    } catch {
      // not listening yet
    }
    await sleep(25)
  }
  child.kill('SIGKILL')
  throw new Error(`cx280 serve did not become healthy (exit ${child.exitCode ?? child.signalCode ?? 'none'}):\n${printed}`)
}

export async function stopServer(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill(signal)
  await exited
}
