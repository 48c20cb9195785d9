/**
 * The frame of pages the public sees (the hosted survey): skip link, the official-website banner, a header with the
 * agency's name, main, and a footer that carries the PRA statement. No staff navigation, no session, no CSRF token.
 * The frame's own words are content data in English and Spanish (USWDS's published banner translations); other
 * languages fall back to English.
 */
import type { FastifyReply } from 'fastify'
import type { ComponentChildren } from 'preact'
import { renderToString } from 'preact-render-to-string'
import { pick, type Localized } from '../a11/survey-model.ts'

const FRAME_TEXT = {
  skip: { en: 'Skip to main content', es: 'Saltar al contenido principal' },
  bannerLabel: { en: 'Official website of the United States government', es: 'Un sitio oficial del Gobierno de Estados Unidos' },
  bannerText: { en: 'An official website of the United States government', es: 'Un sitio oficial del Gobierno de Estados Unidos' },
  bannerAction: { en: 'Here’s how you know', es: 'Así es como usted puede verificarlo' },
  dotGovHeading: { en: 'Official websites use .gov', es: 'Los sitios web oficiales usan .gov' },
  dotGovText: { en: 'A .gov website belongs to an official government organization in the United States.', es: 'Un sitio web .gov pertenece a una organización oficial del Gobierno de Estados Unidos.' },
  httpsHeading: { en: 'Secure .gov websites use HTTPS', es: 'Los sitios web seguros .gov usan HTTPS' },
  httpsText: {
    en: 'A lock or https:// means you’ve safely connected to the .gov website. Share sensitive information only on official, secure websites.',
    es: 'Un candado o https:// significa que usted se conectó de forma segura a un sitio web .gov. Comparta información sensible sólo en sitios web oficiales y seguros.',
  },
} as const satisfies Record<string, Localized>

export interface PublicFrame {
  readonly title: string
  /** The page's language (`<html lang>`). */
  readonly language: string
  /** The agency whose survey this is, shown in the header and footer. */
  readonly agency: string
  /** Extra footer content (the PRA statement). */
  readonly footer?: ComponentChildren
}

const say = (key: keyof typeof FRAME_TEXT, language: string): string => pick(FRAME_TEXT[key], language, 'en')

function GovBanner({ language }: { language: string }) {
  return (
    <section class="usa-banner" aria-label={say('bannerLabel', language)}>
      <div class="usa-accordion">
        <header class="usa-banner__header">
          <div class="usa-banner__inner">
            <div class="grid-col-auto">
              <img aria-hidden="true" class="usa-banner__header-flag" src="/assets/uswds/img/us_flag_small.png" alt="" />
            </div>
            <div class="grid-col-fill tablet:grid-col-auto" aria-hidden="true">
              <p class="usa-banner__header-text">{say('bannerText', language)}</p>
              <p class="usa-banner__header-action">{say('bannerAction', language)}</p>
            </div>
            <button type="button" class="usa-accordion__button usa-banner__button" aria-expanded="false" aria-controls="gov-banner-public">
              <span class="usa-banner__button-text">{say('bannerAction', language)}</span>
            </button>
          </div>
        </header>
        <div class="usa-banner__content usa-accordion__content" id="gov-banner-public" hidden>
          <div class="grid-row grid-gap-lg">
            <div class="usa-banner__guidance tablet:grid-col-6">
              <img class="usa-banner__icon usa-media-block__img" src="/assets/uswds/img/icon-dot-gov.svg" role="img" alt="" aria-hidden="true" />
              <div class="usa-media-block__body">
                <p><strong>{say('dotGovHeading', language)}</strong><br />{say('dotGovText', language)}</p>
              </div>
            </div>
            <div class="usa-banner__guidance tablet:grid-col-6">
              <img class="usa-banner__icon usa-media-block__img" src="/assets/uswds/img/icon-https.svg" role="img" alt="" aria-hidden="true" />
              <div class="usa-media-block__body">
                <p><strong>{say('httpsHeading', language)}</strong><br />{say('httpsText', language)}</p>
              </div>
            </div>
          </div>
        </div>
      </div>
    </section>
  )
}

export function PublicLayout(props: PublicFrame & { children: ComponentChildren }) {
  return (
    <html lang={props.language}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${props.title} · ${props.agency}`}</title>
        <link rel="stylesheet" href="/assets/uswds/css/uswds.min.css" />
        <link rel="stylesheet" href="/assets/cx280.css" />
        <link rel="icon" type="image/png" href="/assets/uswds/img/favicons/favicon-40.png" />
        <script src="/assets/uswds/js/uswds-init.min.js"></script>
      </head>
      <body>
        <a class="usa-skipnav" href="#main-content">{say('skip', props.language)}</a>
        <GovBanner language={props.language} />
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
