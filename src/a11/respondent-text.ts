/**
 * Interface strings a respondent sees around the questions (scale labels, buttons, messages), English and Spanish.
 * Content data: a survey definition's `labels` overrides any of them, per language.
 */
import { pick, type Localized, type SurveyDefinition } from './survey-model.ts'

export const RESPONDENT_TEXT = {
  likert_1: { en: 'Strongly disagree', es: 'Totalmente en desacuerdo' },
  likert_2: { en: 'Disagree', es: 'En desacuerdo' },
  likert_3: { en: 'Neutral', es: 'Neutral' },
  likert_4: { en: 'Agree', es: 'De acuerdo' },
  likert_5: { en: 'Strongly agree', es: 'Totalmente de acuerdo' },
  thumbs_up: { en: 'Yes (thumbs up)', es: 'Sí (pulgar arriba)' },
  thumbs_down: { en: 'No (thumbs down)', es: 'No (pulgar abajo)' },
  yes: { en: 'Yes', es: 'Sí' },
  no: { en: 'No', es: 'No' },
  other_text: { en: 'Please describe (optional)', es: 'Describa (opcional)' },
  select_all: { en: 'Select all that apply.', es: 'Seleccione todas las que correspondan.' },
  required: { en: 'Required', es: 'Obligatorio' },
  optional: { en: 'Optional', es: 'Opcional' },
  next: { en: 'Continue', es: 'Continuar' },
  submit: { en: 'Submit feedback', es: 'Enviar comentarios' },
  open: { en: 'Give feedback', es: 'Dar su opinión' },
  close: { en: 'Close', es: 'Cerrar' },
  errors_heading: { en: 'Please check your answers', es: 'Revise sus respuestas' },
  answer_required: { en: 'Answer this question.', es: 'Responda esta pregunta.' },
  too_long: { en: 'This answer is too long.', es: 'Esta respuesta es demasiado larga.' },
  failed: { en: 'We could not send your feedback. Please try again.', es: 'No pudimos enviar sus comentarios. Inténtelo de nuevo.' },
  closed: { en: 'This survey is not accepting responses.', es: 'Esta encuesta no está recibiendo respuestas.' },
  privacy_note: { en: 'Do not include personal information such as your Social Security number, email address or phone number.', es: 'No incluya información personal como su número de Seguro Social, correo electrónico o teléfono.' },
  language_switch: { en: 'Español', es: 'English' },
} as const satisfies Record<string, Localized>

export type RespondentTextKey = keyof typeof RESPONDENT_TEXT

/** The interface string in the respondent's language, honouring the survey's overrides. */
export function respondentText(definition: SurveyDefinition, key: RespondentTextKey, language: string): string {
  const fallback = definition.languages[0] ?? 'en'
  const override = definition.labels?.[key]
  if (override && (override[language] ?? '').trim()) return override[language] as string
  return pick(RESPONDENT_TEXT[key], language, 'en') || pick(override, language, fallback)
}

/** Chooses the respondent's language: an explicit request, then the browser's Accept-Language, then the default. */
export function chooseLanguage(definition: SurveyDefinition, requested: string | undefined, acceptLanguage: string | undefined): string {
  const offered = definition.languages
  const fallback = offered[0] ?? 'en'
  const match = (code: string): string | undefined => {
    const lower = code.trim().toLowerCase()
    return offered.find((l) => l.toLowerCase() === lower) ?? offered.find((l) => l.toLowerCase().split('-')[0] === lower.split('-')[0])
  }
  if (requested) {
    const found = match(requested)
    if (found) return found
  }
  for (const part of (acceptLanguage ?? '').split(',').slice(0, 20)) {
    const code = part.split(';')[0]
    if (code && code !== '*') {
      const found = match(code)
      if (found) return found
    }
  }
  return fallback
}
