/**
 * Survey templates a user starts from (reference §3 and §4), in English and Spanish. The wording is default content:
 * once copied into a survey it is the survey's own data, editable and translatable; the machine keys stay fixed.
 */
import type { DriverKey, Localized, Question, QuestionOption, SurveyDefinition, SurveyScale } from './survey-model.ts'

export const TEMPLATE_KEYS = ['a11_v2_thumbs', 'a11_v2_likert', 'page_helpfulness', 'legacy_likert_7'] as const
export type TemplateKey = (typeof TEMPLATE_KEYS)[number]

export interface TemplateParameters {
  /** Who the trust statement names: the agency or program ("[provider]" in the A-11 wording). */
  readonly provider: string
  /** "interaction" or "service" in the trust statement (post-interaction vs. end of journey). */
  readonly subject?: 'interaction' | 'service'
}

export interface SurveyTemplate {
  readonly key: TemplateKey
  readonly name: string
  readonly description: string
  readonly scale: SurveyScale | null
  build(parameters: TemplateParameters): SurveyDefinition
}

const POSITIVE_DRIVERS: Readonly<Record<DriverKey, Localized>> = {
  effectiveness: { en: 'I got what I needed', es: 'Obtuve lo que necesitaba' },
  ease: { en: 'It was easy to do', es: 'Fue fácil de hacer' },
  efficiency: { en: 'It took a reasonable amount of time', es: 'Tomó una cantidad de tiempo razonable' },
  transparency: { en: 'I understood what was happening and what to expect', es: 'Entendí lo que estaba pasando y qué esperar' },
  humanity: { en: 'I was treated fairly and with respect', es: 'Me trataron de manera justa y con respeto' },
  employee: { en: 'Staff were helpful', es: 'El personal fue útil' },
  other: { en: 'Something else', es: 'Otra cosa' },
}

const NEGATIVE_DRIVERS: Readonly<Record<DriverKey, Localized>> = {
  effectiveness: { en: "I didn't get what I needed", es: 'No obtuve lo que necesitaba' },
  ease: { en: 'It was hard to do', es: 'Fue difícil de hacer' },
  efficiency: { en: 'It took too long', es: 'Tomó demasiado tiempo' },
  transparency: { en: "I wasn't sure what was happening or what to expect", es: 'No estaba seguro de lo que estaba pasando o qué esperar' },
  humanity: { en: "I wasn't treated fairly or with respect", es: 'No me trataron de manera justa ni con respeto' },
  employee: { en: "Staff weren't helpful", es: 'El personal no fue útil' },
  other: { en: 'Something else', es: 'Otra cosa' },
}

const driverOptions = (labels: Readonly<Record<DriverKey, Localized>>): QuestionOption[] =>
  (Object.keys(labels) as DriverKey[]).map((key) => ({ key, label: labels[key] }))

function trustPrompt({ provider, subject = 'interaction' }: TemplateParameters): Localized {
  return subject === 'service'
    ? { en: `This service increased my trust in ${provider}.`, es: `Este servicio aumentó mi confianza en ${provider}.` }
    : { en: `This interaction increased my trust in ${provider}.`, es: `Esta interacción aumentó mi confianza en ${provider}.` }
}

function a11Questions(parameters: TemplateParameters, trustType: 'thumbs' | 'likert'): Question[] {
  return [
    { key: 'trust', type: trustType, role: 'trust', prompt: trustPrompt(parameters), required: true },
    {
      key: 'drivers_positive', type: 'multiple_choice', role: 'drivers_positive', required: false, otherText: true,
      prompt: { en: 'What about this interaction made the difference?', es: '¿Qué hizo la diferencia en esta interacción?' },
      help: { en: 'Select all that apply.', es: 'Seleccione todas las que correspondan.' },
      options: driverOptions(POSITIVE_DRIVERS), showWhen: { question: 'trust', branch: 'positive' },
    },
    {
      key: 'drivers_negative', type: 'multiple_choice', role: 'drivers_negative', required: false, otherText: true,
      prompt: { en: 'What could have been better?', es: '¿Qué podría haber sido mejor?' },
      help: { en: 'Select all that apply.', es: 'Seleccione todas las que correspondan.' },
      options: driverOptions(NEGATIVE_DRIVERS), showWhen: { question: 'trust', branch: 'negative' },
    },
    {
      key: 'open_text', type: 'long_text', role: 'open_text', required: false, maxLength: 2000,
      prompt: { en: 'Anything else you want us to know about your experience?', es: '¿Hay algo más que quiera contarnos sobre su experiencia?' },
    },
  ]
}

const COMMON = {
  languages: ['en', 'es'],
  thankYou: { en: 'Thank you for your feedback.', es: 'Gracias por sus comentarios.' },
  likertPositiveMin: 4,
} as const

const a11Title: Localized = { en: 'Tell us about your experience', es: 'Cuéntenos sobre su experiencia' }

const LEGACY_STATEMENTS: ReadonlyArray<{ driver: string; statement: (p: string) => Localized }> = [
  { driver: 'satisfaction', statement: (p) => ({ en: `I am satisfied with the service I received from ${p}.`, es: `Estoy satisfecho con el servicio que recibí de ${p}.` }) },
  { driver: 'trust', statement: (p) => ({ en: `This interaction increased my confidence in ${p}.`, es: `Esta interacción aumentó mi confianza en ${p}.` }) },
  { driver: 'effectiveness', statement: () => ({ en: 'My need was addressed.', es: 'Se atendió mi necesidad.' }) },
  { driver: 'ease', statement: () => ({ en: 'It was easy to complete what I needed to do.', es: 'Fue fácil completar lo que necesitaba hacer.' }) },
  { driver: 'efficiency', statement: () => ({ en: 'It took a reasonable amount of time to do what I needed to do.', es: 'Tomó una cantidad de tiempo razonable hacer lo que necesitaba.' }) },
  { driver: 'transparency', statement: () => ({ en: 'I understood what was being asked of me throughout the process.', es: 'Entendí lo que se me pedía durante todo el proceso.' }) },
  { driver: 'employee', statement: () => ({ en: 'Employees I interacted with were helpful.', es: 'Los empleados con quienes interactué fueron útiles.' }) },
]

export const SURVEY_TEMPLATES: Readonly<Record<TemplateKey, SurveyTemplate>> = {
  a11_v2_thumbs: {
    key: 'a11_v2_thumbs', name: 'A-11 v2 (thumbs up/down)', scale: 'thumbs_up_down',
    description: 'The three A-11 prompts: trust (thumbs up or down), what made the difference or could be better, and open text.',
    build: (p) => ({ ...COMMON, languages: [...COMMON.languages], title: a11Title, questions: a11Questions(p, 'thumbs') }),
  },
  a11_v2_likert: {
    key: 'a11_v2_likert', name: 'A-11 v2 (5-point Likert)', scale: 'likert_scale',
    description: 'The three A-11 prompts with a 5-point agreement scale; 4–5 lead to the positive drivers, 1–3 to the negative.',
    build: (p) => ({ ...COMMON, languages: [...COMMON.languages], title: a11Title, questions: a11Questions(p, 'likert') }),
  },
  page_helpfulness: {
    key: 'page_helpfulness', name: 'Page helpfulness (yes/no)', scale: null,
    description: 'Was this page helpful? Yes or no, with an optional comment.',
    build: () => ({
      ...COMMON, languages: [...COMMON.languages],
      title: { en: 'Was this page helpful?', es: '¿Le resultó útil esta página?' },
      questions: [
        { key: 'helpful', type: 'yes_no', role: null, required: true, prompt: { en: 'Was this page helpful?', es: '¿Le resultó útil esta página?' } },
        { key: 'comment', type: 'long_text', role: 'open_text', required: false, maxLength: 1000, prompt: { en: 'How can we improve this page?', es: '¿Cómo podemos mejorar esta página?' } },
      ],
    }),
  },
  legacy_likert_7: {
    key: 'legacy_likert_7', name: 'Legacy 7-question Likert set (FY2021–FY2023)', scale: 'likert_scale',
    description: 'The 2019–2022 set: seven statements on a 1–5 agreement scale, plus two free-response items.',
    build: (p) => ({
      ...COMMON, languages: [...COMMON.languages], title: a11Title,
      questions: [
        ...LEGACY_STATEMENTS.map(({ driver, statement }, index): Question => ({
          key: `q${index + 1}`, type: 'likert', role: driver === 'trust' ? 'trust' : 'legacy_likert', legacyDriver: driver, required: true, prompt: statement(p.provider),
        })),
        { key: 'feedback_scores', type: 'long_text', role: null, required: false, maxLength: 2000, prompt: { en: 'Any additional feedback on your scores above?', es: '¿Algún comentario adicional sobre sus calificaciones?' } },
        { key: 'open_text', type: 'long_text', role: 'open_text', required: false, maxLength: 2000, prompt: { en: `Any additional feedback for ${p.provider}?`, es: `¿Algún comentario adicional para ${p.provider}?` } },
      ],
    }),
  },
}

/** The optional recovery questions: consent to be contacted and how. Added to a survey on request. */
export function contactQuestions(): Question[] {
  return [
    { key: 'contact_consent', type: 'yes_no', role: 'contact_consent', required: false, prompt: { en: 'May we contact you about your experience?', es: '¿Podemos comunicarnos con usted sobre su experiencia?' } },
    { key: 'contact_details', type: 'short_text', role: 'contact_details', required: false, maxLength: 200, prompt: { en: 'Email address or phone number', es: 'Correo electrónico o número de teléfono' }, showWhen: { question: 'contact_consent', branch: 'positive' } },
  ]
}
