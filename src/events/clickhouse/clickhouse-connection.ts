/**
 * The store's view of ClickHouse: one HTTP client for the node it queries, and, on a cluster, one per host for the
 * work that must happen on every node (DDL, migrations records, mutations). Every call goes through here so that
 * errors come out as ClickHouseError with the server named, and only settings old servers know are sent.
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client'
import { toClickHouseError } from './clickhouse-errors.ts'
import { sqlString } from './clickhouse-sql.ts'
import type { ClickHouseLocation } from './clickhouse-url.ts'

export class ClickHouseNode {
  private readonly client: ClickHouseClient

  constructor(readonly url: string, location: ClickHouseLocation) {
    this.client = createClient({
      url, username: location.username, password: location.password,
      // Refreshing a busy day's rollups or a year-long funnel can take minutes on a small server.
      request_timeout: 300_000,
      compression: { request: false, response: false },
      // Every failure is rethrown as a ClickHouseError naming the server; the client's own log would repeat it.
      log: { level: ClickHouseLogLevel.OFF },
    })
  }

  get label(): string {
    return this.url.replace(/^https?:\/\//, '')
  }

  async command(query: string, settings: ClickHouseSettings = {}): Promise<void> {
    try {
      await this.client.command({ query, clickhouse_settings: settings })
    } catch (error) {
      throw toClickHouseError(error, this.label)
    }
  }

  async rows<T>(query: string): Promise<T[]> {
    try {
      const result = await this.client.query({ query, format: 'JSONEachRow' })
      return await result.json<T>()
    } catch (error) {
      throw toClickHouseError(error, this.label)
    }
  }

  async insert(table: string, values: readonly object[], settings: ClickHouseSettings = {}): Promise<void> {
    try {
      await this.client.insert({ table, values: values as object[], format: 'JSONEachRow', clickhouse_settings: settings })
    } catch (error) {
      throw toClickHouseError(error, this.label)
    }
  }

  async ping(): Promise<void> {
    await this.rows('select 1 as ok')
  }

  async close(): Promise<void> {
    await this.client.close()
  }
}

interface ClusterHost {
  host_name: string
  host_address: string
  port: number
  shard_num: number
  replica_num: number
}

/**
 * The HTTP addresses of every host of `cluster`, read from system.clusters on `entry`. The cluster lists hosts by
 * their native (TCP) port; their HTTP port is the URL's unless EVENTS_URL lists the nodes' HTTP addresses.
 */
export async function clusterNodeUrls(entry: ClickHouseNode, location: ClickHouseLocation, cluster: string): Promise<string[]> {
  const hosts = await entry.rows<ClusterHost>(
    `select host_name, host_address, port, shard_num, replica_num from system.clusters where cluster = ${sqlString(cluster)} order by shard_num, replica_num`,
  )
  if (hosts.length === 0) {
    throw new Error(`ClickHouse cluster "${cluster}" is not defined in the <remote_servers> of ${entry.label}; fix ?cluster= in EVENTS_URL or the server configuration`)
  }
  if (location.nodes !== null) {
    if (location.nodes.length !== hosts.length) {
      throw new Error(`EVENTS_URL lists ${location.nodes.length} nodes but ClickHouse cluster "${cluster}" has ${hosts.length} hosts (` +
        `${hosts.map((h) => `${h.host_name}:${h.port}`).join(', ')}); list every host's HTTP address in ?nodes=`)
    }
    return [...location.nodes]
  }
  const httpPort = new URL(location.url).port
  const scheme = location.secure ? 'https' : 'http'
  const urls = hosts.map((h) => `${scheme}://${h.host_name.includes(':') ? `[${h.host_name}]` : h.host_name}:${httpPort}`)
  if (new Set(urls).size < urls.length) {
    // Several servers on one host differ only by port, and system.clusters knows only their native ports.
    throw new Error(`ClickHouse cluster "${cluster}" has several hosts at the same address (${hosts.map((h) => `${h.host_name}:${h.port}`).join(', ')}); ` +
      'list every host\'s HTTP address in EVENTS_URL: ?cluster=…&nodes=host:port,host:port')
  }
  return urls
}
