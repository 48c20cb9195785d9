/**
 * Paperwork Reduction Act rules for surveys (reference §5): the control number and expiration date go together,
 * post-transaction surveys stay within 15 questions and 5 minutes unless the owner records a different clearance,
 * an expired clearance stops collection, and owners are warned 7 days ahead. Pure: no I/O.
 */
import { askingQuestions, type Localized, type SurveyDefinition } from './survey-model.ts'

export const PRA_MAX_QUESTIONS = 15
export const PRA_MAX_MINUTES = 5
export const PRA_WARNING_DAYS = 7

export interface Clearance {
  readonly ombControlNumber: string | null
  /** YYYY-MM-DD, the last day the clearance is valid. */
  readonly expiresOn: string | null
  readonly burdenMinutes: number | null
  /** Set when the owner records a clearance other than a generic one, which lifts the 15-question / 5-minute limit. */
  readonly otherClearance: string | null
}

const CONTROL_NUMBER = /^\d{4}-\d{4}$/

/** Seconds a respondent needs per question type, for the estimate shown when the owner gives none. */
const SECONDS_PER_TYPE: Readonly<Record<string, number>> = {
  thumbs: 5, likert: 8, yes_no: 5, single_choice: 10, multiple_choice: 15, short_text: 30, long_text: 60,
}

export function estimatedBurdenMinutes(definition: SurveyDefinition, clearance: Pick<Clearance, 'burdenMinutes'>): number {
  if (clearance.burdenMinutes !== null) return clearance.burdenMinutes
  const seconds = askingQuestions(definition).reduce((sum, q) => sum + (SECONDS_PER_TYPE[q.type] ?? 10), 0)
  return Math.max(1, Math.ceil(seconds / 60))
}

/** Field problems with the clearance record itself. */
export function clearanceProblems(clearance: Clearance): Record<string, string> {
  const problems: Record<string, string> = {}
  if ((clearance.ombControlNumber === null) !== (clearance.expiresOn === null)) {
    const field = clearance.ombControlNumber === null ? 'ombControlNumber' : 'praExpiresOn'
    problems[field] = 'Give the OMB control number and its expiration date together.'
  }
  if (clearance.ombControlNumber !== null && !CONTROL_NUMBER.test(clearance.ombControlNumber)) {
    problems.ombControlNumber = 'An OMB control number looks like 0348-0069.'
  }
  if (clearance.burdenMinutes !== null && (clearance.burdenMinutes < 1 || clearance.burdenMinutes > 600)) {
    problems.burdenMinutes = 'The burden estimate is a whole number of minutes between 1 and 600.'
  }
  return problems
}

/** Why a survey cannot be published under its clearance; empty when it can. `today` is YYYY-MM-DD. */
export function publishProblems(definition: SurveyDefinition, clearance: Clearance, today: string): Record<string, string> {
  const problems = clearanceProblems(clearance)
  if (clearance.otherClearance === null) {
    const count = askingQuestions(definition).length
    if (count > PRA_MAX_QUESTIONS) {
      problems.questions = `A post-transaction survey under a generic clearance asks at most ${PRA_MAX_QUESTIONS} questions; this one asks ${count}. Remove questions or record the clearance that covers it.`
    }
    const minutes = estimatedBurdenMinutes(definition, clearance)
    if (minutes > PRA_MAX_MINUTES) {
      problems.burdenMinutes = `The estimated burden is ${minutes} minutes; a generic clearance allows ${PRA_MAX_MINUTES}. Shorten the survey or record the clearance that covers it.`
    }
  }
  if (clearance.expiresOn !== null && clearance.expiresOn < today) problems.praExpiresOn = `The clearance expired on ${clearance.expiresOn}.`
  return problems
}

export const isExpired = (clearance: Pick<Clearance, 'expiresOn'>, today: string): boolean => clearance.expiresOn !== null && clearance.expiresOn < today

/** True when the clearance expires within the warning window (and has not yet expired). */
export function expiresSoon(clearance: Pick<Clearance, 'expiresOn'>, today: string, days = PRA_WARNING_DAYS): boolean {
  if (clearance.expiresOn === null || clearance.expiresOn < today) return false
  const limit = new Date(`${today}T00:00:00Z`)
  limit.setUTCDate(limit.getUTCDate() + days)
  return clearance.expiresOn <= limit.toISOString().slice(0, 10)
}

/** Burden hours = responses × minutes per response ÷ 60 (120,000 × 2 ÷ 60 = 4,000). */
export const burdenHours = (responses: number, minutesPerResponse: number): number => (responses * minutesPerResponse) / 60

/** MM/DD/YYYY as shown on PRA footers. */
export function footerDate(isoDate: string): string {
  const [year, month, day] = isoDate.split('-')
  return `${month}/${day}/${year}`
}

/** Respondent-facing PRA wording; content data with its translations, `{minutes}` and `{number}` filled in. */
export const PRA_TEXT: Readonly<Record<'control' | 'expires' | 'burden', Localized>> = {
  control: { en: 'OMB Control No. {number}', es: 'N.º de control de la OMB {number}' },
  expires: { en: 'Expiration date {date}', es: 'Fecha de vencimiento {date}' },
  burden: {
    en: 'This collection of information meets the requirements of 44 U.S.C. § 3507, as amended by section 2 of the Paperwork Reduction Act of 1995. You do not need to answer these questions unless we display a valid Office of Management and Budget (OMB) control number. We estimate it will take about {minutes} minutes to read the instructions, gather the facts, and answer the questions. Send comments about this estimate to the agency that runs this survey.',
    es: 'Esta recopilación de información cumple con los requisitos de 44 U.S.C. § 3507, según enmendado por la sección 2 de la Ley de Reducción de Trámites de 1995. No tiene que responder a estas preguntas a menos que mostremos un número de control válido de la Oficina de Administración y Presupuesto (OMB). Calculamos que le tomará unos {minutes} minutos leer las instrucciones, reunir los datos y responder las preguntas. Envíe sus comentarios sobre este cálculo a la agencia que realiza esta encuesta.',
  },
}

export const fill = (text: string, values: Readonly<Record<string, string | number>>): string =>
  text.replace(/\{(\w+)\}/g, (whole, name: string) => (values[name] !== undefined ? String(values[name]) : whole))
