/**
 * Screening free text for personal information (anchors.md privacy techniques): email addresses, Social Security
 * numbers, phone numbers, dates of birth and ZIP+4 codes. Used for survey free text and, later, analytics URLs.
 * The patterns lean toward masking too much rather than too little; masking keeps the text readable.
 */

export const PII_KINDS = ['email', 'ssn', 'phone', 'date_of_birth', 'zip_plus_4'] as const
export type PiiKind = (typeof PII_KINDS)[number]

// Order matters: more specific shapes first so a ZIP+4 is not read as part of a phone number.
const PATTERNS: ReadonlyArray<{ kind: PiiKind; pattern: RegExp }> = [
  { kind: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g },
  { kind: 'ssn', pattern: /(?<!\d)\d{3}[- ]\d{2}[- ]\d{4}(?!\d)|(?<![\d-])(?:ssn|social security(?: number)?)[:#\s]*\d{9}(?!\d)/gi },
  { kind: 'zip_plus_4', pattern: /(?<![\d-])\d{5}-\d{4}(?![\d-])/g },
  { kind: 'date_of_birth', pattern: /(?<!\d)(?:(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-](?:19|20)\d{2}|(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))(?!\d)/g },
  { kind: 'phone', pattern: /(?<![\d-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)/g },
]

const MASKS: Readonly<Record<PiiKind, string>> = {
  email: '[email]', ssn: '[ssn]', phone: '[phone]', date_of_birth: '[date]', zip_plus_4: '[zip+4]',
}

/** The kinds of personal information found in a text (each kind once). */
export function detectPii(text: string): PiiKind[] {
  const found: PiiKind[] = []
  let rest = text
  for (const { kind, pattern } of PATTERNS) {
    pattern.lastIndex = 0
    if (pattern.test(rest)) found.push(kind)
    pattern.lastIndex = 0
    rest = rest.replace(pattern, ' ')
  }
  return found
}

/** The text with every match replaced by a marker such as `[email]`. */
export function maskPii(text: string): string {
  let masked = text
  for (const { kind, pattern } of PATTERNS) {
    pattern.lastIndex = 0
    masked = masked.replace(pattern, MASKS[kind])
  }
  return masked
}
