/**
 * The survey form: one block per question (all question types of src/a11/survey-model.ts), live branching, the
 * respondent's values (also the draft), client-side checks and field errors. Strings come from the definition and
 * from RESPONDENT_TEXT, the same source the hosted page uses.
 */
import { respondentText, type RespondentTextKey } from '../../src/a11/respondent-text.ts'
import { branchOf, DEFAULT_TEXT_MAX, LONG_TEXT_MAX, pick, type Branch, type Question, type SurveyDefinition } from '../../src/a11/survey-model.ts'
import { h, type Child } from './dom.ts'
import type { Values } from './types.ts'

interface Block {
  readonly question: Question
  readonly wrap: HTMLElement | null
  readonly error: HTMLElement | null
  readonly first: HTMLElement | null
  shown: boolean
}

export interface SurveyForm {
  readonly element: HTMLFormElement
  values(): Values
  restore(values: Values): void
  /** Applies branching: shows the questions the answers so far lead to. */
  update(): void
  /** Problems the respondent can fix before sending: question key → message. */
  check(): Record<string, string>
  showErrors(problems: Record<string, string>): void
  /** The first control of a question, for error-summary links. */
  focusTarget(key: string): HTMLElement | null
  /** A question's prompt in the form's language. */
  prompt(key: string): string
  /** The `answers` object for POST /responses: shown questions only, typed as the API expects. */
  answers(hidden: Record<string, string>): Record<string, unknown>
}

const NUMERIC = new Set(['thumbs', 'likert', 'yes_no'])
const limit = (q: Question): number => q.maxLength ?? (q.type === 'long_text' ? LONG_TEXT_MAX : DEFAULT_TEXT_MAX)

export function buildForm(definition: SurveyDefinition, language: string, submitLabel: string): SurveyForm {
  const fallback = definition.languages[0] ?? 'en'
  const t = (key: RespondentTextKey): string => respondentText(definition, key, language)
  const text = (localized: Parameters<typeof pick>[0]): string => pick(localized, language, fallback)
  const element = h('form', { novalidate: true })

  const blocks: Block[] = definition.questions.map((question) => {
    const { key, type } = question
    const id = `q-${key}`
    if (type === 'hidden') return { question, wrap: null, error: null, first: null, shown: true }
    if (type === 'display_text') {
      const wrap = h('p', { class: 'q' }, text(question.prompt))
      element.append(wrap)
      return { question, wrap, error: null, first: null, shown: true }
    }
    const helpTexts = [text(question.help), type === 'long_text' ? t('privacy_note') : ''].filter(Boolean)
    const help = helpTexts.map((content, i) => h('p', { class: 'h', id: `${id}-h${i}` }, content))
    const error = h('p', { class: 'e', id: `${id}-e` })
    const describedBy = [...help.map((p) => p.id), error.id].join(' ')
    const title: Child[] = [text(question.prompt), question.required ? ` (${t('required').toLowerCase()})` : '']
    const choices: Array<[string, string]> =
      type === 'thumbs' ? [['1', t('thumbs_up')], ['0', t('thumbs_down')]]
      : type === 'yes_no' ? [['1', t('yes')], ['0', t('no')]]
      : type === 'likert' ? [1, 2, 3, 4, 5].map((n) => [String(n), t(`likert_${n}` as RespondentTextKey)])
      : (question.options ?? []).map((option) => [option.key, text(option.label)])
    let wrap: HTMLElement
    let first: HTMLElement
    if (type === 'short_text' || type === 'long_text') {
      const attributes = { id, name: key, maxlength: String(limit(question)), 'aria-describedby': describedBy, required: question.required }
      first = type === 'long_text' ? h('textarea', { ...attributes, rows: '4' }) : h('input', { ...attributes, type: 'text' })
      wrap = h('div', { class: 'q' }, h('label', { for: id }, ...title), ...help, error, first)
    } else {
      const many = type === 'multiple_choice'
      const options = choices.map(([value, label], i) => {
        const input = h('input', { type: many ? 'checkbox' : 'radio', id: `${id}-${i}`, name: key, value, 'aria-describedby': describedBy, required: !many && question.required })
        return h('div', { class: 'o' }, input, h('label', { for: input.id }, label))
      })
      const other = many && question.otherText && choices.some(([value]) => value === 'other')
        ? h('div', { class: 'q' }, h('label', { for: `${id}-other` }, t('other_text')), h('input', { type: 'text', id: `${id}-other`, name: `${key}.other`, maxlength: String(DEFAULT_TEXT_MAX) }))
        : null
      wrap = h('fieldset', { id, 'aria-describedby': describedBy }, h('legend', {}, ...title), ...help, error, ...options, other)
      first = options[0]?.firstChild as HTMLElement
    }
    element.append(wrap)
    return { question, wrap, error, first, shown: true }
  })
  element.append(h('button', { type: 'submit' }, submitLabel))

  const controls = (): Array<HTMLInputElement | HTMLTextAreaElement> => Array.from(element.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input,textarea'))

  function values(): Values {
    const out: Values = {}
    for (const control of controls()) {
      const { name, value } = control
      if (control.type === 'checkbox') {
        const list = (out[name] ??= []) as string[]
        if ((control as HTMLInputElement).checked) list.push(value)
      } else if (control.type !== 'radio' || (control as HTMLInputElement).checked) {
        if (value) out[name] = value
      }
    }
    return out
  }

  function restore(saved: Values): void {
    for (const control of controls()) {
      const value = saved[control.name]
      if (value === undefined) continue
      if (control instanceof HTMLInputElement && (control.type === 'radio' || control.type === 'checkbox')) {
        control.checked = Array.isArray(value) ? value.includes(control.value) : value === control.value
      } else if (typeof value === 'string') {
        control.value = value
      }
    }
  }

  function update(): void {
    const current = values()
    const branches = new Map<string, Branch | null>()
    for (const block of blocks) {
      const { question } = block
      const when = question.showWhen
      block.shown = !when || branches.get(when.question) === when.branch
      if (block.wrap) block.wrap.hidden = !block.shown
      const raw = current[question.key]
      branches.set(question.key, block.shown && typeof raw === 'string' && NUMERIC.has(question.type) ? branchOf(question.type, Number(raw), definition.likertPositiveMin) : null)
    }
  }

  const blank = (value: unknown): boolean => value === undefined || (Array.isArray(value) ? value.length === 0 : String(value).trim() === '')

  function check(): Record<string, string> {
    update()
    const current = values()
    const problems: Record<string, string> = {}
    for (const { question, shown, error } of blocks) {
      if (!shown || !error) continue
      const value = current[question.key]
      if (question.required && blank(value) && blank(current[`${question.key}.other`])) problems[question.key] = t('answer_required')
      else if (typeof value === 'string' && value.length > limit(question)) problems[question.key] = t('too_long')
    }
    return problems
  }

  function showErrors(problems: Record<string, string>): void {
    for (const { question, error, wrap } of blocks) {
      if (!error || !wrap) continue
      const message = problems[question.key] ?? problems[`${question.key}.other`] ?? ''
      error.textContent = message
      for (const control of Array.from(wrap.querySelectorAll('input[type=text],textarea'))) {
        if (message) control.setAttribute('aria-invalid', 'true')
        else control.removeAttribute('aria-invalid')
      }
    }
  }

  function answers(hidden: Record<string, string>): Record<string, unknown> {
    update()
    const current = values()
    const out: Record<string, unknown> = {}
    for (const { question, shown } of blocks) {
      const { key, type } = question
      if (!shown || type === 'display_text') continue
      const value = type === 'hidden' ? hidden[key] : current[key]
      const other = current[`${key}.other`]
      if (Array.isArray(value)) {
        if (value.length > 0) out[key] = value
      } else if (value !== undefined && value.trim() !== '') {
        out[key] = NUMERIC.has(type) ? Number(value) : value.trim()
      }
      if (type === 'multiple_choice' && typeof other === 'string' && other.trim()) out[`${key}.other`] = other.trim()
    }
    return out
  }

  const find = (key: string): Block | undefined => blocks.find((b) => b.question.key === key)
  const focusTarget = (key: string): HTMLElement | null => find(key)?.first ?? null
  const prompt = (key: string): string => text(find(key)?.question.prompt)

  update()
  return { element, values, restore, update, check, showErrors, focusTarget, prompt, answers }
}
