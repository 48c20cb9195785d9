/**
 * The question editor: each question in its own card (move up/down, remove, edit), a form to add one, the survey's
 * own text and the Likert cut-off. Each form post becomes one edit from `surveys/survey-editing.ts`, saved through
 * `updateSurvey` (which validates the definition and, for a published survey, writes version N+1). Works without
 * JavaScript: every button is a small form post, and edit forms sit in <details>.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { QUESTION_TYPES, type Question, type SurveyDefinition } from '../a11/survey-model.ts'
import { Forbidden, NotFound, type FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import {
  addQuestion, BRANCHING_QUESTION_TYPES, CHOICE_QUESTION_TYPES, editQuestion, editSurveyText, getSurvey, isDriverQuestionRole, moveQuestion,
  optionLines, removeQuestion, ROLES_FOR_TYPE, setLikertPositiveMin, surveyAbilities, surveyDefaultLanguage, surveyLanguageName, TEXT_QUESTION_TYPES,
  updateSurvey, SurveyUpdateInput, type QuestionEdit, type SurveyView,
} from '../surveys/index.ts'
import { parseWith } from '../validation.ts'
import { Checkbox, CsrfField, ErrorSummary, SelectField, TextArea, TextField } from './components.tsx'
import { asForm, attempt, formFlag, formText, type FormBody } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'
import { branchWords, QUESTION_TYPE_LABELS, QuestionList, QuestionSummary, ROLE_LABELS, splitErrors, SurveyHeader } from './survey-components.tsx'

/** The form a failed post came from, with what was posted, so the page shows it again with its errors. */
type Draft =
  | { readonly form: 'text' | 'add' | 'cutoff' | 'list'; readonly body: FormBody }
  | { readonly form: 'edit'; readonly key: string; readonly body: FormBody }

interface Failure { readonly draft: Draft; readonly errors: FieldErrors; readonly message: string }

const QUESTION_PARTS = /^([a-z][a-z0-9_]*)\.(prompt|help|role|options|otherText|showWhen|maxLength|option\.[a-z][a-z0-9_]*)$/
const PAGE_FIELDS = new Set(['title', 'intro', 'thankYou', 'likertPositiveMin', 'add_type', 'add_prompt', 'add_key', 'add_options'])

/** Domain field names (`definition.questions.3.options`) → this page's input names (`<key>.options`). */
function pageErrors(fields: FieldErrors, definition: SurveyDefinition, draft: Draft): FieldErrors {
  const named: Record<string, string> = {}
  for (const [name, message] of Object.entries(fields)) {
    const question = /^definition\.questions\.(\d+)\.(\w+)/.exec(name)
    const top = /^definition\.(title|intro|thankYou|likertPositiveMin)\b/.exec(name)
    let target = name
    if (question) {
      const key = definition.questions[Number(question[1])]?.key
      target = draft.form === 'add' && key === definition.questions.at(-1)?.key ? `add_${question[2]}` : `${key}.${question[2]}`
    } else if (top) target = top[1] as string
    else if (draft.form === 'edit' && !name.includes('.') && name !== '_') target = `${draft.key}.${name}`
    else if (draft.form === 'edit' && name.startsWith('option.')) target = `${draft.key}.${name}`
    else if (draft.form === 'add' && ['type', 'prompt', 'key', 'options'].includes(name)) target = `add_${name}`
    named[target] = named[target] ? `${named[target]} ${message}` : message
  }
  const keys = new Set(definition.questions.map((q) => q.key))
  return splitErrors(named, (name) => PAGE_FIELDS.has(name) || (QUESTION_PARTS.test(name) && keys.has(name.split('.')[0] as string)))
}

function questionEditFrom(body: FormBody, question: Question): QuestionEdit {
  const field = (part: string) => formText(body, `${question.key}.${part}`)
  const driver = isDriverQuestionRole(question.role)
  return {
    prompt: field('prompt'), help: field('help'), required: formFlag(body, `${question.key}.required`), role: field('role'),
    options: driver ? undefined : field('options'),
    optionLabels: driver ? Object.fromEntries((question.options ?? []).map((o) => [o.key, field(`option.${o.key}`)])) : undefined,
    otherText: formFlag(body, `${question.key}.otherText`), showWhen: field('showWhen'), maxLength: field('maxLength'),
  }
}

export async function registerSurveyEditorPages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  const show = async (request: FastifyRequest, reply: FastifyReply, id: string, failure?: Failure) => {
    const actor = requireActor(request)
    const survey = await getSurvey(db, actor, id)
    const abilities = await surveyAbilities(db, actor, id)
    const editable = abilities.manage && survey.state !== 'archived'
    return sendPage(request, reply, `Questions: ${survey.name}`, (csrf) => (
      <>
        <SurveyHeader survey={survey} section="questions" title={`Questions: ${survey.name}`} />
        {editable ? <Editor survey={survey} csrf={csrf} failure={failure} /> : (
          <>
            <p>{survey.state === 'archived' ? 'This survey is archived; its questions can no longer change.' : 'You can read these questions; changing them needs a role that manages this service.'}</p>
            <h2>Questions</h2>
            <QuestionList definition={survey.definition} />
          </>
        )}
      </>
    ), failure ? 400 : 200)
  }

  app.get<{ Params: { id: string } }>('/surveys/:id/questions', async (request, reply) => show(request, reply, request.params.id))

  /** One editor post: authorize, apply one edit to the current definition, save, and come back with a message. */
  const change = (route: string, draftOf: (body: FormBody) => Draft, edit: (definition: SurveyDefinition, body: FormBody) => SurveyDefinition, done: (body: FormBody, definition: SurveyDefinition) => { flash: string; anchor?: string }) => {
    app.post<{ Params: { id: string } }>(`/surveys/:id/questions/${route}`, async (request, reply) => {
      const actor = requireActor(request)
      const { id } = request.params
      if (!(await surveyAbilities(db, actor, id)).manage) throw new Forbidden('You cannot change this survey.')
      const body = asForm(request.body)
      const survey = await getSurvey(db, actor, id)
      let next = survey.definition
      const result = await attempt(async () => {
        next = edit(survey.definition, body)
        return updateSurvey(db, actor, id, parseWith(SurveyUpdateInput, { definition: next }))
      })
      const draft = draftOf(body)
      if (!result.ok) return show(request, reply, id, { draft, errors: pageErrors(result.fields, next, draft), message: result.message })
      const { flash, anchor } = done(body, next)
      const version = result.value.version > survey.version ? ` Saved as version ${result.value.version}.` : ''
      return redirectWithFlash(request, reply, `/surveys/${id}/questions${anchor ? `#${anchor}` : ''}`, `${flash}${version}`)
    })
  }

  const questionOf = (definition: SurveyDefinition, body: FormBody): Question => {
    const key = formText(body, 'question')
    const question = definition.questions.find((q) => q.key === key)
    if (!question) throw new NotFound('Question')
    return question
  }

  change('add', (body) => ({ form: 'add', body }),
    (definition, body) => addQuestion(definition, { type: formText(body, 'add_type'), prompt: formText(body, 'add_prompt'), key: formText(body, 'add_key'), options: formText(body, 'add_options') }),
    (_body, definition) => {
      const key = definition.questions.at(-1)?.key ?? ''
      return { flash: `Added question “${key}”.`, anchor: `question-${key}` }
    })

  change('edit', (body) => ({ form: 'edit', key: formText(body, 'question'), body }),
    (definition, body) => editQuestion(definition, formText(body, 'question'), questionEditFrom(body, questionOf(definition, body))),
    (body) => ({ flash: `Saved question “${formText(body, 'question')}”.`, anchor: `question-${formText(body, 'question')}` }))

  change('move', (body) => ({ form: 'list', body }),
    (definition, body) => moveQuestion(definition, formText(body, 'question'), formText(body, 'direction') === 'up' ? 'up' : 'down'),
    (body) => ({ flash: `Moved “${formText(body, 'question')}” ${formText(body, 'direction') === 'up' ? 'up' : 'down'}.`, anchor: `question-${formText(body, 'question')}` }))

  change('remove', (body) => ({ form: 'list', body }),
    (definition, body) => removeQuestion(definition, formText(body, 'question')),
    (body) => ({ flash: `Removed question “${formText(body, 'question')}”.` }))

  change('text', (body) => ({ form: 'text', body }),
    (definition, body) => editSurveyText(definition, { title: formText(body, 'title'), intro: formText(body, 'intro'), thankYou: formText(body, 'thankYou') }),
    () => ({ flash: 'Saved the survey text.' }))

  change('cutoff', (body) => ({ form: 'cutoff', body }),
    (definition, body) => setLikertPositiveMin(definition, formText(body, 'likertPositiveMin')),
    () => ({ flash: 'Saved the Likert cut-off.' }))
}

/** The posted value when this form failed, else the stored one. */
function valueFor(failure: Failure | undefined, form: Draft['form'], name: string, stored: string, key?: string): string {
  const draft = failure?.draft
  if (!draft || draft.form !== form || (draft.form === 'edit' && draft.key !== key)) return stored
  return formText(draft.body, name)
}

function Editor({ survey, csrf, failure }: { survey: SurveyView; csrf: string; failure?: Failure | undefined }) {
  const definition = survey.definition
  const language = surveyDefaultLanguage(definition)
  const languageLabel = surveyLanguageName(definition, language)
  const errors = failure?.errors
  const hasLikert = definition.questions.some((q) => q.type === 'likert')
  const text = (name: 'title' | 'intro' | 'thankYou') => valueFor(failure, 'text', name, definition[name]?.[language] ?? '')
  return (
    <>
      {survey.state !== 'draft' && (
        <div class="usa-alert usa-alert--warning">
          <div class="usa-alert__body">
            <h2 class="usa-alert__heading">Saving creates version {survey.version + 1}</h2>
            <p class="usa-alert__text">This survey is {survey.state} as version {survey.version}. Every change saved here creates version {survey.version + 1}; responses keep the version they answered, and the PRA limits apply to the change.</p>
          </div>
        </div>
      )}
      <ErrorSummary message={failure?.message} errors={errors} labels={errorLabels(definition)} />
      <p>Questions and text are edited in the default language, {languageLabel}; translate them on the <a href={`/surveys/${survey.id}/translations`}>Translations</a> page.</p>
      <h2>Questions</h2>
      <ol class="cx-builder-questions">
        {definition.questions.map((question, index) => (
          <li class="cx-builder-question" key={question.key} id={`question-${question.key}`}>
            <QuestionSummary definition={definition} question={question} index={index}>
              <div class="cx-actions">
                {index > 0 && <ListButton surveyId={survey.id} csrf={csrf} route="move" question={question.key} direction="up" label="Move up" index={index} />}
                {index < definition.questions.length - 1 && <ListButton surveyId={survey.id} csrf={csrf} route="move" question={question.key} direction="down" label="Move down" index={index} />}
                <ListButton surveyId={survey.id} csrf={csrf} route="remove" question={question.key} label="Remove" index={index} />
              </div>
              <QuestionForm survey={survey} question={question} index={index} csrf={csrf} failure={failure} />
            </QuestionSummary>
          </li>
        ))}
      </ol>
      <section aria-labelledby="add-question-heading" class="cx-editor-section">
        <h2 id="add-question-heading">Add a question</h2>
        <form class="usa-form usa-form--large" method="post" action={`/surveys/${survey.id}/questions/add`} noValidate>
          <CsrfField token={csrf} />
          <SelectField name="add_type" label="Type" value={valueFor(failure, 'add', 'add_type', 'single_choice')} errors={errors} required
            options={QUESTION_TYPES.map((t) => ({ value: t, label: QUESTION_TYPE_LABELS[t] }))} />
          <TextArea name="add_prompt" label={`Question text (${languageLabel})`} value={valueFor(failure, 'add', 'add_prompt', '')} maxLength={1000} errors={errors}
            hint="For display text, the text to show. Hidden fields need none." />
          <TextField name="add_key" label="Key (optional)" value={valueFor(failure, 'add', 'add_key', '')} maxLength={40} errors={errors}
            hint="The column name in exports: lowercase letters, digits and underscores. Made from the text when empty; it cannot change later." />
          <TextArea name="add_options" label="Options (choice questions)" value={valueFor(failure, 'add', 'add_options', '')} errors={errors}
            hint="One per line, as key | label, or just the label. At least two." />
          <button type="submit" class="usa-button">Add question</button>
        </form>
      </section>
      <section aria-labelledby="survey-text-heading" class="cx-editor-section">
        <h2 id="survey-text-heading">Survey text</h2>
        <form class="usa-form usa-form--large" method="post" action={`/surveys/${survey.id}/questions/text`} noValidate>
          <CsrfField token={csrf} />
          <TextField name="title" label={`Title (${languageLabel})`} value={text('title')} maxLength={200} required errors={errors} />
          <TextArea name="intro" label={`Introduction (${languageLabel}, optional)`} value={text('intro')} maxLength={2000} errors={errors} hint="Shown above the questions." />
          <TextArea name="thankYou" label={`Thank-you message (${languageLabel})`} value={text('thankYou')} maxLength={1000} required errors={errors} />
          <button type="submit" class="usa-button">Save text</button>
        </form>
      </section>
      {hasLikert && (
        <section aria-labelledby="cutoff-heading" class="cx-editor-section">
          <h2 id="cutoff-heading">Likert branching</h2>
          <form class="usa-form" method="post" action={`/surveys/${survey.id}/questions/cutoff`} noValidate>
            <CsrfField token={csrf} />
            <SelectField name="likertPositiveMin" label="Lowest answer that counts as positive" value={valueFor(failure, 'cutoff', 'likertPositiveMin', String(definition.likertPositiveMin))} errors={errors}
              hint="Answers at or above it lead to the positive drivers and count toward trust; A-11 uses 4 (4–5 positive, 1–3 negative)."
              options={[2, 3, 4, 5].map((n) => ({ value: String(n), label: `${n} (${n}–5 positive)${n === 4 ? ', A-11 standard' : ''}` }))} />
            <button type="submit" class="usa-button">Save cut-off</button>
          </form>
        </section>
      )}
    </>
  )
}

function ListButton({ surveyId, csrf, route, question, direction, label, index }: { surveyId: string; csrf: string; route: 'move' | 'remove'; question: string; direction?: 'up' | 'down'; label: string; index: number }) {
  return (
    <form method="post" action={`/surveys/${surveyId}/questions/${route}`}>
      <CsrfField token={csrf} />
      <input type="hidden" name="question" value={question} />
      {direction && <input type="hidden" name="direction" value={direction} />}
      <button type="submit" class={`usa-button usa-button--outline usa-button--small${route === 'remove' ? ' usa-button--secondary' : ''}`}>
        {label}<span class="usa-sr-only"> question {index + 1}</span>
      </button>
    </form>
  )
}

function QuestionForm({ survey, question, index, csrf, failure }: { survey: SurveyView; question: Question; index: number; csrf: string; failure?: Failure | undefined }) {
  const definition = survey.definition
  const language = surveyDefaultLanguage(definition)
  const languageLabel = surveyLanguageName(definition, language)
  const k = question.key
  const errors = failure?.errors
  const mine = failure?.draft.form === 'edit' && failure.draft.key === k
  const value = (part: string, stored: string) => valueFor(failure, 'edit', `${k}.${part}`, stored, k)
  const flag = (part: string, stored: boolean) => (mine ? formFlag((failure?.draft as { body: FormBody }).body, `${k}.${part}`) : stored)
  const roles = ROLES_FOR_TYPE[question.type]
  const driver = isDriverQuestionRole(question.role)
  const earlier = definition.questions.slice(0, index).filter((q) => BRANCHING_QUESTION_TYPES.has(q.type))
  const optionsError = errors?.[`${k}.options`]
  const promptLabel = question.type === 'display_text' ? `Text shown (${languageLabel})` : question.type === 'hidden' ? 'Label for staff (optional)' : `Question text (${languageLabel})`
  const open = mine || Object.keys(errors ?? {}).some((name) => name.startsWith(`${k}.`))
  return (
    <details class="cx-details" open={open}>
      <summary>Edit question {index + 1}</summary>
      <form class="usa-form usa-form--large" method="post" action={`/surveys/${survey.id}/questions/edit`} noValidate>
        <CsrfField token={csrf} />
        <input type="hidden" name="question" value={k} />
        <TextArea name={`${k}.prompt`} label={promptLabel} value={value('prompt', question.prompt[language] ?? '')} maxLength={1000} errors={errors} />
        {question.type !== 'hidden' && <TextField name={`${k}.help`} label="Help text (optional)" value={value('help', question.help?.[language] ?? '')} maxLength={1000} errors={errors} />}
        {question.type !== 'display_text' && <Checkbox name={`${k}.required`} id={`field-${k}-required`} label="An answer is required" checked={flag('required', question.required)} />}
        {(roles.length > 0 || question.role) && (
          <SelectField name={`${k}.role`} label="Role in A-11 reporting" value={value('role', question.role ?? '')} emptyLabel="None" errors={errors}
            hint="Reports and the OMB formats find the A-11 questions by role, not by position."
            options={[...new Set([...roles, ...(question.role ? [question.role] : [])])].map((r) => ({ value: r, label: ROLE_LABELS[r] }))} />
        )}
        {CHOICE_QUESTION_TYPES.has(question.type) && (driver ? (
          <fieldset class={`usa-fieldset usa-form-group${optionsError ? ' usa-form-group--error' : ''}`} id={`field-${k}-options`} tabIndex={-1}>
            <legend class="usa-legend">Option labels ({languageLabel})</legend>
            <p class="usa-hint">The A-11 driver keys are fixed so reports can compare agencies; only their wording is yours.</p>
            {optionsError && <span class="usa-error-message" role="alert">{optionsError}</span>}
            {(question.options ?? []).map((o) => (
              <TextField key={o.key} name={`${k}.option.${o.key}`} label={`Label for ${o.key}`} value={value(`option.${o.key}`, o.label[language] ?? '')} maxLength={300} errors={errors} />
            ))}
          </fieldset>
        ) : (
          <TextArea name={`${k}.options`} label="Options, one per line" value={value('options', optionLines(question.options, language))} errors={errors}
            hint="As key | label. Keys are the values in exports; keep them once responses exist." />
        ))}
        {question.type === 'multiple_choice' && (
          <Checkbox name={`${k}.otherText`} id={`field-${k}-otherText`} label="Offer a text box with the “other” option" checked={flag('otherText', question.otherText === true)} />
        )}
        {question.type !== 'display_text' && (earlier.length > 0 || question.showWhen) && (
          <SelectField name={`${k}.showWhen`} label="When to show it" emptyLabel="Always" errors={errors}
            value={value('showWhen', question.showWhen ? `${question.showWhen.question}:${question.showWhen.branch}` : '')}
            options={earlier.flatMap((q) => (['positive', 'negative'] as const).map((branch) => ({
              value: `${q.key}:${branch}`, label: `When “${q.key}” is answered ${branchWords(q, branch, definition.likertPositiveMin)}`,
            })))} />
        )}
        {TEXT_QUESTION_TYPES.has(question.type) && (
          <TextField name={`${k}.maxLength`} label="Longest answer (characters, optional)" value={value('maxLength', question.maxLength === undefined ? '' : String(question.maxLength))} errors={errors} />
        )}
        <button type="submit" class="usa-button">Save question {index + 1}</button>
      </form>
    </details>
  )
}

function errorLabels(definition: SurveyDefinition): Record<string, string> {
  const labels: Record<string, string> = {
    title: 'Title', intro: 'Introduction', thankYou: 'Thank-you message', likertPositiveMin: 'Likert cut-off',
    add_type: 'New question: type', add_prompt: 'New question: text', add_key: 'New question: key', add_options: 'New question: options',
  }
  const parts: Record<string, string> = { prompt: 'text', help: 'help text', role: 'role', options: 'options', otherText: '“other” text box', showWhen: 'when to show it', maxLength: 'longest answer' }
  definition.questions.forEach((q, i) => {
    for (const [part, label] of Object.entries(parts)) labels[`${q.key}.${part}`] = `Question ${i + 1}: ${label}`
    for (const o of q.options ?? []) labels[`${q.key}.option.${o.key}`] = `Question ${i + 1}: label for ${o.key}`
  })
  return labels
}
