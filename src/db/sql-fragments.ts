/**
 * SQL that differs between SQLite and PostgreSQL, or that needs care, lives here and nowhere else.
 */
import { type Expression, type SqlBool, sql } from 'kysely'

/**
 * Case-insensitive "contains" that treats %, _ and \ in the user's text literally. Both engines accept
 * `lower(x) like … escape '\'` (PostgreSQL's ILIKE does not exist in SQLite).
 */
export function containsText(column: Expression<string | null>, term: string): Expression<SqlBool> {
  const pattern = `%${term.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`
  return sql<SqlBool>`lower(${column}) like ${pattern} escape '\\'`
}
