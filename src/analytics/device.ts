/**
 * Device class from the user agent, decided at ingest so the user agent itself is never stored. Tablets are checked
 * before phones: iPads and Android tablets also say "Mobile" in some versions.
 */
import type { DeviceClass } from '../events/event-store.ts'

const TABLET = /ipad|tablet|kindle|silk\/|playbook|android(?!.*mobile)/i
const MOBILE = /mobi|iphone|ipod|android.*mobile|windows phone|blackberry|opera mini/i
const DESKTOP = /windows nt|macintosh|mac os x|x11|linux|cros/i

export function deviceClass(userAgent: string): DeviceClass {
  if (TABLET.test(userAgent)) return 'tablet'
  if (MOBILE.test(userAgent)) return 'mobile'
  if (DESKTOP.test(userAgent)) return 'desktop'
  return 'other'
}
