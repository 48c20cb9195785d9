/** The collection files' formats, pure: metadata CSV and legacy Likert-count CSV byte for byte, the VA FY21 Q2 check, names. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { csvLine } from '../../src/a11/omb-csv.ts'
import { emptyTally, scoreFigures } from '../../src/a11/scoring.ts'
import {
  collectionFileBase, detailFileName, LEGACY_COLUMNS, legacyPointScale, legacyRow, METADATA_COLUMNS, metadataCsv, sheetName,
} from '../../src/reporting/collection-export.ts'
import type { CollectionView, DetailView } from '../../src/reporting/collections.ts'
import { combineHashes } from '../../src/reporting/omb-response-file.ts'

const figures = scoreFigures(emptyTally())
const detail = (over: Partial<DetailView>): DetailView => ({
  id: 'd0000000-0000-4000-8000-000000000001', surveyId: 's0000000-0000-4000-8000-000000000001', transactionPoint: 'post_interaction', channel: 'website',
  serviceStageId: null, serviceStageName: 'Apply', surveyType: 'thumbs_up_down', surveyTitle: 'Tell us about your experience', ombControlNumber: '0348-0069',
  federalRegisterUrl: null, trustQuestionText: 'This interaction increased my trust in the "Permit Office", really.', legacy: false, volumeOfCustomers: 1200,
  volumeOffered: null, recordedOffers: 300, offered: 300, respondents: 42, responseRate: 0.14, dataHash: null, figures, problems: {}, ...over,
})
const collection = (details: DetailView[]): CollectionView => ({
  id: 'c0000000-0000-4000-8000-000000000001', hispId: 'h1', hispName: 'Bureau A1 HISP', hispSlug: 'da-ba1', serviceId: 'v1', serviceName: 'Apply for a permit',
  serviceSlug: 'apply-for-a-permit', organizationId: 'o1', organizationName: 'Bureau A1', organizationAbbreviation: 'BA1', fiscalYear: 2026, quarter: 1,
  label: 'FY2026 Q1', state: 'submitted', dueOn: '2026-01-30', rating: null, ratingReason: null, ratedAt: null, reviewNote: null, integrityHash: 'ab12',
  submittedAt: '2026-01-20T15:00:00.000Z', publishedAt: null, detailCount: details.length, respondents: 42, createdAt: '', updatedAt: '', reflection: null,
  details, figures, abilities: { editVolumes: false, submit: false, review: false, transitions: [], rate: false },
})

describe('the collection metadata CSV', () => {
  it('writes one row per detail, byte for byte: CRLF, RFC 4180 quoting, empty cells for missing values', () => {
    const csv = metadataCsv([collection([detail({})])])
    assert.equal(csv, [
      METADATA_COLUMNS.join(','),
      'c0000000-0000-4000-8000-000000000001,2026,1,Bureau A1 HISP,da-ba1,Bureau A1,BA1,v1,Apply for a permit,submitted,,2026-01-20T15:00:00.000Z,ab12,'
        + 'd0000000-0000-4000-8000-000000000001,s0000000-0000-4000-8000-000000000001,post_interaction,website,Apply,thumbs_up_down,Tell us about your experience,0348-0069,,'
        + '"This interaction increased my trust in the ""Permit Office"", really.",1200,300,42',
    ].map((line) => `${line}\r\n`).join(''))
  })

  it('keeps a collection without details as one row with its detail cells empty', () => {
    const [, row] = metadataCsv([collection([])]).split('\r\n')
    assert.equal(row?.split(',').length, METADATA_COLUMNS.length)
    assert.ok(row?.endsWith(',ab12,,,,,,,,,,,,,'))
  })
})

describe('the legacy per-question Likert-count format (reference §6, FY2021–FY2023)', () => {
  it('scores the VA FY21 Q2 row 4.70 from its counts 2302/3118/10615/55358/249586', () => {
    assert.equal(legacyPointScale([2302, 3118, 10615, 55358, 249586]), '4.70')
    assert.equal(legacyPointScale([0, 0, 0, 0, 0]), null)
    assert.equal(legacyPointScale([1, 1, 1, 1, 1]), '3.00')
  })

  it('lays out 11 statements with text and five counts each, empty where a survey has fewer', () => {
    assert.equal(LEGACY_COLUMNS.length, 11 + 11 * 6 + 1)
    assert.deepEqual(LEGACY_COLUMNS.slice(11, 17), ['q1_text', 'q1_1', 'q1_2', 'q1_3', 'q1_4', 'q1_5'])
    const row = legacyRow({
      fiscalYear: 2021, quarter: 2, serviceProvider: 'Veterans Health Administration', serviceProvided: 'Outpatient care', transactionPoint: 'post_interaction',
      channel: 'in_person', volumeOfCustomers: 1_000_000, offered: 500_000, respondents: 330_979, ombControlNumber: '2900-0770', federalRegisterUrl: null,
      statements: [{ text: 'I trust VA, for my health care needs.', counts: [2302, 3118, 10615, 55358, 249586] }],
    })
    assert.equal(row.length, LEGACY_COLUMNS.length)
    const line = csvLine(row.map((c) => (c === null ? '' : String(c))))
    assert.equal(line, `2021,2,Veterans Health Administration,Outpatient care,post_interaction,in_person,1000000,500000,330979,2900-0770,,"I trust VA, for my health care needs.",2302,3118,10615,55358,249586${',,,,,,'.repeat(10)},\r\n`)
  })
})

describe('names', () => {
  it('makes sheet names Excel accepts: at most 31 characters, no []:*?/\\ or apostrophes, unique', () => {
    const taken = new Set<string>()
    assert.equal(sheetName('Responses 1 Tell us about your experience today', taken), 'Responses 1 Tell us about your')
    assert.equal(sheetName('Responses 2 Tell us about the permits office', taken).length, 31)
    assert.equal(sheetName('a/b:c', taken), 'a b c')
    assert.equal(sheetName('Scores', taken), 'Scores')
    assert.equal(sheetName('scores', taken), 'scores 2', 'Excel compares names case-insensitively')
  })

  it('names files by quarter, HISP, service, survey and detail', () => {
    const c = collection([])
    assert.equal(collectionFileBase(c), 'fy2026-q1-da-ba1-apply-for-a-permit')
    assert.equal(detailFileName(c, detail({})), 'fy2026-q1-da-ba1-apply-for-a-permit-responses-tell-us-about-your-experience-d0000000.csv')
  })

  it('hashes a collection the same whatever the order of its details, and differently when one file changes', () => {
    const a = { surveyId: 'a', hash: '1' }
    const b = { surveyId: 'b', hash: '2' }
    assert.equal(combineHashes([a, b]), combineHashes([b, a]))
    assert.notEqual(combineHashes([a, b]), combineHashes([a, { surveyId: 'b', hash: '3' }]))
    assert.match(combineHashes([a]), /^[0-9a-f]{64}$/)
  })
})
