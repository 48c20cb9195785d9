/**
 * Typed configuration, read once from the environment. Every variable is documented in
 * docs/configuration.md; a test keeps the two in step.
 */
import { join, resolve } from 'node:path'

export interface OidcConfig {
  readonly issuer: string
  readonly clientId: string
  readonly privateKeyJwk: string
  readonly scopes: string
  readonly acrValues: string | null
  readonly allowInsecureHttp: boolean
}

export interface Config {
  readonly port: number
  readonly host: string
  readonly publicUrl: string
  readonly dataDir: string
  readonly databaseUrl: string
  readonly eventsUrl: string
  readonly adminEmail: string | null
  readonly adminPassword: string | null
  readonly secret: string | null
  readonly smtpUrl: string | null
  readonly mailFrom: string
  readonly trustProxy: boolean
  readonly logLevel: string
  readonly sessionIdleMinutes: number
  readonly loginRateLimitPerMinute: number
  readonly publicRateLimitPerMinute: number
  readonly intakeRateLimitPerMinute: number
  readonly eventsRateLimitPerMinute: number
  /** Raw analytics events older than this many days are deleted daily (rollups stay); 0 keeps them forever. */
  readonly eventsRetentionDays: number
  readonly oidc: OidcConfig | null
  /** Whether `cx280 serve` runs the scheduled jobs (webhook delivery, notification email, PRA duties, trash purge). */
  readonly jobs: boolean
  /** Quarterly CX data collections are due this many days after their fiscal quarter ends (A-11 §280.14: 30). */
  readonly collectionDeadlineDays: number
  /** Public figures (trust, Likert mean, driver shares) with fewer respondents behind them than this are not shown. */
  readonly publicMinRespondents: number
}

export const ENV_VARIABLES = [
  'PORT', 'HOST', 'CX280_PUBLIC_URL', 'CX280_DATA_DIR', 'DATABASE_URL', 'EVENTS_URL',
  'CX280_ADMIN_EMAIL', 'CX280_ADMIN_PASSWORD', 'CX280_SECRET', 'SMTP_URL', 'CX280_MAIL_FROM',
  'CX280_TRUST_PROXY', 'LOG_LEVEL', 'CX280_SESSION_IDLE_MINUTES', 'CX280_LOGIN_RATE_LIMIT',
  'CX280_PUBLIC_RATE_LIMIT', 'CX280_INTAKE_RATE_LIMIT', 'CX280_EVENTS_RATE_LIMIT', 'CX280_EVENTS_RETENTION_DAYS', 'OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_PRIVATE_KEY_JWK', 'OIDC_SCOPES',
  'OIDC_ACR_VALUES', 'OIDC_ALLOW_INSECURE_HTTP', 'CX280_JOBS', 'CX280_COLLECTION_DEADLINE_DAYS',
  'CX280_PUBLIC_MIN_RESPONDENTS',
] as const

type Env = Readonly<Record<string, string | undefined>>

function integer(env: Env, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`)
  return value
}

function text(env: Env, name: string): string | null {
  const raw = env[name]
  return raw === undefined || raw.trim() === '' ? null : raw.trim()
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name)
  if (raw === null) return fallback
  if (raw === 'on' || raw === 'off') return raw === 'on'
  throw new Error(`${name} must be on or off, got "${raw}"`)
}

function readOidc(env: Env): OidcConfig | null {
  const issuer = text(env, 'OIDC_ISSUER')
  if (!issuer) return null
  const clientId = text(env, 'OIDC_CLIENT_ID')
  const privateKeyJwk = text(env, 'OIDC_PRIVATE_KEY_JWK')
  if (!clientId || !privateKeyJwk) throw new Error('OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_PRIVATE_KEY_JWK')
  return {
    issuer,
    clientId,
    privateKeyJwk,
    scopes: text(env, 'OIDC_SCOPES') ?? 'openid email',
    acrValues: text(env, 'OIDC_ACR_VALUES'),
    allowInsecureHttp: env.OIDC_ALLOW_INSECURE_HTTP === 'true',
  }
}

/** Reads the configuration; throws with the variable's name when a value is malformed. */
export function loadConfig(env: Env = process.env): Config {
  const dataDir = resolve(text(env, 'CX280_DATA_DIR') ?? './data')
  const port = integer(env, 'PORT', 8280)
  return {
    port,
    host: text(env, 'HOST') ?? '127.0.0.1',
    publicUrl: (text(env, 'CX280_PUBLIC_URL') ?? `http://localhost:${port}`).replace(/\/$/, ''),
    dataDir,
    databaseUrl: text(env, 'DATABASE_URL') ?? `sqlite:${join(dataDir, 'cx280.sqlite')}`,
    eventsUrl: text(env, 'EVENTS_URL') ?? `duckdb:${join(dataDir, 'events.duckdb')}`,
    adminEmail: text(env, 'CX280_ADMIN_EMAIL'),
    adminPassword: text(env, 'CX280_ADMIN_PASSWORD'),
    secret: text(env, 'CX280_SECRET'),
    smtpUrl: text(env, 'SMTP_URL'),
    mailFrom: text(env, 'CX280_MAIL_FROM') ?? 'cx280 <no-reply@localhost>',
    trustProxy: env.CX280_TRUST_PROXY === 'true',
    logLevel: text(env, 'LOG_LEVEL') ?? 'info',
    sessionIdleMinutes: integer(env, 'CX280_SESSION_IDLE_MINUTES', 30),
    loginRateLimitPerMinute: integer(env, 'CX280_LOGIN_RATE_LIMIT', 10),
    publicRateLimitPerMinute: integer(env, 'CX280_PUBLIC_RATE_LIMIT', 120),
    intakeRateLimitPerMinute: integer(env, 'CX280_INTAKE_RATE_LIMIT', 60),
    eventsRateLimitPerMinute: integer(env, 'CX280_EVENTS_RATE_LIMIT', 600),
    eventsRetentionDays: integer(env, 'CX280_EVENTS_RETENTION_DAYS', 0),
    oidc: readOidc(env),
    jobs: onOff(env, 'CX280_JOBS', true),
    collectionDeadlineDays: integer(env, 'CX280_COLLECTION_DEADLINE_DAYS', 30),
    publicMinRespondents: integer(env, 'CX280_PUBLIC_MIN_RESPONDENTS', 30),
  }
}
