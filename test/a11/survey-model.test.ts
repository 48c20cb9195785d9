import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { chooseLanguage, respondentText } from '../../src/a11/respondent-text.ts'
import { branchOf, definitionProblems, DRIVER_KEYS, trustScaleOf, untranslated, type SurveyDefinition } from '../../src/a11/survey-model.ts'
import { contactQuestions, SURVEY_TEMPLATES, TEMPLATE_KEYS } from '../../src/a11/survey-templates.ts'

describe('survey model and templates', () => {
  for (const key of TEMPLATE_KEYS) {
    it(`template ${key} is valid and fully translated into Spanish`, () => {
      const definition = SURVEY_TEMPLATES[key].build({ provider: 'Veterans Affairs' })
      assert.deepEqual(definitionProblems(definition), {})
      assert.deepEqual(untranslated(definition), {})
      assert.deepEqual(definitionProblems({ ...definition, questions: [...definition.questions, ...contactQuestions()] }), {})
    })
  }

  it('A-11 templates carry the trust question and both driver branches with the fixed keys in OMB order', () => {
    const thumbs = SURVEY_TEMPLATES.a11_v2_thumbs.build({ provider: 'VA' })
    assert.equal(trustScaleOf(thumbs), 'thumbs_up_down')
    assert.equal(trustScaleOf(SURVEY_TEMPLATES.a11_v2_likert.build({ provider: 'VA' })), 'likert_scale')
    assert.equal(thumbs.questions[0]?.prompt.en, 'This interaction increased my trust in VA.')
    for (const role of ['drivers_positive', 'drivers_negative'] as const) {
      assert.deepEqual(thumbs.questions.find((q) => q.role === role)?.options?.map((o) => o.key), [...DRIVER_KEYS])
    }
    const legacy = SURVEY_TEMPLATES.legacy_likert_7.build({ provider: 'VA' })
    assert.deepEqual(legacy.questions.filter((q) => q.type === 'likert').map((q) => q.legacyDriver), ['satisfaction', 'trust', 'effectiveness', 'ease', 'efficiency', 'transparency', 'employee'])
  })

  it('branches thumbs, yes/no and Likert with a configurable cut-off', () => {
    assert.equal(branchOf('thumbs', 1, 4), 'positive')
    assert.equal(branchOf('thumbs', 0, 4), 'negative')
    assert.equal(branchOf('yes_no', 1, 4), 'positive')
    assert.equal(branchOf('likert', 3, 4), 'negative')
    assert.equal(branchOf('likert', 4, 4), 'positive')
    assert.equal(branchOf('likert', 3, 3), 'positive')
  })

  it('reports structural problems by field', () => {
    const base = SURVEY_TEMPLATES.a11_v2_thumbs.build({ provider: 'VA' })
    const broken: SurveyDefinition = {
      ...base,
      languages: ['en', 'english'],
      questions: [
        { ...base.questions[1]!, showWhen: { question: 'trust', branch: 'positive' } },
        base.questions[0]!,
        { ...base.questions[0]!, key: 'trust' },
        { key: 'pick', type: 'single_choice', role: null, required: true, prompt: { en: 'Pick' }, options: [{ key: 'a', label: { en: 'A' } }] },
        { key: 'drv', type: 'multiple_choice', role: 'drivers_negative', required: false, prompt: { en: 'x' }, options: [{ key: 'ease', label: { en: 'E' } }, { key: 'speed', label: { en: 'S' } }] },
      ],
    }
    const problems = definitionProblems(broken)
    assert.match(problems.languages ?? '', /english/)
    assert.match(problems['questions.0.showWhen'] ?? '', /earlier question/)
    assert.match(problems['questions.2.key'] ?? '', /used twice/)
    assert.match(problems['questions.3.options'] ?? '', /at least two/)
    assert.match(problems['questions.4.options'] ?? '', /"speed"/)
  })

  it('lists untranslated strings per language', () => {
    const base = SURVEY_TEMPLATES.page_helpfulness.build({ provider: 'VA' })
    const partial = { ...base, languages: ['en', 'es', 'fr'] }
    assert.deepEqual(Object.keys(untranslated(partial)), ['fr'])
    assert.ok(untranslated(partial).fr?.includes('helpful.prompt'))
  })

  it('chooses the language from the request, then Accept-Language, then the default; overrides interface strings', () => {
    const definition = { ...SURVEY_TEMPLATES.a11_v2_thumbs.build({ provider: 'VA' }), labels: { submit: { en: 'Send', es: 'Mandar' } } }
    assert.equal(chooseLanguage(definition, 'es', 'en-US'), 'es')
    assert.equal(chooseLanguage(definition, 'fr', 'es-MX,es;q=0.9,en;q=0.8'), 'es')
    assert.equal(chooseLanguage(definition, undefined, 'de-DE'), 'en')
    assert.equal(respondentText(definition, 'submit', 'es'), 'Mandar')
    assert.equal(respondentText(definition, 'likert_5', 'es'), 'Totalmente de acuerdo')
  })
})
