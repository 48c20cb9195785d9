/** The analytics tracker script (client/tracker/main.ts) and the snippet a web manager pastes into a site. */
import { staticScript, type StaticScript } from '../http/static-script.ts'

export const TRACKER_PATH = '/t/v1.js'

export const trackerScript = (): StaticScript => staticScript('tracker/main.ts')

const attribute = (value: string): string => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** One script tag with SRI; `data-respect-gpc` when the site honours Global Privacy Control. */
export function trackerSnippet(publicUrl: string, siteKey: string, integrity: string, respectGpc: boolean): string {
  const src = `${publicUrl.replace(/\/+$/, '')}${TRACKER_PATH}`
  return `<script src="${attribute(src)}" data-site="${attribute(siteKey)}"${respectGpc ? ' data-respect-gpc' : ''} integrity="${attribute(integrity)}" crossorigin="anonymous" defer></script>`
}
