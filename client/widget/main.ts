/**
 * cx280 feedback widget (/widget/v1.js). Finds every `[data-cx280-survey]` element on the page and mounts a survey in
 * its open shadow root. Safe to include several times (each snippet carries the script tag): an element that already
 * has a shadow root is skipped. `window.cx280.scan()` mounts elements added to the page later.
 *
 * Host markup (attributes on the host element):
 *   data-cx280-survey="<id>"            the survey (its allowed origins must list the host page's origin)
 *   data-cx280-mode="modal|inline|button"  modal (default): our button opens a dialog; inline: the form in place;
 *                                       button: the host page's own element opens the dialog
 *   data-cx280-button="#selector"       button mode: the host element that opens the survey
 *   data-cx280-lang="es"                language (else <html lang>, else the browser's languages)
 *   data-cx280-touchpoint / data-cx280-channel   recorded with offers and responses
 *   data-cx280-hidden-<key>="value"     the value of the survey's hidden question <key>
 * Events on the host element (bubbling, composed): cx280:loaded, cx280:opened (shown inline or dialog opened),
 * cx280:submitted {responseId}, cx280:error {message}. Drafts: localStorage `cx280:draft:<id>`.
 */
import { mount } from './widget.ts'

declare global {
  interface Window { cx280?: { scan(): void } }
}

const script = (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>('script[src*="/widget/v1.js"]')
const base = script ? script.src.replace(/\/widget\/v1\.js.*$/, '') : ''

function scan(): void {
  for (const host of Array.from(document.querySelectorAll<HTMLElement>('[data-cx280-survey]'))) {
    if (host.shadowRoot) continue
    mount(host, base).catch((error: Error) => {
      host.dispatchEvent(new CustomEvent('cx280:error', { bubbles: true, composed: true, detail: { message: error.message } }))
    })
  }
}

window.cx280 ??= { scan }
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan)
else scan()
