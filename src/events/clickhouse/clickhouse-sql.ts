/**
 * SQL literals for ClickHouse. Query parameters (`{x:String}`) do not exist on older servers (18.16 rejects them),
 * so every value reaches SQL through these functions and nowhere else; identifiers are never user text.
 */
import { isSafeIdentifier } from './clickhouse-url.ts'

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0', '\b': '\\b', '\f': '\\f' }

/** A quoted string literal: backslash and quote escaped, control characters spelled out. */
export function sqlString(value: string): string {
  return `'${value.replace(/[\\'\n\r\t\0\b\f]/g, (c) => ESCAPES[c] ?? c)}'`
}

/** A finite number literal (never NaN or Infinity, which would change the query's meaning). */
export function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`)
  return Number.isInteger(value) ? value.toFixed(0) : String(value)
}

/** A non-negative integer literal. */
export function sqlInteger(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a non-negative integer: ${value}`)
  return String(value)
}

/** `('a', 'b')` for IN; callers must not pass an empty list (IN () is a syntax error). */
export function sqlStringList(values: readonly string[]): string {
  if (values.length === 0) throw new RangeError('an IN list needs at least one value')
  return `(${values.map(sqlString).join(', ')})`
}

/** A back-quoted identifier from a checked name (database, table, cluster). */
export function sqlIdentifier(name: string): string {
  if (!isSafeIdentifier(name)) throw new RangeError(`unsafe identifier: ${name}`)
  return `\`${name}\``
}
