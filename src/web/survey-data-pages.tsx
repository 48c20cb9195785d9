/**
 * A survey's data pages: scores (per fiscal quarter and per channel, with the trust trend chart and its data table,
 * driver shares per branch, export links) and the CSV import form (survey columns or OMB's 17 columns).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { CHANNEL_LABELS, CHANNELS, type Channel } from '../a11/channels.ts'
import type { CsvRowError } from '../a11/omb-csv.ts'
import type { ScoreFigures, Share } from '../a11/scoring.ts'
import { BRANCHES, DRIVER_KEYS, questionWithRole, type Branch, type DriverKey } from '../a11/survey-model.ts'
import type { FieldErrors } from '../errors.ts'
import { Forbidden } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import {
  getSurvey, IMPORT_FORMATS, IMPORT_META_COLUMNS, importResponsesCsv, rollUp, surveyAbilities, surveyScoreCells,
  type ImportFormat, type ResponseImportReport, type ScoreGroup, type ScoreReport, type SurveyView,
} from '../surveys/index.ts'
import { BarChart, LineChart, percent } from './charts.tsx'
import { CsrfField, EmptyState, ErrorSummary, SelectField, SummaryList, TextField, ScrollTable } from './components.tsx'
import { asForm, attempt, formText } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'
import { SurveyHeader } from './survey-components.tsx'

export const DRIVER_LABELS: Readonly<Record<DriverKey, string>> = {
  effectiveness: 'Effectiveness', ease: 'Ease', efficiency: 'Efficiency', transparency: 'Transparency', humanity: 'Humanity', employee: 'Employee', other: 'Other',
}
const BRANCH_LABELS: Readonly<Record<Branch, string>> = { positive: 'What made the difference (positive)', negative: 'What could have been better (negative)' }

const shareText = (share: Share): string => (share.share === null ? '—' : percent(share.share))
const intervalText = (share: Share): string => (share.interval ? `${percent(share.interval.lower)} – ${percent(share.interval.upper)}` : '—')
const count = (value: number): string => value.toLocaleString('en-US')
const rateText = (f: ScoreFigures): string => (f.responseRate.rate === null ? 'no offers recorded' : percent(f.responseRate.rate))
const meanText = (f: ScoreFigures): string => (f.likertMean.mean === null ? '—' : `${f.likertMean.mean.toFixed(2)} (n = ${count(f.likertMean.n)})`)

export async function registerSurveyDataPages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  app.get<{ Params: { id: string } }>('/surveys/:id/scores', async (request, reply) => {
    const actor = requireActor(request)
    const survey = await getSurvey(db, actor, request.params.id)
    const [abilities, cells] = await Promise.all([surveyAbilities(db, actor, survey.id), surveyScoreCells(db, actor, survey.id)])
    const byQuarter = rollUp(cells, 'quarter')
    const byChannel = rollUp(cells, 'channel')
    return sendPage(request, reply, `Scores: ${survey.name}`, <ScoresPage survey={survey} byQuarter={byQuarter} byChannel={byChannel} canImport={abilities.manage} />)
  })

  const importPage = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const actor = requireActor(request)
    const survey = await getSurvey(db, actor, request.params.id)
    if (!(await surveyAbilities(db, actor, survey.id)).manage) throw new Forbidden('You cannot import responses into this survey.')
    return { actor, survey }
  }

  app.get<{ Params: { id: string } }>('/surveys/:id/import', async (request, reply) => {
    const { survey } = await importPage(request)
    return sendPage(request, reply, `Import responses: ${survey.name}`, (csrf) => <ImportPage csrf={csrf} survey={survey} values={{ format: 'survey', channel: survey.channel }} />)
  })

  app.post<{ Params: { id: string } }>('/surveys/:id/import', async (request, reply) => {
    const { actor, survey } = await importPage(request)
    const body = asForm(request.body)
    const values = { format: formText(body, 'format'), channel: formText(body, 'channel'), offers: formText(body, 'offers').trim(), submittedOn: formText(body, 'submittedOn').trim() }
    const show = (status: number, extra: { message?: string; fields?: FieldErrors; report?: ResponseImportReport }) =>
      sendPage(request, reply, `Import responses: ${survey.name}`, (csrf) => <ImportPage csrf={csrf} survey={survey} values={values} {...extra} />, status)
    const fields: Record<string, string> = {}
    if (!(IMPORT_FORMATS as readonly string[]).includes(values.format)) fields.format = 'Choose a format.'
    if (!(CHANNELS as readonly string[]).includes(values.channel)) fields.channel = 'Choose a channel.'
    if (values.offers !== '' && !/^\d{1,9}$/.test(values.offers.replace(/,/g, ''))) fields.offers = 'Enter a whole number, or leave it empty.'
    if (values.submittedOn !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(values.submittedOn)) fields.submittedOn = 'Enter a date as YYYY-MM-DD.'
    const file = body.file
    const text = Buffer.isBuffer(file) ? file.toString('utf8') : typeof file === 'string' ? file : ''
    if (text.trim() === '') fields.file = 'Choose a CSV file.'
    if (Object.keys(fields).length > 0) return show(400, { message: 'Some fields need attention.', fields })
    const offers = values.offers === '' ? undefined : Number(values.offers.replace(/,/g, ''))
    const result = await attempt(() => importResponsesCsv(db, actor, survey.id, text, {
      format: values.format as ImportFormat, channel: values.channel as Channel, offers, submittedOn: values.submittedOn || undefined,
    }))
    if (!result.ok) return show(400, { message: result.message, fields: result.fields })
    if (!result.value.ok) return show(400, { report: result.value })
    const { imported, offers: offered, recoveryCases } = result.value
    const parts = [`Imported ${count(imported)} response${imported === 1 ? '' : 's'}`, offered ? `recorded ${count(offered)} offers` : '', recoveryCases ? `opened ${count(recoveryCases)} recovery case${recoveryCases === 1 ? '' : 's'}` : '']
    return redirectWithFlash(request, reply, `/surveys/${survey.id}/scores`, `${parts.filter(Boolean).join('; ')}.`)
  })
}

function ScoresPage({ survey, byQuarter, byChannel, canImport }: { survey: SurveyView; byQuarter: ScoreReport; byChannel: ScoreReport; canImport: boolean }) {
  const overall = byQuarter.overall
  const trust = questionWithRole(survey.definition, 'trust')
  const cutoff = survey.definition.likertPositiveMin
  const exportBase = `/api/v1/surveys/${survey.id}/export`
  return (
    <>
      <SurveyHeader survey={survey} section="scores" title={`Scores: ${survey.name}`} />
      <p class="usa-intro">
        Trust share is the share of respondents who answered the trust question {trust?.type === 'likert' ? `${cutoff} or higher on the 5-point scale` : 'with a thumbs up'};
        the 95% interval is Wilson's. Driver shares divide each driver's ticks by the respondents in that branch. Spam and trashed responses are left out.
      </p>
      <div class="cx-actions">
        <a class="usa-button usa-button--outline" href={`${exportBase}?format=csv`}>Export CSV</a>
        <a class="usa-button usa-button--outline" href={`${exportBase}?format=xlsx`}>Export XLSX</a>
        {trust && <a class="usa-button usa-button--outline" href={`${exportBase}?format=omb17`}>Export OMB CSV (17 columns)</a>}
        {canImport && <a class="usa-button" href={`/surveys/${survey.id}/import`}>Import responses</a>}
      </div>
      {overall.respondents === 0 ? (
        <EmptyState title="No responses yet">Scores appear once responses arrive or are imported. Free text in exports is masked for personal information.</EmptyState>
      ) : (
        <>
          <h2>All responses</h2>
          <SummaryList rows={[
            ['Respondents', count(overall.respondents)],
            ['Offers recorded', count(overall.offers)],
            ['Response rate', rateText(overall)],
            ['Trust share', `${shareText(overall.trust)} (95% interval ${intervalText(overall.trust)}; n = ${count(overall.trust.n)})`],
            ['Likert mean', meanText(overall)],
          ]} />
          <h2>Trust by fiscal quarter</h2>
          <LineChart id="trust-trend" title="Trust share by fiscal quarter" xLabel="Fiscal quarter" yLabel="Trust share" countLabel="Respondents (n)"
            description={`Trust share for each fiscal quarter with its 95% interval, from ${byQuarter.groups[0]?.label ?? ''} to ${byQuarter.groups[byQuarter.groups.length - 1]?.label ?? ''}.`}
            points={byQuarter.groups.map((g) => ({ label: g.label, value: g.figures.trust.share, lower: g.figures.trust.interval?.lower ?? null, upper: g.figures.trust.interval?.upper ?? null, n: g.figures.trust.n }))} />
          <FiguresTable id="by-quarter" caption="By fiscal quarter" dimension="Fiscal quarter" groups={byQuarter.groups} />
          <FiguresTable id="by-channel" caption="By channel" dimension="Channel" groups={byChannel.groups} />
          <h2>Drivers</h2>
          {BRANCHES.map((branch) => (
            <BarChart key={branch} id={`drivers-${branch}`} title={`${BRANCH_LABELS[branch]}: share of ${count(overall.drivers[branch].n)} respondents`}
              description={`Share of respondents in the ${branch} branch who chose each driver.`} xLabel="Driver" yLabel="Share of respondents in the branch" countLabel="Respondents who chose it"
              bars={DRIVER_KEYS.map((k) => ({ label: DRIVER_LABELS[k], value: overall.drivers[branch].drivers[k].share, lower: overall.drivers[branch].drivers[k].interval?.lower ?? null, upper: overall.drivers[branch].drivers[k].interval?.upper ?? null, n: overall.drivers[branch].drivers[k].count }))} />
          ))}
          <DriversTable id="drivers-by-quarter" caption="Driver shares by fiscal quarter and branch" dimension="Fiscal quarter" groups={byQuarter.groups} />
          <DriversTable id="drivers-by-channel" caption="Driver shares by channel and branch" dimension="Channel" groups={byChannel.groups} />
        </>
      )}
    </>
  )
}


function FiguresTable({ id, caption, dimension, groups }: { id: string; caption: string; dimension: string; groups: readonly ScoreGroup[] }) {
  return (
    <ScrollTable id={id} caption={caption}>
      <thead>
        <tr>
          <th scope="col">{dimension}</th><th scope="col">Respondents</th><th scope="col">Offers</th><th scope="col">Response rate</th>
          <th scope="col">Trust share</th><th scope="col">95% interval</th><th scope="col">Trust n</th><th scope="col">Likert mean</th>
        </tr>
      </thead>
      <tbody>
        {groups.map((g) => (
          <tr key={g.key}>
            <th scope="row">{g.label}</th>
            <td>{count(g.figures.respondents)}</td><td>{count(g.figures.offers)}</td><td>{rateText(g.figures)}</td>
            <td>{shareText(g.figures.trust)}</td><td>{intervalText(g.figures.trust)}</td><td>{count(g.figures.trust.n)}</td><td>{meanText(g.figures)}</td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  )
}

function DriversTable({ id, caption, dimension, groups }: { id: string; caption: string; dimension: string; groups: readonly ScoreGroup[] }) {
  return (
    <ScrollTable id={id} caption={caption}>
      <thead>
        <tr>
          <th scope="col">{dimension}</th><th scope="col">Branch</th><th scope="col">Respondents in branch</th>
          {DRIVER_KEYS.map((k) => <th scope="col" key={k}>{DRIVER_LABELS[k]}</th>)}
        </tr>
      </thead>
      <tbody>
        {groups.flatMap((g) => BRANCHES.map((branch) => (
          <tr key={`${g.key}-${branch}`}>
            <th scope="row">{g.label}</th>
            <td>{branch === 'positive' ? 'Positive' : 'Negative'}</td>
            <td>{count(g.figures.drivers[branch].n)}</td>
            {DRIVER_KEYS.map((k) => <td key={k}>{shareText(g.figures.drivers[branch].drivers[k])}</td>)}
          </tr>
        )))}
      </tbody>
    </ScrollTable>
  )
}

interface ImportValues { readonly format: string; readonly channel: string; readonly offers?: string; readonly submittedOn?: string }

function ImportPage({ csrf, survey, values, message, fields, report }: { csrf: string; survey: SurveyView; values: ImportValues; message?: string | undefined; fields?: FieldErrors | undefined; report?: ResponseImportReport | undefined }) {
  const keys = survey.definition.questions.filter((q) => q.type !== 'display_text').map((q) => q.key)
  return (
    <>
      <SurveyHeader survey={survey} section="import" title={`Import responses: ${survey.name}`} />
      <p class="usa-intro">For responses collected by phone, IVR, paper or another tool. Every row is checked like a live response; if any row has a problem, nothing is imported and each problem is listed by row and column.</p>
      <ErrorSummary message={message} errors={fields} labels={{ format: 'Format', channel: 'Channel', offers: 'Offers', submittedOn: 'Date of responses', file: 'CSV file' }} />
      {report && !report.ok && <ProblemTable errors={report.errors} />}
      <form class="usa-form usa-form--large" method="post" action={`/surveys/${survey.id}/import`} encType="multipart/form-data">
        <CsrfField token={csrf} />
        <SelectField name="format" label="Format" value={values.format} errors={fields} required
          options={[{ value: 'survey', label: 'This survey\'s columns' }, { value: 'omb17', label: 'OMB 17-column format (A-11 surveys)' }]} />
        <SelectField name="channel" label="Channel" value={values.channel} errors={fields} required hint="For rows without a channel column."
          options={CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))} />
        <TextField name="offers" label="Offers" value={values.offers} errors={fields} type="text" hint="How many people were offered the survey (calls, forms handed out), for the response rate. Optional." />
        <TextField name="submittedOn" label="Date of responses" value={values.submittedOn} errors={fields} type="date" hint="For rows without submitted_at, such as every row of an OMB file. Empty means today." />
        <div class={`usa-form-group${fields?.file ? ' usa-form-group--error' : ''}`}>
          <label class="usa-label" for="field-file">CSV file</label>
          <span class="usa-hint" id="field-file-hint">UTF-8 with a header row, up to 5 MB.</span>
          {fields?.file && <span class="usa-error-message" id="field-file-error" role="alert">{fields.file}</span>}
          <input class="usa-file-input" id="field-file" name="file" type="file" accept=".csv,text/csv" required
            aria-describedby={fields?.file ? 'field-file-hint field-file-error' : 'field-file-hint'} />
        </div>
        <button type="submit" class="usa-button">Check and import</button>
      </form>
      <h2>Columns</h2>
      <p><strong>This survey's columns:</strong> one column per question key, in any order; leave out questions nobody answered.
        Multiple choice takes option keys separated by semicolons (or one <code>key.option</code> column of 1/0 per option, as the export writes), with <code>key.other</code> for the “other” text.
        Optional: <code>{IMPORT_META_COLUMNS.join(', ')}</code>.</p>
      <p class="cx-pre"><code>{keys.join(',')}</code></p>
      <p><strong>OMB 17-column format:</strong> the header exactly as OMB defines it; <code>question_1</code> is 0/1 for thumbs or 1–5 for Likert; driver cells are 0, 1 or null (empty is null).
        See <a href="https://github.com/GSA/touchpoints/wiki/CX%E2%80%90Data%E2%80%90Collection%E2%80%90Data%E2%80%90Format">the format</a> and the cx280 documentation (docs/response-csv.md).</p>
    </>
  )
}

function ProblemTable({ errors }: { errors: readonly CsvRowError[] }) {
  return (
    <div class="usa-alert usa-alert--error" role="alert" aria-labelledby="import-problems-heading">
      <div class="usa-alert__body">
        <h2 class="usa-alert__heading" id="import-problems-heading">Nothing was imported: {errors.length.toLocaleString('en-US')} problem{errors.length === 1 ? '' : 's'} found</h2>
        <table class="usa-table usa-table--borderless usa-table--compact">
          <caption>Problems by row and column{errors.length > 500 ? ' (the first 500)' : ''}</caption>
          <thead><tr><th scope="col">Row</th><th scope="col">Column</th><th scope="col">Problem</th></tr></thead>
          <tbody>{errors.slice(0, 500).map((e, i) => <tr key={i}><td>{e.row}</td><td>{e.column}</td><td>{e.message}</td></tr>)}</tbody>
        </table>
      </div>
    </div>
  )
}
