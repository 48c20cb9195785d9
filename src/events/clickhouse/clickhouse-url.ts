/**
 * EVENTS_URL for ClickHouse: `clickhouse://[user[:password]@]host[:port]/database[?cluster=NAME&nodes=h:p,h:p&secure=1]`.
 * The store talks to ClickHouse's HTTP interface (port 8123 by default, 8443 with secure=1). With `cluster`, events
 * go into a Distributed table over local tables on every host of that cluster; the store reaches each host over HTTP
 * on the URL's port unless `nodes` lists the hosts' HTTP addresses (needed when they differ, e.g. tests on one machine).
 */
export interface ClickHouseLocation {
  /** HTTP base URL of the node the store connects to, e.g. http://127.0.0.1:8123 */
  readonly url: string
  readonly username: string
  readonly password: string
  readonly database: string
  readonly cluster: string | null
  /** Explicit HTTP base URLs of every cluster host, or null to derive them from system.clusters. */
  readonly nodes: readonly string[] | null
  readonly secure: boolean
  /** host:port/database, for messages (no credentials). */
  readonly label: string
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/
const KNOWN_PARAMS = new Set(['cluster', 'nodes', 'secure'])

export function isSafeIdentifier(name: string): boolean {
  return IDENTIFIER.test(name)
}

export function parseClickHouseUrl(text: string): ClickHouseLocation {
  const form = 'clickhouse://[user[:password]@]host[:port]/database[?cluster=NAME]'
  let parsed: URL
  try {
    parsed = new URL(text)
  } catch {
    throw new Error(`EVENTS_URL is not a valid URL; expected ${form}`)
  }
  if (parsed.protocol !== 'clickhouse:') throw new Error(`EVENTS_URL must start with clickhouse://; expected ${form}`)
  if (parsed.hostname === '') throw new Error(`EVENTS_URL has no host; expected ${form}`)
  for (const key of parsed.searchParams.keys()) {
    if (!KNOWN_PARAMS.has(key)) throw new Error(`EVENTS_URL has an unknown option "${key}" (known: ${[...KNOWN_PARAMS].join(', ')})`)
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  if (database === '') throw new Error(`EVENTS_URL names no database; expected ${form}`)
  if (!isSafeIdentifier(database)) throw new Error(`EVENTS_URL database "${database}" must be letters, digits and underscores, starting with a letter or underscore`)
  const cluster = parsed.searchParams.get('cluster')
  if (cluster !== null && !isSafeIdentifier(cluster)) throw new Error(`EVENTS_URL cluster "${cluster}" must be letters, digits and underscores`)
  const secureText = parsed.searchParams.get('secure')
  if (secureText !== null && !['0', '1', 'true', 'false'].includes(secureText)) throw new Error('EVENTS_URL secure must be 1, 0, true or false')
  const secure = secureText === '1' || secureText === 'true'
  const scheme = secure ? 'https' : 'http'
  const port = parsed.port === '' ? (secure ? '8443' : '8123') : parsed.port
  const host = parsed.hostname
  const nodesText = parsed.searchParams.get('nodes')
  let nodes: string[] | null = null
  if (nodesText !== null) {
    if (cluster === null) throw new Error('EVENTS_URL lists nodes without a cluster; add ?cluster=NAME')
    nodes = nodesText.split(',').map((n) => n.trim()).filter((n) => n !== '').map((n) => {
      if (!/^[A-Za-z0-9.\-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(n)) throw new Error(`EVENTS_URL node "${n}" must be host:port (the node's HTTP port)`)
      return `${scheme}://${n}`
    })
    if (nodes.length === 0) throw new Error('EVENTS_URL nodes is empty')
  }
  return {
    url: `${scheme}://${host}:${port}`,
    username: decodeURIComponent(parsed.username) || 'default',
    password: decodeURIComponent(parsed.password),
    database,
    cluster,
    nodes,
    secure,
    label: `${host}:${port}/${database}${cluster === null ? '' : ` (cluster ${cluster})`}`,
  }
}
