/**
 * Federal fiscal years and quarters (reference §7): FY N runs Oct 1 of N−1 through Sep 30 of N;
 * Q1 Oct–Dec, Q2 Jan–Mar, Q3 Apr–Jun, Q4 Jul–Sep. Quarter boundaries are read in a configurable time zone
 * (default America/New_York); timestamps are stored in UTC.
 */
export interface FiscalQuarter {
  readonly fiscalYear: number
  readonly quarter: 1 | 2 | 3 | 4
}

// Building a formatter costs far more than using one; intake computes a quarter for every response.
const formatters = new Map<string, Intl.DateTimeFormat>()

function calendarParts(at: Date, timeZone: string): { year: number; month: number } {
  let formatter = formatters.get(timeZone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric' })
    formatters.set(timeZone, formatter)
  }
  const parts = formatter.formatToParts(at)
  const year = Number(parts.find((p) => p.type === 'year')?.value)
  const month = Number(parts.find((p) => p.type === 'month')?.value)
  return { year, month }
}

/** @example fiscalQuarterOf(new Date('2024-11-15T12:00:00Z')) // { fiscalYear: 2025, quarter: 1 } */
export function fiscalQuarterOf(at: Date, timeZone = 'America/New_York'): FiscalQuarter {
  const { year, month } = calendarParts(at, timeZone)
  const fiscalYear = month >= 10 ? year + 1 : year
  const quarter = (month >= 10 ? 1 : Math.floor((month - 1) / 3) + 2) as 1 | 2 | 3 | 4
  return { fiscalYear, quarter }
}

/** The fiscal year an instant belongs to. */
export function fiscalYearOf(at: Date, timeZone = 'America/New_York'): number {
  return fiscalQuarterOf(at, timeZone).fiscalYear
}

export function formatFiscalQuarter(q: FiscalQuarter): string {
  return `FY${q.fiscalYear} Q${q.quarter}`
}
