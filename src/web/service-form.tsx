/** The service form (create and edit): every inventory field, grouped as in reference §8, with inline errors. */
import { CHANNEL_LABELS, CHANNELS } from '../a11/channels.ts'
import { SERVICE_KIND_LABELS, SERVICE_KINDS } from '../a11/services.ts'
import { SERVICE_FIELD_GROUPS, SERVICE_FIELDS, type ServiceCreateInput, type ServiceView, type OrganizationView, type HispView } from '../catalog/index.ts'
import type { FieldErrors } from '../errors.ts'
import { Checkbox, CheckboxGroup, CsrfField, ErrorSummary, SelectField, TextArea, TextField } from './components.tsx'
import { formFlag, formInteger, formList, formOptional, formText, type FormBody } from './forms.ts'

export type ServiceFormValues = Partial<Record<string, unknown>> & { channels?: readonly string[]; stagesText?: string }

/** Builds API-shaped input from the posted form; the domain schema then validates it. */
export function serviceInputFromForm(body: FormBody): ServiceCreateInput & { stagesText: string } {
  const input: Record<string, unknown> = {
    name: formText(body, 'name').trim(),
    organizationId: formText(body, 'organizationId'),
    hispId: formOptional(body, 'hispId'),
    channels: [...new Set(formList(body, 'channels'))],
  }
  const slug = formOptional(body, 'slug')
  if (slug) input.slug = slug
  for (const field of SERVICE_FIELDS) {
    if (field.kind === 'flag') input[field.key] = formFlag(body, field.key)
    else if (field.kind === 'integer') input[field.key] = formInteger(body, field.key)
    else if (field.kind === 'kind') input[field.key] = formText(body, field.key) || 'other'
    else input[field.key] = formOptional(body, field.key)
  }
  const stagesText = formText(body, 'stages')
  const stages = stagesText.split(/\r?\n/).map((line) => line.trim()).filter(Boolean).map((name) => ({ name }))
  if (stages.length > 0) input.stages = stages
  return { ...(input as unknown as ServiceCreateInput), stagesText }
}

export function valuesFromService(service: ServiceView): ServiceFormValues {
  return { ...service, stagesText: service.stages.map((s) => s.name).join('\n') }
}

const LABELS: Record<string, string> = Object.fromEntries([
  ['name', 'Name'], ['slug', 'Slug'], ['organizationId', 'Organization'], ['hispId', 'HISP'], ['channels', 'Channels'], ['stages', 'Stages'],
  ...SERVICE_FIELDS.map((f) => [f.key, f.label]),
])

export function ServiceForm(props: {
  csrf: string; action: string; submitLabel: string; values: ServiceFormValues; errors?: FieldErrors | undefined; message?: string | undefined
  organizations: readonly OrganizationView[]; hisps: readonly HispView[]
}) {
  const v = props.values
  const text = (key: string) => (v[key] === null || v[key] === undefined ? '' : String(v[key]))
  return (
    <form class="usa-form usa-form--large" method="post" action={props.action} noValidate>
      <ErrorSummary message={props.message} errors={props.errors} labels={LABELS} />
      <CsrfField token={props.csrf} />
      <fieldset class="usa-fieldset">
        <legend class="usa-legend usa-legend--large">Identity</legend>
        <TextField name="name" label="Name" value={text('name')} maxLength={200} errors={props.errors} required />
        <TextField name="slug" label="Slug" value={text('slug')} hint="Lowercase letters, digits and hyphens; made from the name when left empty." maxLength={80} errors={props.errors} />
        <SelectField name="organizationId" label="Organization" value={text('organizationId')} required errors={props.errors} emptyLabel="- Select -"
          options={props.organizations.map((o) => ({ value: o.id, label: `${'— '.repeat(o.depth)}${o.name}` }))} />
        <SelectField name="hispId" label="HISP" value={text('hispId')} errors={props.errors} emptyLabel="Not a HISP service"
          options={props.hisps.map((h) => ({ value: h.id, label: h.name }))} />
        {SERVICE_FIELDS.filter((f) => f.group === 'Identity').map((f) => <ScalarField key={f.key} field={f} values={v} errors={props.errors} />)}
      </fieldset>
      <CheckboxGroup name="channels" label="Channels" options={CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))} selected={(v.channels ?? []) as string[]} errors={props.errors} />
      <TextArea name="stages" label="Journey stages, in order (one per line)" value={v.stagesText ?? 'Start\nProcess\nEnd'} errors={props.errors} hint="Defaults: Start, Process, End." />
      {SERVICE_FIELD_GROUPS.filter((g) => g !== 'Identity').map((group) => (
        <fieldset class="usa-fieldset" key={group}>
          <legend class="usa-legend usa-legend--large">{group}</legend>
          {SERVICE_FIELDS.filter((f) => f.group === group).map((f) => <ScalarField key={f.key} field={f} values={v} errors={props.errors} />)}
        </fieldset>
      ))}
      <button type="submit" class="usa-button">{props.submitLabel}</button>
    </form>
  )
}

function ScalarField({ field, values, errors }: { field: (typeof SERVICE_FIELDS)[number]; values: ServiceFormValues; errors?: FieldErrors | undefined }) {
  const raw = values[field.key]
  const value = raw === null || raw === undefined ? '' : String(raw)
  switch (field.kind) {
    case 'flag': return <Checkbox name={field.key} label={field.label} checked={raw === true} />
    case 'kind': return <SelectField name={field.key} label={field.label} value={value || 'other'} errors={errors} options={SERVICE_KINDS.map((k) => ({ value: k, label: SERVICE_KIND_LABELS[k] }))} />
    case 'longtext': return <TextArea name={field.key} label={field.label} value={value} maxLength={field.max} hint={field.hint} errors={errors} />
    case 'integer': return <TextField name={field.key} label={field.label} value={value} type="text" errors={errors} hint={field.hint} />
    case 'url': return <TextField name={field.key} label={field.label} value={value} type="url" maxLength={field.max} errors={errors} />
    default: return <TextField name={field.key} label={field.label} value={value} maxLength={field.max} hint={field.hint} errors={errors} />
  }
}
