/**
 * The frame of pages the public sees (the hosted survey): skip link, the official-website banner, a header with the
 * agency's name, main, and a footer that carries the PRA statement. No staff navigation, no session, no CSRF token.
 * The frame's own words are content data in English and Spanish (USWDS's published banner translations); other
 * languages fall back to English.
 */
import type { FastifyReply } from 'fastify'
import type { ComponentChildren } from 'preact'
import { renderToString } from 'preact-render-to-string'
import { frameText, GovBanner } from './gov-banner.tsx'

export interface PublicFrame {
  readonly title: string
  /** The page's language (`<html lang>`). */
  readonly language: string
  /** The agency whose survey this is, shown in the header and footer. */
  readonly agency: string
  /** Extra footer content (the PRA statement). */
  readonly footer?: ComponentChildren
  /** Search engines may index the page (public reporting); survey pages are never indexed. */
  readonly indexable?: boolean
}

export function PublicLayout(props: PublicFrame & { children: ComponentChildren }) {
  return (
    <html lang={props.language}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.indexable ? null : <meta name="robots" content="noindex" />}
        <title>{`${props.title} · ${props.agency}`}</title>
        <link rel="stylesheet" href="/assets/uswds/css/uswds.min.css" />
        <link rel="stylesheet" href="/assets/cx280.css" />
        <link rel="icon" type="image/png" href="/assets/uswds/img/favicons/favicon-40.png" />
        <script src="/assets/uswds/js/uswds-init.min.js"></script>
      </head>
      <body>
        <a class="usa-skipnav" href="#main-content">{frameText('skip', props.language)}</a>
        <GovBanner language={props.language} id="gov-banner-public" />
        <header class="usa-header usa-header--basic">
          <div class="usa-nav-container">
            <div class="usa-navbar">
              <div class="usa-logo"><em class="usa-logo__text">{props.agency}</em></div>
            </div>
          </div>
        </header>
        <main id="main-content" class="grid-container cx-main cx-public-main" tabIndex={-1}>
          {props.children}
        </main>
        <footer class="usa-footer usa-footer--slim">
          <div class="usa-footer__secondary-section">
            <div class="grid-container">
              <p class="margin-top-0">{props.agency}</p>
              {props.footer}
            </div>
          </div>
        </footer>
        <script src="/assets/uswds/js/uswds.min.js"></script>
      </body>
    </html>
  )
}

/** Sends a public page; never cached (it carries a one-time idempotency key), never indexed. */
export function sendPublicPage(reply: FastifyReply, frame: PublicFrame, body: ComponentChildren, status = 200): FastifyReply {
  const html = renderToString(<PublicLayout {...frame}>{body}</PublicLayout>)
  return reply.status(status).type('text/html; charset=utf-8')
    .header('cache-control', 'no-store').header('content-language', frame.language).header('x-robots-tag', 'noindex')
    .send(`<!doctype html>${html}`)
}
