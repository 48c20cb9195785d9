/**
 * Checks a respondent's answers against the survey version they saw and turns them into typed answer rows: one row
 * per number, chosen option or text, each carrying its question's semantic role. Branching decides which questions
 * were shown; answers to questions not shown are refused. Pure: no I/O.
 */
import {
  branchOf, DEFAULT_TEXT_MAX, LONG_TEXT_MAX, type Branch, type Question, type QuestionRole, type SurveyDefinition,
} from '../a11/survey-model.ts'
import { detectPii } from '../privacy/pii.ts'

export interface AnswerRow {
  readonly questionKey: string
  readonly role: QuestionRole | null
  readonly optionKey: string | null
  readonly numberValue: number | null
  readonly textValue: string | null
}

export interface CheckedAnswers {
  readonly rows: AnswerRow[]
  /** The trust question's answer (thumbs 0/1, Likert 1–5), if the survey has one and it was answered. */
  readonly trustValue: number | null
  readonly branch: Branch | null
  readonly contactRequested: boolean
  /** Whether the respondent wrote free text (open text, short text, "other"); hidden fields do not count. */
  readonly hasText: boolean
  readonly containsPii: boolean
}

export type AnswerProblemCode = 'required' | 'too_long' | 'invalid' | 'not_shown' | 'unknown'
export interface AnswerProblem {
  readonly code: AnswerProblemCode
  readonly message: string
}

export type AnswerCheck = { readonly ok: true; readonly value: CheckedAnswers } | { readonly ok: false; readonly problems: Record<string, AnswerProblem> }

/** Raw answers as they arrive from JSON or a form: key → value; multiple-choice "other" text under `<key>.other`. */
export type RawAnswers = Readonly<Record<string, unknown>>

const MAX_HIDDEN = 500
// Control characters other than tab and newlines never belong in an answer.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g

const isBlank = (value: unknown): boolean =>
  value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)

function binary(value: unknown, yes: string, no: string): number | null {
  if (value === 1 || value === '1' || value === true || value === yes || value === 'true') return 1
  if (value === 0 || value === '0' || value === false || value === no || value === 'false') return 0
  return null
}

function likert(value: unknown): number | null {
  const number = typeof value === 'string' && /^[1-5]$/.test(value.trim()) ? Number(value) : value
  return typeof number === 'number' && Number.isInteger(number) && number >= 1 && number <= 5 ? number : null
}

function cleanText(value: unknown): string | null {
  if (typeof value !== 'string') return null
  return value.replace(CONTROL, '').replace(/\r\n?/g, '\n').trim()
}

/** The text limit of a question. */
export const textLimit = (question: Question): number =>
  question.maxLength ?? (question.type === 'long_text' ? LONG_TEXT_MAX : question.type === 'hidden' ? MAX_HIDDEN : DEFAULT_TEXT_MAX)

/** Whether a question is shown, given the branches selected so far. */
function shown(question: Question, branches: ReadonlyMap<string, Branch | null>): boolean {
  if (!question.showWhen) return true
  return branches.get(question.showWhen.question) === question.showWhen.branch
}

export function checkAnswers(definition: SurveyDefinition, raw: RawAnswers): AnswerCheck {
  const problems: Record<string, AnswerProblem> = {}
  const rows: AnswerRow[] = []
  const branches = new Map<string, Branch | null>()
  const known = new Set<string>()
  let trustValue: number | null = null
  let trustBranch: Branch | null = null
  let contactConsent = false
  let contactDetails = false
  let containsPii = false
  let hasText = false

  const addText = (question: Question, optionKey: string | null, text: string): void => {
    hasText = true
    if (detectPii(text).length > 0) containsPii = true
    rows.push({ questionKey: question.key, role: question.role, optionKey, numberValue: null, textValue: text })
  }

  for (const question of definition.questions) {
    known.add(question.key)
    const value = raw[question.key]
    const otherKey = `${question.key}.other`
    if (question.type === 'multiple_choice' && question.otherText) known.add(otherKey)
    if (!shown(question, branches)) {
      if (!isBlank(value) || !isBlank(raw[otherKey])) {
        problems[question.key] = { code: 'not_shown', message: 'This question was not asked for the answer given earlier; leave it out.' }
      }
      branches.set(question.key, null)
      continue
    }
    if (question.type === 'display_text') {
      if (!isBlank(value)) problems[question.key] = { code: 'invalid', message: 'This item is text to read, not a question.' }
      continue
    }
    if (isBlank(value) && !(question.type === 'multiple_choice' && !isBlank(raw[otherKey]))) {
      if (question.required) problems[question.key] = { code: 'required', message: 'Answer this question.' }
      branches.set(question.key, null)
      continue
    }
    switch (question.type) {
      case 'thumbs':
      case 'yes_no':
      case 'likert': {
        const number = question.type === 'likert' ? likert(value) : binary(value, question.type === 'thumbs' ? 'up' : 'yes', question.type === 'thumbs' ? 'down' : 'no')
        if (number === null) {
          problems[question.key] = { code: 'invalid', message: question.type === 'likert' ? 'Choose a whole number from 1 to 5.' : question.type === 'thumbs' ? 'Answer 1 (thumbs up) or 0 (thumbs down).' : 'Answer yes or no.' }
          branches.set(question.key, null)
          break
        }
        const branch = branchOf(question.type, number, definition.likertPositiveMin)
        branches.set(question.key, branch)
        rows.push({ questionKey: question.key, role: question.role, optionKey: null, numberValue: number, textValue: null })
        if (question.role === 'trust') {
          trustValue = number
          trustBranch = branch
        }
        if (question.role === 'contact_consent') contactConsent = number === 1
        break
      }
      case 'single_choice': {
        const keys = (question.options ?? []).map((o) => o.key)
        if (typeof value !== 'string' || !keys.includes(value)) {
          problems[question.key] = { code: 'invalid', message: `Choose one of: ${keys.join(', ')}.` }
          break
        }
        rows.push({ questionKey: question.key, role: question.role, optionKey: value, numberValue: null, textValue: null })
        break
      }
      case 'multiple_choice': {
        const selected = isBlank(value) ? [] : Array.isArray(value) ? value : [value]
        const keys = (question.options ?? []).map((o) => o.key)
        const bad = selected.find((k) => typeof k !== 'string' || !keys.includes(k))
        if (bad !== undefined || selected.length > keys.length) {
          problems[question.key] = { code: 'invalid', message: `Choose any of: ${keys.join(', ')}.` }
          break
        }
        const unique = [...new Set(selected as string[])]
        const other = question.otherText ? cleanText(raw[otherKey]) : null
        if (!isBlank(raw[otherKey]) && other === null) {
          problems[otherKey] = { code: 'invalid', message: 'The "other" answer is text.' }
          break
        }
        if (other && other.length > DEFAULT_TEXT_MAX) {
          problems[otherKey] = { code: 'too_long', message: `Keep the "other" answer within ${DEFAULT_TEXT_MAX} characters.` }
          break
        }
        if (other && !unique.includes('other')) {
          if (!keys.includes('other')) {
            problems[otherKey] = { code: 'invalid', message: 'This question has no "other" option.' }
            break
          }
          unique.push('other')
        }
        for (const key of unique) {
          if (key === 'other' && other) addText(question, 'other', other)
          else rows.push({ questionKey: question.key, role: question.role, optionKey: key, numberValue: null, textValue: null })
        }
        break
      }
      case 'short_text':
      case 'long_text':
      case 'hidden': {
        const text = typeof value === 'number' ? String(value) : cleanText(value)
        if (text === null) {
          problems[question.key] = { code: 'invalid', message: 'The answer is text.' }
          break
        }
        if (text.length > textLimit(question)) {
          problems[question.key] = { code: 'too_long', message: `Keep the answer within ${textLimit(question)} characters.` }
          break
        }
        if (text === '') {
          if (question.required) problems[question.key] = { code: 'required', message: 'Answer this question.' }
          break
        }
        if (question.type === 'hidden') rows.push({ questionKey: question.key, role: question.role, optionKey: null, numberValue: null, textValue: text })
        else addText(question, null, text)
        if (question.role === 'contact_details') contactDetails = true
        break
      }
    }
  }
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) problems[key] = { code: 'unknown', message: 'This survey has no such question.' }
  }
  if (Object.keys(problems).length > 0) return { ok: false, problems }
  return { ok: true, value: { rows, trustValue, branch: trustBranch, contactRequested: contactConsent && contactDetails, hasText, containsPii } }
}
