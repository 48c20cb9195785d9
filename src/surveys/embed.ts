/**
 * The embeddable feedback widget: the static script served at /widget/v1.js and the snippet a web manager pastes.
 *
 *   widgetScript(): WidgetScript          — built once per process with esbuild (synchronous), cached in memory:
 *                                           { body, gzip, brotli, integrity ('sha384-…' of body), gzipBytes, etag }
 *   embedSnippet(publicUrl, surveyId, integrity, mode): string — host markup + the one async script tag
 *   WIDGET_PATH = '/widget/v1.js'
 *
 * The bundle is immutable for the life of the process: the route serves prebuilt buffers (no rendering per request).
 */
import { createHash } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib'
import { buildSync } from 'esbuild'

export const WIDGET_PATH = '/widget/v1.js'
export type EmbedMode = 'modal' | 'inline' | 'button'
export const EMBED_MODES: readonly EmbedMode[] = ['modal', 'inline', 'button']

export interface WidgetScript {
  readonly body: Buffer
  readonly gzip: Buffer
  readonly brotli: Buffer
  /** Subresource Integrity value of `body`: `sha384-<base64>`. */
  readonly integrity: string
  readonly gzipBytes: number
  /** Strong ETag (quoted) derived from the body hash. */
  readonly etag: string
}

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'client', 'widget', 'main.ts')
let cached: WidgetScript | null = null

export function widgetScript(): WidgetScript {
  if (cached) return cached
  const result = buildSync({
    entryPoints: [entry], bundle: true, minify: true, format: 'iife', target: 'es2019', write: false,
    legalComments: 'none', charset: 'utf8', platform: 'browser',
  })
  const output = result.outputFiles[0]
  if (!output) throw new Error('The widget bundle produced no output.')
  const body = Buffer.from(output.contents)
  const digest = createHash('sha384').update(body).digest('base64')
  const gzip = gzipSync(body, { level: 9 })
  const brotli = brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } })
  cached = { body, gzip, brotli, integrity: `sha384-${digest}`, gzipBytes: gzip.length, etag: `"${digest.slice(0, 27)}"` }
  return cached
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** The HTML a web manager pastes: the host element for the chosen mode and the one script tag (with SRI). */
export function embedSnippet(publicUrl: string, surveyId: string, integrity: string, mode: EmbedMode): string {
  const scriptUrl = `${publicUrl.replace(/\/+$/, '')}${WIDGET_PATH}`
  const id = escapeAttribute(surveyId)
  const script = `<script src="${escapeAttribute(scriptUrl)}" integrity="${escapeAttribute(integrity)}" crossorigin="anonymous" async></script>`
  const host = mode === 'button'
    ? `<button type="button" id="cx280-feedback-${id}">Give feedback</button>\n<div data-cx280-survey="${id}" data-cx280-mode="button" data-cx280-button="#cx280-feedback-${id}"></div>`
    : `<div data-cx280-survey="${id}" data-cx280-mode="${mode}"></div>`
  return `${host}\n${script}`
}
