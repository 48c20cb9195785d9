#!/usr/bin/env node
// Local ClickHouse test servers: N clickhouse-server processes on 127.0.0.1, each with its own free ports, temporary
// data folder, minimal config.xml and users.xml, and a shared <remote_servers> entry that makes them one cluster
// (one shard per instance, no ZooKeeper). Used by scripts/test.mjs, test/helpers/clickhouse.ts and the benchmarks.
//
//   node scripts/clickhouse-servers.mjs        starts two servers, prints their environment, stops them on Ctrl-C
//
// The servers run in UTC-unfriendly local time on purpose (America/New_York): the event store must never depend on
// the server's time zone.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const CLICKHOUSE_CLUSTER = 'cx280_test'
/** Comma-separated HTTP base URLs of running test servers; set by scripts/test.mjs, read by test/helpers/clickhouse.ts. */
export const CLICKHOUSE_URLS_ENV = 'CX280_TEST_CLICKHOUSE_URLS'
/** `off` skips the ClickHouse suites (with a skip reason) on machines without clickhouse-server. */
export const CLICKHOUSE_SWITCH_ENV = 'CX280_TEST_CLICKHOUSE'
export const SERVER_TIME_ZONE = 'America/New_York'

export function clickHouseTestsDisabled() {
  return (process.env[CLICKHOUSE_SWITCH_ENV] ?? '').toLowerCase() === 'off'
}

/** The clickhouse-server binary, or null. CLICKHOUSE_SERVER_BIN overrides the search. */
export function findClickHouseServer() {
  const chosen = process.env.CLICKHOUSE_SERVER_BIN
  if (chosen) return existsSync(chosen) ? chosen : null
  for (const candidate of ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server']) if (existsSync(candidate)) return candidate
  const which = spawnSync('sh', ['-c', 'command -v clickhouse-server'], { encoding: 'utf8' })
  const found = which.status === 0 ? which.stdout.trim() : ''
  return found.length > 0 ? found : null
}

export function missingServerMessage() {
  return 'clickhouse-server was not found. Install it (Debian/Ubuntu: `apt-get install -y clickhouse-server clickhouse-client`), ' +
    `point CLICKHOUSE_SERVER_BIN at the binary, or set ${CLICKHOUSE_SWITCH_ENV}=off to skip the ClickHouse suites.`
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

function remoteServers(tcpPorts) {
  const shards = tcpPorts.map((port) => `      <shard><replica><host>127.0.0.1</host><port>${port}</port></replica></shard>`).join('\n')
  return `  <remote_servers>\n    <${CLICKHOUSE_CLUSTER}>\n${shards}\n    </${CLICKHOUSE_CLUSTER}>\n  </remote_servers>`
}

function configXml(dir, ports, tcpPorts) {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${ports.http}</http_port>
  <tcp_port>${ports.tcp}</tcp_port>
  <interserver_http_port>${ports.interserver}</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>${SERVER_TIME_ZONE}</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <mlock_executable>false</mlock_executable>
${remoteServers(tcpPorts)}
</yandex>
`
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage><load_balancing>random</load_balancing></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`

async function waitUntilReady(url, child, dir, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break
    try {
      const response = await fetch(`${url}/ping`)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const log = existsSync(join(dir, 'server.err.log')) ? readFileSync(join(dir, 'server.err.log'), 'utf8').split('\n').slice(-15).join('\n') : ''
  throw new Error(`clickhouse-server at ${url} did not become ready within ${timeoutMs} ms (exit code ${child.exitCode}).\n${log}`)
}

async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  try { process.kill(-child.pid, 'SIGTERM') } catch { return }
  const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL') } catch { /* gone */ } }, 10_000)
  await exited
  clearTimeout(timer)
}

/**
 * Starts `count` servers forming the cluster `cx280_test`. Resolves to their HTTP base URLs and a stop() that ends
 * the processes and removes their folders. Rejects with an installation hint when the binary is missing.
 */
export async function startClickHouseServers(count = 2) {
  const binary = findClickHouseServer()
  if (!binary) throw new Error(missingServerMessage())
  const root = mkdtempSync(join(tmpdir(), 'cx280-clickhouse-'))
  const ports = []
  for (let i = 0; i < count; i++) ports.push({ http: await freePort(), tcp: await freePort(), interserver: await freePort() })
  const children = []
  const stop = async () => {
    await Promise.all(children.map(stopProcess))
    rmSync(root, { recursive: true, force: true })
  }
  const killNow = () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) try { process.kill(-child.pid, 'SIGKILL') } catch { /* gone */ }
    }
    rmSync(root, { recursive: true, force: true })
  }
  try {
    const urls = []
    for (const [i, port] of ports.entries()) {
      const dir = join(root, `node${i + 1}`)
      for (const sub of ['data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, sub), { recursive: true })
      writeFileSync(join(dir, 'config.xml'), configXml(dir, port, ports.map((p) => p.tcp)))
      writeFileSync(join(dir, 'users.xml'), USERS_XML)
      // Its own process group (detached), so stop() can end the server and anything it spawned, and a Ctrl-C in
      // the terminal reaches our cleanup rather than killing the servers mid-run.
      const child = spawn(binary, [`--config-file=${join(dir, 'config.xml')}`], { cwd: dir, detached: true, stdio: 'ignore' })
      children.push(child)
      urls.push(`http://127.0.0.1:${port.http}`)
    }
    await Promise.all(urls.map((url, i) => waitUntilReady(url, children[i], join(root, `node${i + 1}`), 30_000)))
    return { urls, cluster: CLICKHOUSE_CLUSTER, stop, killNow }
  } catch (error) {
    await stop()
    throw error
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const servers = await startClickHouseServers(2)
  const hosts = servers.urls.map((url) => new URL(url).host)
  console.log(`${CLICKHOUSE_URLS_ENV}=${servers.urls.join(',')}`)
  console.log(`single node: EVENTS_URL=clickhouse://${hosts[0]}/cx280`)
  console.log(`two shards:  EVENTS_URL=clickhouse://${hosts[0]}/cx280?cluster=${servers.cluster}&nodes=${hosts.join(',')}`)
  console.log('Ctrl-C stops the servers and deletes their data.')
  const shutdown = () => { servers.stop().then(() => process.exit(0)) }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  setInterval(() => {}, 1 << 30)
}
