/**
 * Intake fuzzing: thousands of generated submissions to the public `POST /api/v1/surveys/:id/responses`, most of
 * them malformed or hostile (wrong types in every field, huge strings, deep nesting, prototype-pollution keys, unknown
 * questions and options, out-of-range scales, answers to the branch not shown, control characters, broken JSON and
 * UTF-8, wrong content types, oversized bodies, bad survey ids, idempotency keys and origins, the honeypot), mixed
 * with valid ones. Every case knows what it deserves: valid ones 201 (a replay 200 with the same id), invalid ones a
 * 4xx `{error, message}`, never a 5xx. Afterwards the database holds exactly the responses acknowledged, each with its
 * trust answer, and the app still takes a valid submission.
 *
 * Reproduce a failure with the seed it prints: CX280_FUZZ_SEED=<seed> (and CX280_FUZZ_CASES=<n> to change the count).
 */
import assert from 'node:assert/strict'
import { randomInt, randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { DEFAULT_TEXT_MAX, branchOf, type Branch, type Question, type SurveyDefinition } from '../../src/a11/survey-model.ts'
import { contactQuestions, SURVEY_TEMPLATES } from '../../src/a11/survey-templates.ts'
import { systemActor } from '../../src/auth/index.ts'
import { createOrganization, createService } from '../../src/catalog/index.ts'
import type { Engine } from '../../src/db/connect.ts'
import { createSurvey, textLimit, transitionSurvey } from '../../src/surveys/index.ts'
import { ENGINES } from '../helpers/engines.ts'
import { SeededRng } from '../helpers/rng.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

const SEED = process.env.CX280_FUZZ_SEED ? Number(process.env.CX280_FUZZ_SEED) : randomInt(2 ** 31)
const CASES: Readonly<Record<Engine, number>> = {
  sqlite: Number(process.env.CX280_FUZZ_CASES ?? 3000),
  postgres: Number(process.env.CX280_FUZZ_CASES ?? 1000),
}
const ALLOWED_ORIGIN = 'https://www.agency.gov'
const INTAKE_BODY_LIMIT = 64 * 1024

/** The seeded source with this test's text generators. */
class Rng extends SeededRng {
  /** Up to `max` characters drawn from a mix of alphabets: words, accents, CJK, emoji, RTL, control characters. */
  text(max: number): string {
    const pieces = ['thanks ', 'the form ', 'was slow', 'ñandú ', 'é', '中文', '👍🏽', '\u200f', '\u0000', '\u0001', '\u001b[31m', '\u007f', '\t', '\r\n', '\n',
      '__proto__', 'constructor', '<script>alert(1)</script>', "'; drop table responses; --", '%00', '\ud800', '\udfff', 'call 555-867-5309', 'me@example.com', '  ']
    let out = ''
    const target = this.int(Math.max(1, Math.min(max, 400)) + 1)
    while (out.length < target) out += this.pick(pieces)
    return out.slice(0, Math.min(max, target))
  }

  /** Letters only, so no cleaning can shorten it. */
  letters(length: number): string {
    return 'x'.repeat(length)
  }
}

type Expectation = 'stored' | 'rejected' | 'either' | 'replay' | 'too_large'

interface Case {
  readonly kind: string
  readonly method: 'POST' | 'GET' | 'PUT' | 'PATCH' | 'DELETE'
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly payload: string | Buffer | undefined
  readonly expect: Expectation
  /** For a replay: the index of the stored case it repeats. */
  readonly replayOf?: number
}

interface FuzzSurvey {
  readonly id: string
  readonly definition: SurveyDefinition
  /** The origin a browser must send (null: the survey allows no foreign origin). */
  readonly origin: string | null
}

interface Targets {
  readonly rich: FuzzSurvey
  readonly thumbs: FuzzSurvey
  readonly draftId: string
  readonly closedId: string
  readonly archivedId: string
}

type Answers = Record<string, unknown>

const urlOf = (id: string) => `/api/v1/surveys/${id}/responses`

/** Questions shown for these answers (branching), as checkAnswers decides. */
function shownQuestions(definition: SurveyDefinition, answers: Answers): Set<string> {
  const branches = new Map<string, Branch | null>()
  const shown = new Set<string>()
  for (const q of definition.questions) {
    if (q.showWhen && branches.get(q.showWhen.question) !== q.showWhen.branch) {
      branches.set(q.key, null)
      continue
    }
    shown.add(q.key)
    const value = answers[q.key]
    const numeric = q.type === 'likert' ? Number(String(value).trim()) : value === 1 || value === '1' || value === true || value === 'up' || value === 'yes' || value === 'true' ? 1 : value === undefined ? Number.NaN : 0
    branches.set(q.key, (q.type === 'likert' || q.type === 'thumbs' || q.type === 'yes_no') && !Number.isNaN(numeric) ? branchOf(q.type, numeric, definition.likertPositiveMin) : null)
  }
  return shown
}

/** Random answers a respondent could really give: required ones answered, branches respected, values in range. */
function validAnswers(rng: Rng, definition: SurveyDefinition): Answers {
  const answers: Answers = {}
  const branches = new Map<string, Branch | null>()
  for (const q of definition.questions) {
    if (q.showWhen && branches.get(q.showWhen.question) !== q.showWhen.branch) continue
    if (q.type === 'display_text' || (!q.required && rng.chance(0.3))) continue
    const keys = (q.options ?? []).map((o) => o.key)
    switch (q.type) {
      case 'thumbs':
      case 'yes_no': {
        const yes = rng.chance(0.5)
        const [on, off] = q.type === 'thumbs' ? ['up', 'down'] : ['yes', 'no']
        answers[q.key] = rng.pick(yes ? [1, '1', true, 'true', on] : [0, '0', false, 'false', off])
        branches.set(q.key, branchOf(q.type, yes ? 1 : 0, definition.likertPositiveMin))
        break
      }
      case 'likert': {
        const value = 1 + rng.int(5)
        answers[q.key] = rng.pick([value, String(value), ` ${value} `])
        branches.set(q.key, branchOf('likert', value, definition.likertPositiveMin))
        break
      }
      case 'single_choice':
        answers[q.key] = rng.pick(keys)
        break
      case 'multiple_choice': {
        const chosen = keys.filter(() => rng.chance(0.3))
        answers[q.key] = chosen.length === 1 && rng.chance(0.3) ? chosen[0] : chosen
        if (q.otherText && keys.includes('other') && rng.chance(0.3)) answers[`${q.key}.other`] = rng.text(DEFAULT_TEXT_MAX)
        break
      }
      case 'short_text':
      case 'long_text':
      case 'hidden':
        answers[q.key] = rng.chance(0.1) ? rng.int(100_000) : rng.text(textLimit(q))
        break
    }
  }
  return answers
}

const shownOfType = (definition: SurveyDefinition, answers: Answers, types: readonly Question['type'][]) => {
  const shown = shownQuestions(definition, answers)
  return definition.questions.filter((q) => shown.has(q.key) && types.includes(q.type))
}

/** Answer-level mutations: each returns answers that must be refused, or null when it does not apply. */
const ANSWER_MUTATIONS: Readonly<Record<string, (rng: Rng, d: SurveyDefinition, a: Answers) => Answers | null>> = {
  unknown_question(rng, d, a) {
    const known = new Set(d.questions.flatMap((q) => (q.type === 'multiple_choice' && q.otherText ? [q.key, `${q.key}.other`] : [q.key])))
    const key = rng.pick(['zzz', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'trust ', 'TRUST', 'trust.other', 'q'.repeat(60), `k${rng.int(1e6)}`, '', '0', 'open_text.other'])
    return known.has(key) ? null : { ...a, [key]: rng.pick([1, 'x', [], {}, true]) }
  },
  required_missing(rng, d, a) {
    const required = d.questions.filter((q) => q.required && !q.showWhen)
    if (required.length === 0) return null
    const copy = { ...a }
    const question = rng.pick(required)
    if (rng.chance(0.5)) delete copy[question.key]
    else copy[question.key] = rng.pick([null, '', []])
    return copy
  },
  scale_out_of_range(rng, d, a) {
    const scales = shownOfType(d, a, ['likert', 'thumbs', 'yes_no']).filter((q) => a[q.key] !== undefined)
    if (scales.length === 0) return null
    const q = rng.pick(scales)
    const bad = q.type === 'likert'
      ? [0, 6, -1, 3.5, 2.0000001, '6', '0', 'five', '3.0', '1e0', true, false, {}, [3], 'NaN', 1e300, -0.5]
      : q.type === 'thumbs' ? [2, -1, 0.5, 'maybe', 'UP', 'yes', 'no', {}, [1], 'null', 1e300] : [2, -1, 0.5, 'maybe', 'YES', 'up', 'down', {}, [1], 'on']
    return { ...a, [q.key]: rng.pick(bad) }
  },
  invalid_option(rng, d, a) {
    const choices = shownOfType(d, a, ['single_choice', 'multiple_choice'])
    if (choices.length === 0) return null
    const q = rng.pick(choices)
    const keys = (q.options ?? []).map((o) => o.key)
    if (q.type === 'single_choice') return { ...a, [q.key]: rng.pick(['zzz', keys[0]?.toUpperCase() ?? 'X', 1, true, [keys[0]], { key: keys[0] }, `${keys[0]} `]) }
    const bad = rng.pick<unknown[]>([['nope'], [keys[0], 'nope'], [1], [null], [[keys[0]]], [{}], Array.from({ length: keys.length + 1 }, () => keys[0]), ['EASE'], [true]])
    return { ...a, [q.key]: rng.chance(0.2) ? { 0: keys[0] } : bad }
  },
  branch_not_shown(rng, d, a) {
    const shown = shownQuestions(d, a)
    const hidden = d.questions.filter((q) => q.showWhen && !shown.has(q.key))
    if (hidden.length === 0) return null
    const q = rng.pick(hidden)
    const keys = (q.options ?? []).map((o) => o.key)
    if (q.type === 'multiple_choice' && q.otherText && rng.chance(0.3)) return { ...a, [`${q.key}.other`]: 'not asked' }
    return { ...a, [q.key]: q.type === 'multiple_choice' ? [rng.pick(keys)] : 'not asked' }
  },
  text_too_long(rng, d, a) {
    const texts = shownOfType(d, a, ['short_text', 'long_text', 'hidden'])
    if (texts.length === 0) return null
    const q = rng.pick(texts)
    return { ...a, [q.key]: rng.letters(textLimit(q) + 1 + rng.int(200)) }
  },
  other_too_long(rng, d, a) {
    const q = shownOfType(d, a, ['multiple_choice']).find((m) => m.otherText)
    return q ? { ...a, [`${q.key}.other`]: rng.letters(DEFAULT_TEXT_MAX + 1 + rng.int(100)) } : null
  },
  text_wrong_type(rng, d, a) {
    const texts = shownOfType(d, a, ['short_text', 'long_text', 'hidden'])
    if (texts.length === 0) return null
    return { ...a, [rng.pick(texts).key]: rng.pick([true, false, {}, ['x'], [1, 2], { text: 'x' }]) }
  },
  other_wrong_type(rng, d, a) {
    const q = shownOfType(d, a, ['multiple_choice']).find((m) => m.otherText)
    return q ? { ...a, [`${q.key}.other`]: rng.pick([42, true, {}, ['x']]) } : null
  },
  display_text_answered(rng, d, a) {
    const q = d.questions.find((x) => x.type === 'display_text')
    return q ? { ...a, [q.key]: rng.pick(['x', 1, true, ['a']]) } : null
  },
}

/** Nested arrays or objects `depth` levels deep (bounded by the body limit). */
function nested(rng: Rng, depth: number): string {
  return rng.chance(0.5) ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${`{"${rng.pick(['a', 'constructor', 'x'])}":`.repeat(depth)}1${'}'.repeat(depth)}`
}

class Generator {
  readonly cases: Case[] = []
  /** Indexes of stored cases that carried an idempotency key (replay candidates). */
  readonly #keyed: number[] = []

  constructor(private readonly rng: Rng, private readonly targets: Targets) {}

  #survey(): FuzzSurvey {
    return this.rng.chance(0.75) ? this.targets.rich : this.targets.thumbs
  }

  #baseHeaders(survey: FuzzSurvey): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': this.rng.pick(['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8']) }
    if (survey.origin && this.rng.chance(0.5)) headers.origin = survey.origin
    if (this.rng.chance(0.2)) headers['accept-language'] = this.rng.pick(['es-MX,es;q=0.9', '*', 'xx', ';;;,,', 'en-US'.repeat(50), 'zh-Hant-TW'])
    return headers
  }

  /** A valid body: answers plus a random, valid selection of the optional fields. */
  #validBody(survey: FuzzSurvey): Record<string, unknown> {
    const rng = this.rng
    const body: Record<string, unknown> = { answers: validAnswers(rng, survey.definition) }
    if (rng.chance(0.3)) body.language = rng.pick(['en', 'es', 'es-MX', 'fr', 'EN', 'x'])
    if (rng.chance(0.3)) body.source = rng.pick(['widget', 'link', 'qr', 'api', 'hosted'])
    if (rng.chance(0.3)) body.channel = rng.pick(['website', 'email', 'phone', 'in_person', 'sms_text_messages', 'mobile_app'])
    if (rng.chance(0.3)) body.touchpoint = rng.pick(['confirmation-email', 'kiosk 3', 'ñ'.repeat(100), 'a'])
    if (rng.chance(0.3)) body.locationCode = rng.pick(['DC-001', 'x'.repeat(100), '42'])
    if (rng.chance(0.3)) body.pageUrl = rng.pick(['https://www.agency.gov/apply?ssn=123-45-6789#top', 'not a url', 'javascript:alert(1)', `https://a.gov/${'p'.repeat(1900)}`, 'ftp://x'])
    if (rng.chance(0.2)) body.version = 1
    if (rng.chance(0.1)) body.website_url = ''
    return body
  }

  #push(c: Case): void {
    this.cases.push(c)
  }

  #json(survey: FuzzSurvey, kind: string, body: unknown, expect: Expectation, headers = this.#baseHeaders(survey)): void {
    this.#push({ kind, method: 'POST', url: urlOf(survey.id), headers, payload: JSON.stringify(body), expect })
  }

  valid(): void {
    const survey = this.#survey()
    const body = this.#validBody(survey)
    const headers = this.#baseHeaders(survey)
    const keyed = this.rng.chance(0.5)
    if (keyed) {
      const key = `fuzz-${randomUUID()}`
      if (this.rng.chance(0.5)) headers['idempotency-key'] = key
      else body.idempotencyKey = key
      this.#keyed.push(this.cases.length)
    }
    this.#json(survey, 'valid', body, 'stored', headers)
  }

  replay(): void {
    if (this.#keyed.length === 0) return this.valid()
    const index = this.rng.pick(this.#keyed)
    const original = this.cases[index] as Case
    this.#push({ ...original, kind: 'replay', expect: 'replay', replayOf: index })
  }

  answerMutation(): void {
    const survey = this.#survey()
    const body = this.#validBody(survey)
    const names = Object.keys(ANSWER_MUTATIONS)
    for (let attempt = 0; attempt < 10; attempt++) {
      const name = this.rng.pick(names)
      const mutated = ANSWER_MUTATIONS[name]?.(this.rng, survey.definition, body.answers as Answers)
      if (mutated) return this.#json(survey, `answers:${name}`, { ...body, answers: mutated }, 'rejected')
    }
    this.#json(survey, 'answers:required_missing', { ...body, answers: {} }, 'rejected')
  }

  fieldMutation(): void {
    const rng = this.rng
    const survey = this.#survey()
    const body = this.#validBody(survey)
    const headers = this.#baseHeaders(survey)
    const wrongTypes = [1, -1, 1.5, true, false, null, {}, [], ['x'], { $gt: '' }]
    const mutations: [string, () => void][] = [
      ['answers_not_object', () => { body.answers = rng.pick([[], 'trust=5', 5, null, true, [[1]], [{ trust: 5 }]]) }],
      ['answers_missing', () => { delete body.answers }],
      ['unknown_field', () => { body[rng.pick(['extra', 'answer', 'Answers', 'id', 'surveyId', 'status', 'createdAt', 'toString', 'constructor', 'admin'])] = rng.pick([1, 'x', {}]) }],
      ['too_many_answers', () => { body.answers = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, 1])) }],
      ['answer_key_too_long', () => { (body.answers as Answers)['k'.repeat(61)] = 1 }],
      ['version', () => { body.version = rng.pick([0, -1, 1.5, '1', 2, 99, 2 ** 31, 2 ** 53, 1e20, true, null, 'latest']) }],
      ['source', () => { body.source = rng.pick(['import', 'sms', 'WIDGET', '', 'x'.repeat(1000), ...wrongTypes]) }],
      ['channel', () => { body.channel = rng.pick(['carrier_pigeon', 'WEBSITE', '', ...wrongTypes]) }],
      ['field_too_long', () => {
        const [field, limit] = rng.pick([['touchpoint', 100], ['locationCode', 100], ['language', 10], ['pageUrl', 2000], ['idempotencyKey', 100], ['website_url', 500]] as const)
        body[field] = rng.letters(limit + 1 + rng.int(500))
      }],
      ['field_wrong_type', () => { body[rng.pick(['touchpoint', 'locationCode', 'language', 'pageUrl', 'idempotencyKey', 'website_url'])] = rng.pick(wrongTypes) }],
      ['idempotency_key_body', () => { body.idempotencyKey = rng.pick(['', 'short', '1234567', 'x'.repeat(101)]) }],
      ['idempotency_key_header', () => { headers['idempotency-key'] = rng.pick(['', 'short', '1234567', 'k'.repeat(101), 'k'.repeat(5000)]) }],
      ['honeypot', () => { body.website_url = rng.pick(['http://spam.example', ' ', 'x', 'buy now']) }],
      ['bad_origin', () => { headers.origin = rng.pick(['https://evil.example', 'null', 'https://www.agency.gov.evil.example', 'http://www.agency.gov', 'https://www.agency.gov:8443', 'https://www.agency.gov/', 'file://', 'https://agency.gov', 'x']) }],
    ]
    const [name, mutate] = rng.pick(mutations)
    mutate()
    this.#json(survey, `field:${name}`, body, 'rejected', headers)
  }

  /** Control characters and broken surrogates in free-form fields: stored or refused, never a server error. */
  controlCharacters(): void {
    const rng = this.rng
    const survey = this.#survey()
    const body = this.#validBody(survey)
    const nasty = () => rng.pick(['a\u0000b', '\u0000', 'x\u0001\u0002\u001f', 'tab\there', 'nl\nx', '\u007f', 'a\ud800', '\udc00b', '\u202eevil', '\ufeffbom'])
    const field = rng.pick(['touchpoint', 'locationCode', 'language', 'pageUrl', 'idempotencyKey', 'answer'])
    if (field === 'answer') {
      const texts = shownOfType(survey.definition, body.answers as Answers, ['short_text', 'long_text', 'hidden'])
      if (texts.length > 0) (body.answers as Answers)[rng.pick(texts).key] = nasty()
    } else {
      body[field] = field === 'idempotencyKey' ? `ctl-${randomUUID()}-${nasty()}` : field === 'pageUrl' ? `https://a.gov/${nasty()}` : nasty()
    }
    this.#json(survey, `control:${field}`, body, 'either')
  }

  prototypePollution(): void {
    const rng = this.rng
    const survey = this.#survey()
    const answers = JSON.stringify(validAnswers(rng, survey.definition)).slice(1, -1)
    const sep = answers ? ',' : ''
    const payload = rng.pick([
      `{"__proto__":{"polluted":1},"answers":{${answers}}}`,
      `{"answers":{${answers}${sep}"__proto__":{"polluted":1}}}`,
      `{"answers":{"__proto__":{"trust":5}${sep}${answers}}}`,
      `{"answers":{${answers}},"constructor":{"prototype":{"polluted":1}}}`,
      `{"answers":{${answers}${sep}"constructor":{"prototype":{"polluted":1}}}}`,
      `{"answers":{${answers}${sep}"x":{"a":[{"__proto__":{"polluted":1}}]}}}`,
      `{"\\u005f_proto__":{"polluted":1},"answers":{${answers}}}`,
      `{"answers":{${answers}${sep}"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":1}}}`,
      `{"answers":{${answers}${sep}"constructor":1}}`,
      `{"answers":{${answers}${sep}"prototype":{"x":1}}}`,
    ])
    this.#push({ kind: 'prototype_pollution', method: 'POST', url: urlOf(survey.id), headers: this.#baseHeaders(survey), payload, expect: 'rejected' })
  }

  rawBody(): void {
    const rng = this.rng
    const survey = this.#survey()
    const good = JSON.stringify(this.#validBody(survey))
    const headers = this.#baseHeaders(survey)
    const choice = rng.int(9)
    const push = (kind: string, payload: string | Buffer, expect: Expectation = 'rejected', extra: Record<string, string> = {}) =>
      this.#push({ kind: `raw:${kind}`, method: 'POST', url: urlOf(survey.id), headers: { ...headers, ...extra }, payload, expect })
    if (choice === 0) return push('truncated', good.slice(0, rng.int(good.length)))
    if (choice === 1) {
      return push('syntax', rng.pick(['{answers: {trust: 5}}', '{"answers":{"trust":5},}', "{'answers':{}}", 'NaN', '{"answers":{"trust":05}}', `${good}}`, `${good} x`, '[1,2', 'null', '"answers"', '1', 'true', '[]',
        '{"answers":{"trust":5}', '{"answers":{"trust":5 "x":1}}', '\u0000', '{"answers":{"trust":"\u0001"}}', '{"a":"\\x41"}', '{"a":"\\u12"}']))
    }
    if (choice === 2) return push('random_bytes', Buffer.from(Array.from({ length: 1 + rng.int(2000) }, () => rng.int(256))))
    if (choice === 3) {
      // Invalid UTF-8 where a key goes: the decoded key is no question of the survey.
      const [head, tail] = [Buffer.from('{"answers":{"tr'), Buffer.from(`ust":3}}`)]
      return push('invalid_utf8_key', Buffer.concat([head, Buffer.from(rng.pick([[0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]])), tail]))
    }
    if (choice === 4) {
      // Invalid UTF-8 inside a text answer: decoded with replacement characters, so it may be stored.
      const text = shownOfType(survey.definition, JSON.parse(good).answers as Answers, ['long_text', 'short_text'])[0]
      if (!text) return push('utf16', Buffer.from(`\ufeff${good}`, 'utf16le'))
      const body = JSON.parse(good) as { answers: Answers }
      body.answers[text.key] = 'MARK'
      const [head, tail] = JSON.stringify(body).split('MARK') as [string, string]
      return push('invalid_utf8_text', Buffer.concat([Buffer.from(head), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(tail)]), 'either')
    }
    if (choice === 5) {
      const type = rng.pick(['text/plain', 'application/xml', 'text/html', 'application/octet-stream', 'image/png', 'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x', 'multipart/form-data', 'application/json-seq', 'application/jsonp', 'application/javascript', 'json', '*/*', 'application/ld+json'])
      return push('content_type', good, 'rejected', { 'content-type': type })
    }
    if (choice === 6) {
      const body = { ...JSON.parse(good), answers: { trust: 1, open_text: rng.letters(INTAKE_BODY_LIMIT + rng.int(200_000)) } }
      return push('oversized', rng.chance(0.8) ? JSON.stringify(body) : Buffer.alloc(INTAKE_BODY_LIMIT + 1 + rng.int(10_000), 0x7b), 'too_large')
    }
    if (choice === 7) {
      const depth = 500 + rng.int(9000)
      const where = rng.pick(['trust', 'open_text', 'drivers_positive', 'unknown'])
      const payload = rng.chance(0.7) ? `{"answers":{"${where}":${nested(rng, depth)}}}` : `{"answers":{"trust":1},"touchpoint":${nested(rng, depth)}}`
      return push('deep_nesting', payload)
    }
    return push('empty', rng.pick(['', ' ', '\n', '{}', '{"answers":{}}']))
  }

  routing(): void {
    const rng = this.rng
    const survey = this.#survey()
    const payload = JSON.stringify(this.#validBody(survey))
    const headers = this.#baseHeaders(survey)
    if (rng.chance(0.15)) {
      this.#push({ kind: 'route:method', method: rng.pick(['GET', 'PUT', 'PATCH', 'DELETE'] as const), url: urlOf(survey.id), headers, payload, expect: 'rejected' })
      return
    }
    const id = rng.pick([
      randomUUID(), this.targets.draftId, this.targets.closedId, this.targets.archivedId, survey.id.toUpperCase(), '00000000-0000-0000-0000-000000000000',
      'not-a-uuid', "' OR '1'='1", '%00', '..%2F..%2Fhealthz', '%ZZ', 'x'.repeat(5000), `${survey.id}x`, survey.id.slice(1), '%F0%9F%91%8D', '__proto__', 'constructor',
    ])
    // A closed survey is only refused for its state: its own answers must be valid for that to be the reason.
    const body = id === this.targets.closedId ? JSON.stringify({ answers: { trust: 1 } }) : payload
    this.#push({ kind: 'route:survey_id', method: 'POST', url: urlOf(id), headers: { 'content-type': 'application/json' }, payload: body, expect: 'rejected' })
  }

  generate(count: number): Case[] {
    const kinds: [number, () => void][] = [
      [16, () => this.valid()], [3, () => this.replay()], [22, () => this.answerMutation()], [22, () => this.fieldMutation()],
      [6, () => this.controlCharacters()], [6, () => this.prototypePollution()], [15, () => this.rawBody()], [10, () => this.routing()],
    ]
    const total = kinds.reduce((sum, [weight]) => sum + weight, 0)
    while (this.cases.length < count) {
      let roll = this.rng.int(total)
      for (const [weight, make] of kinds) {
        if (roll < weight) {
          make()
          break
        }
        roll -= weight
      }
    }
    return this.cases
  }
}

/** The A-11 Likert template with contact questions plus every other question type. */
function richDefinition(): SurveyDefinition {
  const base = SURVEY_TEMPLATES.a11_v2_likert.build({ provider: 'Fuzz Agency' })
  const extra: Question[] = [
    { key: 'visit_reason', type: 'single_choice', role: null, required: false, prompt: { en: 'Why did you visit?' }, options: [{ key: 'apply', label: { en: 'Apply' } }, { key: 'check', label: { en: 'Check status' } }, { key: 'other', label: { en: 'Other' } }] },
    { key: 'helpful', type: 'yes_no', role: null, required: false, prompt: { en: 'Was this page helpful?' } },
    { key: 'zip', type: 'short_text', role: null, required: false, maxLength: 10, prompt: { en: 'ZIP code' } },
    { key: 'office', type: 'hidden', role: null, required: false, prompt: { en: 'Office' } },
    { key: 'notice', type: 'display_text', role: null, required: false, prompt: { en: 'Your answers are anonymous.' } },
  ]
  return { ...base, questions: [...base.questions, ...contactQuestions(), ...extra] }
}

async function setUp(t: TestApp): Promise<Targets> {
  const { db } = t.runtime
  const system = systemActor('fuzz')
  const organization = await createOrganization(db, system, { kind: 'department', name: 'Fuzz Department', abbreviation: 'FZ', parentId: null })
  const service = await createService(db, system, { name: 'Apply for a fuzz permit', organizationId: organization.id, ownerUserId: null, kind: 'regulatory', channels: ['website'] })
  const make = async (input: Record<string, unknown>, state: 'draft' | 'published' | 'closed' | 'archived') => {
    const survey = await createSurvey(db, system, { serviceId: service.id, ...input })
    if (state !== 'draft') await transitionSurvey(db, system, survey.id, 'publish')
    if (state === 'closed' || state === 'archived') await transitionSurvey(db, system, survey.id, 'close')
    if (state === 'archived') await transitionSurvey(db, system, survey.id, 'archive')
    return survey
  }
  const rich = await make({ definition: richDefinition(), allowedOrigins: [ALLOWED_ORIGIN], otherClearance: 'Fuzz clearance' }, 'published')
  const thumbs = await make({ template: 'a11_v2_thumbs' }, 'published')
  return {
    rich: { id: rich.id, definition: rich.definition, origin: ALLOWED_ORIGIN },
    thumbs: { id: thumbs.id, definition: thumbs.definition, origin: null },
    draftId: (await make({ template: 'a11_v2_thumbs' }, 'draft')).id,
    closedId: (await make({ template: 'a11_v2_thumbs' }, 'closed')).id,
    archivedId: (await make({ template: 'a11_v2_thumbs' }, 'archived')).id,
  }
}

function excerpt(value: string | Buffer | undefined, length = 160): string {
  const text = value === undefined ? '' : typeof value === 'string' ? value : value.toString('latin1')
  return JSON.stringify(text.length > length ? `${text.slice(0, length)}…(${text.length} chars)` : text)
}

for (const engine of ENGINES) {
  describe(`intake fuzzing (${engine})`, () => {
    let t: TestApp
    let targets: Targets
    before(async () => {
      t = await createTestApp(engine, { CX280_INTAKE_RATE_LIMIT: '100000000', CX280_PUBLIC_RATE_LIMIT: '100000000', CX280_JOBS: 'off' })
      targets = await setUp(t)
    })
    after(() => t.close())

    it(`answers ${CASES[engine]} generated payloads with 4xx for every invalid one and stores exactly the valid ones`, async (context) => {
      const seed = SEED + (engine === 'postgres' ? 1 : 0)
      context.diagnostic(`seed ${seed} (CX280_FUZZ_SEED=${SEED} reproduces this run)`)
      console.log(`intake fuzzing (${engine}): seed ${seed}; reproduce with CX280_FUZZ_SEED=${SEED}`)
      const cases = new Generator(new Rng(seed), targets).generate(CASES[engine])
      const failures: string[] = []
      const storedIds = new Set<string>()
      const idByCase = new Map<number, string>()
      let eitherStored = 0
      const kinds = new Map<string, { count: number; ms: number }>()
      const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).length
      for (const [index, c] of cases.entries()) {
        const started = performance.now()
        const response = await t.app.inject({ method: c.method, url: c.url, headers: c.headers, ...(c.payload !== undefined ? { payload: c.payload } : {}) })
        const kind = kinds.get(c.kind.split(':')[0] as string) ?? { count: 0, ms: 0 }
        kinds.set(c.kind.split(':')[0] as string, { count: kind.count + 1, ms: kind.ms + performance.now() - started })
        const status = response.statusCode
        const fail = (why: string) => failures.push(`#${index} ${c.kind} (seed ${seed}): ${why}; status ${status}, body ${excerpt(response.body, 200)}; sent ${c.method} ${c.url.slice(0, 80)} ${JSON.stringify(c.headers)} ${excerpt(c.payload)}`)
        let body: Record<string, unknown> | null = null
        try {
          body = JSON.parse(response.body) as Record<string, unknown>
        } catch {
          fail('the answer is not JSON')
          continue
        }
        if (status >= 500) {
          fail('server error')
          continue
        }
        const created = status === 201 && typeof body.id === 'string' && body.duplicate === false
        if (created) {
          if (storedIds.has(body.id as string)) fail('the same id was created twice')
          storedIds.add(body.id as string)
          idByCase.set(index, body.id as string)
        }
        const isError = status >= 400 && status < 500 && typeof body.error === 'string' && typeof body.message === 'string'
        switch (c.expect) {
          case 'stored':
            if (!created) fail('a valid submission was not stored with 201')
            break
          case 'replay':
            if (status !== 200 || body.duplicate !== true || body.id !== idByCase.get(c.replayOf as number)) fail(`a replay should answer 200 with the id of #${c.replayOf}`)
            break
          case 'rejected':
            if (!isError) fail('invalid input should get a 4xx {error, message}')
            break
          case 'too_large':
            if (status !== 413 || !isError) fail('an oversized body should get 413 {error, message}')
            break
          case 'either':
            if (created) eitherStored++
            else if (!isError) fail('expected 201 or a 4xx {error, message}')
            break
        }
      }
      context.diagnostic(`cases by kind (count, ms): ${[...kinds].map(([k, v]) => `${k} ${v.count} ${Math.round(v.ms)}`).join(', ')}`)
      assert.deepEqual(failures.slice(0, 15), [], `${failures.length} of ${cases.length} cases failed (seed ${seed})`)

      const { db } = t.runtime
      const stored = await db.selectFrom('responses').select('id').where('survey_id', 'in', [targets.rich.id, targets.thumbs.id]).execute()
      assert.equal(stored.length, storedIds.size, 'the database holds exactly the responses acknowledged with 201')
      assert.deepEqual(new Set(stored.map((r) => r.id)), storedIds)
      const validSent = cases.filter((c) => c.expect === 'stored').length
      assert.equal(storedIds.size, validSent + eitherStored, 'stored = valid submissions + borderline ones that were accepted; nothing else')
      assert.ok(validSent > CASES[engine] / 10, `the generator sent enough valid submissions (${validSent})`)
      const withoutTrust = await db.selectFrom('responses').select('id').where('survey_id', 'in', [targets.rich.id, targets.thumbs.id])
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('response_answers as a').select('a.response_id').whereRef('a.response_id', '=', 'responses.id').where('a.role', '=', 'trust'))))
        .execute()
      assert.equal(withoutTrust.length, 0, 'every stored response has its trust answer')
      assert.equal(Object.getOwnPropertyNames(Object.prototype).length, prototypeKeys, 'Object.prototype was not polluted')
      assert.equal(({} as Record<string, unknown>).polluted, undefined)

      const health = await t.app.inject({ method: 'GET', url: '/healthz' })
      assert.equal(health.statusCode, 200, 'the app still answers /healthz')
      const after = await t.app.inject({ method: 'POST', url: urlOf(targets.thumbs.id), payload: { answers: { trust: 1, open_text: 'still up' } } })
      assert.equal(after.statusCode, 201, `the app still stores a valid submission: ${after.body}`)
    })
  })
}
