/**
 * Quarterly CX data collection pages (A-11 §280.14): the list (filters, pagination, "Create collections for FY Qn"),
 * the reviewer's board (every HISP × designated service × quarter with state and rating), and a collection (details
 * with scores, driver analysis, trend, volumes form, OMB's files, lifecycle buttons, the rating form, integrity,
 * history). The comparison, APP export and volumes import pages are in collection-analysis-pages.tsx.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { CHANNEL_LABELS, type Channel } from '../a11/channels.ts'
import { fiscalQuarterOf, formatFiscalQuarter } from '../a11/fiscal-year.ts'
import type { Share } from '../a11/scoring.ts'
import { BRANCHES, DRIVER_KEYS, type SurveyScale, type SurveyType } from '../a11/survey-model.ts'
import { listAudit, type AuditEntry } from '../audit/audit-log.ts'
import { canCreateCollections } from '../auth/permissions.ts'
import { listHisps } from '../catalog/index.ts'
import { Conflict, Invalid, type FieldErrors } from '../errors.ts'
import { reportingContext } from '../http/collection-routes.ts'
import { requireActor } from '../http/request-context.ts'
import {
  collectionBoard, collectionDriverAnalysis, collectionIntegrity, trendOf, COLLECTION_STATE_LABELS, COLLECTION_STATES, COLLECTION_TRANSITIONS, ensureCollections, getCollection, listCollections,
  previousQuarter, quarterDates, rateCollection, RATING_LABELS, RATING_SHORT, RATINGS, transitionCollection, TRANSITION_RULES, updateCollection,
  type BoardRow, type CollectionTrend, type CollectionState, type CollectionSummary, type CollectionTransition, type CollectionView, type IntegrityReport, type Rating,
} from '../reporting/index.ts'
import type { Runtime } from '../runtime.ts'
import { percent } from './charts.tsx'
import { CsrfField, EmptyState, ErrorSummary, Pagination, SelectField, SummaryList, TextArea, TextField, ScrollTable } from './components.tsx'
import { asForm, formInteger, formText } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'
import { SCALE_LABELS, SURVEY_TYPE_LABELS } from './survey-components.tsx'
import { DRIVER_LABELS } from './survey-data-pages.tsx'
import { DriverAnalysisSection, registerCollectionAnalysisPages, TrendSection } from './collection-analysis-pages.tsx'
import type { DriverAnalysis } from '../a11/driver-analysis.ts'

const PAGE_SIZE = 25
const STATE_TAGS: Readonly<Record<CollectionState, string>> = {
  draft: 'bg-base', submitted: 'bg-primary', change_requested: 'bg-gold text-ink', published: 'bg-green', archived: 'bg-base-darker', not_reported: 'bg-secondary-dark',
}
const RATING_TAGS: Readonly<Record<Rating, string>> = { green: 'bg-green', yellow: 'bg-gold text-ink', red: 'bg-secondary-dark' }
const TRANSITION_DONE: Readonly<Record<CollectionTransition, string>> = {
  submit: 'Submitted to OMB.', request_changes: 'Changes requested; the HISP has been told.', publish: 'Published.', archive: 'Archived.', mark_not_reported: 'Marked not reported.',
}

const count = (value: number | null): string => (value === null ? '—' : value.toLocaleString('en-US'))
const shareText = (share: Share): string => (share.share === null ? '—' : `${percent(share.share)} (${share.count.toLocaleString('en-US')} of ${share.n.toLocaleString('en-US')})`)
const intervalText = (share: Share): string => (share.interval ? `${percent(share.interval.lower)} – ${percent(share.interval.upper)}` : '—')
const when = (iso: string | null): string | null => (iso ? `${iso.slice(0, 10)} at ${iso.slice(11, 16)} UTC` : null)

export function CollectionStateTag({ state }: { state: CollectionState }) {
  return <span class={`usa-tag ${STATE_TAGS[state]}`}>{COLLECTION_STATE_LABELS[state]}</span>
}

export function RatingTag({ rating }: { rating: Rating | null }) {
  return rating ? <span class={`usa-tag ${RATING_TAGS[rating]}`}>{RATING_SHORT[rating]}</span> : <span>Not rated</span>
}

interface ListQuery { fiscalYear?: string; quarter?: string; hispId?: string; state?: string; page?: string }

const wholeIn = (value: string | undefined, min: number, max: number): number | undefined => {
  const n = Number(value)
  return value && /^\d+$/.test(value) && n >= min && n <= max ? n : undefined
}

export async function registerCollectionPages(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const { db } = runtime
  const context = reportingContext(runtime)
  await registerCollectionAnalysisPages(app, runtime)

  app.get<{ Querystring: ListQuery }>('/collections', async (request, reply) => {
    const actor = requireActor(request)
    const q = request.query
    const filter = {
      fiscalYear: wholeIn(q.fiscalYear, 2018, 2100), quarter: wholeIn(q.quarter, 1, 4),
      hispId: q.hispId && /^[0-9a-f-]{36}$/i.test(q.hispId) ? q.hispId : undefined,
      state: (COLLECTION_STATES as readonly string[]).includes(q.state ?? '') ? q.state as CollectionState : undefined,
    }
    const page = wholeIn(q.page, 1, 100_000) ?? 1
    const [result, hisps] = await Promise.all([
      listCollections(db, actor, { ...filter, page, pageSize: PAGE_SIZE }),
      listHisps(db, { page: 1, pageSize: 500 }),
    ])
    const current = fiscalQuarterOf(new Date())
    return sendPage(request, reply, 'Quarterly collections', (csrf) => (
      <>
        <h1>Quarterly CX data collections</h1>
        <p class="usa-intro">
          One collection per HISP, designated service and fiscal quarter (A-11 §280.14), due {context.deadlineDays} days after the quarter ends.
          Respondents and scores come from the responses cx280 holds; the HISP adds the volumes, submits, and an OMB reviewer rates and publishes.
        </p>
        <div class="cx-actions">
          {canCreateCollections(actor) && [current, previousQuarter(current)].map((quarter) => (
            <form method="post" action="/collections/create" key={formatFiscalQuarter(quarter)}>
              <CsrfField token={csrf} />
              <input type="hidden" name="fiscalYear" value={String(quarter.fiscalYear)} />
              <input type="hidden" name="quarter" value={String(quarter.quarter)} />
              <button type="submit" class="usa-button usa-button--outline">Create collections for {formatFiscalQuarter(quarter)}</button>
            </form>
          ))}
          <a class="usa-button usa-button--unstyled" href={`/collections/board?fiscalYear=${filter.fiscalYear ?? current.fiscalYear}`}>Reviewer board</a>
        </div>
        <ul class="usa-list usa-list--unstyled cx-actions" aria-label="More about collections">
          <li><a href={filter.fiscalYear && filter.quarter ? `/collections/compare?fiscalYear=${filter.fiscalYear}&quarter=${filter.quarter}` : '/collections/compare'}>Compare a quarter across services and channels</a></li>
          <li><a href="/collections/app-report">Annual Performance Plan export</a></li>
          <li><a href="/collections/volumes">Import volumes from a CSV file</a></li>
        </ul>
        <form class="usa-form cx-filters" method="get" action="/collections" aria-label="Filter collections">
          <SelectField name="fiscalYear" label="Fiscal year" value={filter.fiscalYear ? String(filter.fiscalYear) : undefined} emptyLabel="Any"
            options={fiscalYearsUpTo(current.fiscalYear).map((y) => ({ value: String(y), label: `FY${y}` }))} />
          <SelectField name="quarter" label="Quarter" value={filter.quarter ? String(filter.quarter) : undefined} emptyLabel="Any"
            options={[1, 2, 3, 4].map((n) => ({ value: String(n), label: `Q${n}` }))} />
          <SelectField name="hispId" label="HISP" value={filter.hispId} emptyLabel="Any" options={hisps.items.map((h) => ({ value: h.id, label: h.name }))} />
          <SelectField name="state" label="State" value={filter.state} emptyLabel="Any" options={COLLECTION_STATES.map((s) => ({ value: s, label: COLLECTION_STATE_LABELS[s] }))} />
          <button class="usa-button" type="submit">Filter</button>
        </form>
        {result.items.length === 0 ? (
          <EmptyState title="No collections">
            {Object.values(filter).some((v) => v !== undefined) ? 'None match these filters.' : 'Collections are made at the start of each quarter for every designated service of an active HISP, or with the buttons above.'}
          </EmptyState>
        ) : (
          <CollectionTable caption={`Collections (${result.total.toLocaleString('en-US')})`} items={result.items} />
        )}
        <Pagination path="/collections" query={{ fiscalYear: q.fiscalYear, quarter: q.quarter, hispId: q.hispId, state: q.state }} page={page} pageSize={PAGE_SIZE} total={result.total} />
      </>
    ))
  })

  app.post('/collections/create', async (request, reply) => {
    const actor = requireActor(request)
    const body = asForm(request.body)
    const fiscalYear = wholeIn(formText(body, 'fiscalYear'), 2018, 2100)
    const quarter = wholeIn(formText(body, 'quarter'), 1, 4)
    if (fiscalYear === undefined || quarter === undefined) throw new Invalid('Choose a fiscal year and quarter.', { quarter: 'is not a fiscal quarter' })
    const result = await ensureCollections(db, actor, { fiscalYear, quarter }, context)
    const label = formatFiscalQuarter({ fiscalYear, quarter: quarter as 1 | 2 | 3 | 4 })
    const message = result.created === 0 ? `No collection was missing for ${label} (${result.existing} already made).` : `Made ${result.created} collection${result.created === 1 ? '' : 's'} for ${label}.`
    return redirectWithFlash(request, reply, `/collections?fiscalYear=${fiscalYear}&quarter=${quarter}`, message)
  })

  app.get<{ Querystring: { fiscalYear?: string } }>('/collections/board', async (request, reply) => {
    const actor = requireActor(request)
    const current = fiscalQuarterOf(new Date()).fiscalYear
    const fiscalYear = wholeIn(request.query.fiscalYear, 2018, 2100) ?? current
    const rows = await collectionBoard(db, actor, fiscalYear)
    return sendPage(request, reply, `Reviewer board FY${fiscalYear}`, <Board fiscalYear={fiscalYear} years={fiscalYearsUpTo(Math.max(current, fiscalYear))} rows={rows} />)
  })

  const showCollection = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, extra: { status?: number; message?: string; fields?: FieldErrors; values?: FormValues } = {}) => {
    const actor = requireActor(request)
    const collection = await getCollection(db, actor, request.params.id)
    const [integrity, history, trend] = await Promise.all([
      collection.integrityHash ? collectionIntegrity(db, actor, collection.id) : Promise.resolve(null),
      listAudit(db, { entityType: 'collection', entityId: collection.id, limit: 50 }),
      trendOf(db, actor, collection),
    ])
    const analysis = collectionDriverAnalysis(collection).overall
    return sendPage(request, reply, `${collection.label}: ${collection.serviceName}`, (csrf) => (
      <CollectionPage csrf={csrf} collection={collection} integrity={integrity} history={history.entries} analysis={analysis} trend={trend} {...extra} />
    ), extra.status ?? 200)
  }

  app.get<{ Params: { id: string } }>('/collections/:id', (request, reply) => showCollection(request, reply))

  /** Runs a change; invalid input and conflicts come back on the page next to the form, anything else is an error page. */
  const change = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, values: FormValues, run: () => Promise<unknown>, done: string) => {
    try {
      await run()
    } catch (error) {
      if (error instanceof Invalid) return showCollection(request, reply, { status: 400, message: error.message, fields: error.fields, values })
      if (error instanceof Conflict) return showCollection(request, reply, { status: 409, message: error.message, fields: error.fields, values })
      throw error
    }
    return redirectWithFlash(request, reply, `/collections/${request.params.id}`, done)
  }

  app.post<{ Params: { id: string } }>('/collections/:id/volumes', async (request, reply) => {
    const actor = requireActor(request)
    const body = asForm(request.body)
    const details: { id: string; volumeOfCustomers: number | null; volumeOffered: number | null }[] = []
    const fields: Record<string, string> = {}
    const values: Record<string, string> = {}
    for (const key of Object.keys(body)) {
      const match = /^details\.([0-9a-f-]{36})\.volumeOfCustomers$/i.exec(key)
      if (!match) continue
      const id = match[1] as string
      const read = (field: 'volumeOfCustomers' | 'volumeOffered') => {
        const name = `details.${id}.${field}`
        values[name] = formText(body, name)
        const value = formInteger(body, name)
        if (typeof value === 'string' || (typeof value === 'number' && (value < 0 || value > 10_000_000_000))) {
          fields[name] = 'must be a whole number of people, or empty'
          return null
        }
        return value
      }
      details.push({ id, volumeOfCustomers: read('volumeOfCustomers'), volumeOffered: read('volumeOffered') })
    }
    values.reflection = formText(body, 'reflection')
    if (values.reflection.length > 5000) fields.reflection = 'must be at most 5000 characters'
    if (Object.keys(fields).length > 0) return showCollection(request, reply, { status: 400, message: 'Some volumes need attention.', fields, values: { volumes: values } })
    return change(request, reply, { volumes: values }, () => updateCollection(db, actor, request.params.id, { reflection: values.reflection ?? null, details }), 'Volumes saved.')
  })

  app.post<{ Params: { id: string } }>('/collections/:id/transition', async (request, reply) => {
    const actor = requireActor(request)
    const body = asForm(request.body)
    const transition = formText(body, 'transition') as CollectionTransition
    if (!COLLECTION_TRANSITIONS.includes(transition)) throw new Invalid('Choose an action.', { transition: 'is not a known action' })
    const note = formText(body, transition === 'mark_not_reported' ? 'notReportedNote' : 'note').slice(0, 2000)
    return change(request, reply, { note: { [transition]: note } }, () => transitionCollection(db, actor, request.params.id, { transition, note }, context), TRANSITION_DONE[transition])
  })

  app.post<{ Params: { id: string } }>('/collections/:id/rating', async (request, reply) => {
    const actor = requireActor(request)
    const body = asForm(request.body)
    const rating = formText(body, 'rating')
    const reason = formText(body, 'reason')
    const values = { rating: { rating, reason } }
    if (!(RATINGS as readonly string[]).includes(rating)) return showCollection(request, reply, { status: 400, message: 'Choose a rating.', fields: { rating: 'choose green, yellow or red' }, values })
    if (!reason.trim() || reason.length > 2000) return showCollection(request, reply, { status: 400, message: 'Give the reason for the rating.', fields: { reason: 'is required (at most 2000 characters)' }, values })
    return change(request, reply, values, () => rateCollection(db, actor, request.params.id, { rating: rating as Rating, reason }, context), `Rated ${rating}.`)
  })
}

function fiscalYearsUpTo(last: number): number[] {
  return Array.from({ length: Math.max(1, last - 2020 + 1) }, (_, i) => last - i)
}

function CollectionTable({ caption, items }: { caption: string; items: readonly CollectionSummary[] }) {
  return (
    <table class="usa-table usa-table--borderless usa-table--stacked width-full">
      <caption>{caption}</caption>
      <thead><tr><th scope="col">Collection</th><th scope="col">HISP</th><th scope="col">State</th><th scope="col">Rating</th><th scope="col">Surveys</th><th scope="col">Respondents</th><th scope="col">Due</th></tr></thead>
      <tbody>
        {items.map((c) => (
          <tr key={c.id}>
            <th scope="row" data-label="Collection"><a href={`/collections/${c.id}`}>{c.label}: {c.serviceName}</a></th>
            <td data-label="HISP">{c.hispName}</td>
            <td data-label="State"><CollectionStateTag state={c.state} /></td>
            <td data-label="Rating"><RatingTag rating={c.rating} /></td>
            <td data-label="Surveys">{count(c.detailCount)}</td>
            <td data-label="Respondents">{count(c.respondents)}</td>
            <td data-label="Due">{c.dueOn}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function Board({ fiscalYear, years, rows }: { fiscalYear: number; years: readonly number[]; rows: readonly BoardRow[] }) {
  const quarters = [1, 2, 3, 4] as const
  const now = fiscalQuarterOf(new Date())
  const started = (q: number) => fiscalYear * 4 + q <= now.fiscalYear * 4 + now.quarter
  return (
    <>
      <h1>Reviewer board: FY{fiscalYear}</h1>
      <p class="usa-intro">Every designated service of every HISP you can see, by fiscal quarter: the collection's state and OMB's rating.</p>
      <form class="usa-form cx-filters" method="get" action="/collections/board" aria-label="Choose a fiscal year">
        <SelectField name="fiscalYear" label="Fiscal year" value={String(fiscalYear)} options={years.map((y) => ({ value: String(y), label: `FY${y}` }))} />
        <button class="usa-button" type="submit">Show</button>
      </form>
      <p><a href={`/collections?fiscalYear=${fiscalYear}`}>The list of FY{fiscalYear} collections</a></p>
      {rows.length === 0 ? (
        <EmptyState title="No designated services">No service you can see is designated for a HISP, and no collection exists for FY{fiscalYear}.</EmptyState>
      ) : (
        <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-labelledby="board-caption">
          <table class="usa-table usa-table--borderless usa-table--compact">
            <caption id="board-caption">FY{fiscalYear} collections by HISP and service ({rows.length} services)</caption>
            <thead>
              <tr><th scope="col">HISP</th><th scope="col">Service</th>{quarters.map((q) => <th scope="col" key={q}>Q{q} ({quarterDates({ fiscalYear, quarter: q }).first.slice(0, 7)})</th>)}</tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.serviceId}>
                  <td>{row.hispName}</td>
                  <th scope="row"><a href={`/services/${row.serviceId}`}>{row.serviceName}</a></th>
                  {row.quarters.map((cell, i) => (
                    <td key={i}>
                      {cell ? (
                        <a href={`/collections/${cell.collectionId}`} aria-label={`Q${i + 1} ${row.serviceName}: ${COLLECTION_STATE_LABELS[cell.state]}, ${cell.rating ? `rated ${cell.rating}` : 'not rated'}`}>
                          <CollectionStateTag state={cell.state} /> <RatingTag rating={cell.rating} />
                        </a>
                      ) : started(i + 1) ? 'No collection' : 'Not started'}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

interface FormValues {
  readonly volumes?: Readonly<Record<string, string>>
  readonly note?: Readonly<Record<string, string>>
  readonly rating?: { readonly rating: string; readonly reason: string }
}

function CollectionPage({ csrf, collection: c, integrity, history, analysis, trend, message, fields, values }: {
  csrf: string; collection: CollectionView; integrity: IntegrityReport | null; history: readonly AuditEntry[]; analysis: DriverAnalysis; trend: CollectionTrend
  message?: string | undefined; fields?: FieldErrors | undefined; values?: FormValues | undefined
}) {
  const dates = quarterDates(c)
  const base = `/api/v1/collections/${c.id}`
  const labels: Record<string, string> = { reflection: 'Reflection', note: 'Note', rating: 'Rating', reason: 'Reason' }
  for (const d of c.details) {
    labels[`details.${d.id}.volumeOfCustomers`] = `Customers (${d.surveyTitle}, ${CHANNEL_LABELS[d.channel as Channel] ?? d.channel})`
    labels[`details.${d.id}.volumeOffered`] = `Offered the survey (${d.surveyTitle}, ${CHANNEL_LABELS[d.channel as Channel] ?? d.channel})`
  }
  const f = c.figures
  return (
    <>
      <p><a href="/collections">Quarterly collections</a></p>
      <h1>{c.label}: {c.serviceName}</h1>
      <p><CollectionStateTag state={c.state} /> <RatingTag rating={c.rating} /></p>
      <ErrorSummary message={message} errors={fields} labels={labels} />
      {c.reviewNote && (c.state === 'change_requested' || c.state === 'not_reported') && (
        <div class="usa-alert usa-alert--warning usa-alert--slim" role="status"><div class="usa-alert__body"><p class="usa-alert__text">Reviewer's note: {c.reviewNote}</p></div></div>
      )}
      {integrity && <Integrity report={integrity} />}
      <h2>Summary</h2>
      <SummaryList rows={[
        ['HISP', c.hispName], ['Service', <a href={`/services/${c.serviceId}`}>{c.serviceName}</a>], ['Organization', c.organizationName],
        ['Fiscal quarter', `${c.label} (${dates.first} to ${dates.last})`], ['Due', c.dueOn], ['State', COLLECTION_STATE_LABELS[c.state]],
        ['Rating', c.rating ? `${RATING_SHORT[c.rating]}: ${c.ratingReason ?? ''}` : null], ['Rated', when(c.ratedAt)],
        ['Submitted', when(c.submittedAt)], ['Published', when(c.publishedAt)], ['Data hash (SHA-256)', c.integrityHash ? <code>{c.integrityHash}</code> : null],
        ['Reflection', c.reflection],
      ]} />
      <h2>Scores</h2>
      {c.details.length === 0 ? (
        <EmptyState title="No survey collected responses">No A-11 survey of this service has responses in {c.label}. Launch or import one, or mark the collection not reported.</EmptyState>
      ) : (
        <>
          <SummaryList rows={[
            ['Respondents', count(c.respondents)], ['Trust', shareText(f.trust)], ['95% interval (Wilson)', intervalText(f.trust)],
            ['Likert mean', f.likertMean.mean === null ? '—' : `${f.likertMean.mean.toFixed(2)} (n = ${count(f.likertMean.n)})`],
          ]} />
          <DetailsTable collection={c} />
          <DriversTable collection={c} />
          <DriverAnalysisSection analysis={analysis} />
        </>
      )}
      <TrendSection trend={trend} />
      {c.abilities.editVolumes && c.details.length > 0 && <VolumesForm csrf={csrf} collection={c} fields={fields} values={values?.volumes} />}
      <h2>Files for OMB</h2>
      <ul class="usa-list">
        <li><a href={`${base}/export?format=metadata`}>Collection metadata (CSV)</a></li>
        <li><a href={`${base}/export?format=xlsx`}>Workbook, one sheet per table (XLSX)</a></li>
        <li><a href={`${base}/export?format=json`}>Collection with scores (JSON)</a></li>
        {c.details.some((d) => d.legacy) && <li><a href={`${base}/export?format=legacy`}>Legacy per-question Likert counts (CSV)</a></li>}
        {c.details.map((d) => <li key={d.id}><a href={`${base}/details/${d.id}/responses.csv`}>Responses: {d.surveyTitle}, {CHANNEL_LABELS[d.channel as Channel] ?? d.channel} (OMB 17-column CSV)</a></li>)}
      </ul>
      {c.abilities.transitions.length > 0 && <Transitions csrf={csrf} collection={c} fields={fields} notes={values?.note} />}
      {c.abilities.rate && <RatingForm csrf={csrf} collection={c} fields={fields} values={values?.rating} />}
      <h2>History</h2>
      {history.length === 0 ? <p>No changes recorded.</p> : (
        <table class="usa-table usa-table--borderless usa-table--stacked width-full">
          <caption>Changes to this collection, newest first</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Change</th><th scope="col">By</th></tr></thead>
          <tbody>{history.map((e) => (
            <tr key={e.id}><td data-label="When">{when(e.at)}</td><th scope="row" data-label="Change">{e.action.replace(/^collection\./, '').replace(/_/g, ' ')}</th><td data-label="By">{e.actorLabel}</td></tr>
          ))}</tbody>
        </table>
      )}
    </>
  )
}

function Integrity({ report }: { report: IntegrityReport }) {
  if (report.matches) {
    return <div class="usa-alert usa-alert--success usa-alert--slim" role="status"><div class="usa-alert__body"><p class="usa-alert__text">The responses match the data submitted (SHA-256 unchanged).</p></div></div>
  }
  const changed = report.details.filter((d) => d.matches === false).length
  return (
    <div class="usa-alert usa-alert--warning" role="status">
      <div class="usa-alert__body">
        <h2 class="usa-alert__heading">The responses changed after submission</h2>
        <p class="usa-alert__text">
          {changed > 0 ? `${changed} survey file${changed === 1 ? '' : 's'} no longer match${changed === 1 ? 'es' : ''} the hash stored at submission. ` : ''}
          {report.newSurveys.length > 0 ? `${report.newSurveys.length} survey${report.newSurveys.length === 1 ? '' : 's'} gained responses in the quarter since. ` : ''}
          Publishing is blocked until the HISP resubmits.
        </p>
      </div>
    </div>
  )
}


function DetailsTable({ collection }: { collection: CollectionView }) {
  return (
    <ScrollTable id="details" caption={`Surveys in ${collection.label} (one detail each)`}>
      <thead>
        <tr>
          <th scope="col">Survey</th><th scope="col">Type</th><th scope="col">Channel</th><th scope="col">Stage</th><th scope="col">Scale</th><th scope="col">OMB control number</th>
          <th scope="col">Trust question as shown</th><th scope="col">Respondents</th><th scope="col">Offered</th><th scope="col">Customers</th><th scope="col">Response rate</th>
          <th scope="col">Trust</th><th scope="col">95% interval</th>
        </tr>
      </thead>
      <tbody>
        {collection.details.map((d) => (
          <tr key={d.id}>
            <th scope="row"><a href={`/surveys/${d.surveyId}/scores`}>{d.surveyTitle}</a>{d.legacy ? ' (legacy set)' : ''}</th>
            <td>{SURVEY_TYPE_LABELS[d.transactionPoint as SurveyType] ?? d.transactionPoint}</td>
            <td>{CHANNEL_LABELS[d.channel as Channel] ?? d.channel}</td>
            <td>{d.serviceStageName ?? '—'}</td>
            <td>{d.surveyType ? SCALE_LABELS[d.surveyType as SurveyScale] ?? d.surveyType : '—'}</td>
            <td>{d.ombControlNumber ?? '—'}</td>
            <td>{d.trustQuestionText ?? '—'}</td>
            <td>{count(d.respondents)}</td>
            <td>{count(d.offered)}{d.volumeOffered === null && d.offered !== null ? ' (recorded)' : ''}</td>
            <td>{count(d.volumeOfCustomers)}</td>
            <td>{d.responseRate === null ? '—' : percent(d.responseRate)}</td>
            <td>{shareText(d.figures.trust)}</td>
            <td>{intervalText(d.figures.trust)}</td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  )
}

function DriversTable({ collection }: { collection: CollectionView }) {
  return (
    <ScrollTable id="drivers" caption="Driver shares per survey and branch (ticks ÷ respondents in the branch)">
      <thead>
        <tr><th scope="col">Survey</th><th scope="col">Branch</th><th scope="col">Respondents in branch</th>{DRIVER_KEYS.map((k) => <th scope="col" key={k}>{DRIVER_LABELS[k]}</th>)}</tr>
      </thead>
      <tbody>
        {collection.details.flatMap((d) => BRANCHES.map((branch) => (
          <tr key={`${d.id}-${branch}`}>
            <th scope="row">{d.surveyTitle} ({CHANNEL_LABELS[d.channel as Channel] ?? d.channel})</th>
            <td>{branch === 'positive' ? 'Positive' : 'Negative'}</td>
            <td>{count(d.figures.drivers[branch].n)}</td>
            {DRIVER_KEYS.map((k) => <td key={k}>{d.figures.drivers[branch].drivers[k].share === null ? '—' : percent(d.figures.drivers[branch].drivers[k].share as number)}</td>)}
          </tr>
        )))}
      </tbody>
    </ScrollTable>
  )
}

function VolumesForm({ csrf, collection, fields, values }: { csrf: string; collection: CollectionView; fields?: FieldErrors | undefined; values?: Readonly<Record<string, string>> | undefined }) {
  const value = (name: string, stored: number | null) => values?.[name] ?? (stored === null ? '' : String(stored))
  return (
    <>
      <h2>Volumes</h2>
      <p>For each survey: how many customers used the service in the quarter, and how many were offered the survey. Respondents ≤ offered ≤ customers. Leave “offered” empty to use the offers cx280 recorded.
        For many collections at once, <a href="/collections/volumes">import the volumes from a CSV file</a>.</p>
      <form class="usa-form usa-form--large" method="post" action={`/collections/${collection.id}/volumes`} noValidate>
        <CsrfField token={csrf} />
        {collection.details.map((d) => (
          <fieldset class="usa-fieldset" key={d.id}>
            <legend class="usa-legend usa-legend--large">{d.surveyTitle} ({CHANNEL_LABELS[d.channel as Channel] ?? d.channel}): {count(d.respondents)} respondents</legend>
            <TextField name={`details.${d.id}.volumeOfCustomers`} label="Customers in the quarter" errors={fields} value={value(`details.${d.id}.volumeOfCustomers`, d.volumeOfCustomers)} />
            <TextField name={`details.${d.id}.volumeOffered`} label="Customers offered the survey" errors={fields} value={value(`details.${d.id}.volumeOffered`, d.volumeOffered)}
              hint={d.recordedOffers > 0 ? `Recorded offers: ${count(d.recordedOffers)}. Leave empty to use them.` : 'No offers were recorded for this survey in the quarter.'} />
          </fieldset>
        ))}
        <TextArea name="reflection" label="Reflection (optional, for OMB)" errors={fields} maxLength={5000} value={values?.reflection ?? collection.reflection} />
        <button type="submit" class="usa-button">Save volumes</button>
      </form>
    </>
  )
}

function Transitions({ csrf, collection, fields, notes }: { csrf: string; collection: CollectionView; fields?: FieldErrors | undefined; notes?: Readonly<Record<string, string>> | undefined }) {
  const simple = collection.abilities.transitions.filter((t) => t !== 'request_changes' && t !== 'mark_not_reported')
  return (
    <>
      <h2>Actions</h2>
      {simple.length > 0 && (
        <div class="cx-actions">
          {simple.map((t) => (
            <form method="post" action={`/collections/${collection.id}/transition`} key={t}>
              <CsrfField token={csrf} />
              <input type="hidden" name="transition" value={t} />
              <button type="submit" class={`usa-button${t === 'archive' ? ' usa-button--outline' : ''}`}>{TRANSITION_RULES[t].label}</button>
            </form>
          ))}
        </div>
      )}
      {(['request_changes', 'mark_not_reported'] as const).filter((t) => collection.abilities.transitions.includes(t)).map((t) => (
        <form class="usa-form usa-form--large" method="post" action={`/collections/${collection.id}/transition`} key={t} noValidate>
          <CsrfField token={csrf} />
          <input type="hidden" name="transition" value={t} />
          <TextArea name={t === 'request_changes' ? 'note' : 'notReportedNote'} label={t === 'request_changes' ? 'What should the HISP change?' : 'Why is nothing reported? (optional)'}
            errors={t === 'request_changes' ? fields : undefined} maxLength={2000} value={notes?.[t]} />
          <button type="submit" class="usa-button usa-button--outline">{TRANSITION_RULES[t].label}</button>
        </form>
      ))}
    </>
  )
}

function RatingForm({ csrf, collection, fields, values }: { csrf: string; collection: CollectionView; fields?: FieldErrors | undefined; values?: { rating: string; reason: string } | undefined }) {
  const chosen = values?.rating ?? collection.rating ?? ''
  const error = fields?.rating
  return (
    <>
      <h2>OMB rating</h2>
      <form class="usa-form usa-form--large" method="post" action={`/collections/${collection.id}/rating`} noValidate>
        <CsrfField token={csrf} />
        <fieldset id="field-rating" tabIndex={-1} class={`usa-fieldset usa-form-group${error ? ' usa-form-group--error' : ''}`}>
          <legend class="usa-legend">Rating</legend>
          {error && <span class="usa-error-message" role="alert">{error}</span>}
          {RATINGS.map((r) => (
            <div class="usa-radio" key={r}>
              <input class="usa-radio__input" id={`rating-${r}`} type="radio" name="rating" value={r} checked={r === chosen} />
              <label class="usa-radio__label" for={`rating-${r}`}>{RATING_LABELS[r]}</label>
            </div>
          ))}
        </fieldset>
        <TextArea name="reason" label="Reason (the HISP reads it)" required errors={fields} maxLength={2000} value={values?.reason ?? collection.ratingReason} />
        <button type="submit" class="usa-button">Save rating</button>
      </form>
    </>
  )
}
