/**
 * PII redaction for analytics input (A-11 §280.5; anchors.md §5): page URLs, referrers and event properties are
 * screened at the collector before anything is stored. Pattern matching is `maskPii` from privacy/pii.ts; this module
 * adds what only URLs and key/value data have: a query-string allowlist, and masking of values whose key or preceding
 * path segment names them as personal (`zip`, `dob`, `ssn`, …), which catches bare numbers the text patterns cannot.
 */
import { maskPii } from '../privacy/pii.ts'

export const MAX_URL_LENGTH = 1_000
/** Inputs longer than this are refused outright rather than parsed and trimmed. */
export const MAX_RAW_URL_LENGTH = 8_192
export const MAX_PROPERTIES = 20
export const MAX_PROPERTY_STRING = 200
export const MAX_NAME = 100
export const PROPERTY_KEY = /^[a-z][a-z0-9_]{0,39}$/

/** Query parameters worth keeping for analytics; every other parameter (and its name) is dropped. */
export const ALLOWED_QUERY_PARAMS: ReadonlySet<string> = new Set([
  'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'ref', 'lang', 'page',
])

// A key, or a path segment, that names a personal value: the value after it is masked whatever it looks like.
const SENSITIVE_NAMES: ReadonlyArray<{ pattern: RegExp; mask: string }> = [
  { pattern: /(?:^|_)(?:dob|birth|birthdate|birthday|date_of_birth)(?:$|_)/, mask: '[date]' },
  { pattern: /(?:^|_)(?:zip|zipcode|zip_code|postal|postcode|postal_code)(?:$|_)/, mask: '[zip]' },
  { pattern: /(?:^|_)(?:ssn|social|social_security)(?:$|_)/, mask: '[ssn]' },
  { pattern: /(?:^|_)(?:email|e_mail|mail)(?:$|_)/, mask: '[email]' },
  { pattern: /(?:^|_)(?:phone|telephone|tel|mobile|cell|cellphone)(?:$|_)/, mask: '[phone]' },
  { pattern: /(?:^|_)(?:password|passwd|pwd|pin|secret|token)(?:$|_)/, mask: '[secret]' },
]

// In a path the rule is narrower than for property keys: the previous segment must be exactly one of these names and
// the segment itself must hold a digit or `@`, so `/email/verify` and `/zip-codes/lookup` stay readable.
const PATH_NAMES: ReadonlySet<string> = new Set([
  'dob', 'birthdate', 'date_of_birth', 'zip', 'zipcode', 'zip_code', 'postal_code', 'ssn', 'email', 'phone', 'tel',
])

const MAYBE_PII = /[\d@]/

/**
 * `maskPii` until nothing more changes. Masking one kind can complete another: in `555-867-5309ssn 123456789` the SSN
 * is hidden by the digit before it until the phone number is masked. Each round replaces digits, so a few suffice.
 */
export function maskText(text: string): string {
  // Every shape maskPii looks for holds an ASCII digit or an @; most paths and names hold neither.
  if (!MAYBE_PII.test(text)) return text
  let current = text
  for (let round = 0; round < 8; round++) {
    const next = maskPii(current)
    if (next === current) return current
    current = next
  }
  return current
}

/** Masked and cut to `max`, masked again: a cut can complete a shape (`555-867-5309|1` ends a phone number). */
export function maskAndCut(text: string, max: number): string {
  const masked = maskText(text)
  return masked.length <= max ? masked : maskText(masked.slice(0, max))
}

/** A key action's name (free text) fit to store. */
export const redactName = (raw: string): string => maskAndCut(raw, MAX_NAME)

/** The mask for a value named by `name` (a property key or path segment), or null if the name is harmless. */
export function sensitiveMask(name: string): string | null {
  const normalized = name.toLowerCase().replace(/[^a-z0-9]+/g, '_')
  return SENSITIVE_NAMES.find((s) => s.pattern.test(normalized))?.mask ?? null
}

/**
 * A page URL fit to store: origin and masked path, allowlisted query parameters with masked values, no fragment and
 * no credentials; at most 1,000 characters (longer results are cut). Null when not an absolute http(s) URL.
 */
export function redactUrl(raw: string): string | null {
  const url = parseHttpUrl(raw)
  if (!url) return null
  const kept: string[] = []
  for (const [name, value] of url.searchParams) {
    const key = name.toLowerCase()
    if (ALLOWED_QUERY_PARAMS.has(key)) kept.push(`${key}=${encodeKeepingMasks(maskAndCut(value, MAX_PROPERTY_STRING))}`)
  }
  const query = kept.length > 0 ? `?${kept.join('&')}` : ''
  return cap(`${url.origin}${redactPath(url.pathname)}${query}`)
}

/** A redacted URL (from `redactUrl`) split into its path and its query string without "?" (null when none). */
export function splitRedactedUrl(redacted: string): { path: string; query: string | null } {
  const pathStart = redacted.indexOf('/', redacted.indexOf('//') + 2)
  const rest = pathStart < 0 ? '/' : redacted.slice(pathStart)
  const mark = rest.indexOf('?')
  return mark < 0 ? { path: rest, query: null } : { path: rest.slice(0, mark), query: rest.slice(mark + 1) || null }
}

/** A referrer fit to store: origin and masked path only. Null when not an absolute http(s) URL. */
export function redactReferrer(raw: string): string | null {
  const url = parseHttpUrl(raw)
  return url ? cap(`${url.origin}${redactPath(url.pathname)}`) : null
}

/**
 * Event properties fit to store: a flat object of at most 20 keys matching `PROPERTY_KEY` (others skipped), strings
 * masked and cut to 200 characters, finite numbers (as masked text when their digits read as personal data), booleans;
 * anything else is dropped. A value under a key that names personal data (`zip`, `dob`, `email`, …) is replaced by
 * that kind's mask, even when it is a number.
 */
export function redactProperties(props: Readonly<Record<string, unknown>>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {}
  let count = 0
  for (const [key, value] of Object.entries(props)) {
    if (count >= MAX_PROPERTIES) break
    // A key is stored as sent, so one holding personal data (`x5558675309`) is skipped with its value.
    if (!PROPERTY_KEY.test(key) || maskText(key) !== key) continue
    const clean = cleanValue(key, value)
    if (clean === undefined) continue
    out[key] = clean
    count++
  }
  return out
}

function cleanValue(key: string, value: unknown): string | number | boolean | undefined {
  if (typeof value === 'boolean') return value
  const numeric = typeof value === 'number'
  if (numeric && !Number.isFinite(value)) return undefined
  if (!numeric && typeof value !== 'string') return undefined
  const mask = sensitiveMask(key)
  if (mask) return mask
  if (!numeric) return maskAndCut(value, MAX_PROPERTY_STRING)
  // A number is stored as JSON text, where its digits can read as a phone number (5558675309, 1.4933208609e+307):
  // such a number is kept only as its masked text.
  const text = String(value)
  const masked = maskText(text)
  return masked === text ? value : masked
}

function parseHttpUrl(raw: string): URL | null {
  if (typeof raw !== 'string' || raw.length > MAX_RAW_URL_LENGTH) return null
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    return null
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : null
}

/**
 * Masks PII in a URL path. Segments are decoded first (an email arrives as `%40`), and the whole decoded path is
 * screened at once so a date written `01/02/1990` across segments is still found. An untouched path is returned as
 * the URL parser normalized it; a touched one is re-encoded segment by segment.
 */
function redactPath(pathname: string): string {
  // Without an escape, a digit or an @ nothing below can change the path (the common case, checked once).
  if (!PATH_MAY_CHANGE.test(pathname)) return pathname
  const decoded = pathname.split('/').map(decodeSegment)
  const named = decoded.map((segment, i) => {
    const previous = (decoded[i - 1] ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '_')
    const mask = PATH_NAMES.has(previous) && /[\d@]/.test(segment) ? sensitiveMask(previous) : null
    return mask ?? segment
  })
  const joined = named.join('/')
  const masked = maskText(joined)
  if (masked === decoded.join('/')) return pathname
  return masked.split('/').map(encodeKeepingMasks).join('/')
}

// A malformed escape (`%ZZ`, half a UTF-8 sequence) must not hide a valid one (`%40`) in the same segment: decode each
// run of escapes as bytes, with replacement characters for invalid UTF-8, as URLSearchParams does for query values.
const PATH_MAY_CHANGE = /[\d@%]/

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'))
  }
}

function encodeKeepingMasks(text: string): string {
  return encodeURIComponent(text).replace(/%5B/g, '[').replace(/%5D/g, ']').replace(/%2B/g, '+')
}

// Cutting may split a %XX escape; drop the dangling part so the result is still a well-formed URL.
function cap(url: string): string {
  if (url.length <= MAX_URL_LENGTH) return url
  return url.slice(0, MAX_URL_LENGTH).replace(/%[0-9A-Fa-f]?$/, '')
}

/** `redact` remembered for one batch: a batch's events mostly repeat a few page URLs, referrers and links. */
export function memoized(redact: (raw: string) => string | null): (raw: string) => string | null {
  const seen = new Map<string, string | null>()
  return (raw) => {
    let redacted = seen.get(raw)
    if (redacted === undefined) seen.set(raw, (redacted = redact(raw)))
    return redacted
  }
}
