/**
 * Page patterns of journeys and funnels: `*` matches any run of characters (including none and `/`), every other
 * character stands for itself. Both engines match them with SQL LIKE, so the pattern is escaped for LIKE with a
 * backslash (DuckDB: `LIKE $n ESCAPE '\'`; ClickHouse: backslash is LIKE's escape character).
 */
export const LIKE_ESCAPE = '\\'

/** The LIKE pattern for a page pattern: `%`, `_` and `\` become literal, `*` becomes `%`. */
export function pagePatternToLike(pattern: string): string {
  return pattern.replace(/[\\%_*]/g, (c) => (c === '*' ? '%' : LIKE_ESCAPE + c))
}
