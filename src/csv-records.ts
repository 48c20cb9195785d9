/**
 * The first step of every CSV import: the file's rows as records keyed by header (trimmed, lower case), a BOM
 * ignored, or a clear error when the text is not CSV, has no rows, or has more rows than the import takes.
 */
import { parse } from 'csv-parse/sync'
import { Invalid } from './errors.ts'

export function readCsvRecords(csvText: string, maxRows: number): Record<string, string>[] {
  let records: Record<string, string>[]
  try {
    records = parse(csvText, { bom: true, columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: false })
  } catch (error) {
    throw new Invalid(`The file is not valid CSV: ${(error as Error).message}`, { file: 'is not valid CSV' })
  }
  if (records.length === 0) throw new Invalid('The file has no rows.', { file: 'has no rows' })
  if (records.length > maxRows) throw new Invalid(`The file has more than ${maxRows.toLocaleString('en-US')} rows; split it.`, { file: 'has too many rows' })
  return records
}
