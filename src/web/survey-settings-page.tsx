/**
 * A survey's settings: name, stage, channel, type, the widget's allowed origins and the PRA clearance (reference §5).
 * People who cannot manage the survey (and everyone, once it is archived) see the same facts read-only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { CHANNEL_LABELS, CHANNELS } from '../a11/channels.ts'
import { estimatedBurdenMinutes, PRA_MAX_MINUTES, PRA_MAX_QUESTIONS, PRA_WARNING_DAYS } from '../a11/pra.ts'
import { SURVEY_TYPES } from '../a11/survey-model.ts'
import { getService } from '../catalog/index.ts'
import { Forbidden, type FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { getSurvey, surveyAbilities, SurveyUpdateInput, updateSurvey, type SurveyView } from '../surveys/index.ts'
import { parseWith } from '../validation.ts'
import { CsrfField, ErrorSummary, SelectField, SummaryList, TextArea, TextField } from './components.tsx'
import { asForm, attempt, formInteger, formOptional, formText, type FormBody } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'
import { SURVEY_TYPE_LABELS, SurveyHeader } from './survey-components.tsx'

type SettingsValues = Readonly<Record<string, string>>

const LABELS: Readonly<Record<string, string>> = {
  name: 'Name', stageId: 'Stage of the service', channel: 'Channel', surveyType: 'Survey type', allowedOrigins: 'Allowed origins',
  ombControlNumber: 'OMB control number', praExpiresOn: 'Expiration date', burdenMinutes: 'Burden per response (minutes)',
  federalRegisterUrl: 'Federal Register notice', approvedAnnualResponses: 'Approved annual responses', otherClearance: 'Other clearance',
}

function valuesOf(survey: SurveyView): SettingsValues {
  const text = (value: string | number | null) => (value === null ? '' : String(value))
  return {
    name: survey.name, stageId: text(survey.stageId), channel: survey.channel, surveyType: survey.surveyType, allowedOrigins: survey.allowedOrigins.join('\n'),
    ombControlNumber: text(survey.ombControlNumber), praExpiresOn: text(survey.praExpiresOn), burdenMinutes: text(survey.burdenMinutes),
    federalRegisterUrl: text(survey.federalRegisterUrl), approvedAnnualResponses: text(survey.approvedAnnualResponses), otherClearance: text(survey.otherClearance),
  }
}

function postedValues(body: FormBody): SettingsValues {
  return Object.fromEntries(Object.keys(LABELS).map((name) => [name, formText(body, name)]))
}

/** The update input the schema validates: blanks become null so a field can be cleared. */
function settingsInput(body: FormBody): Record<string, unknown> {
  const origins = formText(body, 'allowedOrigins').split(/\r?\n/).map((line) => line.trim()).filter(Boolean)
  return {
    name: formText(body, 'name').trim(), stageId: formOptional(body, 'stageId'), channel: formText(body, 'channel'), surveyType: formText(body, 'surveyType'),
    allowedOrigins: origins, ombControlNumber: formOptional(body, 'ombControlNumber'), praExpiresOn: formOptional(body, 'praExpiresOn'),
    burdenMinutes: formInteger(body, 'burdenMinutes'), federalRegisterUrl: formOptional(body, 'federalRegisterUrl'),
    approvedAnnualResponses: formInteger(body, 'approvedAnnualResponses'), otherClearance: formOptional(body, 'otherClearance'),
  }
}

/** Schema messages name array items (`allowedOrigins.2`); the page names the line instead. */
function settingsErrors(fields: FieldErrors): FieldErrors {
  const out: Record<string, string> = {}
  for (const [name, message] of Object.entries(fields)) {
    const origin = /^allowedOrigins\.(\d+)$/.exec(name)
    if (origin) out.allowedOrigins ??= `Line ${Number(origin[1]) + 1} is not an origin such as https://www.agency.gov (scheme and host, no path).`
    else if (name === 'praExpiresOn' && /pattern|invalid|wrong type/.test(message)) out[name] = 'Give the date as YYYY-MM-DD.'
    else if (name in LABELS) out[name] ??= message
    else out._ = out._ ? `${out._} ${message}` : message
  }
  return out
}

export async function registerSurveySettingsPages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  const show = async (request: FastifyRequest, reply: FastifyReply, id: string, posted?: SettingsValues, errors?: FieldErrors, message?: string) => {
    const actor = requireActor(request)
    const survey = await getSurvey(db, actor, id)
    const [abilities, service] = await Promise.all([surveyAbilities(db, actor, id), getService(db, actor, survey.serviceId)])
    const editable = abilities.manage && survey.state !== 'archived'
    const stages = service.stages.map((s) => ({ value: s.id, label: s.name }))
    return sendPage(request, reply, `Settings: ${survey.name}`, (csrf) => (
      <>
        <SurveyHeader survey={survey} section="settings" title={`Settings: ${survey.name}`} />
        {editable
          ? <SettingsForm csrf={csrf} survey={survey} values={posted ?? valuesOf(survey)} stages={stages} errors={errors} message={message} />
          : <SettingsSummary survey={survey} stageName={service.stages.find((s) => s.id === survey.stageId)?.name ?? null} />}
      </>
    ), errors ? 400 : 200)
  }

  app.get<{ Params: { id: string } }>('/surveys/:id/settings', async (request, reply) => show(request, reply, request.params.id))

  app.post<{ Params: { id: string } }>('/surveys/:id/settings', async (request, reply) => {
    const actor = requireActor(request)
    const { id } = request.params
    if (!(await surveyAbilities(db, actor, id)).manage) throw new Forbidden('You cannot change this survey.')
    const body = asForm(request.body)
    const result = await attempt(() => updateSurvey(db, actor, id, parseWith(SurveyUpdateInput, settingsInput(body))))
    if (!result.ok) return show(request, reply, id, postedValues(body), settingsErrors(result.fields), result.message)
    return redirectWithFlash(request, reply, `/surveys/${id}`, 'Settings saved.')
  })
}

function SettingsForm({ csrf, survey, values, stages, errors, message }: {
  csrf: string; survey: SurveyView; values: SettingsValues; stages: readonly { value: string; label: string }[]; errors?: FieldErrors | undefined; message?: string | undefined
}) {
  const estimate = estimatedBurdenMinutes(survey.definition, { burdenMinutes: null })
  return (
    <form class="usa-form usa-form--large" method="post" action={`/surveys/${survey.id}/settings`} noValidate>
      <ErrorSummary message={message} errors={errors} labels={LABELS} />
      <CsrfField token={csrf} />
      <fieldset class="usa-fieldset">
        <legend class="usa-legend usa-legend--large">Survey</legend>
        <TextField name="name" label="Name" value={values.name} maxLength={200} required errors={errors} hint="For staff; respondents see the title." />
        <SelectField name="stageId" label="Stage of the service" value={values.stageId} emptyLabel="The whole service" options={stages} errors={errors} />
        <SelectField name="channel" label="Channel" value={values.channel} options={CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))} errors={errors} />
        <SelectField name="surveyType" label="Survey type" value={values.surveyType} options={SURVEY_TYPES.map((t) => ({ value: t, label: SURVEY_TYPE_LABELS[t] }))} errors={errors} />
        <TextArea name="allowedOrigins" label="Allowed origins for the widget (one per line)" value={values.allowedOrigins} errors={errors}
          hint="The websites that may embed the widget, as scheme and host only, e.g. https://www.agency.gov. Leave empty if you use only links and the hosted page." />
      </fieldset>
      <fieldset class="usa-fieldset">
        <legend class="usa-legend usa-legend--large">Paperwork Reduction Act clearance</legend>
        <p class="usa-hint">
          A survey shows its OMB control number and expiration date in its footer with the burden statement. Under a generic clearance a
          post-transaction survey asks at most {PRA_MAX_QUESTIONS} questions and takes at most {PRA_MAX_MINUTES} minutes; publishing is blocked beyond that.
          The survey stops accepting responses when the clearance expires, and its owners are emailed {PRA_WARNING_DAYS} days before.
        </p>
        <TextField name="ombControlNumber" label="OMB control number" value={values.ombControlNumber} maxLength={9} errors={errors}
          hint="Four digits, a hyphen, four digits, e.g. 0348-0069 (the OMB-wide A-11 clearance). Give it together with the expiration date." />
        <TextField name="praExpiresOn" label="Expiration date" type="date" value={values.praExpiresOn} errors={errors}
          hint="The last day the clearance is valid (YYYY-MM-DD). Required with a control number." />
        <TextField name="burdenMinutes" label="Burden per response (minutes)" value={values.burdenMinutes} errors={errors}
          hint={`Minutes a respondent needs, as stated in the clearance. Leave empty to use cx280's estimate for these questions: ${estimate} minute${estimate === 1 ? '' : 's'}.`} />
        <TextField name="federalRegisterUrl" label="Federal Register notice" type="url" value={values.federalRegisterUrl} maxLength={500} errors={errors}
          hint="Link to the notice for the clearance (https://…)." />
        <TextField name="approvedAnnualResponses" label="Approved annual responses" value={values.approvedAnnualResponses} errors={errors}
          hint="From the clearance; burden hours are responses × minutes ÷ 60." />
        <TextArea name="otherClearance" label="Other clearance" value={values.otherClearance} maxLength={500} errors={errors}
          hint={`Only if this survey is covered by a clearance other than a generic one for post-transaction surveys (for example its own information collection request): describe it. Recording it lifts the ${PRA_MAX_QUESTIONS}-question and ${PRA_MAX_MINUTES}-minute limit.`} />
      </fieldset>
      <button type="submit" class="usa-button">Save settings</button>
    </form>
  )
}

function SettingsSummary({ survey, stageName }: { survey: SurveyView; stageName: string | null }) {
  return (
    <>
      <p>{survey.state === 'archived' ? 'This survey is archived; its settings can no longer change.' : 'You can read these settings; changing them needs a role that manages this service.'}</p>
      <SummaryList rows={[
        ['Name', survey.name], ['Stage of the service', stageName ?? 'The whole service'], ['Channel', CHANNEL_LABELS[survey.channel]],
        ['Survey type', SURVEY_TYPE_LABELS[survey.surveyType]], ['Allowed origins', survey.allowedOrigins.join(', ') || null],
        ['OMB control number', survey.ombControlNumber], ['Expiration date', survey.praExpiresOn],
        ['Burden per response (minutes)', survey.burdenMinutes === null ? null : String(survey.burdenMinutes)],
        ['Federal Register notice', survey.federalRegisterUrl], ['Approved annual responses', survey.approvedAnnualResponses === null ? null : survey.approvedAnnualResponses.toLocaleString('en-US')],
        ['Other clearance', survey.otherClearance],
      ]} />
    </>
  )
}
