/**
 * Journey pages (A-11 §280.5): the list (overall, per service or per site), the define and edit forms (steps are
 * added, removed and reordered with submit buttons, so no script is needed), and the dashboard: began, ended and
 * completion for a period, a funnel chart with its table, drop-off by step, trust by step, and the version history.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TrustByStep } from '../analytics/journey-feedback.ts'
import {
  JourneyCreateInput, JourneyUpdateInput, MAX_JOURNEY_STEPS, MIN_JOURNEY_STEPS, stepTarget, type JourneyState, type StepKind,
} from '../analytics/journey-schema.ts'
import {
  createJourney, getJourney, journeyAbilities, journeyResults, journeyTrustByStep, linkableSites, listJourneys, manageableServices,
  replacementCandidates, setJourneyState, updateJourney, type JourneyDetail, type JourneyResults, type JourneyVersionView, type JourneyView,
} from '../analytics/journeys.ts'
import { MAX_PERIOD_DAYS, parsePeriod } from '../analytics/period.ts'
import { getSite } from '../analytics/sites.ts'
import { Forbidden, Invalid, type FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { parseWith } from '../validation.ts'
import { BarChart, percent } from './charts.tsx'
import { CheckboxGroup, CsrfField, EmptyState, ErrorSummary, Pagination, SelectField, SummaryList, TextArea, TextField } from './components.tsx'
import { asForm, attempt, formList, formText, type FormBody } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'

const PAGE_SIZE = 25
const DAY_MS = 86_400_000

export const STATE_LABELS: Readonly<Record<JourneyState, string>> = { active: 'Active', deprecated: 'Deprecated', replaced: 'Replaced' }
const KIND_OPTIONS = [{ value: 'page', label: 'Page view (path pattern)' }, { value: 'action', label: 'Key action (name)' }]
const UNITS = { minutes: 60, hours: 3600, days: 86_400 } as const
type Unit = keyof typeof UNITS
const LABELS: Readonly<Record<string, string>> = {
  serviceId: 'Service', name: 'Name', description: 'Description', siteIds: 'Sites', windowValue: 'Conversion window', steps: 'Steps', note: 'What changed',
}

const count = (n: number): string => n.toLocaleString('en-US')
const rate = (value: number | null): string => (value === null ? '—' : percent(value))
const day = (date: Date): string => date.toISOString().slice(0, 10)

/** 75 → "1 min 15 s"; 7260 → "2 h 1 min"; 90000 → "1 d 1 h". */
export function duration(seconds: number | null): string {
  if (seconds === null) return '—'
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`
  if (s < 86_400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`
  return `${Math.floor(s / 86_400)} d${Math.floor((s % 86_400) / 3600) ? ` ${Math.floor((s % 86_400) / 3600)} h` : ''}`
}

function windowParts(seconds: number): { value: string; unit: Unit } {
  if (seconds % UNITS.days === 0) return { value: String(seconds / UNITS.days), unit: 'days' }
  if (seconds % UNITS.hours === 0) return { value: String(seconds / UNITS.hours), unit: 'hours' }
  return { value: String(Math.round(seconds / UNITS.minutes)), unit: 'minutes' }
}

const windowText = (seconds: number): string => {
  const { value, unit } = windowParts(seconds)
  return `${value} ${value === '1' ? unit.slice(0, -1) : unit}`
}

function StateTag({ state }: { state: JourneyState }) {
  return <span class={`usa-tag${state === 'active' ? ' bg-green' : state === 'deprecated' ? ' bg-gold text-ink' : ' bg-base-dark'}`}>{STATE_LABELS[state]}</span>
}

// ─── Form values ───────────────────────────────────────────────────────────────────────────────────────────────

interface StepRow { kind: StepKind; target: string; label: string }

interface JourneyFormValues {
  serviceId?: string
  name: string
  description: string
  siteIds: string[]
  windowValue: string
  windowUnit: Unit
  steps: StepRow[]
  note: string
}

const blankStep = (): StepRow => ({ kind: 'page', target: '', label: '' })

function valuesFromForm(body: FormBody): JourneyFormValues {
  const rows = Math.min(Math.max(Number.parseInt(formText(body, 'stepCount'), 10) || 0, 0), MAX_JOURNEY_STEPS)
  const steps: StepRow[] = []
  for (let i = 0; i < rows; i++) {
    steps.push({ kind: formText(body, `steps.${i}.kind`) === 'action' ? 'action' : 'page', target: formText(body, `steps.${i}.target`), label: formText(body, `steps.${i}.label`) })
  }
  const unit = formText(body, 'windowUnit')
  return {
    serviceId: formText(body, 'serviceId'), name: formText(body, 'name'), description: formText(body, 'description'), siteIds: formList(body, 'siteIds'),
    windowValue: formText(body, 'windowValue').trim(), windowUnit: unit in UNITS ? (unit as Unit) : 'days', steps, note: formText(body, 'note'),
  }
}

function valuesFromJourney(journey: JourneyDetail): JourneyFormValues {
  const window = windowParts(journey.current.windowSeconds)
  return {
    name: journey.name, description: journey.description ?? '', siteIds: journey.sites.map((s) => s.id), windowValue: window.value, windowUnit: window.unit,
    steps: journey.current.steps.map((s) => ({ kind: s.kind, target: stepTarget(s), label: s.label === stepTarget(s) ? '' : s.label })), note: '',
  }
}

function windowSeconds(values: JourneyFormValues): number | string {
  if (!/^\d{1,6}$/.test(values.windowValue)) throw new Invalid('Some fields need attention.', { windowValue: 'must be a whole number' })
  return Number(values.windowValue) * UNITS[values.windowUnit]
}

function inputFromValues(values: JourneyFormValues, create: boolean): Record<string, unknown> {
  return {
    ...(create ? { serviceId: values.serviceId } : { note: values.note }),
    name: values.name, description: values.description, siteIds: values.siteIds, windowSeconds: windowSeconds(values),
    steps: values.steps.map((s) => (s.kind === 'action' ? { kind: 'action', name: s.target, label: s.label } : { kind: 'page', pattern: s.target, label: s.label })),
  }
}

/** Domain field names → form field names (a step's pattern or name is its "target" box; the window has a value box). */
function formErrors(fields: FieldErrors): FieldErrors {
  const out: Record<string, string> = {}
  for (const [name, message] of Object.entries(fields)) {
    const step = /^steps\.(\d+)\.(pattern|name)$/.exec(name)
    const key = step ? `steps.${step[1]}.target` : name === 'windowSeconds' ? 'windowValue' : name
    out[key] ??= name === 'windowSeconds' ? 'must be between 1 minute and 90 days' : message
  }
  return out
}

function errorLabels(values: JourneyFormValues): Record<string, string> {
  const labels: Record<string, string> = { ...LABELS }
  values.steps.forEach((_s, i) => {
    labels[`steps.${i}.target`] = `Step ${i + 1}`
    labels[`steps.${i}.label`] = `Step ${i + 1} label`
    labels[`steps.${i}.kind`] = `Step ${i + 1} kind`
  })
  return labels
}

/** Applies a step button (`add`, `remove:2`, `up:2`, `down:2`); returns the message to announce and the row to show. */
function applyStepOp(values: JourneyFormValues, op: string): { message: string; focus: number } {
  const [verb, rawIndex] = op.split(':')
  const index = Number.parseInt(rawIndex ?? '', 10)
  const steps = values.steps
  if (verb === 'add') {
    if (steps.length >= MAX_JOURNEY_STEPS) return { message: `A journey has at most ${MAX_JOURNEY_STEPS} steps.`, focus: steps.length }
    steps.push(blankStep())
    return { message: `Added step ${steps.length}.`, focus: steps.length }
  }
  if (!Number.isInteger(index) || index < 0 || index >= steps.length) return { message: 'That step no longer exists.', focus: 1 }
  if (verb === 'remove') {
    steps.splice(index, 1)
    return { message: `Removed step ${index + 1}.`, focus: Math.max(1, Math.min(index + 1, steps.length)) }
  }
  const to = verb === 'up' ? index - 1 : index + 1
  if (to < 0 || to >= steps.length) return { message: 'That step cannot move further.', focus: index + 1 }
  const [moved] = steps.splice(index, 1)
  steps.splice(to, 0, moved as StepRow)
  return { message: `Moved step ${index + 1} ${verb === 'up' ? 'up' : 'down'} to position ${to + 1}.`, focus: to + 1 }
}

// ─── Form ──────────────────────────────────────────────────────────────────────────────────────────────────────

interface FormMode {
  readonly title: string
  readonly action: string
  readonly journey?: JourneyDetail
}

function StepRows({ action, values, errors }: { action: string; values: JourneyFormValues; errors?: FieldErrors | undefined }) {
  const last = values.steps.length - 1
  return (
    <>
      <input type="hidden" name="stepCount" value={String(values.steps.length)} />
      <ol class="cx-builder-questions">
        {values.steps.map((step, i) => (
          <li key={i} class="cx-builder-question" id={`step-${i + 1}`}>
            <fieldset class="usa-fieldset">
              <legend class="usa-legend cx-builder-question__prompt">Step {i + 1}</legend>
              <SelectField name={`steps.${i}.kind`} label={`Step ${i + 1}: what counts`} value={step.kind} options={KIND_OPTIONS} errors={errors} />
              <TextField name={`steps.${i}.target`} label={`Step ${i + 1}: page path or action name`} value={step.target} maxLength={300} errors={errors} required
                hint={i === 0 ? 'A path such as /apply or /apply/*/review (* matches anything), or a declared key action such as apply_start.' : undefined} />
              <TextField name={`steps.${i}.label`} label={`Step ${i + 1}: label (optional)`} value={step.label} maxLength={100} errors={errors} />
              <div class="cx-actions">
                {i > 0 && <button type="submit" name="_op" value={`up:${i}`} formAction={`${action}#step-${i}`} class="usa-button usa-button--outline">Move step {i + 1} up</button>}
                {i < last && <button type="submit" name="_op" value={`down:${i}`} formAction={`${action}#step-${i + 2}`} class="usa-button usa-button--outline">Move step {i + 1} down</button>}
                {values.steps.length > MIN_JOURNEY_STEPS && (
                  <button type="submit" name="_op" value={`remove:${i}`} formAction={`${action}#step-${Math.max(1, Math.min(i + 1, last))}`} class="usa-button usa-button--unstyled">Remove step {i + 1}</button>
                )}
              </div>
            </fieldset>
          </li>
        ))}
      </ol>
      {values.steps.length < MAX_JOURNEY_STEPS && (
        <button type="submit" name="_op" value="add" formAction={`${action}#step-${values.steps.length + 1}`} class="usa-button usa-button--outline">Add a step</button>
      )}
    </>
  )
}

// ─── Dashboard parts ───────────────────────────────────────────────────────────────────────────────────────────

function Funnel({ results, csvHref }: { results: JourneyResults; csvHref: string }) {
  if (results.began === 0) {
    return <EmptyState title="No visitor began this journey in the period">
      <p>Nobody reached step 1 ({results.version.steps[0]?.label}) on the journey's sites. Check the period, the step patterns, and that the tracker snippet is on those pages.</p>
    </EmptyState>
  }
  return (
    <>
      <BarChart id="funnel" title={`Visitors reaching each step, as a share of the ${count(results.began)} who began`}
        description={`Funnel of version ${results.version.version}: ${results.steps.map((s) => `step ${s.index + 1}, ${s.label}: ${count(s.visitors)} visitors`).join('; ')}.`}
        xLabel="Step" yLabel="Share of visitors who began" countLabel="Visitors"
        bars={results.steps.map((s) => ({ label: `${s.index + 1}. ${s.label}`, value: s.shareOfBegan, n: s.visitors }))} />
      <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-labelledby="dropoff-caption">
        <table class="usa-table usa-table--borderless" data-testid="dropoff-table">
          <caption id="dropoff-caption">Drop-off by step</caption>
          <thead><tr>
            <th scope="col">Step</th><th scope="col">Visitors</th><th scope="col">Share of those who began</th><th scope="col">Dropped off here</th>
            <th scope="col">Drop-off rate</th><th scope="col">Median time from the previous step</th>
          </tr></thead>
          <tbody>{results.steps.map((s) => (
            <tr key={s.index}>
              <th scope="row">{s.index + 1}. {s.label} <span class="usa-hint">({s.kind === 'page' ? 'page' : 'action'} <code>{s.target}</code>)</span></th>
              <td>{count(s.visitors)}</td><td>{rate(s.shareOfBegan)}</td>
              <td>{s.index === results.steps.length - 1 ? '—' : count(s.droppedOff)}</td>
              <td>{s.index === results.steps.length - 1 ? '— (last step)' : rate(s.dropOffRate)}</td>
              <td>{s.index === 0 ? '—' : duration(s.medianSecondsFromPrevious)}</td>
            </tr>
          ))}</tbody>
        </table>
      </div>
      <p><a href={csvHref}>Download the drop-off table (CSV)</a></p>
    </>
  )
}

function TrustSection({ trust, csvHref }: { trust: TrustByStep; csvHref: string }) {
  if (trust.respondents === 0) {
    return <EmptyState title="No survey respondents were linked to this journey in the period">
      <p>A response is linked when a survey widget on one of the journey's pages posts it from a browser the tracker also counts (and that does not send Global Privacy Control to a site honouring it).</p>
    </EmptyState>
  }
  const small = `fewer than ${trust.smallCountBelow} answers: read with care`
  return (
    <>
      <p>{count(trust.respondents)} respondents answered a survey on a page of this journey. Each is counted at the furthest step they had reached. Rows marked “small count” have {small}.</p>
      <BarChart id="trust-by-step" title="Trust share by the furthest step reached" description="Share of linked survey respondents who answered the trust question positively, by the furthest journey step they reached, with 95% intervals."
        xLabel="Furthest step reached" yLabel="Trust share" countLabel="Trust answers (n)"
        bars={trust.rows.map((r) => ({ label: `${r.label}${r.small ? ' (small count)' : ''}`, value: r.trust.share, lower: r.trust.interval?.lower ?? null, upper: r.trust.interval?.upper ?? null, n: r.trust.n }))} />
      <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-labelledby="trust-caption">
        <table class="usa-table usa-table--borderless" data-testid="trust-table">
          <caption id="trust-caption">Respondents by the furthest step reached</caption>
          <thead><tr><th scope="col">Furthest step reached</th><th scope="col">Respondents</th><th scope="col">Trust answers</th><th scope="col">Trust share</th><th scope="col">Note</th></tr></thead>
          <tbody>{trust.rows.map((r) => (
            <tr key={r.label}>
              <th scope="row">{r.label}</th><td>{count(r.respondents)}</td><td>{count(r.trust.n)}</td><td>{rate(r.trust.share)}</td>
              <td>{r.small ? `Small count: ${small}` : '—'}</td>
            </tr>
          ))}</tbody>
        </table>
      </div>
      <p><a href={csvHref}>Download trust by step (CSV)</a></p>
    </>
  )
}

function ReplacedByText({ version }: { version: JourneyVersionView }) {
  const by = version.replacedBy
  if (!by) return <>—</>
  return by.kind === 'version' ? <>Version {by.version}</> : <a href={`/journeys/${by.id}`}>{by.name}</a>
}

/** The period a version was in use (capped to the longest period a result may cover), for its history link. */
function livePeriod(version: JourneyVersionView, now: Date): { from: string; to: string } {
  const end = version.retiredAt ? new Date(version.retiredAt) : now
  const start = new Date(Math.max(new Date(version.createdAt).getTime(), end.getTime() - (MAX_PERIOD_DAYS - 1) * DAY_MS))
  return { from: day(start), to: day(end) }
}

function VersionHistory({ journey, shown, csvHref }: { journey: JourneyDetail; shown: number; csvHref: string }) {
  const now = new Date()
  return (
    <>
      <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-labelledby="versions-caption">
        <table class="usa-table usa-table--borderless" data-testid="version-history">
          <caption id="versions-caption">Version history (newest first)</caption>
          <thead><tr><th scope="col">Version</th><th scope="col">State</th><th scope="col">Replaced by</th><th scope="col">Steps</th><th scope="col">Window</th><th scope="col">In use</th><th scope="col">Note</th></tr></thead>
          <tbody>{journey.versions.map((v) => {
            const period = livePeriod(v, now)
            return (
              <tr key={v.id}>
                <th scope="row">{v.version === shown ? <>Version {v.version} (shown)</> : <a href={`/journeys/${journey.id}?version=${v.version}&from=${period.from}&to=${period.to}`}>Version {v.version}</a>}</th>
                <td><StateTag state={v.state} /></td>
                <td><ReplacedByText version={v} /></td>
                <td><ol class="usa-list">{v.steps.map((s, i) => <li key={i}>{s.label} <span class="usa-hint">({s.kind} <code>{stepTarget(s)}</code>)</span></li>)}</ol></td>
                <td>{windowText(v.windowSeconds)}</td>
                <td>{period.from} to {v.retiredAt ? period.to : 'now'}</td>
                <td>{v.note ?? '—'}</td>
              </tr>
            )
          })}</tbody>
        </table>
      </div>
      <p><a href={csvHref}>Download the version history (CSV)</a></p>
    </>
  )
}

/** The journeys measured on a site, for the site's page. */
export function SiteJourneys({ siteId, journeys, total }: { siteId: string; journeys: readonly JourneyView[]; total: number }) {
  return (
    <>
      <h2>Journeys</h2>
      {journeys.length === 0 ? <p>No journey is measured on this site yet.</p> : (
        <ul class="usa-list">{journeys.map((j) => <li key={j.id}><a href={`/journeys/${j.id}`}>{j.name}</a> ({j.serviceName}, {STATE_LABELS[j.state].toLowerCase()})</li>)}</ul>
      )}
      {total > journeys.length && <p><a href={`/journeys?siteId=${siteId}`}>All {count(total)} journeys on this site</a></p>}
    </>
  )
}

// ─── Routes ────────────────────────────────────────────────────────────────────────────────────────────────────

interface DashboardQuery { version?: string; from?: string; to?: string }

export async function registerJourneyPages(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const { db } = runtime

  app.get<{ Querystring: { q?: string; serviceId?: string; siteId?: string; state?: string; page?: string } }>('/journeys', async (request, reply) => {
    const actor = requireActor(request)
    const q = request.query.q?.trim().slice(0, 200) || undefined
    const uuid = (value: string | undefined) => (value && /^[0-9a-f-]{36}$/i.test(value) ? value : undefined)
    const serviceId = uuid(request.query.serviceId)
    const siteId = uuid(request.query.siteId)
    const state = (['active', 'deprecated', 'replaced'] as const).find((s) => s === request.query.state)
    const page = Math.max(1, Number.parseInt(request.query.page ?? '1', 10) || 1)
    const [{ items, total }, services, site] = await Promise.all([
      listJourneys(db, actor, { q, serviceId, siteId, state, page, pageSize: PAGE_SIZE }),
      manageableServices(db, actor),
      siteId ? getSite(db, actor, siteId) : Promise.resolve(null),
    ])
    const readableServices = (await listJourneys(db, actor, { page: 1, pageSize: 500 })).items
    const serviceOptions = [...new Map(readableServices.map((j) => [j.serviceId, j.serviceName])).entries()].sort((a, b) => a[1].localeCompare(b[1])).map(([value, label]) => ({ value, label }))
    const filtering = Boolean(q || serviceId || siteId || state)
    return sendPage(request, reply, 'Journeys', (
      <>
        <h1>Journeys</h1>
        <p class="usa-intro">Customer journeys of your services (A-11 §280.5): how many visitors begin and end each one, and where they drop off. Journeys are versioned; flows that are optimized, deprecated or replaced keep their history.</p>
        {services.length > 0 && <p><a class="usa-button" href={serviceId ? `/journeys/new?serviceId=${serviceId}` : '/journeys/new'}>Define a journey</a></p>}
        {site && <p>Showing journeys measured on <a href={`/sites/${site.id}`}>{site.name}</a>. <a href="/journeys">Show all journeys</a></p>}
        <form class="usa-form cx-filters" method="get" action="/journeys" role="search" aria-label="Filter journeys">
          {siteId && <input type="hidden" name="siteId" value={siteId} />}
          <TextField name="q" label="Journey or service name contains" value={q ?? ''} maxLength={200} />
          <SelectField name="serviceId" label="Service" value={serviceId ?? ''} emptyLabel="All" options={serviceOptions} />
          <SelectField name="state" label="State" value={state ?? ''} emptyLabel="All" options={Object.entries(STATE_LABELS).map(([value, label]) => ({ value, label }))} />
          <button type="submit" class="usa-button usa-button--outline">Filter</button>
        </form>
        {items.length === 0 ? (
          <EmptyState title={filtering ? 'No journeys match' : 'No journeys yet'}>
            {!filtering && <p>A journey names the pages or key actions a visitor goes through to finish a task, such as applying for a permit. {services.length > 0 ? 'Define the first one to see who begins, who finishes and where people drop off.' : 'Ask a service manager to define one.'}</p>}
          </EmptyState>
        ) : (
          <>
            <table class="usa-table usa-table--borderless usa-table--stacked width-full">
              <caption class="usa-sr-only">Journeys</caption>
              <thead><tr><th scope="col">Journey</th><th scope="col">Service</th><th scope="col">State</th><th scope="col">Version</th><th scope="col">Steps</th><th scope="col">Sites</th></tr></thead>
              <tbody>{items.map((j) => (
                <tr key={j.id}>
                  <th scope="row" data-label="Journey"><a href={`/journeys/${j.id}`}>{j.name}</a></th>
                  <td data-label="Service"><a href={`/journeys?serviceId=${j.serviceId}`}>{j.serviceName}</a></td>
                  <td data-label="State"><StateTag state={j.state} /></td>
                  <td data-label="Version">{j.current.version}</td>
                  <td data-label="Steps">{j.current.steps.length}</td>
                  <td data-label="Sites">{j.sites.map((s) => s.domain).join(', ')}</td>
                </tr>
              ))}</tbody>
            </table>
            <Pagination path="/journeys" query={{ q, serviceId, siteId, state }} page={page} pageSize={PAGE_SIZE} total={total} />
            <p><a href={`/api/v1/journeys?format=csv&pageSize=500${serviceId ? `&serviceId=${serviceId}` : ''}${siteId ? `&siteId=${siteId}` : ''}${state ? `&state=${state}` : ''}`}>Download this list (CSV)</a></p>
          </>
        )}
      </>
    ))
  })

  const journeyForm = async (request: FastifyRequest, reply: FastifyReply, mode: FormMode, values: JourneyFormValues, problems: { errors?: FieldErrors; message?: string; status?: string; focus?: number } = {}) => {
    const actor = requireActor(request)
    const services = mode.journey ? [] : await manageableServices(db, actor)
    if (!mode.journey && services.length === 0) throw new Forbidden('Your role does not allow defining journeys.')
    const sites = await linkableSites(db, actor, mode.journey?.organizationPath ?? null)
    const linked = mode.journey?.sites.filter((s) => !sites.some((o) => o.id === s.id)) ?? []
    const siteOptions = [...sites, ...linked].map((s) => ({ value: s.id, label: `${s.name} (${s.domain})${s.state === 'archived' ? ', archived' : ''}` }))
    const errors = problems.errors ? formErrors(problems.errors) : undefined
    const failed = Boolean(errors || problems.message)
    return sendPage(request, reply, mode.title, (csrf) => (
      <>
        <h1>{mode.title}</h1>
        {mode.journey && <p>Changing the steps or the window writes version {mode.journey.current.version + 1}; version {mode.journey.current.version} then shows as replaced, and its results stay available.</p>}
        {problems.status && <div class="usa-alert usa-alert--info usa-alert--slim" role="status"><div class="usa-alert__body"><p class="usa-alert__text">{problems.status}</p></div></div>}
        <form class="usa-form usa-form--large" method="post" action={mode.action} noValidate>
          {/* Enter in a text box submits with the form's first button: make that one Save, not "Move step 1 down". */}
          <button type="submit" name="_op" value="save" class="usa-sr-only" tabIndex={-1} aria-hidden="true">Save</button>
          <ErrorSummary message={problems.message} errors={errors} labels={errorLabels(values)} />
          <CsrfField token={csrf} />
          {mode.journey
            ? <p>Service: <strong>{mode.journey.serviceName}</strong> ({mode.journey.organizationName})</p>
            : <SelectField name="serviceId" label={LABELS.serviceId as string} value={values.serviceId} errors={errors} required emptyLabel="- Select -"
                options={services.map((s) => ({ value: s.id, label: `${s.name} (${s.organizationName})` }))} />}
          <TextField name="name" label="Name" value={values.name} maxLength={200} errors={errors} required hint="For example: Apply for a permit online." />
          <TextArea name="description" label="Description (optional)" value={values.description} maxLength={2000} errors={errors} />
          {siteOptions.length === 0
            ? <p>No active site to measure on yet. <a href="/sites/new">Add a site</a> first.</p>
            : <CheckboxGroup name="siteIds" label="Sites the journey is measured on" options={siteOptions} selected={values.siteIds} errors={errors} />}
          <fieldset class="usa-fieldset margin-top-4">
            <legend class="usa-legend">Conversion window</legend>
            <p class="usa-hint" id="window-hint">A visitor finishes the journey only if the last step happens within this long of the first. At most 90 days.</p>
            <TextField name="windowValue" label="Length" type="number" value={values.windowValue} errors={errors} required />
            <SelectField name="windowUnit" label="Unit" value={values.windowUnit} options={Object.keys(UNITS).map((u) => ({ value: u, label: u }))} />
          </fieldset>
          <h2>Steps</h2>
          <p>{MIN_JOURNEY_STEPS} to {MAX_JOURNEY_STEPS} steps, in the order a visitor goes through them. A visitor counts at a step only after reaching every earlier one.</p>
          {errors?.steps && <span class="usa-error-message" id="field-steps" role="alert">{errors.steps}</span>}
          <StepRows action={mode.action} values={values} errors={errors} />
          {mode.journey && <TextField name="note" label="What changed (kept with the new version; optional)" value={values.note} maxLength={500} errors={errors} />}
          <div class="cx-actions">
            <button type="submit" name="_op" value="save" class="usa-button">Save</button>
            {mode.journey && <a class="usa-button usa-button--unstyled" href={`/journeys/${mode.journey.id}`}>Cancel</a>}
          </div>
        </form>
      </>
    ), failed ? 400 : 200)
  }

  /** A form post: a step button rearranges and shows the form again; Save validates and writes. */
  const handleForm = async (request: FastifyRequest, reply: FastifyReply, mode: FormMode, save: (values: JourneyFormValues) => Promise<{ id: string; name: string }>, done: string) => {
    const values = valuesFromForm(asForm(request.body))
    const op = formText(asForm(request.body), '_op')
    if (op && op !== 'save') {
      const { message } = applyStepOp(values, op)
      return journeyForm(request, reply, mode, values, { status: message })
    }
    const result = await attempt(() => save(values))
    if (!result.ok) return journeyForm(request, reply, mode, values, { errors: result.fields, message: result.message })
    return redirectWithFlash(request, reply, `/journeys/${result.value.id}`, `${done} ${result.value.name}.`)
  }

  const createMode: FormMode = { title: 'Define a journey', action: '/journeys' }

  app.get<{ Querystring: { serviceId?: string } }>('/journeys/new', async (request, reply) =>
    journeyForm(request, reply, createMode, { serviceId: request.query.serviceId ?? '', name: '', description: '', siteIds: [], windowValue: '1', windowUnit: 'days', steps: [blankStep(), blankStep()], note: '' }))

  app.post('/journeys', async (request, reply) => handleForm(request, reply, createMode,
    (values) => createJourney(db, requireActor(request), parseWith(JourneyCreateInput, inputFromValues(values, true))), 'Defined'))

  const editMode = (journey: JourneyDetail): FormMode => ({ title: `Edit ${journey.name}`, action: `/journeys/${journey.id}/edit`, journey })

  const managedJourney = async (request: FastifyRequest, id: string) => {
    const actor = requireActor(request)
    const journey = await getJourney(db, actor, id)
    if (!journeyAbilities(actor, journey).manage) throw new Forbidden('Your role does not allow managing this organization’s journeys.')
    return journey
  }

  app.get<{ Params: { id: string } }>('/journeys/:id/edit', async (request, reply) => {
    const journey = await managedJourney(request, request.params.id)
    return journeyForm(request, reply, editMode(journey), valuesFromJourney(journey))
  })

  app.post<{ Params: { id: string } }>('/journeys/:id/edit', async (request, reply) => {
    const journey = await managedJourney(request, request.params.id)
    return handleForm(request, reply, editMode(journey),
      (values) => updateJourney(db, requireActor(request), journey.id, parseWith(JourneyUpdateInput, inputFromValues(values, false))), 'Saved')
  })

  app.post<{ Params: { id: string } }>('/journeys/:id/state', async (request, reply) => {
    const body = asForm(request.body)
    const state = formText(body, 'state')
    const replacedByJourneyId = formText(body, 'replacedByJourneyId') || undefined
    if (state !== 'active' && state !== 'deprecated' && state !== 'replaced') throw new Invalid('Some fields need attention.', { state: 'must be active, deprecated or replaced' })
    const journey = await setJourneyState(db, requireActor(request), request.params.id, { state, replacedByJourneyId })
    const message = state === 'deprecated' ? 'Deprecated' : state === 'active' ? 'Made active again:' : 'Marked as replaced:'
    return redirectWithFlash(request, reply, `/journeys/${journey.id}`, `${message} ${journey.name}.`)
  })

  app.get<{ Params: { id: string }; Querystring: DashboardQuery }>('/journeys/:id', async (request, reply) => {
    const actor = requireActor(request)
    const journey = await getJourney(db, actor, request.params.id)
    const can = journeyAbilities(actor, journey)
    const versionNumber = /^\d{1,7}$/.test(request.query.version ?? '') ? Number(request.query.version) : undefined
    const shown = journey.versions.find((v) => v.version === versionNumber) ?? journey.current
    let periodErrors: FieldErrors | undefined
    let period = { from: request.query.from, to: request.query.to }
    try {
      parsePeriod(period)
    } catch (error) {
      if (!(error instanceof Invalid)) throw error
      periodErrors = error.fields
      period = { from: undefined, to: undefined }
    }
    const query = { version: shown.version, ...period }
    const [results, trust, candidates] = await Promise.all([
      journeyResults(runtime, actor, journey.id, query),
      journeyTrustByStep(runtime, actor, journey.id, query),
      can.manage && journey.state !== 'replaced' ? replacementCandidates(db, actor, journey.id) : Promise.resolve([]),
    ])
    const from = new Date(results.from)
    const to = new Date(results.to)
    const params = `version=${shown.version}&from=${encodeURIComponent(results.from)}&to=${encodeURIComponent(results.to)}`
    return sendPage(request, reply, journey.name, (csrf) => (
      <>
        <h1>{journey.name}</h1>
        <p class="usa-intro">Journey of <a href={`/services/${journey.serviceId}`}>{journey.serviceName}</a> ({journey.organizationName}). <StateTag state={journey.state} /></p>
        {journey.description && <p>{journey.description}</p>}
        {journey.state === 'deprecated' && <div class="usa-alert usa-alert--warning usa-alert--slim"><div class="usa-alert__body"><p class="usa-alert__text">This journey is deprecated: the flow is retired, and its results stay for reference.</p></div></div>}
        {journey.current.replacedBy?.kind === 'journey' && (
          <div class="usa-alert usa-alert--warning usa-alert--slim"><div class="usa-alert__body"><p class="usa-alert__text">This journey was replaced by <a href={`/journeys/${journey.current.replacedBy.id}`}>{journey.current.replacedBy.name}</a>.</p></div></div>
        )}
        {can.manage && journey.state !== 'replaced' && <p><a class="usa-button" href={`/journeys/${journey.id}/edit`}>Edit</a></p>}
        <SummaryList rows={[
          ['Sites', <ul class="usa-list usa-list--unstyled">{journey.sites.map((s) => <li key={s.id}><a href={`/sites/${s.id}`}>{s.name}</a> (<code>{s.domain}</code>)</li>)}</ul>],
          ['Current version', `Version ${journey.current.version}: ${journey.current.steps.length} steps, window ${windowText(journey.current.windowSeconds)}`],
        ]} />

        <h2>Results</h2>
        <form class="usa-form usa-form--large cx-filters" method="get" action={`/journeys/${journey.id}`} aria-label="Period and version">
          <ErrorSummary message={periodErrors ? 'The period is not valid; showing the last 30 days.' : undefined} errors={periodErrors} labels={{ from: 'From', to: 'To' }} />
          <TextField name="from" label="From (UTC)" type="date" value={day(from)} errors={periodErrors} />
          <TextField name="to" label="To (UTC, included)" type="date" value={day(new Date(to.getTime() - 1))} errors={periodErrors} />
          <SelectField name="version" label="Version" value={String(shown.version)}
            options={journey.versions.map((v) => ({ value: String(v.version), label: `Version ${v.version} (${STATE_LABELS[v.state].toLowerCase()})` }))} />
          <button type="submit" class="usa-button usa-button--outline">Show</button>
        </form>
        {shown.version !== journey.current.version && (
          <div class="usa-alert usa-alert--info usa-alert--slim"><div class="usa-alert__body"><p class="usa-alert__text">
            Showing version {shown.version}, which is {STATE_LABELS[shown.state].toLowerCase()}{shown.replacedBy?.kind === 'version' ? ` by version ${shown.replacedBy.version}` : ''}. Its steps: {shown.steps.map((s) => s.label).join(' → ')}.
          </p></div></div>
        )}
        <p>From {results.from.slice(0, 16).replace('T', ' ')} to {results.to.slice(0, 16).replace('T', ' ')} UTC, version {shown.version}, window {windowText(shown.windowSeconds)}.</p>
        <SummaryList rows={[
          ['Began (reached step 1)', <span data-testid="began">{count(results.began)}</span>],
          ['Ended (reached the last step)', <span data-testid="ended">{count(results.ended)}</span>],
          ['Completion rate', <span data-testid="completion">{rate(results.completionRate)}</span>],
        ]} />
        <Funnel results={results} csvHref={`/api/v1/journeys/${journey.id}/results?format=csv&${params}`} />

        <h2>Trust by step</h2>
        <TrustSection trust={trust} csvHref={`/api/v1/journeys/${journey.id}/trust-by-step?format=csv&${params}`} />

        <h2>Version history</h2>
        <VersionHistory journey={journey} shown={shown.version} csvHref={`/api/v1/journeys/${journey.id}/versions?format=csv`} />

        {can.manage && journey.state !== 'replaced' && (
          <>
            <h2>Change the state</h2>
            <div class="cx-actions">
              <form method="post" action={`/journeys/${journey.id}/state`}>
                <CsrfField token={csrf} />
                <input type="hidden" name="state" value={journey.state === 'active' ? 'deprecated' : 'active'} />
                <button type="submit" class="usa-button usa-button--secondary">{journey.state === 'active' ? 'Deprecate this journey' : 'Make this journey active again'}</button>
              </form>
            </div>
            {candidates.length === 0 ? <p>To mark this journey as replaced, define the journey that replaces it first.</p> : (
              <form class="usa-form" method="post" action={`/journeys/${journey.id}/state`}>
                <CsrfField token={csrf} />
                <input type="hidden" name="state" value="replaced" />
                <SelectField name="replacedByJourneyId" label="Replaced by" emptyLabel="- Select -" required
                  options={candidates.map((c) => ({ value: c.id, label: `${c.name} (${c.serviceName})` }))} />
                <button type="submit" class="usa-button usa-button--outline">Mark as replaced</button>
              </form>
            )}
          </>
        )}
      </>
    ))
  })
}
