// Types for clickhouse-servers.mjs (plain JavaScript so that scripts/test.mjs can run it without tsx).
export declare const CLICKHOUSE_CLUSTER: string
export declare const CLICKHOUSE_URLS_ENV: string
export declare const CLICKHOUSE_SWITCH_ENV: string
export declare const SERVER_TIME_ZONE: string
export declare function clickHouseTestsDisabled(): boolean
export declare function findClickHouseServer(): string | null
export declare function missingServerMessage(): string
export interface ClickHouseServers {
  readonly urls: readonly string[]
  readonly cluster: string
  stop(): Promise<void>
  /** Synchronous last resort for process exit: SIGKILL and remove the data folders. */
  killNow(): void
}
export declare function startClickHouseServers(count?: number): Promise<ClickHouseServers>
