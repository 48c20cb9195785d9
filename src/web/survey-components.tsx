/**
 * Pieces the staff survey pages share: labels for the survey vocabulary, the survey header with its section tabs,
 * the read-only question list (overview, version pages, read-only editor), and the surveys section of a service page.
 */
import type { ComponentChildren } from 'preact'
import { CHANNEL_LABELS } from '../a11/channels.ts'
import {
  pick, type Question, type QuestionRole, type QuestionType, type SurveyDefinition, type SurveyScale, type SurveyState, type SurveyType,
} from '../a11/survey-model.ts'
import type { FieldErrors } from '../errors.ts'
import type { SurveySummary, SurveyView } from '../surveys/index.ts'
import { surveyDefaultLanguage, surveyLanguageName } from '../surveys/index.ts'

export const SURVEY_STATE_LABELS: Readonly<Record<SurveyState, string>> = { draft: 'Draft', published: 'Published', closed: 'Closed', archived: 'Archived' }

export const SURVEY_TYPE_LABELS: Readonly<Record<SurveyType, string>> = {
  post_interaction: 'Post-interaction', post_service_journey: 'After the whole service (journey)', relational: 'Relational (periodic)',
}

export const SCALE_LABELS: Readonly<Record<SurveyScale, string>> = { thumbs_up_down: 'Thumbs up/down', likert_scale: '5-point Likert' }

export const QUESTION_TYPE_LABELS: Readonly<Record<QuestionType, string>> = {
  thumbs: 'Thumbs up/down', likert: '5-point Likert (agree/disagree)', single_choice: 'Single choice', multiple_choice: 'Multiple choice',
  short_text: 'Short text', long_text: 'Long text', yes_no: 'Yes/no', hidden: 'Hidden field (filled from the link)', display_text: 'Display text (no answer)',
}

export const ROLE_LABELS: Readonly<Record<QuestionRole, string>> = {
  trust: 'A-11 trust', drivers_positive: 'A-11 drivers (positive branch)', drivers_negative: 'A-11 drivers (negative branch)',
  open_text: 'A-11 open text', contact_consent: 'Consent to contact', contact_details: 'Contact details', legacy_likert: 'Legacy Likert statement',
}

const STATE_TAG_CLASSES: Readonly<Record<SurveyState, string>> = { draft: 'bg-base', published: 'bg-green', closed: 'bg-secondary-dark', archived: 'bg-base-darker' }

export function StateTag({ state }: { state: SurveyState }) {
  return <span class={`usa-tag ${STATE_TAG_CLASSES[state]}`}>{SURVEY_STATE_LABELS[state]}</span>
}

/** What the branch of a branching question means in words, given the survey's Likert cut-off. */
export function branchWords(question: Question | undefined, branch: 'positive' | 'negative', likertPositiveMin: number): string {
  if (!question) return branch
  if (question.type === 'thumbs') return branch === 'positive' ? 'thumbs up' : 'thumbs down'
  if (question.type === 'yes_no') return branch === 'positive' ? 'yes' : 'no'
  if (question.type === 'likert') return branch === 'positive' ? `${likertPositiveMin}–5` : likertPositiveMin > 2 ? `1–${likertPositiveMin - 1}` : '1'
  return branch
}

export function showWhenText(definition: SurveyDefinition, question: Question): string | null {
  if (!question.showWhen) return null
  const target = definition.questions.find((q) => q.key === question.showWhen?.question)
  return `Shown when “${question.showWhen.question}” is answered ${branchWords(target, question.showWhen.branch, definition.likertPositiveMin)}`
}

export type SurveySection = 'overview' | 'questions' | 'translations' | 'settings' | 'inbox' | 'scores' | 'import' | 'notifications' | 'version'

const SECTIONS: readonly [Exclude<SurveySection, 'version'>, string, string][] = [
  ['overview', 'Overview', ''], ['questions', 'Questions', '/questions'], ['translations', 'Translations', '/translations'], ['settings', 'Settings and PRA', '/settings'],
  ['inbox', 'Responses', '/inbox'], ['scores', 'Scores', '/scores'], ['import', 'Import', '/import'], ['notifications', 'My notifications', '/notifications'],
]

/** Breadcrumb, title, state and the survey's section tabs. */
export function SurveyHeader({ survey, section, title }: { survey: SurveyView; section: SurveySection; title?: string }) {
  return (
    <>
      <nav class="usa-breadcrumb" aria-label="Breadcrumbs">
        <ol class="usa-breadcrumb__list">
          <li class="usa-breadcrumb__list-item"><a href="/surveys" class="usa-breadcrumb__link"><span>Surveys</span></a></li>
          {section === 'overview'
            ? <li class="usa-breadcrumb__list-item usa-current" aria-current="page"><span>{survey.name}</span></li>
            : <li class="usa-breadcrumb__list-item"><a href={`/surveys/${survey.id}`} class="usa-breadcrumb__link"><span>{survey.name}</span></a></li>}
        </ol>
      </nav>
      <h1>{title ?? survey.name}</h1>
      <p class="cx-survey-meta">
        <StateTag state={survey.state} /> Version {survey.version} · <a href={`/services/${survey.serviceId}`}>{survey.serviceName}</a> · {survey.organizationName}
      </p>
      <nav aria-label="Survey sections" class="cx-tabs">
        <ul>
          {SECTIONS.map(([key, label, suffix]) => (
            <li key={key}><a href={`/surveys/${survey.id}${suffix}`} aria-current={key === section ? 'page' : undefined}>{label}</a></li>
          ))}
        </ul>
      </nav>
    </>
  )
}

/** One question, read-only: prompt, type, key, role, required, branching and options. */
export function QuestionSummary({ definition, question, index, children }: { definition: SurveyDefinition; question: Question; index: number; children?: ComponentChildren }) {
  const language = surveyDefaultLanguage(definition)
  const prompt = pick(question.prompt, language, language) || (question.type === 'hidden' ? `Hidden field “${question.key}”` : '(no text)')
  const condition = showWhenText(definition, question)
  return (
    <>
      <h3 class="cx-builder-question__prompt"><span class="cx-builder-question__number">{index + 1}.</span> {prompt}</h3>
      <p class="cx-builder-question__meta">
        <span>{QUESTION_TYPE_LABELS[question.type]}</span> · <span>key <code>{question.key}</code></span>
        {question.role && <> · <span class="usa-tag bg-primary-dark">{ROLE_LABELS[question.role]}</span></>}
        {question.required && <> · <strong>Required</strong></>}
      </p>
      {question.help && <p class="usa-hint">{pick(question.help, language, language)}</p>}
      {condition && <p class="cx-builder-question__condition">{condition}.</p>}
      {question.options && question.options.length > 0 && (
        <ul class="cx-builder-question__options">
          {question.options.map((o) => <li key={o.key}><code>{o.key}</code> {pick(o.label, language, language)}{o.key === 'other' && question.otherText ? ' (with a text box)' : ''}</li>)}
        </ul>
      )}
      {children}
    </>
  )
}

export function QuestionList({ definition }: { definition: SurveyDefinition }) {
  return (
    <ol class="cx-builder-questions">
      {definition.questions.map((q, i) => <li class="cx-builder-question" key={q.key} id={`question-${q.key}`}><QuestionSummary definition={definition} question={q} index={i} /></li>)}
    </ol>
  )
}

/** A whole definition, read-only (version pages). */
export function DefinitionView({ definition }: { definition: SurveyDefinition }) {
  const language = surveyDefaultLanguage(definition)
  return (
    <>
      <dl class="cx-summary">
        <div class="cx-summary__row"><dt>Title</dt><dd>{pick(definition.title, language, language)}</dd></div>
        {definition.intro && <div class="cx-summary__row"><dt>Introduction</dt><dd>{pick(definition.intro, language, language)}</dd></div>}
        <div class="cx-summary__row"><dt>Thank-you message</dt><dd>{pick(definition.thankYou, language, language)}</dd></div>
        <div class="cx-summary__row"><dt>Languages</dt><dd>{definition.languages.map((l) => `${surveyLanguageName(definition, l)} (${l})`).join(', ')}</dd></div>
        <div class="cx-summary__row"><dt>Likert positive branch</dt><dd>{definition.likertPositiveMin} to 5</dd></div>
      </dl>
      <h2>Questions</h2>
      <QuestionList definition={definition} />
    </>
  )
}

/** Field errors whose names have no input on the page are shown once in the summary as plain text. */
export function splitErrors(fields: FieldErrors, inputs: ReadonlySet<string> | ((name: string) => boolean)): FieldErrors {
  const isInput = typeof inputs === 'function' ? inputs : (name: string) => inputs.has(name)
  const out: Record<string, string> = {}
  const loose: string[] = []
  for (const [name, message] of Object.entries(fields)) {
    if (isInput(name)) out[name] = message
    else loose.push(message)
  }
  if (loose.length > 0) out._ = loose.join(' ')
  return out
}

/** The "Surveys" section of a service page: its surveys and, for people who may add one, a link to start one. */
export function ServiceSurveysSection({ serviceId, surveys, total, canAdd }: { serviceId: string; surveys: readonly SurveySummary[]; total: number; canAdd: boolean }) {
  return (
    <section aria-labelledby="service-surveys-heading">
      <h2 id="service-surveys-heading">Surveys</h2>
      {canAdd && <p><a class="usa-button usa-button--outline" href={`/surveys/new?serviceId=${serviceId}`}>New survey</a></p>}
      {surveys.length === 0 ? <p>No surveys for this service yet.</p> : (
        <table class="usa-table usa-table--borderless width-full">
          <caption class="usa-sr-only">Surveys of this service</caption>
          <thead><tr><th scope="col">Survey</th><th scope="col">Channel</th><th scope="col">State</th><th scope="col">Version</th></tr></thead>
          <tbody>
            {surveys.map((s) => (
              <tr key={s.id}>
                <th scope="row"><a href={`/surveys/${s.id}`}>{s.name}</a></th>
                <td>{CHANNEL_LABELS[s.channel]}</td>
                <td><StateTag state={s.state} /></td>
                <td>{s.version}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {total > surveys.length && <p><a href={`/surveys?serviceId=${serviceId}`}>All {total} surveys of this service</a></p>}
    </section>
  )
}
