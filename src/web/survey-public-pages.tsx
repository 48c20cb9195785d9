/**
 * The hosted survey page `/s/{surveyId}`: the public answers a published survey with plain HTML forms, no
 * JavaScript needed. Branching questions are asked first; when later questions depend on those answers the server
 * renders a second step with only the questions of the chosen branch, carrying earlier answers in hidden fields.
 * The last post stores the response through the same intake as the API (`submitResponse`), once per idempotency key.
 * Every respondent-facing string comes from the survey definition or `respondentText`, in the respondent's language.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ComponentChildren } from 'preact'
import { CHANNELS, type Channel } from '../a11/channels.ts'
import { estimatedBurdenMinutes, fill, footerDate, PRA_TEXT } from '../a11/pra.ts'
import { chooseLanguage, respondentText, type RespondentTextKey } from '../a11/respondent-text.ts'
import { branchOf, DEFAULT_TEXT_MAX, pick, type Branch, type Question, type SurveyDefinition } from '../a11/survey-model.ts'
import type { Actor } from '../auth/actor.ts'
import { canReadOrganization } from '../auth/permissions.ts'
import { NotFound } from '../errors.ts'
import { HONEYPOT_FIELD, INTAKE_BODY_LIMIT } from '../http/intake-routes.ts'
import type { Runtime } from '../runtime.ts'
import {
  AnswersRejected, atVersion, withoutControlCharacters, checkAnswers, closedReason, LINK_PARAMS, loadPublicSurvey, recordOffer, submitResponse, textLimit,
  type AnswerProblem, type PublicSurvey,
} from '../surveys/index.ts'
import { asForm, formList, formText, type FormBody } from './forms.ts'
import { sendPublicPage } from './public-layout.tsx'

// ---------------------------------------------------------------------------------------------------------------
// Steps: which questions each form step asks (pure)

/**
 * The questions of each step before branching filters them. A step asks, in definition order, the questions up to
 * the first one that depends on an answer not yet given, plus every question others branch on (so branching
 * questions are answered as early as possible); the next step continues with what is left.
 */
export function stepCandidates(definition: SurveyDefinition): Question[][] {
  const branchedOn = new Set(definition.questions.flatMap((q) => (q.showWhen ? [q.showWhen.question] : [])))
  const asked = new Set<string>()
  const steps: Question[][] = []
  let remaining = definition.questions.filter((q) => q.type !== 'hidden')
  while (remaining.length > 0) {
    const step: Question[] = []
    let inOrder = true
    for (const question of remaining) {
      const ready = !question.showWhen || asked.has(question.showWhen.question)
      if (!ready) inOrder = false
      else if (inOrder || branchedOn.has(question.key)) step.push(question)
    }
    // Only a dependency on a missing question leaves nothing ready; published definitions cannot have one.
    if (step.length === 0) break
    for (const question of step) asked.add(question.key)
    steps.push(step)
    remaining = remaining.filter((q) => !asked.has(q.key))
  }
  return steps
}

const isShown = (question: Question, branches: ReadonlyMap<string, Branch | null>): boolean =>
  !question.showWhen || branches.get(question.showWhen.question) === question.showWhen.branch

const asks = (question: Question): boolean => question.type !== 'display_text' && question.type !== 'hidden'

/** The branch each answered branching question selects, in definition order (a question not shown selects none). */
function branchesOf(definition: SurveyDefinition, answers: Answers): Map<string, Branch | null> {
  const branches = new Map<string, Branch | null>()
  for (const question of definition.questions) {
    if (!['thumbs', 'yes_no', 'likert'].includes(question.type) || !isShown(question, branches)) continue
    const value = Number(firstOf(answers[question.key]) || Number.NaN)
    const valid = question.type === 'likert' ? [1, 2, 3, 4, 5].includes(value) : value === 0 || value === 1
    if (valid) branches.set(question.key, branchOf(question.type, value, definition.likertPositiveMin))
  }
  return branches
}

// ---------------------------------------------------------------------------------------------------------------
// What the request carries: delivery context from the link, answers, the state of the form

type Answers = Record<string, string | string[]>
type Query = Readonly<Record<string, string | string[] | undefined>>

interface Delivery {
  readonly source: 'hosted' | 'link' | 'qr'
  readonly channel?: Channel | undefined
  readonly touchpoint?: string | undefined
  readonly locationCode?: string | undefined
}

const PREVIEW_PARAM = 'preview'
/** Set on the page's own language links so switching language is not counted as another offer. */
const SEEN_PARAM = '_seen'

const firstOf = (value: string | string[] | undefined): string => (Array.isArray(value) ? (value[0] ?? '') : (value ?? ''))
/** A short code from a link (touchpoint, location): trimmed, without control characters, at most 100 characters. */
function code(raw: string): string | undefined {
  const value = withoutControlCharacters(raw).trim()
  return value !== '' && value.length <= 100 ? value : undefined
}

type DeliveryField = Exclude<keyof typeof LINK_PARAMS, 'language'>
const DELIVERY_FIELDS: readonly DeliveryField[] = ['source', 'channel', 'touchpoint', 'locationCode']

/** Invalid values from a link are dropped rather than refused: a typo in an emailed link must not lock people out. */
function deliveryFrom(read: (field: DeliveryField) => string): Delivery {
  const source = read('source')
  const channel = read('channel')
  return {
    source: source === 'link' || source === 'qr' ? source : 'hosted',
    channel: (CHANNELS as readonly string[]).includes(channel) ? (channel as Channel) : undefined,
    touchpoint: code(read('touchpoint')),
    locationCode: code(read('locationCode')),
  }
}

/** The form carries the delivery context in hidden fields named after it (`_source`, `_channel`, …). */
const deliveryField = (field: DeliveryField): string => `_${field}`

/** Hidden questions take their value from the query parameter of the same key. */
function hiddenFromQuery(definition: SurveyDefinition, query: Query): Answers {
  const values: Answers = {}
  for (const question of definition.questions) {
    if (question.type !== 'hidden') continue
    const value = withoutControlCharacters(firstOf(query[question.key])).trim()
    if (value !== '' && value.length <= textLimit(question)) values[question.key] = value
  }
  return values
}

const fieldName = (key: string): string => `answers.${key}`

/** The answers a form post carries for the given questions (unknown fields are ignored). */
function answersFrom(body: FormBody, questions: readonly Question[]): Answers {
  const answers: Answers = {}
  for (const question of questions) {
    const name = fieldName(question.key)
    if (question.type === 'multiple_choice') {
      const selected = formList(body, name)
      if (selected.length > 0) answers[question.key] = selected
      const other = formText(body, `${name}.other`)
      if (other.trim() !== '') answers[`${question.key}.other`] = other
    } else if (question.type !== 'display_text') {
      const value = formText(body, name)
      if (value !== '') answers[question.key] = value
    }
  }
  return answers
}

function pickAnswers(answers: Answers, keep: (questionKey: string) => boolean): Answers {
  return Object.fromEntries(Object.entries(answers).filter(([key]) => keep(key.split('.')[0] as string)))
}

function canPreview(actor: Actor | null, survey: PublicSurvey): boolean {
  return actor !== null && canReadOrganization(actor, survey.organizationPath)
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

interface View {
  readonly survey: PublicSurvey
  readonly definition: SurveyDefinition
  readonly language: string
  readonly preview: boolean
}

interface FormState {
  readonly stage: number
  readonly lastStage: boolean
  readonly questions: readonly Question[]
  /** Answers to the questions on this step (kept when the step comes back with errors). */
  readonly values: Answers
  /** Answers from earlier steps and hidden questions, sent along in hidden fields. */
  readonly carried: Answers
  readonly problems: Readonly<Record<string, AnswerProblem>>
  readonly delivery: Delivery
  readonly idempotencyKey: string
  readonly version: number
}

const say = (view: View, key: RespondentTextKey): string => respondentText(view.definition, key, view.language)
const text = (view: View, localized: Parameters<typeof pick>[0]): string => pick(localized, view.language, view.definition.languages[0] ?? 'en')

interface Choice { readonly value: string; readonly label: string }

function choicesOf(view: View, question: Question): Choice[] {
  switch (question.type) {
    case 'thumbs': return [{ value: '1', label: say(view, 'thumbs_up') }, { value: '0', label: say(view, 'thumbs_down') }]
    case 'yes_no': return [{ value: '1', label: say(view, 'yes') }, { value: '0', label: say(view, 'no') }]
    case 'likert': return ([1, 2, 3, 4, 5] as const).map((n) => ({ value: String(n), label: say(view, `likert_${n}`) }))
    default: return (question.options ?? []).map((o) => ({ value: o.key, label: text(view, o.label) }))
  }
}

const questionId = (key: string): string => `q-${key}`
const choiceId = (key: string, value: string): string => `q-${key}-opt-${value}`
const otherTextId = (key: string): string => `q-${key}-other-text`

/** Where an error summary link lands: the question's first input. */
function anchorOf(view: View, problemKey: string, question: Question | undefined): string {
  if (!question) return questionId(problemKey)
  if (problemKey.endsWith('.other')) return otherTextId(question.key)
  const first = choicesOf(view, question)[0]
  return ['short_text', 'long_text'].includes(question.type) || !first ? questionId(question.key) : choiceId(question.key, first.value)
}

const problemText = (view: View, problem: AnswerProblem): string => say(view, problem.code === 'too_long' ? 'too_long' : 'answer_required')

function describedBy(...ids: (string | false | undefined)[]): string | undefined {
  const present = ids.filter((id): id is string => typeof id === 'string')
  return present.length > 0 ? present.join(' ') : undefined
}

function RequiredMark({ view, question }: { view: View; question: Question }) {
  return question.required ? <span class="usa-hint cx-required"> ({say(view, 'required')})</span> : null
}

function Hint({ id, children }: { id: string; children: ComponentChildren }) {
  return <div class="usa-hint" id={id}>{children}</div>
}

function ErrorMessage({ id, message }: { id: string; message: string | undefined }) {
  return message ? <span class="usa-error-message" id={id}>{message}</span> : null
}

function QuestionField({ view, question, values, problems }: { view: View; question: Question; values: Answers; problems: FormState['problems'] }) {
  const key = question.key
  const id = questionId(key)
  const prompt = text(view, question.prompt)
  const help = question.help ? text(view, question.help) : question.type === 'multiple_choice' ? say(view, 'select_all') : ''
  const problem = problems[key]
  const error = problem ? problemText(view, problem) : undefined
  const hintId = help ? `${id}-hint` : undefined
  const errorId = error ? `${id}-error` : undefined
  const group = (children: ComponentChildren) => <div class={`usa-form-group cx-question${error ? ' usa-form-group--error' : ''}`}>{children}</div>

  if (question.type === 'display_text') {
    return <div class="usa-prose cx-question"><p>{prompt}</p>{help && <p>{help}</p>}</div>
  }
  if (question.type === 'short_text' || question.type === 'long_text') {
    const privacy = question.role === 'contact_details' ? undefined : `${id}-privacy`
    const value = firstOf(values[key])
    const common = {
      id, name: fieldName(key), maxLength: textLimit(question), 'aria-describedby': describedBy(hintId, privacy, errorId),
      'aria-invalid': error ? ('true' as const) : undefined,
    }
    return group(<>
      <label class={`usa-label${error ? ' usa-label--error' : ''}`} for={id}>{prompt}<RequiredMark view={view} question={question} /></label>
      {hintId && <Hint id={hintId}>{help}</Hint>}
      {privacy && <Hint id={privacy}>{say(view, 'privacy_note')}</Hint>}
      <ErrorMessage id={`${id}-error`} message={error} />
      {question.type === 'long_text'
        ? <textarea class={`usa-textarea${error ? ' usa-input--error' : ''}`} {...common}>{value}</textarea>
        : <input class={`usa-input${error ? ' usa-input--error' : ''}`} type="text" value={value} autoComplete={question.role === 'contact_details' ? 'email' : 'off'} {...common} />}
    </>)
  }

  const multiple = question.type === 'multiple_choice'
  const selected = new Set(Array.isArray(values[key]) ? values[key] : [firstOf(values[key])])
  const tile = ['thumbs', 'likert', 'yes_no'].includes(question.type)
  const otherProblem = problems[`${key}.other`]
  const otherError = otherProblem ? problemText(view, otherProblem) : undefined
  const showOther = multiple && question.otherText && (question.options ?? []).some((o) => o.key === 'other')
  return group(
    <fieldset class="usa-fieldset" id={id} aria-describedby={describedBy(hintId, errorId)}>
      <legend class={`usa-legend usa-legend--large${error ? ' usa-label--error' : ''}`}>{prompt}<RequiredMark view={view} question={question} /></legend>
      {hintId && <Hint id={hintId}>{help}</Hint>}
      <ErrorMessage id={`${id}-error`} message={error} />
      <div class={tile ? 'cx-choice-tiles' : undefined}>
        {choicesOf(view, question).map((choice) => (
          <div class={multiple ? 'usa-checkbox' : 'usa-radio'} key={choice.value}>
            <input class={multiple ? 'usa-checkbox__input' : `usa-radio__input${tile ? ' usa-radio__input--tile' : ''}`} type={multiple ? 'checkbox' : 'radio'}
              id={choiceId(key, choice.value)} name={fieldName(key)} value={choice.value} checked={selected.has(choice.value)} />
            <label class={multiple ? 'usa-checkbox__label' : 'usa-radio__label'} for={choiceId(key, choice.value)}>{choice.label}</label>
          </div>
        ))}
      </div>
      {showOther && (
        <div class={`usa-form-group${otherError ? ' usa-form-group--error' : ''}`}>
          <label class="usa-label" for={otherTextId(key)}>{say(view, 'other_text')}</label>
          <Hint id={`${otherTextId(key)}-privacy`}>{say(view, 'privacy_note')}</Hint>
          <ErrorMessage id={`${otherTextId(key)}-error`} message={otherError} />
          <input class={`usa-input${otherError ? ' usa-input--error' : ''}`} type="text" id={otherTextId(key)} name={`${fieldName(key)}.other`} maxLength={DEFAULT_TEXT_MAX}
            value={firstOf(values[`${key}.other`])} autoComplete="off" aria-describedby={describedBy(`${otherTextId(key)}-privacy`, otherError && `${otherTextId(key)}-error`)}
            aria-invalid={otherError ? 'true' : undefined} />
        </div>
      )}
    </fieldset>,
  )
}

function ErrorSummary({ view, problems }: { view: View; problems: FormState['problems'] }) {
  const entries = Object.entries(problems)
  if (entries.length === 0) return null
  const questions = new Map(view.definition.questions.map((q) => [q.key, q]))
  return (
    <div class="usa-alert usa-alert--error" role="alert" aria-labelledby="error-summary-heading">
      <div class="usa-alert__body">
        <h2 class="usa-alert__heading" id="error-summary-heading">{say(view, 'errors_heading')}</h2>
        <ul class="usa-list">
          {entries.map(([key, problem]) => {
            const question = questions.get(key.split('.')[0] as string)
            const label = question ? (key.endsWith('.other') ? say(view, 'other_text') : text(view, question.prompt)) : key
            return <li key={key}><a href={`#${anchorOf(view, key, question)}`}>{label}: {problemText(view, problem)}</a></li>
          })}
        </ul>
      </div>
    </div>
  )
}

function HiddenAnswers({ answers }: { answers: Answers }) {
  return <>{Object.entries(answers).flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v, i) => <input type="hidden" key={`${key}-${i}`} name={fieldName(key)} value={v} />))}</>
}

function languageName(language: string): string {
  try {
    const name = new Intl.DisplayNames([language], { type: 'language' }).of(language) ?? language
    return name.charAt(0).toLocaleUpperCase(language) + name.slice(1)
  } catch {
    return language
  }
}

function selfUrl(view: View, delivery: Delivery, hidden: Answers, language: string): string {
  const params = new URLSearchParams()
  for (const field of DELIVERY_FIELDS) {
    const value = delivery[field]
    if (value && value !== 'hosted') params.set(LINK_PARAMS[field], value)
  }
  for (const [key, value] of Object.entries(hidden)) params.set(key, firstOf(value))
  params.set(LINK_PARAMS.language, language)
  if (view.preview) params.set(PREVIEW_PARAM, '1')
  params.set(SEEN_PARAM, '1')
  return `/s/${view.survey.id}?${params.toString()}`
}

function LanguageLinks({ view, delivery, hidden }: { view: View; delivery: Delivery; hidden: Answers }) {
  const others = view.definition.languages.filter((l) => l !== view.language)
  if (others.length === 0) return null
  return (
    <p class="cx-language-switch">
      {others.map((language) => <a key={language} class="usa-link" href={selfUrl(view, delivery, hidden, language)} lang={language} hrefLang={language}>{languageName(language)}</a>)}
    </p>
  )
}

function PreviewNotice({ view }: { view: View }) {
  if (!view.preview) return null
  return (
    <div class="usa-alert usa-alert--warning usa-alert--slim cx-preview-notice" lang="en">
      <div class="usa-alert__body"><p class="usa-alert__text">Preview — responses are not saved</p></div>
    </div>
  )
}

function PraStatement({ view }: { view: View }) {
  const { clearance } = view.survey
  if (!clearance.ombControlNumber) return null
  const fallback = view.definition.languages[0] ?? 'en'
  return (
    <div class="cx-pra">
      <p class="margin-bottom-0">
        <span>{fill(pick(PRA_TEXT.control, view.language, fallback), { number: clearance.ombControlNumber })}</span>
        {clearance.expiresOn && ' '}
        {clearance.expiresOn && <span class="cx-pra__expires">{fill(pick(PRA_TEXT.expires, view.language, fallback), { date: footerDate(clearance.expiresOn) })}</span>}
      </p>
      <p>{fill(pick(PRA_TEXT.burden, view.language, fallback), { minutes: estimatedBurdenMinutes(view.definition, clearance) })}</p>
    </div>
  )
}

function send(reply: FastifyReply, view: View, body: ComponentChildren, status = 200): FastifyReply {
  return sendPublicPage(reply, {
    title: text(view, view.definition.title), language: view.language, agency: view.survey.organizationName,
    footer: <PraStatement view={view} />,
  }, <><PreviewNotice view={view} />{body}</>, status)
}

function sendStep(reply: FastifyReply, view: View, state: FormState, status = 200): FastifyReply {
  const { survey, definition } = view
  const first = state.stage === 0
  const hidden = pickAnswers(state.carried, (key) => definition.questions.some((q) => q.key === key && q.type === 'hidden'))
  return send(reply, view, (
    <>
      {first && <LanguageLinks view={view} delivery={state.delivery} hidden={hidden} />}
      <h1>{text(view, definition.title)}</h1>
      {first && definition.intro && <p class="usa-intro">{text(view, definition.intro)}</p>}
      <ErrorSummary view={view} problems={state.problems} />
      <form method="post" action={`/s/${survey.id}`} class="usa-form usa-form--large cx-survey-form" noValidate>
        <input type="hidden" name="_stage" value={String(state.stage)} />
        <input type="hidden" name="_lang" value={view.language} />
        <input type="hidden" name="_version" value={String(state.version)} />
        <input type="hidden" name="_idem" value={state.idempotencyKey} />
        {DELIVERY_FIELDS.map((field) => {
          const value = state.delivery[field]
          return value && value !== 'hosted' ? <input type="hidden" key={field} name={deliveryField(field)} value={value} /> : null
        })}
        {view.preview && <input type="hidden" name="_preview" value="1" />}
        <HiddenAnswers answers={state.carried} />
        {state.questions.map((question) => <QuestionField key={question.key} view={view} question={question} values={state.values} problems={state.problems} />)}
        <div class="cx-honeypot" aria-hidden="true">
          <label for={HONEYPOT_FIELD}>Leave this field empty</label>
          <input type="text" id={HONEYPOT_FIELD} name={HONEYPOT_FIELD} tabIndex={-1} autoComplete="off" />
        </div>
        <button type="submit" class="usa-button usa-button--big">{say(view, state.lastStage ? 'submit' : 'next')}</button>
      </form>
    </>
  ), status)
}

function sendThankYou(reply: FastifyReply, view: View): FastifyReply {
  return send(reply, view, (
    <>
      <h1>{text(view, view.definition.title)}</h1>
      <div class="usa-alert usa-alert--success" role="status">
        <div class="usa-alert__body"><p class="usa-alert__text">{text(view, view.definition.thankYou)}</p></div>
      </div>
    </>
  ))
}

function sendClosed(reply: FastifyReply, view: View, status: number): FastifyReply {
  return send(reply, view, (
    <>
      <h1>{text(view, view.definition.title)}</h1>
      <div class="usa-alert usa-alert--info" role="status">
        <div class="usa-alert__body"><p class="usa-alert__text">{say(view, 'closed')}</p></div>
      </div>
    </>
  ), status)
}

// ---------------------------------------------------------------------------------------------------------------
// Routes

/** The step to show at or after `from`: the first with a question shown for the answers given so far. */
function nextStage(steps: readonly Question[][], from: number, branches: ReadonlyMap<string, Branch | null>): number | null {
  for (let stage = from; stage < steps.length; stage++) {
    if ((steps[stage] ?? []).some((q) => asks(q) && isShown(q, branches))) return stage
  }
  return null
}

const shownOn = (steps: readonly Question[][], stage: number, branches: ReadonlyMap<string, Branch | null>): Question[] =>
  (steps[stage] ?? []).filter((q) => isShown(q, branches))

/** Whether no later step can ask anything, given the answers so far (this step's answers are not known yet). */
function isLastStage(steps: readonly Question[][], stage: number, branches: ReadonlyMap<string, Branch | null>): boolean {
  const settled = new Set(steps.slice(0, stage).flat().map((q) => q.key))
  const mayShow = (q: Question): boolean => !q.showWhen || !settled.has(q.showWhen.question) || isShown(q, branches)
  return !steps.slice(stage + 1).some((step) => step.some((q) => asks(q) && mayShow(q)))
}

export async function registerSurveyPublicPages(app: FastifyInstance, { db, config }: Runtime): Promise<void> {
  const readLimit = { rateLimit: { max: config.publicRateLimitPerMinute * 10, timeWindow: '1 minute' } }
  const postLimit = { rateLimit: { max: config.intakeRateLimitPerMinute, timeWindow: '1 minute' } }

  /** Loads the survey; drafts only for a signed-in person previewing a survey they can read. */
  async function open(request: FastifyRequest, id: string, wantsPreview: boolean): Promise<{ survey: PublicSurvey; preview: boolean }> {
    const survey = await loadPublicSurvey(db, id, { includeDrafts: wantsPreview && request.actor !== null })
    const preview = wantsPreview && canPreview(request.actor, survey)
    if (wantsPreview && !preview) throw new NotFound('Survey')
    return { survey, preview }
  }

  app.get<{ Params: { id: string }; Querystring: Query }>('/s/:id', { config: readLimit }, async (request, reply) => {
    const query = request.query
    const { survey, preview } = await open(request, request.params.id, firstOf(query[PREVIEW_PARAM]) === '1')
    const { definition } = survey
    const view: View = { survey, definition, preview, language: chooseLanguage(definition, firstOf(query[LINK_PARAMS.language]) || undefined, request.headers['accept-language']) }
    reply.header('vary', 'Accept-Language')
    if (!preview && closedReason(survey)) return sendClosed(reply, view, 200)
    const delivery = deliveryFrom((field) => firstOf(query[LINK_PARAMS[field]]))
    // An emailed or texted link was offered when it was sent (the sender records the send with a count); opening it
    // is not a second offer. A page reached directly or by a QR scan has no other record, so the view is the offer.
    if (!preview && delivery.source !== 'link' && firstOf(query[SEEN_PARAM]) !== '1') await recordOffer(db, survey, delivery)
    const steps = stepCandidates(definition)
    return sendStep(reply, view, {
      stage: 0, lastStage: isLastStage(steps, 0, new Map()), questions: steps[0] ?? [], values: {}, carried: hiddenFromQuery(definition, query), problems: {},
      delivery, idempotencyKey: randomUUID(), version: survey.version,
    })
  })

  app.post<{ Params: { id: string } }>('/s/:id', { config: postLimit, bodyLimit: INTAKE_BODY_LIMIT }, async (request, reply) => {
    const body = asForm(request.body)
    const { survey: current, preview } = await open(request, request.params.id, formText(body, '_preview') === '1')
    const version = Number(formText(body, '_version'))
    const survey = Number.isInteger(version) && version >= 1 && version !== current.version ? await atVersion(db, current, version) : current
    const { definition } = survey
    const view: View = { survey, definition, preview, language: chooseLanguage(definition, formText(body, '_lang') || undefined, request.headers['accept-language']) }
    if (!preview && closedReason(current)) return sendClosed(reply, view, 409)
    // A filled honeypot is a bot: it gets the same thank-you as a person and nothing is stored (a drop is not an error).
    if (formText(body, HONEYPOT_FIELD) !== '') return sendThankYou(reply, view)

    const steps = stepCandidates(definition)
    const stage = Math.min(Math.max(Number.parseInt(formText(body, '_stage'), 10) || 0, 0), Math.max(steps.length - 1, 0))
    const asked = new Set([...steps.slice(0, stage + 1).flat(), ...definition.questions.filter((q) => q.type === 'hidden')].map((q) => q.key))
    const answers = answersFrom(body, definition.questions.filter((q) => asked.has(q.key)))
    const idempotency = formText(body, '_idem')
    const state = {
      delivery: deliveryFrom((field) => formText(body, deliveryField(field))),
      idempotencyKey: idempotency.length >= 8 && idempotency.length <= 100 ? idempotency : randomUUID(), version: survey.version,
    }
    const branches = branchesOf(definition, answers)
    const onStage = (at: number, problems: Readonly<Record<string, AnswerProblem>>, status: number) => {
      const here = new Set((steps[at] ?? []).map((q) => q.key))
      return sendStep(reply, view, {
        ...state, stage: at, lastStage: isLastStage(steps, at, branches), questions: shownOn(steps, at, branches),
        values: pickAnswers(answers, (key) => here.has(key)), carried: pickAnswers(answers, (key) => !here.has(key)), problems,
      }, status)
    }

    const checked = checkAnswers({ ...definition, questions: definition.questions.filter((q) => asked.has(q.key)) }, answers)
    if (!checked.ok) return onStage(stage, checked.problems, 400)
    const next = nextStage(steps, stage + 1, branches)
    if (next !== null) return onStage(next, {}, 200)
    if (preview) return sendThankYou(reply, view)
    try {
      await submitResponse(db, survey, answers, {
        source: state.delivery.source, channel: state.delivery.channel, touchpoint: state.delivery.touchpoint, locationCode: state.delivery.locationCode,
        language: view.language, idempotencyKey: state.idempotencyKey,
      })
    } catch (error) {
      // Answers valid step by step can still be refused as a whole (a tampered hidden field): show them on this step.
      if (error instanceof AnswersRejected) return onStage(stage, error.problems, 400)
      throw error
    }
    return sendThankYou(reply, view)
  })
}
