import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SURVEY_TEMPLATES, contactQuestions } from '../../src/a11/survey-templates.ts'
import type { SurveyDefinition } from '../../src/a11/survey-model.ts'
import { checkAnswers } from '../../src/surveys/answers.ts'

const likert = SURVEY_TEMPLATES.a11_v2_likert.build({ provider: 'VA' })
const withContact: SurveyDefinition = { ...likert, questions: [...likert.questions, ...contactQuestions()] }
const mixed: SurveyDefinition = {
  languages: ['en'], title: { en: 'Mixed' }, thankYou: { en: 'Thanks' }, likertPositiveMin: 4,
  questions: [
    { key: 'intro', type: 'display_text', role: null, required: false, prompt: { en: 'Read me' } },
    { key: 'visit', type: 'single_choice', role: null, required: true, prompt: { en: 'Why?' }, options: [{ key: 'apply', label: { en: 'Apply' } }, { key: 'check', label: { en: 'Check' } }] },
    { key: 'office', type: 'hidden', role: null, required: false, prompt: { en: '' } },
    { key: 'name', type: 'short_text', role: null, required: false, prompt: { en: 'Name' }, maxLength: 5 },
  ],
}

describe('checking answers', () => {
  it('accepts the shapes forms and JSON send, and records the branch and trust value', () => {
    const form = checkAnswers(likert, { trust: '5', drivers_positive: 'ease', open_text: '  fine  ' })
    assert.ok(form.ok)
    assert.equal(form.value.trustValue, 5)
    assert.equal(form.value.branch, 'positive')
    assert.deepEqual(form.value.rows.map((r) => [r.questionKey, r.optionKey, r.numberValue, r.textValue]), [['trust', null, 5, null], ['drivers_positive', 'ease', null, null], ['open_text', null, null, 'fine']])
    const thumbs = checkAnswers(SURVEY_TEMPLATES.a11_v2_thumbs.build({ provider: 'VA' }), { trust: 'down', drivers_negative: ['ease', 'ease', 'efficiency'] })
    assert.ok(thumbs.ok)
    assert.equal(thumbs.value.branch, 'negative')
    assert.equal(thumbs.value.rows.filter((r) => r.role === 'drivers_negative').length, 2, 'duplicates stored once')
  })

  it('uses the survey cut-off: 3 is negative by default and positive when the cut-off is 3', () => {
    const three = checkAnswers(likert, { trust: 3, drivers_negative: ['ease'] })
    assert.ok(three.ok)
    assert.equal(three.value.branch, 'negative')
    const lenient = checkAnswers({ ...likert, likertPositiveMin: 3 }, { trust: 3, drivers_positive: ['ease'] })
    assert.ok(lenient.ok)
  })

  it('stores "other" text as a text row on the other option, selecting it when only text is given', () => {
    const result = checkAnswers(likert, { trust: 1, 'drivers_negative.other': 'Line was long' })
    assert.ok(result.ok)
    assert.deepEqual(result.value.rows.filter((r) => r.role === 'drivers_negative').map((r) => [r.optionKey, r.textValue]), [['other', 'Line was long']])
    assert.equal(result.value.hasText, true)
  })

  it('refuses wrong types, unknown keys, out-of-range values, the branch not shown, and too-long text', () => {
    const result = checkAnswers(likert, { trust: 7, drivers_positive: ['ease'], nope: 1, open_text: 'x'.repeat(2001) })
    assert.equal(result.ok, false)
    if (result.ok) return
    assert.equal(result.problems.trust?.code, 'invalid')
    assert.equal(result.problems.nope?.code, 'unknown')
    assert.equal(result.problems.open_text?.code, 'too_long')
    const branch = checkAnswers(likert, { trust: 5, drivers_negative: ['ease'] })
    assert.equal(!branch.ok && branch.problems.drivers_negative?.code, 'not_shown')
    const options = checkAnswers(likert, { trust: 5, drivers_positive: ['speed'] })
    assert.equal(!options.ok && options.problems.drivers_positive?.code, 'invalid')
    const objects = checkAnswers(likert, { trust: { $gt: 1 } as unknown })
    assert.equal(!objects.ok && objects.problems.trust?.code, 'invalid')
  })

  it('handles single choice, hidden values, display text and required questions', () => {
    assert.equal(checkAnswers(mixed, {}).ok, false)
    const ok = checkAnswers(mixed, { visit: 'apply', office: 'NYC-01', name: 'Al' })
    assert.ok(ok.ok)
    assert.equal(ok.value.hasText, true)
    assert.deepEqual(ok.value.rows.map((r) => r.questionKey), ['visit', 'office', 'name'])
    const bad = checkAnswers(mixed, { visit: 'other', intro: 'x', name: 'toolong' })
    assert.equal(bad.ok, false)
    if (bad.ok) return
    assert.deepEqual(Object.keys(bad.problems).sort(), ['intro', 'name', 'visit'])
  })

  it('flags PII in free text and asks for contact only with consent and details', () => {
    const contact = checkAnswers(withContact, { trust: 2, drivers_negative: ['ease'], open_text: 'SSN 123-45-6789', contact_consent: 'yes', contact_details: '202-555-0143' })
    assert.ok(contact.ok)
    assert.equal(contact.value.containsPii, true)
    assert.equal(contact.value.contactRequested, true)
    const declined = checkAnswers(withContact, { trust: 2, contact_consent: 'no' })
    assert.ok(declined.ok)
    assert.equal(declined.value.contactRequested, false)
    const hidden = checkAnswers(withContact, { trust: 2, contact_consent: 'no', contact_details: 'x@y.gov' })
    assert.equal(!hidden.ok && hidden.problems.contact_details?.code, 'not_shown')
  })
})
