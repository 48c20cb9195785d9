import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { burdenHours, clearanceProblems, estimatedBurdenMinutes, expiresSoon, fill, footerDate, isExpired, PRA_TEXT, publishProblems } from '../../src/a11/pra.ts'
import { SURVEY_TEMPLATES } from '../../src/a11/survey-templates.ts'
import type { SurveyDefinition } from '../../src/a11/survey-model.ts'

const none = { ombControlNumber: null, expiresOn: null, burdenMinutes: null, otherClearance: null }
const a11 = SURVEY_TEMPLATES.a11_v2_thumbs.build({ provider: 'VA' })
const questions = (n: number): SurveyDefinition => ({
  ...a11, questions: Array.from({ length: n }, (_, i) => ({ key: `q${i}`, type: 'yes_no' as const, role: null, required: false, prompt: { en: `Q${i}` } })),
})

describe('PRA rules', () => {
  it('needs the control number and the expiration date together, in the NNNN-NNNN shape', () => {
    assert.ok(clearanceProblems({ ...none, ombControlNumber: '0348-0069' }).praExpiresOn)
    assert.ok(clearanceProblems({ ...none, expiresOn: '2027-01-31' }).ombControlNumber)
    assert.ok(clearanceProblems({ ...none, ombControlNumber: '348-69', expiresOn: '2027-01-31' }).ombControlNumber)
    assert.deepEqual(clearanceProblems({ ...none, ombControlNumber: '0348-0069', expiresOn: '2027-01-31' }), {})
  })

  it('blocks publishing above 15 questions or 5 minutes unless another clearance is recorded', () => {
    assert.deepEqual(publishProblems(questions(15), none, '2026-11-26'), {})
    assert.match(publishProblems(questions(16), none, '2026-11-26').questions ?? '', /at most 15.*asks 16/)
    assert.match(publishProblems(a11, { ...none, burdenMinutes: 6 }, '2026-11-26').burdenMinutes ?? '', /6 minutes/)
    assert.deepEqual(publishProblems(questions(16), { ...none, otherClearance: 'Full clearance 2900-0770' }, '2026-11-26'), {})
  })

  it('estimates burden from the questions when the owner gives none', () => {
    assert.equal(estimatedBurdenMinutes(a11, none), 2)
    assert.equal(estimatedBurdenMinutes(a11, { burdenMinutes: 3 }), 3)
  })

  it('treats the expiration date as the last valid day and warns 7 days ahead', () => {
    assert.equal(isExpired({ expiresOn: '2026-11-26' }, '2026-11-26'), false)
    assert.equal(isExpired({ expiresOn: '2026-11-25' }, '2026-11-26'), true)
    assert.match(publishProblems(a11, { ...none, ombControlNumber: '0348-0069', expiresOn: '2026-11-25' }, '2026-11-26').praExpiresOn ?? '', /expired/)
    assert.equal(expiresSoon({ expiresOn: '2026-12-03' }, '2026-11-26'), true)
    assert.equal(expiresSoon({ expiresOn: '2026-12-04' }, '2026-11-26'), false)
    assert.equal(expiresSoon({ expiresOn: '2026-11-20' }, '2026-11-26'), false)
  })

  it('computes burden hours and formats the footer', () => {
    assert.equal(burdenHours(120_000, 2), 4000)
    assert.equal(footerDate('2027-01-31'), '01/31/2027')
    assert.equal(fill(PRA_TEXT.control.en as string, { number: '0348-0069' }), 'OMB Control No. 0348-0069')
    assert.match(fill(PRA_TEXT.burden.es as string, { minutes: 2 }), /unos 2 minutos/)
  })
})
