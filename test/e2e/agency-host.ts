/**
 * An agency's own web server for tracker tests: another origin than cx280, serving a few pages under a strict CSP
 * that allows scripts and connections only from cx280, each page ending with the tracker snippet once it is set.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { EventRow } from '../../src/events/event-store.ts'
import type { Runtime } from '../../src/runtime.ts'

export interface AgencyHost {
  readonly origin: string
  /** Appended to every page's body; set it once the site (and so its key) exists. */
  snippet: string
  close(): Promise<void>
}

/** `pages` maps a path to its main content (HTML); other paths answer 404. */
export async function startAgencyHost(cx280Origin: string, title: string, pages: Readonly<Record<string, string>>): Promise<AgencyHost> {
  const state = { snippet: '' }
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/'
    const body = pages[path]
    if (body === undefined) return response.writeHead(404).end()
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src ${cx280Origin}; connect-src ${cx280Origin}; base-uri 'none'; form-action 'none'`,
    }).end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main>${body}</main>${state.snippet}</body></html>`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get snippet() { return state.snippet },
    set snippet(value: string) { state.snippet = value },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The site's stored events, oldest first, once at least `atLeast` are committed (or whatever is there after 10 s). */
export async function waitForStoredEvents(runtime: Pick<Runtime, 'eventWriter' | 'events'>, siteId: string, atLeast: number): Promise<EventRow[]> {
  for (let waited = 0; waited < 10_000; waited += 100) {
    await runtime.eventWriter.flush()
    const rows = await runtime.events.recentEvents(siteId, 100)
    if (rows.length >= atLeast) return rows.reverse()
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return (await runtime.events.recentEvents(siteId, 100)).reverse()
}
