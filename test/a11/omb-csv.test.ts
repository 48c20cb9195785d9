import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { csvField, driverCells, formatOmbHeader, formatOmbRow, OMB_CSV_COLUMNS, parseCsv, parseOmbCsv, type OmbRow } from '../../src/a11/omb-csv.ts'

const HEADER = 'external_id,question_1,positive_effectiveness,positive_ease,positive_efficiency,positive_transparency,positive_humanity,positive_employee,positive_other,negative_effectiveness,negative_ease,negative_efficiency,negative_transparency,negative_humanity,negative_employee,negative_other,question_4'
const nulls = 'null,null,null,null,null,null,null'

describe('OMB 17-column CSV: writing', () => {
  it('writes the header byte for byte as reference §6 gives it, CRLF-terminated, no BOM', () => {
    assert.equal(OMB_CSV_COLUMNS.length, 17)
    assert.equal(formatOmbHeader(), `${HEADER}\r\n`)
    assert.deepEqual([...Buffer.from(formatOmbHeader(), 'utf8').subarray(0, 3)], [...Buffer.from('ext')])
  })
  it('is the header docs/response-csv.md shows', () => {
    assert.ok(readFileSync('docs/response-csv.md', 'utf8').includes(`\n${HEADER}\n`))
  })
  it('writes null for the branch not shown and 0/1 for the branch shown', () => {
    const row: OmbRow = { externalId: 'r-1', question1: 1, positive: driverCells('positive', new Set(['ease', 'other']), 'positive'), negative: driverCells('positive', new Set(), 'negative'), question4: null }
    assert.equal(formatOmbRow(row), `r-1,1,0,1,0,0,0,0,1,${nulls},\r\n`)
  })
  it('quotes commas, quotes and line breaks (RFC 4180) and leaves other text bare', () => {
    assert.equal(csvField('plain text'), 'plain text')
    assert.equal(csvField('a, b'), '"a, b"')
    assert.equal(csvField('say "hi"'), '"say ""hi"""')
    assert.equal(csvField('two\nlines'), '"two\nlines"')
    assert.equal(csvField('cr\r\nlf'), '"cr\r\nlf"')
    const row: OmbRow = { externalId: 'x,1', question1: 4, positive: driverCells('positive', new Set(['ease']), 'positive'), negative: driverCells('positive', new Set(), 'negative'), question4: 'Fast, "friendly"\nstaff' }
    const parsed = parseOmbCsv(formatOmbHeader() + formatOmbRow(row), { scale: 'likert_scale' })
    assert.deepEqual(parsed.errors, [])
    assert.deepEqual(parsed.rows[0]?.value, row, 'a written row reads back to the same typed values')
  })
})

describe('OMB 17-column CSV: reading', () => {
  const read = (body: string, scale: 'thumbs_up_down' | 'likert_scale' = 'thumbs_up_down', likertPositiveMin?: number) =>
    parseOmbCsv(`${HEADER}\r\n${body}`, likertPositiveMin === undefined ? { scale } : { scale, likertPositiveMin })

  it('reads typed rows: null, empty and (on the branch not shown) 0 are all accepted', () => {
    const { rows, errors } = read(`a,1,1,0,,null,NULL,0,0,0,0,0,0,0,0,0,Thanks\r\nb,0,${nulls},1,1,0,0,0,0,1,\r\n`)
    assert.deepEqual(errors, [])
    assert.equal(rows.length, 2)
    assert.deepEqual(rows[0], {
      row: 2,
      value: {
        externalId: 'a', question1: 1, question4: 'Thanks',
        positive: { effectiveness: true, ease: false, efficiency: null, transparency: null, humanity: null, employee: false, other: false },
        negative: { effectiveness: false, ease: false, efficiency: false, transparency: false, humanity: false, employee: false, other: false },
      },
    })
    assert.equal(rows[1]?.value.negative.ease, true)
    assert.equal(rows[1]?.value.positive.ease, null)
    assert.equal(rows[1]?.value.question4, null)
  })
  it('accepts a UTF-8 byte-order mark, LF line ends and a missing final newline', () => {
    const { rows, errors } = parseOmbCsv(`\uFEFF${HEADER}\nrow-1,1,${nulls},${nulls},Señor ✓`, { scale: 'thumbs_up_down' })
    assert.deepEqual(errors, [])
    assert.equal(rows[0]?.value.question4, 'Señor ✓')
  })
  it('checks question_1 against the survey\'s scale', () => {
    const thumbs = read(`a,4,${nulls},${nulls},\r\n`)
    assert.deepEqual(thumbs.errors, [{ row: 2, column: 'question_1', message: 'must be 0 (thumbs down) or 1 (thumbs up) for a thumbs up/down survey' }])
    const likert = read(`a,0,${nulls},${nulls},\r\nb,5,${nulls},${nulls},\r\n`, 'likert_scale')
    assert.deepEqual(likert.errors.map((e) => [e.row, e.column]), [[2, 'question_1']])
    assert.equal(likert.rows.length, 1)
  })
  it('refuses a tick in the branch the answer did not lead to, using the cut-off', () => {
    const thumbsUp = read(`a,1,${nulls},0,1,0,0,0,0,0,\r\n`)
    assert.deepEqual(thumbsUp.errors.map((e) => [e.row, e.column]), [[2, 'negative_ease']])
    assert.match(thumbsUp.errors[0]?.message ?? '', /positive drivers/)
    const three = `a,3,1,${'null,'.repeat(6)}${nulls},\r\n`
    assert.equal(read(three, 'likert_scale').errors[0]?.column, 'positive_effectiveness', '3 is negative with the default cut-off of 4')
    assert.deepEqual(read(three, 'likert_scale', 3).errors, [], '3 is positive when the survey\'s cut-off is 3')
  })
  it('reports every bad cell by row and column and keeps reading', () => {
    const { rows, errors } = read([
      `ok,1,${nulls},${nulls},`,
      `bad1,1,yes,${'null,'.repeat(6)}${nulls},`,
      'short,1,0',
      `bad2,2,${nulls},${nulls},`,
    ].join('\r\n'))
    assert.equal(rows.length, 1)
    assert.deepEqual(errors.map((e) => [e.row, e.column]), [[3, 'positive_effectiveness'], [4, 'row'], [5, 'question_1']])
    assert.match(errors[1]?.message ?? '', /has 3 cells/)
  })
  it('rejects a header that is not exactly OMB\'s, naming the first difference', () => {
    const swapped = HEADER.replace('positive_ease,positive_efficiency', 'positive_efficiency,positive_ease')
    const result = parseOmbCsv(`${swapped}\r\nx,1,${nulls},${nulls},\r\n`, { scale: 'thumbs_up_down' })
    assert.equal(result.rows.length, 0)
    assert.deepEqual(result.errors.map((e) => [e.row, e.column]), [[1, 'positive_ease']])
    const sixteen = parseOmbCsv(`${HEADER.replace(',question_4', '')}\r\n`, { scale: 'thumbs_up_down' })
    assert.match(sixteen.errors[0]?.message ?? '', /16 columns/)
    assert.match(parseOmbCsv('', { scale: 'thumbs_up_down' }).errors[0]?.message ?? '', /empty/)
    assert.match(parseOmbCsv(HEADER, { scale: 'thumbs_up_down' }).errors[0]?.message ?? '', /no rows/)
  })
})

describe('RFC 4180 reader', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, counting rows as records', () => {
    const { records, error } = parseCsv('a,b\r\n"1, one","say ""hi"""\r\n\r\n"multi\nline",x\n')
    assert.equal(error, null)
    assert.deepEqual(records, [
      { row: 1, value: ['a', 'b'] },
      { row: 2, value: ['1, one', 'say "hi"'] },
      { row: 4, value: ['multi\nline', 'x'] },
    ])
  })
  it('stops at an unclosed quote or a stray quote, naming the row', () => {
    assert.deepEqual(parseCsv('a\r\n"never closed').error?.row, 2)
    assert.match(parseCsv('a\r\nab"c').error?.message ?? '', /quote inside an unquoted field/)
    assert.match(parseCsv('"a"b').error?.message ?? '', /follows a closing quote/)
  })
})
