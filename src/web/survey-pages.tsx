/**
 * Staff survey pages: the list, "new survey from a template", the overview (delivery links, embed snippet, lifecycle,
 * version history) and read-only past versions. Settings, the question editor and translations register from their
 * own modules. Every change goes through the survey domain functions, which check rights and write the audit log.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { CHANNEL_LABELS, CHANNELS } from '../a11/channels.ts'
import { estimatedBurdenMinutes, PRA_MAX_MINUTES, PRA_MAX_QUESTIONS, publishProblems } from '../a11/pra.ts'
import { askingQuestions, SURVEY_STATES, SURVEY_TYPES, untranslated, type SurveyState } from '../a11/survey-model.ts'
import { SURVEY_TEMPLATES, TEMPLATE_KEYS } from '../a11/survey-templates.ts'
import { canCreateServicesSomewhere } from '../auth/index.ts'
import { Forbidden, type FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import {
  createSurvey, embedSnippet, getSurvey, getSurveyVersion, listManageableServices, listSurveys, listSurveyServices, listSurveyVersions,
  SURVEY_TRANSITIONS, surveyAbilities, SurveyCreateInput, surveyLanguageName, surveyLink, today, transitionSurvey, transitionsFrom,
  widgetScript, type ManageableService, type SurveyTransition, type SurveyVersionSummary, type SurveyView,
} from '../surveys/index.ts'
import { parseWith } from '../validation.ts'
import { Checkbox, CsrfField, EmptyState, ErrorSummary, Pagination, SelectField, SummaryList, TextField } from './components.tsx'
import { asForm, attempt, formFlag, formText, type FormBody } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'
import { registerSurveyEditorPages } from './survey-editor.tsx'
import { registerSurveySettingsPages } from './survey-settings-page.tsx'
import {
  DefinitionView, QuestionList, SCALE_LABELS, StateTag, SURVEY_STATE_LABELS, SURVEY_TYPE_LABELS, SurveyHeader,
} from './survey-components.tsx'
import { registerSurveyTranslationPages } from './survey-translations.tsx'

const PAGE_SIZE = 25

interface ListQuery { q?: string; serviceId?: string; state?: string; page?: string }

const TRANSITION_LABELS: Readonly<Record<SurveyTransition, { button: string; done: string }>> = {
  publish: { button: 'Publish', done: 'Published: the survey accepts responses.' },
  close: { button: 'Close', done: 'Closed: the survey no longer accepts responses.' },
  reopen: { button: 'Reopen', done: 'Reopened: the survey accepts responses again.' },
  archive: { button: 'Archive', done: 'Archived.' },
}

export async function registerSurveyPages(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const { db, config } = runtime

  app.get<{ Querystring: ListQuery }>('/surveys', async (request, reply) => {
    const actor = requireActor(request)
    const services = await listSurveyServices(db, actor)
    const q = request.query
    const filter = {
      q: q.q?.trim().slice(0, 200) || undefined,
      serviceId: services.some((s) => s.id === q.serviceId) ? q.serviceId : undefined,
      state: q.state && (SURVEY_STATES as readonly string[]).includes(q.state) ? q.state : undefined,
    }
    const page = Math.max(1, Math.min(100_000, Number.parseInt(q.page ?? '1', 10) || 1))
    const { items, total } = await listSurveys(db, actor, { ...filter, page, pageSize: PAGE_SIZE })
    const canAdd = canCreateServicesSomewhere(actor)
    const filtered = Object.values(filter).some(Boolean)
    return sendPage(request, reply, 'Surveys', (
      <>
        <h1>Surveys</h1>
        <p class="usa-intro">Post-transaction feedback surveys (A-11 §280.14): built from the A-11 templates, delivered on the web, by email, SMS, QR code and widget.</p>
        {canAdd && <div class="cx-actions"><a class="usa-button" href="/surveys/new">New survey</a></div>}
        <form class="usa-form usa-form--large cx-filters" method="get" action="/surveys" role="search" aria-label="Filter surveys">
          <TextField name="q" label="Search" value={filter.q} hint="Survey or service name" />
          <SelectField name="serviceId" label="Service" value={filter.serviceId} emptyLabel="All" options={services.map((s) => ({ value: s.id, label: s.name }))} />
          <SelectField name="state" label="State" value={filter.state} emptyLabel="All but archived" options={SURVEY_STATES.map((s) => ({ value: s, label: SURVEY_STATE_LABELS[s] }))} />
          <button class="usa-button" type="submit">Filter</button>
        </form>
        {items.length === 0 ? (
          <EmptyState title={filtered ? 'No surveys match' : 'No surveys yet'}>
            {filtered ? <p>Try other filters.</p> : canAdd ? <p>Start one from an A-11 template with “New survey”.</p> : <p>Surveys appear here once your agency creates them.</p>}
          </EmptyState>
        ) : (
          <>
            <p role="status">{total} survey{total === 1 ? '' : 's'}</p>
            <table class="usa-table usa-table--borderless usa-table--stacked width-full">
              <caption class="usa-sr-only">Surveys</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">Service</th><th scope="col">Channel</th><th scope="col">Type</th><th scope="col">State</th><th scope="col">Version</th><th scope="col">PRA expires</th></tr></thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.id}>
                    <th scope="row" data-label="Name"><a href={`/surveys/${s.id}`}>{s.name}</a></th>
                    <td data-label="Service">{s.serviceName}<br /><span class="text-base">{s.organizationName}</span></td>
                    <td data-label="Channel">{CHANNEL_LABELS[s.channel]}</td>
                    <td data-label="Type">{SURVEY_TYPE_LABELS[s.surveyType]}</td>
                    <td data-label="State"><StateTag state={s.state} /></td>
                    <td data-label="Version">{s.version}</td>
                    <td data-label="PRA expires">{s.praExpiresOn ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pagination path="/surveys" query={filter} page={page} pageSize={PAGE_SIZE} total={total} />
          </>
        )}
      </>
    ))
  })

  const showNewForm = async (request: FastifyRequest, reply: FastifyReply, values: NewSurveyValues, errors?: FieldErrors, message?: string) => {
    const services = await listManageableServices(db, requireActor(request))
    if (services.length === 0) throw new Forbidden('Your role does not allow adding surveys to any service.')
    return sendPage(request, reply, 'New survey', (csrf) => (
      <>
        <nav class="usa-breadcrumb" aria-label="Breadcrumbs">
          <ol class="usa-breadcrumb__list">
            <li class="usa-breadcrumb__list-item"><a href="/surveys" class="usa-breadcrumb__link"><span>Surveys</span></a></li>
            <li class="usa-breadcrumb__list-item usa-current" aria-current="page"><span>New survey</span></li>
          </ol>
        </nav>
        <h1>New survey</h1>
        <p class="usa-intro">Start from a template. The survey is a draft until you publish it; you can change every question and translation first.</p>
        <NewSurveyForm csrf={csrf} services={services} values={values} errors={errors} message={message} />
      </>
    ), errors ? 400 : 200)
  }

  app.get<{ Querystring: { serviceId?: string } }>('/surveys/new', async (request, reply) =>
    showNewForm(request, reply, { serviceId: request.query.serviceId ?? '', template: 'a11_v2_thumbs', surveyType: 'post_interaction', channel: 'website', stageId: '', askContact: false, name: '' }))

  app.post('/surveys', async (request, reply) => {
    const values = newSurveyValues(asForm(request.body))
    const actor = requireActor(request)
    const result = await attempt(() => createSurvey(db, actor, parseWith(SurveyCreateInput, newSurveyInput(values))))
    if (!result.ok) return showNewForm(request, reply, values, result.fields, result.message)
    const template = SURVEY_TEMPLATES[values.template as keyof typeof SURVEY_TEMPLATES]
    return redirectWithFlash(request, reply, `/surveys/${result.value.id}`, `Created “${result.value.name}” from the ${template.name} template. It is a draft until you publish it.`)
  })

  const showOverview = async (request: FastifyRequest, reply: FastifyReply, id: string, refusal?: { message: string; fields: FieldErrors }) => {
    const actor = requireActor(request)
    const survey = await getSurvey(db, actor, id)
    const [abilities, versions] = await Promise.all([surveyAbilities(db, actor, id), listSurveyVersions(db, actor, id)])
    return sendPage(request, reply, survey.name, (csrf) => (
      <SurveyOverview survey={survey} manage={abilities.manage} versions={versions} csrf={csrf} publicUrl={config.publicUrl} refusal={refusal} />
    ), refusal ? 400 : 200)
  }

  app.get<{ Params: { id: string } }>('/surveys/:id', async (request, reply) => showOverview(request, reply, request.params.id))

  app.post<{ Params: { id: string } }>('/surveys/:id/transition', async (request, reply) => {
    const transition = formText(asForm(request.body), 'transition') as SurveyTransition
    if (!SURVEY_TRANSITIONS.includes(transition)) return reply.status(400).send('Unknown action')
    const result = await attempt(() => transitionSurvey(db, requireActor(request), request.params.id, transition))
    if (!result.ok) return showOverview(request, reply, request.params.id, { message: result.message, fields: result.fields })
    return redirectWithFlash(request, reply, `/surveys/${request.params.id}`, TRANSITION_LABELS[transition].done)
  })

  app.get<{ Params: { id: string; version: string } }>('/surveys/:id/versions/:version', async (request, reply) => {
    const actor = requireActor(request)
    const survey = await getSurvey(db, actor, request.params.id)
    const number = /^\d{1,6}$/.test(request.params.version) ? Number(request.params.version) : 0
    const version = await getSurveyVersion(db, actor, survey.id, number)
    return sendPage(request, reply, `${survey.name}, version ${version.version}`, (
      <>
        <SurveyHeader survey={survey} section="version" title={`${survey.name}: version ${version.version}`} />
        <div class="usa-alert usa-alert--info usa-alert--slim">
          <div class="usa-alert__body">
            <p class="usa-alert__text">
              Read-only. Version {version.version} was saved {formatWhen(version.createdAt)}
              {version.version === survey.version ? '; it is the current version.' : `; the current version is ${survey.version}. Responses keep the version they answered.`}
            </p>
          </div>
        </div>
        <DefinitionView definition={version.definition} />
      </>
    ))
  })

  await registerSurveySettingsPages(app, runtime)
  await registerSurveyEditorPages(app, runtime)
  await registerSurveyTranslationPages(app, runtime)
}

const formatWhen = (iso: string): string => `${iso.slice(0, 10)} at ${iso.slice(11, 16)} UTC`

interface NewSurveyValues {
  readonly serviceId: string
  readonly template: string
  readonly surveyType: string
  readonly channel: string
  readonly stageId: string
  readonly askContact: boolean
  readonly name: string
}

function newSurveyValues(body: FormBody): NewSurveyValues {
  return {
    serviceId: formText(body, 'serviceId'), template: formText(body, 'template'), surveyType: formText(body, 'surveyType'), channel: formText(body, 'channel'),
    stageId: formText(body, 'stageId'), askContact: formFlag(body, 'askContact'), name: formText(body, 'name').trim(),
  }
}

/** The create input the schema then validates; empty optional fields are left out. */
function newSurveyInput(values: NewSurveyValues): Record<string, unknown> {
  return {
    serviceId: values.serviceId, template: values.template, surveyType: values.surveyType, channel: values.channel, askContact: values.askContact,
    ...(values.stageId ? { stageId: values.stageId } : {}), ...(values.name ? { name: values.name } : {}),
  }
}

const NEW_LABELS = { serviceId: 'Service', template: 'Template', surveyType: 'Survey type', channel: 'Channel', stageId: 'Stage of the service', name: 'Name' }

function NewSurveyForm({ csrf, services, values, errors, message }: { csrf: string; services: readonly ManageableService[]; values: NewSurveyValues; errors?: FieldErrors | undefined; message?: string | undefined }) {
  const templateError = errors?.template
  const stageError = errors?.stageId
  return (
    <form class="usa-form usa-form--large" method="post" action="/surveys" noValidate>
      <ErrorSummary message={message} errors={errors} labels={NEW_LABELS} />
      <CsrfField token={csrf} />
      <SelectField name="serviceId" label="Service" value={values.serviceId} required errors={errors} emptyLabel="- Select -"
        hint="The service whose customers answer this survey."
        options={services.map((s) => ({ value: s.id, label: `${s.name} (${s.organizationName})` }))} />
      <fieldset id="field-template" tabIndex={-1} class={`usa-fieldset usa-form-group${templateError ? ' usa-form-group--error' : ''}`}>
        <legend class="usa-legend">Template <span class="usa-hint usa-hint--required">(required)</span></legend>
        {templateError && <span class="usa-error-message" role="alert">{templateError}</span>}
        {TEMPLATE_KEYS.map((key) => (
          <div class="usa-radio" key={key}>
            <input class="usa-radio__input usa-radio__input--tile" id={`template-${key}`} type="radio" name="template" value={key} checked={values.template === key} />
            <label class="usa-radio__label" for={`template-${key}`}>
              {SURVEY_TEMPLATES[key].name}
              <span class="usa-checkbox__label-description">{SURVEY_TEMPLATES[key].description}</span>
            </label>
          </div>
        ))}
      </fieldset>
      <TextField name="name" label="Name (optional)" value={values.name} maxLength={200} errors={errors} hint="For staff; the survey's title is what respondents see. Defaults to the title." />
      <SelectField name="surveyType" label="Survey type" value={values.surveyType} errors={errors}
        hint="Post-interaction: right after one transaction. Journey: at the end of the whole service. Relational: periodic, not tied to a transaction."
        options={SURVEY_TYPES.map((t) => ({ value: t, label: SURVEY_TYPE_LABELS[t] }))} />
      <SelectField name="channel" label="Channel" value={values.channel} errors={errors} hint="Where the customer interacted with the service."
        options={CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))} />
      <div class={`usa-form-group${stageError ? ' usa-form-group--error' : ''}`}>
        <label class={`usa-label${stageError ? ' usa-label--error' : ''}`} for="field-stageId">Stage of the service (optional)</label>
        <div class="usa-hint" id="field-stageId-hint">Choose a stage of the service selected above, or leave it for the whole service.</div>
        {stageError && <span class="usa-error-message" id="field-stageId-error" role="alert">{stageError}</span>}
        <select class={`usa-select${stageError ? ' usa-input--error' : ''}`} id="field-stageId" name="stageId"
          aria-describedby={`field-stageId-hint${stageError ? ' field-stageId-error' : ''}`} aria-invalid={stageError ? 'true' : undefined}>
          <option value="">The whole service</option>
          {services.filter((s) => s.stages.length > 0 && (!values.serviceId || s.id === values.serviceId)).map((s) => (
            <optgroup label={s.name} key={s.id}>
              {s.stages.map((stage) => <option value={stage.id} key={stage.id} selected={stage.id === values.stageId}>{stage.name}</option>)}
            </optgroup>
          ))}
        </select>
      </div>
      <Checkbox name="askContact" label="Ask whether we may contact the respondent (opens a recovery case for negative answers)" checked={values.askContact} />
      <button type="submit" class="usa-button">Create survey</button>
    </form>
  )
}

const REFUSAL_FIXES: Readonly<Record<string, [string, string]>> = {
  questions: ['Questions', 'questions'], burdenMinutes: ['Burden estimate', 'settings#field-burdenMinutes'],
  praExpiresOn: ['Expiration date', 'settings#field-praExpiresOn'], ombControlNumber: ['OMB control number', 'settings#field-ombControlNumber'],
}

/** Why publishing (or another action) was refused, each problem linked to the page that fixes it. */
function Refusal({ surveyId, message, fields, warning = false }: { surveyId: string; message: string; fields: FieldErrors; warning?: boolean }) {
  return (
    <div class={`usa-alert ${warning ? 'usa-alert--warning' : 'usa-alert--error'}`} role={warning ? undefined : 'alert'}>
      <div class="usa-alert__body">
        <h2 class="usa-alert__heading">{message}</h2>
        {Object.keys(fields).length > 0 && (
          <ul class="usa-list">
            {Object.entries(fields).map(([name, text]) => {
              const fix = REFUSAL_FIXES[name]
              return <li key={name}>{fix ? <><strong>{fix[0]}:</strong> {text} <a href={`/surveys/${surveyId}/${fix[1]}`}>Fix {fix[0].toLowerCase()}</a></> : text}</li>
            })}
          </ul>
        )}
      </div>
    </div>
  )
}

function SurveyOverview({ survey, manage, versions, csrf, publicUrl, refusal }: {
  survey: SurveyView; manage: boolean; versions: readonly SurveyVersionSummary[]; csrf: string; publicUrl: string; refusal?: { message: string; fields: FieldErrors } | undefined
}) {
  const definition = survey.definition
  const clearance = { ombControlNumber: survey.ombControlNumber, expiresOn: survey.praExpiresOn, burdenMinutes: survey.burdenMinutes, otherClearance: survey.otherClearance }
  const blockers = survey.state === 'draft' && !refusal ? publishProblems(definition, clearance, today()) : {}
  const actions = manage ? transitionsFrom(survey.state as SurveyState) : []
  const gaps = untranslated(definition)
  return (
    <>
      <SurveyHeader survey={survey} section="overview" />
      {refusal && <Refusal surveyId={survey.id} message={refusal.message} fields={refusal.fields} />}
      {Object.keys(blockers).length > 0 && manage && <Refusal surveyId={survey.id} message="Publishing is blocked until these are fixed" fields={blockers} warning />}
      {actions.length > 0 && (
        <div class="cx-actions">
          {actions.map((t) => (
            <form method="post" action={`/surveys/${survey.id}/transition`} key={t}>
              <CsrfField token={csrf} />
              <input type="hidden" name="transition" value={t} />
              <button type="submit" class={`usa-button${t === 'publish' || t === 'reopen' ? '' : ' usa-button--outline'}${t === 'archive' ? ' usa-button--secondary' : ''}`}>{TRANSITION_LABELS[t].button}</button>
            </form>
          ))}
        </div>
      )}
      <h2>Summary</h2>
      <SummaryList rows={[
        ['State', SURVEY_STATE_LABELS[survey.state]], ['Version', String(survey.version)],
        ['Service', <a href={`/services/${survey.serviceId}`}>{survey.serviceName}</a>], ['Organization', survey.organizationName],
        ['Channel', CHANNEL_LABELS[survey.channel]], ['Survey type', SURVEY_TYPE_LABELS[survey.surveyType]],
        ['Scale', survey.scale ? SCALE_LABELS[survey.scale] : 'No trust question'],
        ['Allowed origins (widget)', survey.allowedOrigins.length > 0 ? survey.allowedOrigins.join(', ') : 'None: the widget works only on this site'],
        ['Published', survey.publishedAt ? formatWhen(survey.publishedAt) : null], ['Closed', survey.closedAt ? formatWhen(survey.closedAt) : null],
      ]} />
      <h2>Paperwork Reduction Act</h2>
      <SummaryList rows={[
        ['OMB control number', survey.ombControlNumber], ['Expiration date', survey.praExpiresOn],
        ['Questions asked', `${askingQuestions(definition).length}${survey.otherClearance ? '' : ` (at most ${PRA_MAX_QUESTIONS} under a generic clearance)`}`],
        ['Burden per response', `${estimatedBurdenMinutes(definition, clearance)} minutes${survey.burdenMinutes === null ? ', estimated' : ''}${survey.otherClearance ? '' : ` (at most ${PRA_MAX_MINUTES} under a generic clearance)`}`],
        ['Federal Register notice', survey.federalRegisterUrl ? <a href={survey.federalRegisterUrl}>{survey.federalRegisterUrl}</a> : null],
        ['Approved annual responses', survey.approvedAnnualResponses === null ? null : survey.approvedAnnualResponses.toLocaleString('en-US')],
        ['Other clearance', survey.otherClearance],
      ]} />
      {manage && survey.state !== 'archived' && <p><a href={`/surveys/${survey.id}/settings`}>Edit settings and PRA clearance</a></p>}
      <h2>Questions</h2>
      <QuestionList definition={definition} />
      <p><a href={`/surveys/${survey.id}/questions`}>{manage && survey.state !== 'archived' ? 'Edit questions' : 'See the questions'}</a></p>
      <h2>Languages</h2>
      <ul class="usa-list">
        {definition.languages.map((language, index) => (
          <li key={language}>
            {surveyLanguageName(definition, language)} (<code>{language}</code>){index === 0 ? ', the default' : ''}:{' '}
            {gaps[language] ? <a href={index === 0 ? `/surveys/${survey.id}/questions` : `/surveys/${survey.id}/translations/${language}`}>{gaps[language].length} string{gaps[language].length === 1 ? '' : 's'} untranslated</a> : 'complete'}
          </li>
        ))}
      </ul>
      <Delivery survey={survey} publicUrl={publicUrl} />
      <h2>Version history</h2>
      <table class="usa-table usa-table--borderless">
        <caption class="usa-sr-only">Versions of this survey</caption>
        <thead><tr><th scope="col">Version</th><th scope="col">Saved</th><th scope="col">By</th></tr></thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version}>
              <th scope="row"><a href={`/surveys/${survey.id}/versions/${v.version}`}>Version {v.version}</a>{v.version === survey.version ? ' (current)' : ''}</th>
              <td>{formatWhen(v.createdAt)}</td>
              <td>{v.createdBy ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

function embedSnippets(publicUrl: string, surveyId: string): { modal: string; inline: string; button: string } | null {
  try {
    const { integrity } = widgetScript()
    return { modal: embedSnippet(publicUrl, surveyId, integrity, 'modal'), inline: embedSnippet(publicUrl, surveyId, integrity, 'inline'), button: embedSnippet(publicUrl, surveyId, integrity, 'button') }
  } catch {
    // The overview stays usable if the widget bundle cannot be built; the widget route reports the failure itself.
    return null
  }
}

/** How the survey reaches people: hosted page, email and SMS links, QR codes, the embeddable widget. */
function Delivery({ survey, publicUrl }: { survey: SurveyView; publicUrl: string }) {
  const hosted = surveyLink(publicUrl, survey.id, {})
  const email = surveyLink(publicUrl, survey.id, { source: 'link', channel: 'email' })
  const sms = surveyLink(publicUrl, survey.id, { source: 'link', channel: 'sms_text_messages' })
  const snippets = embedSnippets(publicUrl, survey.id)
  return (
    <section aria-labelledby="delivery-heading">
      <h2 id="delivery-heading">Delivery</h2>
      {survey.state !== 'published' && <p>The links and the widget work once the survey is published. <a href={`/s/${survey.id}?preview=1`}>Preview the hosted page</a> (responses are not saved).</p>}
      <SummaryList rows={[
        ['Hosted page', <a href={hosted}>{hosted}</a>],
        ['Link for email', <code class="cx-break">{email}</code>],
        ['Link for SMS', <code class="cx-break">{sms}</code>],
      ]} />
      <h3>QR codes for in-person locations</h3>
      <p>
        <a href={`/api/v1/surveys/${survey.id}/qr.svg`}>Download the QR code (SVG, for print)</a> ·{' '}
        <a href={`/api/v1/surveys/${survey.id}/qr.png`}>Download the QR code (PNG)</a>
      </p>
      <form class="usa-form" method="get" action={`/api/v1/surveys/${survey.id}/qr.svg`}>
        <TextField name="locationCode" label="QR code for one location: location code" required maxLength={100}
          hint="Recorded with every response from this code, e.g. an office or counter number." />
        <div class="cx-actions">
          <button type="submit" class="usa-button usa-button--outline">Download for this location (SVG)</button>
          <button type="submit" class="usa-button usa-button--outline" formAction={`/api/v1/surveys/${survey.id}/qr.png`}>Download for this location (PNG)</button>
        </div>
      </form>
      <h3>Embed the feedback widget</h3>
      {snippets ? (
        <>
          <p>Paste this where the “Give feedback” button should appear. The script is versioned and checked by its integrity hash.</p>
          <pre class="cx-pre cx-snippet"><code>{snippets.modal}</code></pre>
          <details class="cx-details">
            <summary>Other ways to embed: inline or your own button</summary>
            <p>Inline, in the page:</p>
            <pre class="cx-pre cx-snippet"><code>{snippets.inline}</code></pre>
            <p>Opened by a button of your own:</p>
            <pre class="cx-pre cx-snippet"><code>{snippets.button}</code></pre>
          </details>
        </>
      ) : <p>The widget script is not available right now.</p>}
    </section>
  )
}
