/**
 * The embeddable feedback widget: the static script served at /widget/v1.js and the snippet a web manager pastes.
 *
 *   widgetScript(): WidgetScript          — built once per process (src/http/static-script.ts), cached in memory:
 *                                           { body, gzip, brotli, integrity ('sha384-…' of body), gzipBytes, etag }
 *   embedSnippet(publicUrl, surveyId, integrity, mode): string — host markup + the one async script tag
 *   WIDGET_PATH = '/widget/v1.js'
 *
 * The bundle is immutable for the life of the process: the route serves prebuilt buffers (no rendering per request).
 */
import { htmlAttribute, staticScript, type StaticScript } from '../http/static-script.ts'

export const WIDGET_PATH = '/widget/v1.js'
export type EmbedMode = 'modal' | 'inline' | 'button'
export const EMBED_MODES: readonly EmbedMode[] = ['modal', 'inline', 'button']

export type WidgetScript = StaticScript

/** The widget bundle (client/widget/main.ts), built once per process. */
export const widgetScript = (): WidgetScript => staticScript('widget/main.ts')

/** The HTML a web manager pastes: the host element for the chosen mode and the one script tag (with SRI). */
export function embedSnippet(publicUrl: string, surveyId: string, integrity: string, mode: EmbedMode): string {
  const scriptUrl = `${publicUrl.replace(/\/+$/, '')}${WIDGET_PATH}`
  const id = htmlAttribute(surveyId)
  const script = `<script src="${htmlAttribute(scriptUrl)}" integrity="${htmlAttribute(integrity)}" crossorigin="anonymous" async></script>`
  const host = mode === 'button'
    ? `<button type="button" id="cx280-feedback-${id}">Give feedback</button>\n<div data-cx280-survey="${id}" data-cx280-mode="button" data-cx280-button="#cx280-feedback-${id}"></div>`
    : `<div data-cx280-survey="${id}" data-cx280-mode="${mode}"></div>`
  return `${host}\n${script}`
}
