/** Small statistics and plain-text table helpers for the benchmark report. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/** Formats a number with `digits` decimals and thousands separators; NaN prints as "n/a". */
export function num(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a'
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

export function samples(values: readonly number[], digits = 0): string {
  return `[${values.map((v) => num(v, digits)).join(', ')}]`
}

export interface Section {
  readonly title: string
  readonly note?: string
  readonly header: readonly string[]
  readonly rows: readonly (readonly string[])[]
}

/** Renders a section as a fixed-width table: first column left-aligned, the rest right-aligned. */
export function renderSection(section: Section): string {
  const table = [section.header, ...section.rows]
  const widths = section.header.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)))
  const line = (row: readonly string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ').trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  return [section.title, ...(section.note ? [section.note] : []), '', line(section.header), rule, ...section.rows.map(line)].join('\n')
}
