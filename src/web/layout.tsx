/**
 * The USWDS page frame every staff and public page uses: skip link, official-website banner, header with
 * navigation chosen by the viewer's rights, main region, footer. Rendered on the server; no inline script or style.
 */
import type { ComponentChildren } from 'preact'
import type { Actor } from '../auth/actor.ts'
import { canListUsers, canReadAudit, isStaff } from '../auth/permissions.ts'
import { GovBanner } from './gov-banner.tsx'

export interface PageFrame {
  readonly title: string
  readonly actor: Actor | null
  readonly csrfToken: string
  readonly currentPath: string
  readonly flash?: string | undefined
}

interface NavLink { readonly href: string; readonly label: string }
/** A top-level entry: a link, or a group that opens a USWDS submenu. */
type NavEntry = NavLink | { readonly id: string; readonly label: string; readonly links: readonly NavLink[] }

function navigationFor(actor: Actor | null): NavEntry[] {
  if (!actor || !isStaff(actor)) return []
  const admin: NavLink[] = []
  if (canListUsers(actor)) admin.push({ href: '/users', label: 'Users' })
  if (canReadAudit(actor)) admin.push({ href: '/audit', label: 'Audit log' })
  return [
    { id: 'nav-inventory', label: 'Inventory', links: [
      { href: '/services', label: 'Services' }, { href: '/organizations', label: 'Organizations' }, { href: '/hisps', label: 'HISPs' },
      { href: '/reports/digitization-gaps', label: 'Digitization gaps' },
    ] },
    { id: 'nav-feedback', label: 'Feedback', links: [
      { href: '/surveys', label: 'Surveys' }, { href: '/inbox', label: 'Feedback inbox' }, { href: '/recovery', label: 'Recovery cases' },
    ] },
    { id: 'nav-analytics', label: 'Analytics', links: [{ href: '/sites', label: 'Sites' }, { href: '/analytics', label: 'Dashboards' }, { href: '/journeys', label: 'Journeys' }, { href: '/monitors', label: 'Monitors' }] },
    { id: 'nav-reporting', label: 'Reporting', links: [{ href: '/collections', label: 'Quarterly collections' }, { href: '/collections/board', label: 'Reviewer board' }, { href: '/collections/compare', label: 'Compare' }, { href: '/public', label: 'Public pages' }] },
    ...(admin.length > 0 ? [{ id: 'nav-admin', label: 'Administration', links: admin }] : []),
    { href: '/account', label: 'Account' },
  ]
}

const pathOnly = (url: string) => url.split(/[?#]/)[0] ?? url

/** The section a page belongs to is highlighted; only the exact page is announced as the current page. */
const inSection = (url: string, href: string) => pathOnly(url) === href || pathOnly(url).startsWith(`${href}/`)


function Header({ actor, csrfToken, currentPath }: PageFrame) {
  const items = navigationFor(actor)
  return (
    <header class="usa-header usa-header--basic">
      <div class="usa-nav-container">
        <div class="usa-navbar">
          <div class="usa-logo"><em class="usa-logo__text"><a href="/" title="cx280 home">cx280</a></em></div>
          {actor && <button type="button" class="usa-menu-btn">Menu</button>}
        </div>
        {actor && (
          <nav aria-label="Primary navigation" class="usa-nav">
            <button type="button" class="usa-nav__close"><img src="/assets/uswds/img/usa-icons/close.svg" role="img" alt="Close" /></button>
            <ul class="usa-nav__primary usa-accordion">
              {items.map((item) => 'links' in item ? (
                <li class="usa-nav__primary-item" key={item.id}>
                  <button type="button" class={`usa-accordion__button usa-nav__link${item.links.some((l) => inSection(currentPath, l.href)) ? ' usa-current' : ''}`}
                    aria-expanded="false" aria-controls={item.id}><span>{item.label}</span></button>
                  <ul id={item.id} class="usa-nav__submenu" hidden>
                    {item.links.map((link) => (
                      <li class="usa-nav__submenu-item" key={link.href}>
                        <a href={link.href} aria-current={pathOnly(currentPath) === link.href ? 'page' : undefined}><span>{link.label}</span></a>
                      </li>
                    ))}
                  </ul>
                </li>
              ) : (
                <li class="usa-nav__primary-item" key={item.href}>
                  <a href={item.href} class={`usa-nav-link${inSection(currentPath, item.href) ? ' usa-current' : ''}`}
                    aria-current={pathOnly(currentPath) === item.href ? 'page' : undefined}><span>{item.label}</span></a>
                </li>
              ))}
              <li class="usa-nav__primary-item">
                <form method="post" action="/logout" class="cx-inline-form">
                  <input type="hidden" name="_csrf" value={csrfToken} />
                  <button type="submit" class="usa-button usa-button--unstyled cx-nav-button">Sign out</button>
                </form>
              </li>
            </ul>
          </nav>
        )}
      </div>
    </header>
  )
}

function Footer() {
  return (
    <footer class="usa-footer usa-footer--slim">
      <div class="usa-footer__secondary-section">
        <div class="grid-container">
          <p>cx280 — customer experience management for OMB Circular A-11 Section 280. <a href="/docs/api">API documentation</a> · <a href="/public">Public CX reporting</a></p>
        </div>
      </div>
    </footer>
  )
}

export function Layout(props: PageFrame & { children: ComponentChildren }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · cx280`}</title>
        <link rel="stylesheet" href="/assets/uswds/css/uswds.min.css" />
        <link rel="stylesheet" href="/assets/cx280.css" />
        <link rel="icon" type="image/png" href="/assets/uswds/img/favicons/favicon-40.png" />
        <script src="/assets/uswds/js/uswds-init.min.js"></script>
      </head>
      <body>
        <a class="usa-skipnav" href="#main-content">Skip to main content</a>
        <GovBanner language="en" id="gov-banner-default" />
        <Header {...props} />
        <main id="main-content" class="grid-container cx-main" tabIndex={-1}>
          {props.flash && (
            <div class="usa-alert usa-alert--success usa-alert--slim" role="status">
              <div class="usa-alert__body"><p class="usa-alert__text">{props.flash}</p></div>
            </div>
          )}
          {props.children}
        </main>
        <Footer />
        <script src="/assets/uswds/js/uswds.min.js"></script>
      </body>
    </html>
  )
}
