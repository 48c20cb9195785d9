/**
 * Cookieless visitor ids (anchors.md §5, after Plausible and Umami): a hash of the site, the IP address and the user
 * agent with a salt that changes every UTC day, so a visitor is countable within a day and unlinkable across days
 * once the old salt is deleted (analytics/salts.ts). The IP is an input only; it is never returned or stored.
 */
import { createHash } from 'node:crypto'

/** 32 hex characters: the first 16 bytes of SHA-256(salt, site, IP, user agent), parts separated by NUL. */
export function visitorId(siteId: string, ip: string, userAgent: string, salt: string): string {
  return createHash('sha256')
    .update([salt, siteId, normalizeIp(ip), userAgent].join('\u0000'))
    .digest('hex')
    .slice(0, 32)
}

/** The UTC day `YYYY-MM-DD` whose salt applies at `at`. Throws RangeError for an invalid date. */
export function dailySaltKey(at: Date): string {
  return at.toISOString().slice(0, 10)
}

// The same client reaches a dual-stack server as `1.2.3.4` or `::ffff:1.2.3.4`; both must hash alike.
function normalizeIp(ip: string): string {
  const lower = ip.trim().toLowerCase()
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower
}
