/**
 * cx280 analytics tracker (/t/v1.js). Measures a service's own pages alongside DAP, never instead of it.
 *
 *   <script src="https://cx.example.gov/t/v1.js" data-site="cxs_…" integrity="sha384-…" crossorigin="anonymous" defer></script>
 *
 * Sends page views (including single-page-app history changes), key actions declared in markup
 * (`data-cx-event="apply_start"`, optional `data-cx-value="12.5"`), outbound link clicks and form submits, in batches
 * with sendBeacon (text/plain, so no preflight). No cookies and no storage: the server derives a daily visitor hash
 * and never keeps the IP. With `data-respect-gpc` on the script tag, a browser sending Global Privacy Control is not
 * measured at all. Works under a CSP that allows the cx280 origin in script-src and connect-src.
 *
 * Wire format (short keys keep the script small): POST /api/v1/events  {"k": siteKey, "e": [{"y": type, "u": url,
 * "r"?: referrer, "n"?: name, "v"?: value, "a"?: age in ms when sent}]}; types: pageview, action, outbound, form_submit.
 * The client's clock is never trusted: only the age, so the server dates each event by its own clock.
 */

interface TrackedEvent {
  y: 'pageview' | 'action' | 'outbound' | 'form_submit'
  u: string
  r?: string
  n?: string
  v?: number
  /** Age in milliseconds when sent; the server dates the event by its own clock minus this. */
  a?: number
  t: number
}

const MAX_BATCH = 20
const FLUSH_MS = 1000

const script = document.currentScript as HTMLScriptElement | null
const siteKey = script?.dataset.site
const endpoint = script ? `${new URL(script.src).origin}/api/v1/events` : ''
const gpc = (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl === true

if (siteKey && endpoint && !(gpc && script?.hasAttribute('data-respect-gpc'))) {
  let queue: TrackedEvent[] = []
  let timer: number | undefined
  let lastUrl = ''

  const send = (): void => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    if (queue.length === 0) return
    const now = Date.now()
    const body = JSON.stringify({ k: siteKey, e: queue.map(({ t, ...event }) => ({ ...event, a: now - t })) })
    queue = []
    if (!navigator.sendBeacon?.(endpoint, body)) {
      void fetch(endpoint, { method: 'POST', body, keepalive: true, credentials: 'omit', headers: { 'content-type': 'text/plain' } }).catch(() => undefined)
    }
  }

  const track = (event: Omit<TrackedEvent, 't' | 'a'>): void => {
    queue.push({ ...event, t: Date.now() })
    if (queue.length >= MAX_BATCH) send()
    else timer ??= window.setTimeout(send, FLUSH_MS)
  }

  const pageview = (): void => {
    const url = location.href
    if (url === lastUrl) return
    track({ y: 'pageview', u: url, ...(lastUrl ? {} : document.referrer ? { r: document.referrer } : {}) })
    lastUrl = url
  }

  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method]
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      original.apply(this, args)
      pageview()
    }
  }
  addEventListener('popstate', pageview)

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null
    const declared = target?.closest<HTMLElement>('[data-cx-event]')
    if (declared) {
      const value = Number(declared.dataset.cxValue)
      track({ y: 'action', u: location.href, n: declared.dataset.cxEvent ?? '', ...(declared.dataset.cxValue && Number.isFinite(value) ? { v: value } : {}) })
    }
    const link = target?.closest('a')
    if (link?.href && link.host !== location.host && /^https?:/.test(link.protocol)) track({ y: 'outbound', u: location.href, n: link.href })
  }, true)

  document.addEventListener('submit', (event) => {
    const form = event.target instanceof HTMLFormElement ? event.target : null
    track({ y: 'form_submit', u: location.href, n: form?.dataset.cxEvent ?? form?.id ?? form?.getAttribute('name') ?? '' })
  }, true)

  addEventListener('pagehide', send)
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') send()
  })
  pageview()
}
