/** Renders a page inside the layout and sends it; carries one-time flash messages across a redirect. */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ComponentChildren } from 'preact'
import { renderToString } from 'preact-render-to-string'
import type { ErrorBody } from '../http/error-handler.ts'
import { cookieOptions, csrfTokenFor } from '../http/request-context.ts'
import { Layout } from './layout.tsx'

const FLASH_COOKIE = 'cx280_flash'

/** Page bodies that contain forms receive the CSRF token to embed. */
export type PageBody = ComponentChildren | ((csrfToken: string) => ComponentChildren)

export function renderPage(request: FastifyRequest, reply: FastifyReply, title: string, body: PageBody): string {
  const flash = request.cookies[FLASH_COOKIE]
  if (flash) reply.clearCookie(FLASH_COOKIE, { path: '/' })
  const csrfToken = csrfTokenFor(request, reply)
  const html = renderToString(
    <Layout title={title} actor={request.actor} csrfToken={csrfToken} currentPath={request.url} flash={flash ? safeDecode(flash).slice(0, 300) : undefined}>
      {typeof body === 'function' ? body(csrfToken) : body}
    </Layout>,
  )
  return `<!doctype html>${html}`
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return ''
  }
}

export function sendPage(request: FastifyRequest, reply: FastifyReply, title: string, body: PageBody, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderPage(request, reply, title, body))
}

/** Redirect after a successful form post (POST/redirect/GET), with a message for the next page. */
export function redirectWithFlash(request: FastifyRequest, reply: FastifyReply, location: string, message: string): FastifyReply {
  reply.setCookie(FLASH_COOKIE, encodeURIComponent(message), { ...cookieOptions(request, 60) })
  return reply.redirect(location, 303)
}

export function renderErrorPage(request: FastifyRequest, reply: FastifyReply, status: number, body: ErrorBody): string {
  const titles: Record<number, string> = { 400: 'Something is not right', 403: 'Not allowed', 404: 'Page not found', 409: 'Conflict', 413: 'Too large', 429: 'Too many requests' }
  const title = titles[status] ?? 'Something went wrong'
  return renderPage(request, reply, title, (
    <div class="usa-prose">
      <h1>{title}</h1>
      <p>{body.message}</p>
      <p><a href="/">Go to the home page</a></p>
    </div>
  ))
}
