/** The analytics tracker script (client/tracker/main.ts) and the snippet a web manager pastes into a site. */
import { htmlAttribute, staticScript, type StaticScript } from '../http/static-script.ts'

export const TRACKER_PATH = '/t/v1.js'

export const trackerScript = (): StaticScript => staticScript('tracker/main.ts')

/** One script tag with SRI; `data-respect-gpc` when the site honours Global Privacy Control. */
export function trackerSnippet(publicUrl: string, siteKey: string, integrity: string, respectGpc: boolean): string {
  const src = `${publicUrl.replace(/\/+$/, '')}${TRACKER_PATH}`
  return `<script src="${htmlAttribute(src)}" data-site="${htmlAttribute(siteKey)}"${respectGpc ? ' data-respect-gpc' : ''} integrity="${htmlAttribute(integrity)}" crossorigin="anonymous" defer></script>`
}
