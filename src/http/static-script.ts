/**
 * Browser scripts cx280 serves to other sites (the feedback widget, later the analytics tracker): bundled once per
 * process from `client/` with esbuild, precompressed, and served from memory as immutable files with an SRI hash.
 * A request sends a prebuilt buffer; nothing is rendered per request.
 */
import { createHash } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib'
import { buildSync } from 'esbuild'
import type { FastifyInstance } from 'fastify'

export interface StaticScript {
  readonly body: Buffer
  readonly gzip: Buffer
  readonly brotli: Buffer
  /** Subresource Integrity value of `body`: `sha384-<base64>`. */
  readonly integrity: string
  readonly gzipBytes: number
  /** Strong ETag (quoted) derived from the body hash. */
  readonly etag: string
}

const clientDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'client')
const built = new Map<string, StaticScript>()

/** Bundles `client/<entry>` (synchronously, once per process) and returns the cached result. */
export function staticScript(entry: string): StaticScript {
  const cached = built.get(entry)
  if (cached) return cached
  const result = buildSync({
    entryPoints: [join(clientDir, entry)], bundle: true, minify: true, format: 'iife', target: 'es2019', write: false,
    legalComments: 'none', charset: 'utf8', platform: 'browser',
  })
  const output = result.outputFiles[0]
  if (!output) throw new Error(`The bundle of client/${entry} produced no output.`)
  const body = Buffer.from(output.contents)
  const digest = createHash('sha384').update(body).digest('base64')
  const gzip = gzipSync(body, { level: 9 })
  const brotli = brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } })
  const script = { body, gzip, brotli, integrity: `sha384-${digest}`, gzipBytes: gzip.length, etag: `"${digest.slice(0, 27)}"` }
  built.set(entry, script)
  return script
}

/** Serves a script at `path`: immutable caching, one ETag per encoding, brotli/gzip when accepted, usable cross-origin. */
export function serveStaticScript(app: FastifyInstance, path: string, script: StaticScript, rateLimitPerMinute: number): void {
  app.get(path, { config: { rateLimit: { max: rateLimitPerMinute, timeWindow: '1 minute' } } }, async (request, reply) => {
    const accepted = String(request.headers['accept-encoding'] ?? '')
    const encoding = /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : null
    const etag = encoding ? `${script.etag.slice(0, -1)}-${encoding}"` : script.etag
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('etag', etag)
      .header('vary', 'accept-encoding')
      .header('access-control-allow-origin', '*')
      .header('cross-origin-resource-policy', 'cross-origin')
    if (request.headers['if-none-match']?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) return reply.status(304).send()
    if (encoding) reply.header('content-encoding', encoding)
    return reply.send(encoding === 'br' ? script.brotli : encoding === 'gzip' ? script.gzip : script.body)
  })
}

/** A value safe inside a double-quoted HTML attribute (the snippets web managers paste). */
export const htmlAttribute = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
