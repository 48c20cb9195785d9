/** ClickHouse answers errors as text (`Code: 60, e.displayText() = DB::Exception: …`); this turns them into clear messages. */
export class ClickHouseError extends Error {
  constructor(message: string, readonly code: number | null, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ClickHouseError'
  }
}

const HINTS: Readonly<Record<number, string>> = {
  60: 'a table is missing (have the event-store migrations run? `cx280 migrate`)',
  62: 'syntax error (this ClickHouse release may not support a construct)',
  81: 'the database does not exist (migrations create it; check the database name in EVENTS_URL)',
  115: 'an unknown setting (the server is older than the setting)',
  159: 'the query timed out',
  170: 'the cluster in EVENTS_URL is not defined in the server\'s <remote_servers>',
  192: 'unknown user (check the user in EVENTS_URL)',
  193: 'wrong password (check the password in EVENTS_URL)',
  194: 'password required for this user (add it to EVENTS_URL)',
  241: 'the server ran out of memory for this query',
  497: 'the user lacks a privilege',
  516: 'authentication failed (check the user and password in EVENTS_URL)',
}

/** Extracts `Code: NN` and the exception text from a ClickHouse error message. */
export function parseClickHouseMessage(message: string): { code: number | null; text: string } {
  const code = /Code:\s*(\d+)/.exec(message)
  const display = /DB::Exception:\s*([\s\S]*?)(?:,\s*e\.what\(\)|\s*\(version [^)]*\)|\s*\([A-Z_]+\)\s*(?:\(version[^)]*\))?\s*$|$)/.exec(message)
  const text = (display?.[1] ?? message).trim().replace(/\s+/g, ' ')
  return { code: code ? Number(code[1]) : null, text }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN'])

/** Wraps anything thrown by the client into a ClickHouseError naming the server (never its credentials). */
export function toClickHouseError(error: unknown, where: string): ClickHouseError {
  if (error instanceof ClickHouseError) return error
  const raw = error instanceof Error ? error : new Error(String(error))
  const errno = (raw as { code?: unknown }).code
  if (typeof errno === 'string' && NETWORK_CODES.has(errno)) {
    return new ClickHouseError(`cannot reach ClickHouse at ${where} (${errno})`, null, { cause: raw })
  }
  const { code, text } = parseClickHouseMessage(raw.message)
  const hint = code === null ? undefined : HINTS[code]
  const prefix = code === null ? 'ClickHouse error' : `ClickHouse error ${code}`
  return new ClickHouseError(`${prefix} at ${where}: ${text}${hint ? ` (${hint})` : ''}`, code, { cause: raw })
}
