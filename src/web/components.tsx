/**
 * USWDS form and list components. Each field shows its error next to the input (usa-form-group--error) and is
 * linked to it with aria-describedby; the error summary at the top links to each field.
 */
import type { ComponentChildren } from 'preact'
import type { FieldErrors } from '../errors.ts'

export interface FieldProps {
  readonly name: string
  readonly label: string
  readonly errors?: FieldErrors | undefined
  readonly hint?: string | undefined
  readonly required?: boolean
}

const inputId = (name: string) => `field-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`

function FieldFrame(props: FieldProps & { children: ComponentChildren }) {
  const error = props.errors?.[props.name]
  const id = inputId(props.name)
  return (
    <div class={`usa-form-group${error ? ' usa-form-group--error' : ''}`}>
      <label class={`usa-label${error ? ' usa-label--error' : ''}`} for={id}>
        {props.label}{props.required && <span class="usa-hint usa-hint--required"> (required)</span>}
      </label>
      {props.hint && <div class="usa-hint" id={`${id}-hint`}>{props.hint}</div>}
      {error && <span class="usa-error-message" id={`${id}-error`} role="alert">{error}</span>}
      {props.children}
    </div>
  )
}

function describedBy(props: FieldProps): string | undefined {
  const id = inputId(props.name)
  const parts = [props.hint ? `${id}-hint` : null, props.errors?.[props.name] ? `${id}-error` : null].filter(Boolean)
  return parts.length > 0 ? parts.join(' ') : undefined
}

export function TextField(props: FieldProps & { value?: string | number | null | undefined; type?: string; maxLength?: number; autocomplete?: string }) {
  const error = props.errors?.[props.name]
  return (
    <FieldFrame {...props}>
      <input class={`usa-input${error ? ' usa-input--error' : ''}`} id={inputId(props.name)} name={props.name} type={props.type ?? 'text'}
        value={props.value ?? ''} maxLength={props.maxLength} required={props.required} autoComplete={props.autocomplete}
        aria-describedby={describedBy(props)} aria-invalid={error ? 'true' : undefined} />
    </FieldFrame>
  )
}

export function TextArea(props: FieldProps & { value?: string | null | undefined; maxLength?: number }) {
  const error = props.errors?.[props.name]
  return (
    <FieldFrame {...props}>
      <textarea class={`usa-textarea${error ? ' usa-input--error' : ''}`} id={inputId(props.name)} name={props.name} maxLength={props.maxLength}
        aria-describedby={describedBy(props)} aria-invalid={error ? 'true' : undefined}>{props.value ?? ''}</textarea>
    </FieldFrame>
  )
}

export interface Option { readonly value: string; readonly label: string }

export function SelectField(props: FieldProps & { value?: string | null | undefined; options: readonly Option[]; emptyLabel?: string }) {
  const error = props.errors?.[props.name]
  return (
    <FieldFrame {...props}>
      <select class={`usa-select${error ? ' usa-input--error' : ''}`} id={inputId(props.name)} name={props.name} required={props.required}
        aria-describedby={describedBy(props)} aria-invalid={error ? 'true' : undefined}>
        {props.emptyLabel !== undefined && <option value="">{props.emptyLabel}</option>}
        {props.options.map((o) => <option key={o.value} value={o.value} selected={o.value === (props.value ?? '')}>{o.label}</option>)}
      </select>
    </FieldFrame>
  )
}

export function Checkbox(props: { name: string; label: string; checked: boolean; value?: string; id?: string }) {
  const id = props.id ?? inputId(`${props.name}-${props.value ?? 'on'}`)
  return (
    <div class="usa-checkbox">
      <input class="usa-checkbox__input" id={id} type="checkbox" name={props.name} value={props.value ?? 'true'} checked={props.checked} />
      <label class="usa-checkbox__label" for={id}>{props.label}</label>
    </div>
  )
}

export function CheckboxGroup(props: FieldProps & { options: readonly Option[]; selected: readonly string[] }) {
  const error = props.errors?.[props.name]
  return (
    <fieldset id={inputId(props.name)} tabIndex={-1} class={`usa-fieldset usa-form-group${error ? ' usa-form-group--error' : ''}`}>
      <legend class="usa-legend">{props.label}</legend>
      {error && <span class="usa-error-message" role="alert">{error}</span>}
      <div class="cx-checkbox-columns">
        {props.options.map((o) => <Checkbox key={o.value} name={props.name} value={o.value} label={o.label} checked={props.selected.includes(o.value)} />)}
      </div>
    </fieldset>
  )
}

/** A CSV import's problems, by line: nothing was written (`outcome` says so in the page's words). */
export function ImportProblems({ errors, outcome }: { errors: ReadonlyArray<{ readonly row: number; readonly field: string; readonly message: string }>; outcome: string }) {
  return (
    <div class="usa-alert usa-alert--error" role="alert">
      <div class="usa-alert__body">
        <h2 class="usa-alert__heading">{outcome}: {errors.length} problem{errors.length === 1 ? '' : 's'} found</h2>
        <table class="usa-table usa-table--borderless">
          <caption>Problems by line</caption>
          <thead><tr><th scope="col">Line</th><th scope="col">Column</th><th scope="col">Problem</th></tr></thead>
          <tbody>{errors.slice(0, 500).map((e, i) => <tr key={i}><td>{e.row}</td><td>{e.field}</td><td>{e.message}</td></tr>)}</tbody>
        </table>
      </div>
    </div>
  )
}

/** The file field of a CSV upload form (`name="file"`). */
export function CsvFileField({ maxRows }: { maxRows: number }) {
  return (
    <div class="usa-form-group">
      <label class="usa-label" for="file">CSV file</label>
      <span class="usa-hint" id="file-hint">UTF-8, with a header row. Up to {maxRows.toLocaleString('en-US')} rows and 5 MB.</span>
      <input class="usa-file-input" id="file" name="file" type="file" accept=".csv,text/csv" aria-describedby="file-hint" required />
    </div>
  )
}

export function ErrorSummary({ message, errors, labels }: { message?: string | undefined; errors?: FieldErrors | undefined; labels?: Readonly<Record<string, string>> }) {
  if (!message && (!errors || Object.keys(errors).length === 0)) return null
  return (
    <div class="usa-alert usa-alert--error" role="alert" aria-labelledby="error-summary-heading">
      <div class="usa-alert__body">
        <h2 class="usa-alert__heading" id="error-summary-heading">{message ?? 'Some fields need attention.'}</h2>
        {errors && Object.keys(errors).length > 0 && (
          <ul class="usa-list">
            {Object.entries(errors).map(([name, text]) => (
              <li key={name}>{name === '_' ? text : <a href={`#${inputId(name)}`}>{labels?.[name] ?? name}: {text}</a>}</li>
            ))}
          </ul>
        )}
      </div>
    </div>
  )
}

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />
}

export function EmptyState({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="usa-alert usa-alert--info" role="status">
      <div class="usa-alert__body">
        <h2 class="usa-alert__heading">{title}</h2>
        {children && <div class="usa-alert__text">{children}</div>}
      </div>
    </div>
  )
}

/** USWDS pagination; keeps the current filters in every link. */
export function Pagination({ path, query, page, pageSize, total }: { path: string; query: Readonly<Record<string, string | undefined>>; page: number; pageSize: number; total: number }) {
  const pages = Math.max(1, Math.ceil(total / pageSize))
  if (pages <= 1) return null
  const href = (p: number) => {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v) params.set(k, v)
    params.set('page', String(p))
    return `${path}?${params.toString()}`
  }
  const shown = [...new Set([1, page - 1, page, page + 1, pages])].filter((p) => p >= 1 && p <= pages).sort((a, b) => a - b)
  return (
    <nav aria-label="Pagination" class="usa-pagination">
      <ul class="usa-pagination__list">
        {page > 1 && <li class="usa-pagination__item usa-pagination__arrow"><a href={href(page - 1)} class="usa-pagination__link usa-pagination__previous-page" aria-label="Previous page"><span class="usa-pagination__link-text">Previous</span></a></li>}
        {shown.map((p) => (
          <li class="usa-pagination__item usa-pagination__page-no" key={p}>
            <a href={href(p)} class={`usa-pagination__button${p === page ? ' usa-current' : ''}`} aria-label={`Page ${p}`} aria-current={p === page ? 'page' : undefined}>{p}</a>
          </li>
        ))}
        {page < pages && <li class="usa-pagination__item usa-pagination__arrow"><a href={href(page + 1)} class="usa-pagination__link usa-pagination__next-page" aria-label="Next page"><span class="usa-pagination__link-text">Next</span></a></li>}
      </ul>
    </nav>
  )
}

export function SummaryList({ rows }: { rows: readonly [string, ComponentChildren][] }) {
  return (
    <dl class="cx-summary">
      {rows.map(([term, value]) => (
        <div class="cx-summary__row" key={term}>
          <dt>{term}</dt>
          <dd>{value === null || value === undefined || value === '' ? <span class="text-base">Not recorded</span> : value}</dd>
        </div>
      ))}
    </dl>
  )
}

export const yesNo = (value: boolean) => (value ? 'Yes' : 'No')

/** A table that scrolls sideways on narrow screens; the region is focusable so keyboard users can scroll it. */
export function ScrollTable({ id, caption, fullWidth = false, children }: { id: string; caption: string; fullWidth?: boolean; children: ComponentChildren }) {
  return (
    <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-labelledby={`${id}-caption`}>
      <table class={`usa-table usa-table--borderless usa-table--compact${fullWidth ? ' width-full' : ''}`}>
        <caption id={`${id}-caption`}>{caption}</caption>
        {children}
      </table>
    </div>
  )
}
