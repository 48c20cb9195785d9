/**
 * ClickHouse for tests: the two servers scripts/test.mjs started (their URLs in CX280_TEST_CLICKHOUSE_URLS), or,
 * when a test file runs alone, two of our own started on first use (scripts/clickhouse-servers.mjs) and stopped by
 * `stopClickHouseTestServers` or at exit. Both form the cluster `cx280_test`, one shard each.
 * CX280_TEST_CLICKHOUSE=off skips the ClickHouse suites (use `clickHouseSkipReason()` as the suite's skip option).
 */
import { randomBytes } from 'node:crypto'
import {
  CLICKHOUSE_CLUSTER, CLICKHOUSE_SWITCH_ENV, CLICKHOUSE_URLS_ENV, clickHouseTestsDisabled, startClickHouseServers, type ClickHouseServers,
} from '../../scripts/clickhouse-servers.mjs'

export interface ClickHouseTestServers {
  /** HTTP base URLs, e.g. http://127.0.0.1:8123; the first is the single-node server. */
  readonly urls: readonly string[]
  readonly cluster: string
}

export type ClickHouseMode = 'single' | 'cluster'

export interface ClickHouseTestDatabase {
  readonly name: string
  /** EVENTS_URL for the store. */
  readonly url: string
  /** The HTTP base URLs of the nodes holding this database. */
  readonly nodes: readonly string[]
  drop(): Promise<void>
}

/** The skip option for ClickHouse suites: a reason string when switched off, otherwise false. */
export function clickHouseSkipReason(): string | false {
  return clickHouseTestsDisabled() ? `${CLICKHOUSE_SWITCH_ENV}=off` : false
}

let own: Promise<ClickHouseServers> | null = null

export async function clickHouseTestServers(): Promise<ClickHouseTestServers> {
  const fromEnvironment = (process.env[CLICKHOUSE_URLS_ENV] ?? '').split(',').map((u) => u.trim()).filter((u) => u !== '')
  if (fromEnvironment.length >= 2) return { urls: fromEnvironment, cluster: CLICKHOUSE_CLUSTER }
  own ??= startClickHouseServers(2).then((servers) => {
    // Last resort if the test process ends without stopClickHouseTestServers (the servers run detached).
    process.once('exit', () => servers.killNow())
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => { servers.killNow(); process.kill(process.pid, signal) })
    }
    return servers
  })
  const servers = await own
  return { urls: servers.urls, cluster: servers.cluster }
}

/** Stops servers this process started (servers from the environment belong to scripts/test.mjs). */
export async function stopClickHouseTestServers(): Promise<void> {
  if (own === null) return
  const servers = await own.catch(() => null)
  own = null
  await servers?.stop()
}

/** Runs one statement over HTTP (setup and cleanup only; the store under test uses its own client). */
export async function clickHouseQuery(url: string, sql: string): Promise<string> {
  const response = await fetch(`${url}/`, { method: 'POST', body: sql })
  const text = await response.text()
  if (!response.ok) throw new Error(`ClickHouse at ${url} answered ${response.status}: ${text.trim()}`)
  return text
}

/**
 * A fresh, uniquely named database (created by the store's migrate()) and its EVENTS_URL: on the first server, or
 * on the cluster with every node's HTTP address listed (the servers share a host, so their ports differ).
 */
export async function createClickHouseTestDatabase(mode: ClickHouseMode): Promise<ClickHouseTestDatabase> {
  const servers = await clickHouseTestServers()
  const name = `cx280_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const first = new URL(servers.urls[0] ?? '')
  const nodes = mode === 'single' ? [servers.urls[0] ?? ''] : servers.urls
  const url = mode === 'single'
    ? `clickhouse://default@${first.host}/${name}`
    : `clickhouse://default@${first.host}/${name}?cluster=${servers.cluster}&nodes=${servers.urls.map((u) => new URL(u).host).join(',')}`
  return {
    name, url, nodes,
    drop: async () => {
      for (const node of nodes) await clickHouseQuery(node, `drop database if exists ${name}`)
    },
  }
}
