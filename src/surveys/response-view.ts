/**
 * Turns a stored response (its typed answer rows) and the survey version it answered into what staff read: each
 * question's prompt in the survey's default language and the answer as text ("Thumbs up", "4 (Agree)", option
 * labels, the respondent's own words). Free text is masked (`maskPii`) unless the reader revealed it, which is a
 * permission of its own and audited (A-11 §280.14 intake: "masked in lists … revealing it needs a permission").
 * Pure: no I/O.
 */
import { branchOf, pick, type Question, type QuestionRole, type QuestionType, type SurveyDefinition, type SurveyScale } from '../a11/survey-model.ts'
import { RESPONDENT_TEXT, respondentText, type RespondentTextKey } from '../a11/respondent-text.ts'
import { maskPii } from '../privacy/pii.ts'
import type { AnswerRow } from './answers.ts'

/** Contact details are personal by definition, so they are hidden whole rather than pattern-masked. */
export const HIDDEN_CONTACT = '[contact details hidden]'

export interface ShownAnswer {
  readonly questionKey: string
  /** The question as asked, in the survey's default language (the key when the version lacks the question). */
  readonly prompt: string
  readonly type: QuestionType | null
  readonly role: QuestionRole | null
  /** The answer as text; null when the respondent left a question they were shown unanswered. */
  readonly answer: string | null
  /** Whether the answer holds the respondent's own words (masked unless revealed). */
  readonly freeText: boolean
}

/** The text of one answer row as a reader may see it. */
export function visibleText(row: Pick<AnswerRow, 'role' | 'textValue'>, revealed: boolean): string | null {
  if (row.textValue === null) return null
  if (revealed) return row.textValue
  return row.role === 'contact_details' ? HIDDEN_CONTACT : maskPii(row.textValue)
}

/** The answer rows with their text masked (or not, once revealed): the API's machine-readable form. */
export function visibleRows(rows: readonly AnswerRow[], revealed: boolean): AnswerRow[] {
  return rows.map((row) => (row.textValue === null ? row : { ...row, textValue: visibleText(row, revealed) }))
}

/** A short excerpt of the respondent's words for lists: the open-text answer first, then any other text. */
export function excerptOf(rows: readonly AnswerRow[], revealed: boolean, max = 140): string | null {
  const texts = rows.filter((r) => r.textValue !== null && r.role !== 'contact_details')
  const chosen = texts.find((r) => r.role === 'open_text') ?? texts[0]
  if (!chosen) return null
  const text = (visibleText(chosen, revealed) ?? '').replace(/\s+/g, ' ').trim()
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text
}

/** The trust answer in words, e.g. "Thumbs up" or "4 (Agree)". */
export function trustLabel(scale: SurveyScale | null, value: number | null): string | null {
  if (value === null) return null
  if (scale === 'thumbs_up_down') return value === 1 ? 'Thumbs up' : 'Thumbs down'
  return value >= 1 && value <= 5 ? `${value} (${RESPONDENT_TEXT[`likert_${value}` as RespondentTextKey].en})` : String(value)
}

function numberAnswer(definition: SurveyDefinition, question: Question, value: number, language: string): string {
  const text = (key: RespondentTextKey) => respondentText(definition, key, language)
  if (question.type === 'thumbs') return value === 1 ? 'Thumbs up' : 'Thumbs down'
  if (question.type === 'yes_no') return value === 1 ? text('yes') : text('no')
  if (question.type === 'likert' && value >= 1 && value <= 5) return `${value} (${text(`likert_${value}` as RespondentTextKey)})`
  return String(value)
}

function describeAnswer(definition: SurveyDefinition, question: Question | undefined, rows: readonly AnswerRow[], revealed: boolean, language: string): string {
  const optionLabel = (key: string) => pick(question?.options?.find((o) => o.key === key)?.label, language, language) || key
  return rows.map((row) => {
    if (row.numberValue !== null) return question ? numberAnswer(definition, question, row.numberValue, language) : String(row.numberValue)
    const text = visibleText(row, revealed)
    if (row.optionKey !== null) return text ? `${optionLabel(row.optionKey)}: ${text}` : optionLabel(row.optionKey)
    return text ?? ''
  }).join('; ')
}

/** Whether a question was shown, given the branch its controlling question's answer selected. */
function wasShown(question: Question, definition: SurveyDefinition, numbers: ReadonlyMap<string, number>): boolean {
  if (!question.showWhen) return true
  const controlling = definition.questions.find((q) => q.key === question.showWhen?.question)
  const value = numbers.get(question.showWhen.question)
  if (!controlling || value === undefined) return false
  return branchOf(controlling.type, value, definition.likertPositiveMin) === question.showWhen.branch
}

/**
 * Every question the respondent was shown, in survey order, with its answer; answers to questions the version no
 * longer names (it should not happen) follow under their keys.
 * @example responseAnswers(definition, rows, { revealed: false })[0] // { prompt: 'This interaction increased my trust in …', answer: 'Thumbs up', … }
 */
export function responseAnswers(definition: SurveyDefinition, rows: readonly AnswerRow[], options: { revealed: boolean }): ShownAnswer[] {
  const language = definition.languages[0] ?? 'en'
  const byKey = new Map<string, AnswerRow[]>()
  for (const row of rows) byKey.set(row.questionKey, [...(byKey.get(row.questionKey) ?? []), row])
  const numbers = new Map(rows.flatMap((r) => (r.numberValue === null ? [] : [[r.questionKey, r.numberValue] as const])))
  const shown: ShownAnswer[] = []
  for (const question of definition.questions) {
    if (question.type === 'display_text') continue
    const answered = byKey.get(question.key)
    byKey.delete(question.key)
    if (!answered && (question.type === 'hidden' || !wasShown(question, definition, numbers))) continue
    shown.push({
      questionKey: question.key, prompt: pick(question.prompt, language, language) || question.key, type: question.type, role: question.role,
      answer: answered ? describeAnswer(definition, question, answered, options.revealed, language) : null,
      freeText: (answered ?? []).some((r) => r.textValue !== null),
    })
  }
  for (const [key, answered] of byKey) {
    shown.push({ questionKey: key, prompt: key, type: null, role: answered[0]?.role ?? null, answer: describeAnswer(definition, undefined, answered, options.revealed, language), freeText: answered.some((r) => r.textValue !== null) })
  }
  return shown
}
