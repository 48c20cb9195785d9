/**
 * Translations: the survey's languages with what is still untranslated, adding and removing a language, and, per
 * language, one form with every respondent-facing string beside its default-language text. Saving goes through
 * `updateSurvey` like any edit (a published survey gets a new version).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { RESPONDENT_TEXT, type RespondentTextKey } from '../a11/respondent-text.ts'
import { type SurveyDefinition } from '../a11/survey-model.ts'
import { Forbidden, NotFound, type FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import {
  addLanguage, applyTranslations, getSurvey, hasBuiltInInterfaceText, INTERFACE_TEXT_KEYS, interfaceTextField, removeLanguage, surveyAbilities,
  surveyDefaultLanguage, surveyLanguageName, SurveyUpdateInput, translatableStrings, updateSurvey, type SurveyView, type TranslatableString,
} from '../surveys/index.ts'
import { parseWith } from '../validation.ts'
import { CsrfField, ErrorSummary, TextArea, TextField } from './components.tsx'
import { asForm, attempt, formText, type FormBody } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'
import { splitErrors, SurveyHeader } from './survey-components.tsx'

const INTERFACE_LABELS: Readonly<Record<RespondentTextKey, string>> = {
  likert_1: 'Likert 1', likert_2: 'Likert 2', likert_3: 'Likert 3', likert_4: 'Likert 4', likert_5: 'Likert 5', thumbs_up: 'Thumbs up', thumbs_down: 'Thumbs down',
  yes: 'Yes', no: 'No', other_text: '“Other” text box', select_all: 'Multiple-choice hint', required: 'Required marker', optional: 'Optional marker',
  next: 'Continue button', submit: 'Submit button', open: 'Widget button', close: 'Close button', errors_heading: 'Error summary heading',
  answer_required: 'Missing answer message', too_long: 'Too-long answer message', failed: 'Sending failed message', closed: 'Survey closed message',
  privacy_note: 'Privacy note', language_switch: 'Link to the other language',
}

const MAX_LENGTHS: Readonly<Record<string, number>> = { title: 200, intro: 2000, thankYou: 1000 }
const maxLengthOf = (field: string): number => MAX_LENGTHS[field] ?? (field.includes('.opt.') || field.startsWith('label.') ? 300 : 1000)

const isMissing = (entry: TranslatableString, language: string): boolean => !(entry.text?.[language] ?? '').trim()

/** Domain and schema field names (`definition.questions.2.options.1.label.es`) → the translation form's names. */
function translationErrors(fields: FieldErrors, definition: SurveyDefinition): FieldErrors {
  const named: Record<string, string> = {}
  for (const [name, message] of Object.entries(fields)) {
    const question = /^definition\.questions\.(\d+)\.(prompt|help|options)(?:\.(\d+))?/.exec(name)
    const top = /^definition\.(title|intro|thankYou)\b/.exec(name)
    const label = /^definition\.labels\.(\w+)/.exec(name)
    let target = name
    if (question) {
      const q = definition.questions[Number(question[1])]
      target = question[2] === 'options' ? `q.${q?.key}.opt.${q?.options?.[Number(question[3])]?.key}` : `q.${q?.key}.${question[2]}`
    } else if (top) target = top[1] as string
    else if (label) target = `label.${label[1]}`
    named[target] ??= message
  }
  const inputs = new Set([...translatableStrings(definition).map((s) => s.field), ...INTERFACE_TEXT_KEYS.map(interfaceTextField)])
  return splitErrors(named, inputs)
}

export async function registerSurveyTranslationPages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  const load = async (request: FastifyRequest, id: string) => {
    const actor = requireActor(request)
    const survey = await getSurvey(db, actor, id)
    const abilities = await surveyAbilities(db, actor, id)
    return { actor, survey, editable: abilities.manage && survey.state !== 'archived' }
  }
  const requireManage = async (request: FastifyRequest, id: string) => {
    const actor = requireActor(request)
    if (!(await surveyAbilities(db, actor, id)).manage) throw new Forbidden('You cannot change this survey.')
    return { actor, survey: await getSurvey(db, actor, id) }
  }
  const versionNote = (before: SurveyView, after: SurveyView) => (after.version > before.version ? ` Saved as version ${after.version}.` : '')

  const showLanguages = async (request: FastifyRequest, reply: FastifyReply, id: string, failure?: { values: FormBody; errors: FieldErrors; message: string }) => {
    const { survey, editable } = await load(request, id)
    return sendPage(request, reply, `Translations: ${survey.name}`, (csrf) => (
      <LanguagesPage survey={survey} editable={editable} csrf={csrf} failure={failure} />
    ), failure ? 400 : 200)
  }

  app.get<{ Params: { id: string } }>('/surveys/:id/translations', async (request, reply) => showLanguages(request, reply, request.params.id))

  app.post<{ Params: { id: string } }>('/surveys/:id/translations', async (request, reply) => {
    const { id } = request.params
    const { actor, survey } = await requireManage(request, id)
    const body = asForm(request.body)
    let code = ''
    const result = await attempt(async () => {
      const next = addLanguage(survey.definition, formText(body, 'code'), formText(body, 'name'))
      code = next.languages.at(-1) as string
      return updateSurvey(db, actor, id, parseWith(SurveyUpdateInput, { definition: next }))
    })
    if (!result.ok) {
      const errors = Object.fromEntries(Object.entries(result.fields).map(([k, v]) => [k === 'code' || k === 'name' ? k : k.startsWith('definition.languages') ? 'code' : '_', v]))
      return showLanguages(request, reply, id, { values: body, errors, message: result.message })
    }
    return redirectWithFlash(request, reply, `/surveys/${id}/translations/${code}`, `Added ${surveyLanguageName(result.value.definition, code)}. Translate its strings below.${versionNote(survey, result.value)}`)
  })

  app.post<{ Params: { id: string } }>('/surveys/:id/translations/remove', async (request, reply) => {
    const { id } = request.params
    const { actor, survey } = await requireManage(request, id)
    const language = formText(asForm(request.body), 'language')
    const result = await attempt(() => updateSurvey(db, actor, id, parseWith(SurveyUpdateInput, { definition: removeLanguage(survey.definition, language) })))
    if (!result.ok) return showLanguages(request, reply, id, { values: {}, errors: {}, message: result.message })
    return redirectWithFlash(request, reply, `/surveys/${id}/translations`, `Removed ${surveyLanguageName(survey.definition, language)} and its translations.${versionNote(survey, result.value)}`)
  })

  const showLanguage = async (request: FastifyRequest, reply: FastifyReply, id: string, language: string, failure?: { values: FormBody; errors: FieldErrors; message: string }) => {
    const { survey, editable } = await load(request, id)
    if (!survey.definition.languages.includes(language) || language === surveyDefaultLanguage(survey.definition)) throw new NotFound('Language')
    const name = surveyLanguageName(survey.definition, language)
    return sendPage(request, reply, `${name} translation: ${survey.name}`, (csrf) => (
      <TranslationPage survey={survey} language={language} editable={editable} csrf={csrf} failure={failure} />
    ), failure ? 400 : 200)
  }

  app.get<{ Params: { id: string; language: string } }>('/surveys/:id/translations/:language', async (request, reply) =>
    showLanguage(request, reply, request.params.id, request.params.language))

  app.post<{ Params: { id: string; language: string } }>('/surveys/:id/translations/:language', async (request, reply) => {
    const { id, language } = request.params
    const { actor, survey } = await requireManage(request, id)
    const body = asForm(request.body)
    const fields = [...translatableStrings(survey.definition).map((s) => s.field), ...INTERFACE_TEXT_KEYS.map(interfaceTextField)]
    const values = Object.fromEntries(fields.filter((f) => f in body).map((f) => [f, formText(body, f)]))
    let next = survey.definition
    const result = await attempt(async () => {
      next = applyTranslations(survey.definition, language, values)
      return updateSurvey(db, actor, id, parseWith(SurveyUpdateInput, { definition: next }))
    })
    if (!result.ok) return showLanguage(request, reply, id, language, { values: body, errors: translationErrors(result.fields, next), message: result.message })
    const left = translatableStrings(result.value.definition).filter((s) => isMissing(s, language)).length
    const name = surveyLanguageName(result.value.definition, language)
    return redirectWithFlash(request, reply, `/surveys/${id}/translations/${language}`,
      `Saved the ${name} translation. ${left === 0 ? 'Every string is translated.' : `${left} string${left === 1 ? '' : 's'} still untranslated.`}${versionNote(survey, result.value)}`)
  })
}

function LanguagesPage({ survey, editable, csrf, failure }: { survey: SurveyView; editable: boolean; csrf: string; failure?: { values: FormBody; errors: FieldErrors; message: string } | undefined }) {
  const definition = survey.definition
  const strings = translatableStrings(definition)
  const defaultLanguage = surveyDefaultLanguage(definition)
  return (
    <>
      <SurveyHeader survey={survey} section="translations" title={`Translations: ${survey.name}`} />
      {failure && <ErrorSummary message={failure.message} errors={failure.errors} labels={{ code: 'Language code', name: 'Language name' }} />}
      <p>Respondents choose a language on the page, or get the one their browser asks for; the language is recorded with each response. Strings left untranslated show in {surveyLanguageName(definition, defaultLanguage)}.</p>
      <table class="usa-table usa-table--borderless">
        <caption class="usa-sr-only">Languages of this survey</caption>
        <thead><tr><th scope="col">Language</th><th scope="col">Code</th><th scope="col">Status</th><th scope="col"><span class="usa-sr-only">Actions</span></th></tr></thead>
        <tbody>
          {definition.languages.map((language) => {
            const missing = strings.filter((s) => isMissing(s, language)).length
            const name = surveyLanguageName(definition, language)
            return (
              <tr key={language}>
                <th scope="row">{name}</th>
                <td><code>{language}</code></td>
                <td>{language === defaultLanguage ? 'Default language' : missing === 0 ? 'Complete' : `${missing} of ${strings.length} strings untranslated`}</td>
                <td>
                  {language === defaultLanguage
                    ? <a href={`/surveys/${survey.id}/questions`}>Edit in the question editor</a>
                    : (
                      <div class="cx-actions">
                        <a href={`/surveys/${survey.id}/translations/${language}`}>{editable ? 'Translate' : 'See'}<span class="usa-sr-only"> {name}</span></a>
                        {editable && (
                          <form method="post" action={`/surveys/${survey.id}/translations/remove`}>
                            <CsrfField token={csrf} />
                            <input type="hidden" name="language" value={language} />
                            <button type="submit" class="usa-button usa-button--unstyled">Remove<span class="usa-sr-only"> {name}</span></button>
                          </form>
                        )}
                      </div>
                    )}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      {editable && (
        <section aria-labelledby="add-language-heading">
          <h2 id="add-language-heading">Add a language</h2>
          <form class="usa-form" method="post" action={`/surveys/${survey.id}/translations`} noValidate>
            <CsrfField token={csrf} />
            <TextField name="code" label="Language code" value={failure ? formText(failure.values, 'code') : ''} maxLength={5} required errors={failure?.errors}
              hint="ISO 639-1, optionally with a region: fr, vi, zh, es-MX." />
            <TextField name="name" label="Language name (optional)" value={failure ? formText(failure.values, 'name') : ''} maxLength={100} errors={failure?.errors}
              hint="As its speakers write it, e.g. Français. Known codes are named for you." />
            <button type="submit" class="usa-button">Add language</button>
          </form>
        </section>
      )}
    </>
  )
}

function TranslationPage({ survey, language, editable, csrf, failure }: { survey: SurveyView; language: string; editable: boolean; csrf: string; failure?: { values: FormBody; errors: FieldErrors; message: string } | undefined }) {
  const definition = survey.definition
  const defaultLanguage = surveyDefaultLanguage(definition)
  const defaultName = surveyLanguageName(definition, defaultLanguage)
  const name = surveyLanguageName(definition, language)
  const strings = translatableStrings(definition)
  const missing = strings.filter((s) => isMissing(s, language))
  const groups = [...new Set(strings.map((s) => s.group))]
  const errors = failure?.errors
  const value = (field: string, stored: string) => (failure ? formText(failure.values, field) : stored)
  const builtIn = hasBuiltInInterfaceText(language)
  return (
    <>
      <SurveyHeader survey={survey} section="translations" title={`${name} translation: ${survey.name}`} />
      <p><a href={`/surveys/${survey.id}/translations`}>All languages</a></p>
      {survey.state !== 'draft' && editable && (
        <div class="usa-alert usa-alert--warning usa-alert--slim">
          <div class="usa-alert__body"><p class="usa-alert__text">This survey is {survey.state} as version {survey.version}: saving creates version {survey.version + 1}.</p></div>
        </div>
      )}
      <ErrorSummary message={failure?.message} errors={errors} labels={Object.fromEntries([...strings.map((s) => [s.field, `${s.group}: ${s.label}`]), ...INTERFACE_TEXT_KEYS.map((k) => [interfaceTextField(k), INTERFACE_LABELS[k]])])} />
      {missing.length === 0
        ? <p><strong>Every string is translated into {name}.</strong></p>
        : (
          <div class="usa-summary-box" role="region" aria-labelledby="untranslated-heading">
            <div class="usa-summary-box__body">
              <h2 class="usa-summary-box__heading" id="untranslated-heading">{missing.length} of {strings.length} strings still untranslated</h2>
              <ul class="usa-list">{missing.map((s) => <li key={s.field}>{editable ? <a href={`#field-${s.field.replace(/[^A-Za-z0-9_-]/g, '-')}`}>{s.group}: {s.label}</a> : `${s.group}: ${s.label}`}</li>)}</ul>
            </div>
          </div>
        )}
      {editable ? (
        <form class="usa-form usa-form--large" method="post" action={`/surveys/${survey.id}/translations/${language}`} noValidate>
          <CsrfField token={csrf} />
          {groups.map((group) => (
            <fieldset class="usa-fieldset" key={group}>
              <legend class="usa-legend usa-legend--large">{group}</legend>
              {strings.filter((s) => s.group === group).map((s) => {
                const source = s.text?.[defaultLanguage] ?? ''
                const hint = `${defaultName}: ${source}${isMissing(s, language) ? ' (not yet translated)' : ''}`
                const props = { name: s.field, label: `${s.label} (${name})`, hint, value: value(s.field, s.text?.[language] ?? ''), maxLength: maxLengthOf(s.field), errors }
                return s.multiline ? <TextArea key={s.field} {...props} /> : <TextField key={s.field} {...props} />
              })}
            </fieldset>
          ))}
          <details class="cx-details" open={!builtIn}>
            <summary>Interface text: scale labels, buttons, messages</summary>
            <p class="usa-hint">{builtIn
              ? `cx280 ships these in ${name}; fill a field only to word it differently for this survey.`
              : `cx280 has no built-in ${name} interface text: respondents see these in English until you translate them.`}</p>
            {INTERFACE_TEXT_KEYS.map((key) => {
              const field = interfaceTextField(key)
              const shipped = (RESPONDENT_TEXT[key] as Readonly<Record<string, string>>)[language]
              return (
                <TextField key={key} name={field} label={`${INTERFACE_LABELS[key]} (${name})`} value={value(field, definition.labels?.[key]?.[language] ?? '')} maxLength={300} errors={errors}
                  hint={shipped ? `Built in: ${shipped}` : `English: ${RESPONDENT_TEXT[key].en}`} />
              )
            })}
          </details>
          <button type="submit" class="usa-button">Save {name} translation</button>
        </form>
      ) : (
        <table class="usa-table usa-table--borderless width-full">
          <caption class="usa-sr-only">Strings and their {name} translations</caption>
          <thead><tr><th scope="col">String</th><th scope="col">{defaultName}</th><th scope="col">{name}</th></tr></thead>
          <tbody>{strings.map((s) => <tr key={s.field}><th scope="row">{s.group}: {s.label}</th><td>{s.text?.[defaultLanguage] ?? ''}</td><td>{s.text?.[language] ?? '—'}</td></tr>)}</tbody>
        </table>
      )}
    </>
  )
}
