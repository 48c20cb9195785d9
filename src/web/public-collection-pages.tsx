/**
 * Public transparency pages (no sign-in) for published quarterly CX data: the directory of agencies and HISPs
 * (`/public`), an agency's and a HISP's published quarters, a service's trust trend with its per-channel and driver
 * tables, and the methodology. Figures come from reporting/public-collections (frozen at submission, small cells
 * suppressed, a suppressed cell says why). Cacheable like the open data API; unknown or unpublished things are 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ComponentChildren } from 'preact'
import { renderToString } from 'preact-render-to-string'
import { CHANNEL_LABELS, type Channel } from '../a11/channels.ts'
import { BRANCHES, DRIVER_KEYS, type SurveyScale, type SurveyType } from '../a11/survey-model.ts'
import { NotFound } from '../errors.ts'
import { PUBLIC_MAX_AGE, sendCacheable } from '../http/public-collection-routes.ts'
import {
  publicAgency, publicDirectory, publicHisp, publicService, SUPPRESSION_TEXT,
  type PublicBranch, type PublicCollection, type PublicMean, type PublicShare, type SuppressionReason,
} from '../reporting/index.ts'
import type { Runtime } from '../runtime.ts'
import { LineChart, percent } from './charts.tsx'
import { EmptyState, ScrollTable } from './components.tsx'
import { PublicLayout } from './public-layout.tsx'
import { SCALE_LABELS, SURVEY_TYPE_LABELS } from './survey-components.tsx'
import { DRIVER_LABELS } from './survey-data-pages.tsx'

/** The name in the public pages' header. */
export const PUBLIC_SITE_NAME = 'Customer experience data'
const BRANCH_LABELS = { positive: 'Positive (what went well)', negative: 'Negative (what could be better)' } as const

const count = (value: number | null): string => (value === null ? '—' : value.toLocaleString('en-US'))

function PublicFooter() {
  return (
    <ul class="usa-list usa-list--unstyled">
      <li><a href="/public">Published customer experience data</a></li>
      <li><a href="/public/methodology">How the figures are computed</a></li>
      <li><a href="/api/v1/public/collections">Open data (JSON)</a> · <a href="/api/v1/public/collections.csv">All published data (CSV)</a></li>
      <li><a href="/login">Staff sign-in</a></li>
    </ul>
  )
}

function Breadcrumbs({ trail }: { trail: readonly [string, string | null][] }) {
  return (
    <nav class="usa-breadcrumb" aria-label="Breadcrumbs">
      <ol class="usa-breadcrumb__list">
        {trail.map(([label, href]) => (
          <li key={label} class="usa-breadcrumb__list-item" aria-current={href ? undefined : 'page'}>
            {href ? <a href={href} class="usa-breadcrumb__link"><span>{label}</span></a> : <span>{label}</span>}
          </li>
        ))}
      </ol>
    </nav>
  )
}

function render(title: string, body: ComponentChildren): string {
  return `<!doctype html>${renderToString(<PublicLayout title={title} language="en" agency={PUBLIC_SITE_NAME} footer={<PublicFooter />} indexable>{body}</PublicLayout>)}`
}

function sendPublic(request: FastifyRequest, reply: FastifyReply, title: string, body: ComponentChildren): FastifyReply {
  return sendCacheable(request, reply.header('content-language', 'en'), render(title, body), 'text/html; charset=utf-8')
}

function sendNotFound(reply: FastifyReply, what: string): FastifyReply {
  return reply.status(404).type('text/html; charset=utf-8').header('cache-control', `public, max-age=${PUBLIC_MAX_AGE}`).send(render('Page not found', (
    <div class="usa-prose">
      <h1>Page not found</h1>
      <p>No published data for this {what}: it does not exist, or nothing about it has been published yet.</p>
      <p><a href="/public">See the published data</a></p>
    </div>
  )))
}

/** Runs a page; a NotFound from the domain becomes the public 404 page. */
async function orNotFound(reply: FastifyReply, what: string, run: () => Promise<FastifyReply>): Promise<FastifyReply> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof NotFound) return sendNotFound(reply, what)
    throw error
  }
}

const withheldText = (reason: SuppressionReason | null, min: number): string => (reason ? SUPPRESSION_TEXT[reason](min) : '')

function shareText(share: PublicShare, min: number): string {
  if (share.suppressed) return withheldText(share.reason, min)
  return share.share === null ? 'No responses' : percent(share.share)
}

function intervalText(share: PublicShare): string {
  return share.lower === null || share.upper === null ? '—' : `${percent(share.lower)} – ${percent(share.upper)}`
}

function meanText(mean: PublicMean | null, min: number): string {
  if (!mean) return 'Not asked (thumbs up/down)'
  if (mean.suppressed) return withheldText(mean.reason, min)
  return mean.mean === null ? 'No responses' : mean.mean.toFixed(2)
}

function CollectionsTable({ id, caption, collections, min, show }: { id: string; caption: string; collections: readonly PublicCollection[]; min: number; show: 'service' | 'hisp' | 'both' }) {
  return (
    <ScrollTable id={id} caption={caption}>
      <thead>
        <tr>
          <th scope="col">Quarter</th>
          {show !== 'hisp' && <th scope="col">Service</th>}
          {show !== 'service' && <th scope="col">HISP</th>}
          <th scope="col">Respondents</th><th scope="col">Trust</th><th scope="col">95% interval</th><th scope="col">Published</th>
        </tr>
      </thead>
      <tbody>
        {collections.map((c) => (
          <tr key={c.id}>
            <th scope="row">{c.label}</th>
            {show !== 'hisp' && <td><a href={`/public/services/${c.service.id}`}>{c.service.name}</a></td>}
            {show !== 'service' && <td><a href={`/public/hisps/${c.hisp.slug}`}>{c.hisp.name}</a></td>}
            <td>{count(c.respondents)}</td>
            <td>{shareText(c.trust, min)}</td>
            <td>{intervalText(c.trust)}</td>
            <td>{c.publishedOn ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  )
}

function ChannelTable({ collection: c, min }: { collection: PublicCollection; min: number }) {
  return (
    <ScrollTable id={`channels-${c.fiscalYear}-${c.quarter}`} caption={`${c.label} by channel and survey`}>
      <thead>
        <tr>
          <th scope="col">Survey</th><th scope="col">Channel</th><th scope="col">Transaction point</th><th scope="col">Scale</th><th scope="col">Respondents</th>
          <th scope="col">Response rate</th><th scope="col">Trust</th><th scope="col">95% interval</th><th scope="col">Likert mean (1–5)</th>
        </tr>
      </thead>
      <tbody>
        {c.details.map((d) => (
          <tr key={d.id}>
            <th scope="row">{d.surveyTitle}</th>
            <td>{CHANNEL_LABELS[d.channel as Channel] ?? d.channel}</td>
            <td>{SURVEY_TYPE_LABELS[d.transactionPoint as SurveyType] ?? d.transactionPoint}</td>
            <td>{d.scale ? SCALE_LABELS[d.scale as SurveyScale] ?? d.scale : '—'}</td>
            <td>{count(d.respondents)}</td>
            <td>{d.responseRate === null ? '—' : percent(d.responseRate)}</td>
            <td>{shareText(d.trust, min)}</td>
            <td>{intervalText(d.trust)}</td>
            <td>{meanText(d.likertMean, min)}</td>
          </tr>
        ))}
        <tr>
          <th scope="row">All surveys</th><td>—</td><td>—</td><td>—</td>
          <td>{count(c.respondents)}</td>
          <td>{c.responseRate === null ? '—' : percent(c.responseRate)}</td>
          <td>{shareText(c.trust, min)}</td>
          <td>{intervalText(c.trust)}</td>
          <td>{meanText(c.likertMean, min)}</td>
        </tr>
      </tbody>
    </ScrollTable>
  )
}

function branchCells(branch: PublicBranch, min: number) {
  if (branch.suppressed) return <td colSpan={DRIVER_KEYS.length}>{withheldText(branch.reason, min)}</td>
  return DRIVER_KEYS.map((k) => <td key={k}>{branch.shares[k] === null ? '—' : percent(branch.shares[k] as number)}</td>)
}

function DriverTable({ collection: c, min }: { collection: PublicCollection; min: number }) {
  const rows = [...c.details.map((d) => ({ key: d.id, label: d.surveyTitle, drivers: d.drivers })), { key: 'all', label: 'All surveys', drivers: c.drivers }]
  return (
    <ScrollTable id={`drivers-${c.fiscalYear}-${c.quarter}`} caption={`${c.label} driver shares per branch (share of the branch's respondents who chose each driver)`}>
      <thead>
        <tr><th scope="col">Survey and branch</th><th scope="col">Respondents in branch</th>{DRIVER_KEYS.map((k) => <th scope="col" key={k}>{DRIVER_LABELS[k]}</th>)}</tr>
      </thead>
      <tbody>
        {rows.flatMap((row) => BRANCHES.map((branch) => (
          <tr key={`${row.key}-${branch}`}>
            <th scope="row">{row.label}: {BRANCH_LABELS[branch]}</th>
            <td>{row.drivers[branch].n === null ? 'Withheld' : count(row.drivers[branch].n)}</td>
            {branchCells(row.drivers[branch], min)}
          </tr>
        )))}
      </tbody>
    </ScrollTable>
  )
}

function OpenDataLinks({ query, what }: { query: string; what: string }) {
  return (
    <p>
      Open data for {what}: <a href={`/api/v1/public/collections?${query}`}>JSON</a> · <a href={`/api/v1/public/collections.csv?${query}`}>CSV</a>.{' '}
      <a href="/public/methodology">How the figures are computed</a>.
    </p>
  )
}

export async function registerPublicCollectionPages(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const { db, config } = runtime
  const min = config.publicMinRespondents
  const limit = { rateLimit: { max: config.publicRateLimitPerMinute, timeWindow: '1 minute' } }

  app.get('/public', { config: limit }, async (request, reply) => {
    const { agencies, hisps } = await publicDirectory(db)
    return sendPublic(request, reply, 'Published customer experience data', (
      <>
        <h1>Published customer experience data</h1>
        <p class="usa-intro">
          High-impact service providers (HISPs) report customer feedback on their designated services to OMB every quarter (OMB Circular A-11,
          Section 280). These are the quarters OMB has reviewed and published: how many customers responded, how many said the interaction
          increased their trust, and what drove their experience.
        </p>
        {agencies.length === 0 ? (
          <EmptyState title="Nothing has been published yet">
            <p>Figures appear here once OMB publishes a quarter’s data collection. <a href="/public/methodology">Read how the figures are computed</a>.</p>
          </EmptyState>
        ) : (
          <>
            <h2>Agencies</h2>
            <ScrollTable id="agencies" caption="Agencies with published data">
              <thead><tr><th scope="col">Agency</th><th scope="col">Services</th><th scope="col">Published quarters</th></tr></thead>
              <tbody>
                {agencies.map((a) => (
                  <tr key={a.id}>
                    <th scope="row"><a href={`/public/agencies/${a.id}`}>{a.name}{a.abbreviation ? ` (${a.abbreviation})` : ''}</a></th>
                    <td>{count(a.services)}</td><td>{count(a.collections)}</td>
                  </tr>
                ))}
              </tbody>
            </ScrollTable>
            <h2>High-impact service providers</h2>
            <ScrollTable id="hisps" caption="HISPs with published data">
              <thead><tr><th scope="col">HISP</th><th scope="col">Services</th><th scope="col">Published quarters</th></tr></thead>
              <tbody>
                {hisps.map((h) => (
                  <tr key={h.slug}>
                    <th scope="row"><a href={`/public/hisps/${h.slug}`}>{h.name}</a></th>
                    <td>{count(h.services)}</td><td>{count(h.collections)}</td>
                  </tr>
                ))}
              </tbody>
            </ScrollTable>
          </>
        )}
        <h2>Open data</h2>
        <ul class="usa-list">
          <li><a href="/api/v1/public/collections">Published collections as JSON</a> (filter by <code>fiscalYear</code>, <code>quarter</code>, <code>hisp</code>, <code>service</code>, <code>agency</code>)</li>
          <li><a href="/api/v1/public/collections.csv">All published data as CSV</a>, one row per survey</li>
          <li><a href="/public/methodology">How the figures are computed</a>, including why some figures are withheld</li>
        </ul>
      </>
    ))
  })

  app.get<{ Params: { organizationId: string } }>('/public/agencies/:organizationId', { config: limit }, async (request, reply) => orNotFound(reply, 'agency', async () => {
    const { agency, collections } = await publicAgency(db, request.params.organizationId, min)
    const name = `${agency.name}${agency.abbreviation ? ` (${agency.abbreviation})` : ''}`
    return sendPublic(request, reply, name, (
      <>
        <Breadcrumbs trail={[['Published data', '/public'], [agency.name, null]]} />
        <h1>{name}</h1>
        <p class="usa-intro">Published quarterly customer feedback on the agency’s designated services, newest quarter first.</p>
        <CollectionsTable id="collections" caption={`Published quarters of ${agency.name}`} collections={collections} min={min} show="both" />
        <OpenDataLinks query={`agency=${agency.id}`} what="this agency" />
      </>
    ))
  }))

  app.get<{ Params: { slug: string } }>('/public/hisps/:slug', { config: limit }, async (request, reply) => orNotFound(reply, 'HISP', async () => {
    const { hisp, collections } = await publicHisp(db, request.params.slug, min)
    return sendPublic(request, reply, hisp.name, (
      <>
        <Breadcrumbs trail={[['Published data', '/public'], [hisp.name, null]]} />
        <h1>{hisp.name}</h1>
        <p class="usa-intro">Published quarterly customer feedback on this high-impact service provider’s designated services, newest quarter first.</p>
        <CollectionsTable id="collections" caption={`Published quarters of ${hisp.name}`} collections={collections} min={min} show="service" />
        <OpenDataLinks query={`hisp=${hisp.slug}`} what="this HISP" />
      </>
    ))
  }))

  app.get<{ Params: { serviceId: string } }>('/public/services/:serviceId', { config: limit }, async (request, reply) => orNotFound(reply, 'service', async () => {
    const trend = await publicService(db, request.params.serviceId, min)
    const latest = trend[trend.length - 1] as PublicCollection
    const { service, hisp, agency } = latest
    return sendPublic(request, reply, service.name, (
      <>
        <Breadcrumbs trail={[['Published data', '/public'], [hisp.name, `/public/hisps/${hisp.slug}`], [service.name, null]]} />
        <h1>{service.name}</h1>
        <p class="usa-intro">
          A designated service of <a href={`/public/hisps/${hisp.slug}`}>{hisp.name}</a> (<a href={`/public/agencies/${agency.id}`}>{agency.name}</a>).
          {' '}{trend.length === 1 ? 'One quarter has' : `${trend.length} quarters have`} been published.
        </p>
        <h2>Trust over quarters</h2>
        <LineChart id="trust-trend" title="Share of respondents whose trust increased, by quarter"
          description={`Trust share with its 95% interval for each published quarter, ${trend[0]?.label} to ${latest.label}. Quarters with fewer than ${min} responses are not plotted.`}
          xLabel="Fiscal quarter" yLabel="Trust share" countLabel="Respondents to the trust question"
          points={trend.map((c) => ({ label: c.label, value: c.trust.share, lower: c.trust.lower, upper: c.trust.upper, n: c.trust.n }))}
          extraColumns={[{ heading: 'Note', cells: trend.map((c) => (c.trust.suppressed ? withheldText(c.trust.reason, min) : c.trust.share === null ? 'No responses' : '')) }]} />
        {[...trend].reverse().map((c) => (
          <section key={c.id} aria-labelledby={`quarter-${c.fiscalYear}-${c.quarter}`}>
            <h2 id={`quarter-${c.fiscalYear}-${c.quarter}`}>{c.label}</h2>
            <p>Published {c.publishedOn ?? '—'}. {count(c.respondents)} respondents.</p>
            <ChannelTable collection={c} min={min} />
            <DriverTable collection={c} min={min} />
          </section>
        ))}
        <OpenDataLinks query={`service=${service.id}`} what="this service" />
      </>
    ))
  }))

  app.get('/public/methodology', { config: limit }, async (request, reply) => sendPublic(request, reply, 'How the figures are computed', <Methodology min={min} />))
}

function Methodology({ min }: { min: number }) {
  return (
    <div class="usa-prose">
      <Breadcrumbs trail={[['Published data', '/public'], ['Methodology', null]]} />
      <h1>How the figures are computed</h1>
      <p class="usa-intro">
        Every figure comes from the answers customers gave to the short post-transaction survey that OMB Circular A-11, Section 280, asks
        high-impact service providers to offer.
      </p>
      <h2>What “published” means</h2>
      <p>
        Each quarter a high-impact service provider (HISP) submits one data collection per designated service to OMB. An OMB reviewer checks
        it and rates it; only a collection rated green (the required questions, raw responses, in the correct format) can be published.
        The figures shown are the ones frozen when the HISP submitted the collection: later changes to individual responses do not change
        a published quarter.
      </p>
      <h2>Fiscal quarters</h2>
      <p>
        Quarters are federal fiscal quarters in Eastern time: Q1 is October to December, Q2 January to March, Q3 April to June and Q4 July
        to September. Fiscal year 2026 began on October 1, 2025.
      </p>
      <h2>Respondents</h2>
      <p>Respondents are the customers who answered the trust question in the quarter. Spam and deleted responses are left out.</p>
      <h2>Trust share and its 95% interval</h2>
      <p>
        The trust share is the number of respondents who agreed that the interaction increased their trust (thumbs up, or 4 or 5 on a
        5-point scale) divided by all who answered the question. The 95% interval is the Wilson score interval: with
        <i> p</i> the share, <i>n</i> the respondents and <i>z</i> = 1.96, it runs from
        (<i>p</i> + <i>z</i>²/2<i>n</i> ± <i>z</i>·√(<i>p</i>(1−<i>p</i>)/<i>n</i> + <i>z</i>²/4<i>n</i>²)) ÷ (1 + <i>z</i>²/<i>n</i>).
        It stays between 0% and 100% and is meaningful for small samples. For example, 26 of 40 is 65.0%, with an interval of 49.5% to 77.9%.
      </p>
      <h2>Likert mean</h2>
      <p>For surveys that ask the trust question on a 5-point scale (1 strongly disagree to 5 strongly agree), the mean of the answers.</p>
      <h2>Driver shares</h2>
      <p>
        After the trust question, respondents pick what went well (positive branch) or what could have been better (negative branch):
        effectiveness, ease, efficiency, transparency, humanity, employee or other. A driver’s share is the respondents in the branch who
        picked it divided by all respondents in that branch; respondents may pick several, so shares do not add up to 100%.
      </p>
      <h2>Response rate</h2>
      <p>Respondents divided by the customers offered the survey, as the HISP reported it (or as recorded when the HISP gave no figure).</p>
      <h2>Figures withheld for privacy</h2>
      <p>
        A trust share, Likert mean or driver share based on fewer than {min} responses is not shown; its cell reads “Fewer than {min}
        responses”. Branch sizes are withheld with the trust share, since they would reveal it. A total over several surveys is also
        withheld when subtracting the surveys shown from it would reveal a group of fewer than {min} respondents (“Withheld so a smaller
        group cannot be worked out”). Counts of respondents are always shown: on their own they say nothing about how anyone answered,
        and they explain why a figure is missing.
      </p>
      <p>No comments, names, email addresses or individual responses are published here.</p>
      <h2>Open data</h2>
      <p>
        The same figures, with the same rules, are available as <a href="/api/v1/public/collections">JSON</a> and
        as <a href="/api/v1/public/collections.csv">CSV</a>. Shares are rounded to four decimal places.
      </p>
    </div>
  )
}
