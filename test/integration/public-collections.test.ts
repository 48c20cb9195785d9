/**
 * Public transparency pages and the open data API, on SQLite and PostgreSQL: only published collections appear, with
 * known-answer figures from the tallies frozen at submission; small cells (fewer than 30 respondents) and totals that
 * would reveal them are withheld; filters, paging, the CSV's columns and a known row; cache headers, ETag and 304;
 * CORS; 400 on bad queries; 404 for unknown or unpublished things; and no free text, notes or emails anywhere.
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { createHisp, updateService } from '../../src/catalog/index.ts'
import { systemActor } from '../../src/auth/index.ts'
import { PUBLIC_CSV_COLUMNS } from '../../src/reporting/index.ts'
import { createSurvey, importResponsesCsv, transitionSurvey } from '../../src/surveys/index.ts'
import { bearer, describeWithWorld, json, type Person } from '../helpers/test-app.ts'

const system = systemActor('public-collections-test')
const HEADER = 'external_id,submitted_at,trust,drivers_positive,drivers_negative,open_text'
const SECRET_TEXT = 'SECRET-OPEN-TEXT-42'
const SECRET_EMAIL = 'jane.doe@example.com'
const REFLECTION = 'REFLECTION-NOT-FOR-THE-PUBLIC'
const RATING_REASON = 'RATING-REASON-NOT-FOR-THE-PUBLIC'

interface Share { n: number; share: number | null; lower: number | null; upper: number | null; suppressed: boolean; reason: string | null }
interface Branch { n: number | null; suppressed: boolean; reason: string | null; shares: Record<string, number | null> }
interface Figures { respondents: number; offered: number | null; responseRate: number | null; trust: Share; likertMean: { n: number; mean: number | null; suppressed: boolean; reason: string | null } | null; drivers: Record<'positive' | 'negative', Branch> }
interface Detail extends Figures { id: string; surveyTitle: string; channel: string; scale: string }
interface Collection extends Figures {
  id: string; fiscalYear: number; quarter: number; label: string; publishedOn: string
  agency: { id: string; name: string }; hisp: { name: string; slug: string }; service: { id: string; name: string }; details: Detail[]
}
interface Page { items: Collection[]; total: number; page: number; pageSize: number; minRespondents: number }

/** `n` thumbs rows on `date`: the first `up` trusting; of those the first `ease` also tick ease; all trusting tick effectiveness. */
function thumbsRows(prefix: string, date: string, n: number, up: number, ease: number, text: (i: number) => string = () => ''): string {
  const rows = Array.from({ length: n }, (_, i) => (i < up ? `${prefix}${i},${date},1,${i < ease ? 'ease;effectiveness' : 'effectiveness'},,${text(i)}` : `${prefix}${i},${date},0,,efficiency,${text(i)}`))
  return [HEADER, ...rows].join('\n')
}

describeWithWorld('public collections (open data and pages)', (w) => {
  const api = () => w.t.app
  const db = () => w.t.runtime.db
  const ok = async <T>(person: Person, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown): Promise<T> => {
    const response = await api().inject({ method, url: `/api/v1${url}`, headers: bearer(person), ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) })
    assert.equal(response.statusCode, 200, `${method} ${url}: ${response.body}`)
    return json<T>(response)
  }
  const anon = (url: string, headers: Record<string, string> = {}) => api().inject({ method: 'GET', url, headers })
  const publicPage = async (query = ''): Promise<Page> => {
    const response = await anon(`/api/v1/public/collections${query}`)
    assert.equal(response.statusCode, 200, response.body)
    return json<Page>(response)
  }

  /**
   * serviceA1 (HISP "Bureau A1 HISP", slug da-ba1, organization Bureau A1 under Department A) is designated.
   * FY2026 Q1, published: thumbs survey T (website) 40 respondents, 26 up (ease 13, effectiveness 26), 14 down
   * (efficiency), one open text with an email; Likert survey L (phone) 10 respondents: 5,5,4,4,3,3,2,2,1,1.
   * FY2026 Q2, published: T 36 respondents, 30 up (ease 15). FY2026 Q3: T 30 respondents, left in draft.
   * FY2025 Q4: T 3 respondents, submitted only. FY2025 Q3: T 2 respondents, published then archived.
   * serviceB (Department B) gets HISP "Department B HISP" (db-hisp): FY2026 Q1 published, 30 respondents, 21 up.
   */
  let fixtures: Promise<{ thumbs: string; likert: string; hispB: string }> | null = null
  const setUp = () => (fixtures ??= (async () => {
    const { leadA, leadB, reviewer } = w.world.people
    const a1 = w.world.services.serviceA1.id
    const b = w.world.services.serviceB.id
    const hispB = (await createHisp(db(), system, { name: 'Department B HISP', slug: 'db-hisp', yearDesignated: 2020, organizationId: w.world.orgs.B.id })).id
    await updateService(db(), system, a1, { designatedForImprovement: true, yearDesignated: 2024 })
    await updateService(db(), system, b, { hispId: hispB, designatedForImprovement: true, yearDesignated: 2024 })
    const survey = async (serviceId: string, template: 'a11_v2_thumbs' | 'a11_v2_likert', name: string, channel: 'website' | 'phone') =>
      (await transitionSurvey(db(), system, (await createSurvey(db(), system, { serviceId, template, name, channel })).id, 'publish')).id
    const load = async (surveyId: string, csv: string) => {
      const report = await importResponsesCsv(db(), system, surveyId, csv, { format: 'survey', channel: 'website' })
      assert.ok(report.ok, JSON.stringify(report.errors))
    }
    const thumbs = await survey(a1, 'a11_v2_thumbs', 'Permit thumbs', 'website')
    const likert = await survey(a1, 'a11_v2_likert', 'Permit Likert', 'phone')
    const thumbsB = await survey(b, 'a11_v2_thumbs', 'Records thumbs', 'website')
    await load(thumbs, thumbsRows('q1-', '2025-11-05', 40, 26, 13, (i) => (i === 0 ? `Write to ${SECRET_EMAIL} ${SECRET_TEXT}` : '')))
    await load(likert, [HEADER, ...[5, 5, 4, 4, 3, 3, 2, 2, 1, 1].map((v, i) => `l${i},2025-11-06,${v},,,${i === 0 ? SECRET_TEXT : ''}`)].join('\n'))
    await load(thumbs, thumbsRows('q2-', '2026-02-10', 36, 30, 15))
    await load(thumbs, thumbsRows('q3-', '2026-05-10', 30, 20, 0))
    await load(thumbs, thumbsRows('q4p-', '2025-08-10', 3, 2, 0))
    await load(thumbs, thumbsRows('q3p-', '2025-05-10', 2, 2, 0))
    await load(thumbsB, thumbsRows('b-', '2025-12-01', 30, 21, 0))

    const collectionOf = async (serviceId: string, fiscalYear: number, quarter: number) => {
      await ok(reviewer, 'POST', '/collections', { fiscalYear, quarter })
      const list = await ok<{ items: { id: string }[] }>(reviewer, 'GET', `/collections?fiscalYear=${fiscalYear}&quarter=${quarter}&serviceId=${serviceId}`)
      return ok<{ id: string; details: { id: string; respondents: number }[] }>(reviewer, 'GET', `/collections/${list.items[0]?.id}`)
    }
    /** Volumes: 5 customers offered per respondent, 4 of them per customer (so the response rate is 20%). */
    const advance = async (serviceId: string, fiscalYear: number, quarter: number, lead: Person, to: 'draft' | 'submitted' | 'published' | 'archived') => {
      const c = await collectionOf(serviceId, fiscalYear, quarter)
      if (to === 'draft') return
      await ok(lead, 'PATCH', `/collections/${c.id}`, { reflection: REFLECTION, details: c.details.map((d) => ({ id: d.id, volumeOffered: d.respondents * 5, volumeOfCustomers: d.respondents * 20 })) })
      await ok(lead, 'POST', `/collections/${c.id}/transitions`, { transition: 'submit' })
      if (to === 'submitted') return
      await ok(reviewer, 'POST', `/collections/${c.id}/rating`, { rating: 'green', reason: RATING_REASON })
      await ok(reviewer, 'POST', `/collections/${c.id}/transitions`, { transition: 'publish' })
      if (to === 'archived') await ok(reviewer, 'POST', `/collections/${c.id}/transitions`, { transition: 'archive' })
    }
    await advance(a1, 2026, 1, leadA, 'published')
    await advance(a1, 2026, 2, leadA, 'published')
    await advance(a1, 2026, 3, leadA, 'draft')
    await advance(a1, 2025, 4, leadA, 'submitted')
    await advance(a1, 2025, 3, leadA, 'archived')
    await advance(b, 2026, 1, leadB, 'published')
    return { thumbs, likert, hispB }
  })())

  it('before anything is published: an empty list, a header-only CSV and the directory\'s empty state', async () => {
    assert.deepEqual(await publicPage(), { items: [], total: 0, page: 1, pageSize: 50, minRespondents: 30 })
    assert.equal((await anon('/api/v1/public/collections.csv')).body, `${PUBLIC_CSV_COLUMNS.join(',')}\r\n`)
    const home = await anon('/public')
    assert.equal(home.statusCode, 200)
    assert.match(home.body, /Nothing has been published yet/)
    assert.equal((await api().inject({ method: 'HEAD', url: '/api/v1/public/collections' })).statusCode, 200, 'HEAD needs no sign-in either')
  })

  it('lists only published collections, newest quarter first, with no sign-in', async () => {
    await setUp()
    const page = await publicPage()
    assert.deepEqual(page.items.map((c) => [c.label, c.hisp.slug, c.service.name]), [
      ['FY2026 Q2', 'da-ba1', 'Apply for a permit'], ['FY2026 Q1', 'da-ba1', 'Apply for a permit'], ['FY2026 Q1', 'db-hisp', 'Request records'],
    ], 'draft (FY2026 Q3), submitted (FY2025 Q4) and archived (FY2025 Q3) collections are left out')
    assert.deepEqual([page.total, page.page, page.pageSize, page.minRespondents], [3, 1, 50, 30])
    const q1 = page.items[1] as Collection
    assert.deepEqual([q1.agency.name, q1.hisp.name, q1.fiscalYear, q1.quarter], ['Bureau A1', 'Bureau A1 HISP', 2026, 1])
    assert.match(q1.publishedOn, /^\d{4}-\d{2}-\d{2}$/)
  })

  it('publishes known figures and withholds small cells and the totals that would reveal them', async () => {
    await setUp()
    const q1 = (await publicPage('?fiscalYear=2026&quarter=1&hisp=da-ba1')).items[0] as Collection
    const t = q1.details.find((d) => d.scale === 'thumbs_up_down') as Detail
    const l = q1.details.find((d) => d.scale === 'likert_scale') as Detail
    // 26 of 40: p = 0.65; Wilson with z² = 3.8415, z²/n = 0.0960: centre (0.65 + 0.0480) / 1.0960 = 0.6369,
    // half-width 1.96/1.0960 × √(0.65·0.35/40 + 3.8415/6400) = 0.1418, so 0.4951 to 0.7787.
    assert.deepEqual(t.trust, { n: 40, share: 0.65, lower: 0.4951, upper: 0.7787, suppressed: false, reason: null })
    assert.deepEqual([t.respondents, t.offered, t.responseRate, t.likertMean, t.channel], [40, 200, 0.2, null, 'website'])
    // 26 in the positive branch and 14 in the negative are both under 30: shares withheld, sizes shown (the trust share shows them anyway).
    assert.deepEqual(t.drivers.positive, { n: 26, suppressed: true, reason: 'too_few_respondents', shares: { effectiveness: null, ease: null, efficiency: null, transparency: null, humanity: null, employee: null, other: null } })
    assert.deepEqual([t.drivers.negative.n, t.drivers.negative.suppressed], [14, true])
    // L: 10 respondents, under 30: trust share, Likert mean and branches withheld; branch sizes too (they would give the share).
    assert.deepEqual(l.trust, { n: 10, share: null, lower: null, upper: null, suppressed: true, reason: 'too_few_respondents' })
    assert.deepEqual(l.likertMean, { n: 10, mean: null, suppressed: true, reason: 'too_few_respondents' })
    assert.deepEqual([l.drivers.positive.n, l.drivers.positive.suppressed, l.drivers.negative.n, l.channel, l.respondents], [null, true, null, 'phone', 10])
    // The total (50 respondents) would give L's share by subtracting T's: withheld as complementary; so are its drivers.
    assert.deepEqual([q1.respondents, q1.offered, q1.responseRate], [50, 250, 0.2])
    assert.deepEqual([q1.trust.n, q1.trust.share, q1.trust.suppressed, q1.trust.reason], [50, null, true, 'complementary'])
    assert.deepEqual([q1.drivers.positive.n, q1.drivers.positive.suppressed, q1.drivers.positive.reason], [null, true, 'complementary'])
    assert.deepEqual([q1.likertMean?.n, q1.likertMean?.suppressed, q1.likertMean?.reason], [10, true, 'too_few_respondents'])

    const q2 = (await publicPage('?fiscalYear=2026&quarter=2')).items[0] as Collection
    // 30 of 36 = 0.8333; Wilson: centre (0.8333 + 0.0534) / 1.1067 = 0.8012, so 0.6811 to 0.9213. Positive branch 30:
    // effectiveness 30/30, ease 15/30; negative branch 6: withheld.
    assert.deepEqual(q2.trust, { n: 36, share: 0.8333, lower: 0.6811, upper: 0.9213, suppressed: false, reason: null })
    assert.deepEqual(q2.drivers.positive, { n: 30, suppressed: false, reason: null, shares: { effectiveness: 1, ease: 0.5, efficiency: 0, transparency: 0, humanity: 0, employee: 0, other: 0 } })
    assert.deepEqual([q2.drivers.negative.n, q2.drivers.negative.suppressed], [6, true])
    assert.deepEqual(q2.details[0]?.trust, q2.trust, 'one survey: its figures are the total')
  })

  it('keeps published figures as submitted after a response is trashed', async () => {
    const { thumbs } = await setUp()
    await db().updateTable('responses').set({ status: 'trash' }).where('survey_id', '=', thumbs).where('external_id', '=', 'q1-0').execute()
    try {
      const q1 = (await publicPage('?fiscalYear=2026&quarter=1&hisp=da-ba1')).items[0] as Collection
      const t = q1.details.find((d) => d.scale === 'thumbs_up_down') as Detail
      assert.deepEqual([t.respondents, t.trust.n, t.trust.share], [40, 40, 0.65], 'still 26 of 40, not 25 of 39')
    } finally {
      await db().updateTable('responses').set({ status: 'inbox' }).where('survey_id', '=', thumbs).where('external_id', '=', 'q1-0').execute()
    }
  })

  it('filters by fiscal year, quarter, HISP, service and agency (with its sub-organizations), and pages', async () => {
    await setUp()
    const labels = async (query: string) => (await publicPage(query)).items.map((c) => `${c.label} ${c.hisp.slug}`)
    assert.deepEqual(await labels('?fiscalYear=2026&quarter=1'), ['FY2026 Q1 da-ba1', 'FY2026 Q1 db-hisp'])
    assert.deepEqual(await labels('?fiscalYear=2025'), [])
    assert.deepEqual(await labels('?hisp=db-hisp'), ['FY2026 Q1 db-hisp'])
    assert.deepEqual(await labels(`?service=${w.world.services.serviceA1.id}`), ['FY2026 Q2 da-ba1', 'FY2026 Q1 da-ba1'])
    assert.deepEqual(await labels(`?agency=${w.world.orgs.A.id}`), ['FY2026 Q2 da-ba1', 'FY2026 Q1 da-ba1'], 'Department A includes Bureau A1')
    assert.deepEqual(await labels(`?agency=${w.world.orgs.B.id}&quarter=1`), ['FY2026 Q1 db-hisp'])
    assert.deepEqual(await labels(`?agency=${w.world.orgs.A1x.id}`), [])
    const second = await publicPage('?pageSize=1&page=2')
    assert.deepEqual([second.items.map((c) => c.label), second.total, second.pageSize], [['FY2026 Q1'], 3, 1])
  })

  it('answers 400 to a bad query', async () => {
    for (const query of ['fiscalYear=abc', 'quarter=5', 'service=not-a-uuid', 'hisp=Not%20A%20Slug', 'pageSize=1000', 'page=0', 'state=draft']) {
      const response = await anon(`/api/v1/public/collections?${query}`)
      assert.equal(response.statusCode, 400, `${query}: ${response.body}`)
      assert.equal(json(response).error, 'invalid')
    }
    assert.equal((await anon('/api/v1/public/collections.csv?quarter=0')).statusCode, 400)
  })

  it('downloads every published detail as CSV with stable columns and a known row', async () => {
    await setUp()
    const response = await anon('/api/v1/public/collections.csv')
    assert.equal(response.statusCode, 200)
    assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8')
    assert.match(String(response.headers['content-disposition']), /^attachment; filename="cx-collections-published\.csv"$/)
    const [header, ...rows] = response.body.split('\r\n').filter(Boolean)
    assert.equal(header, PUBLIC_CSV_COLUMNS.join(','))
    assert.equal(header, 'collection_id,fiscal_year,quarter,published_on,agency_name,agency_abbreviation,hisp_name,hisp_slug,service_id,service_name,detail_id,survey_title,transaction_point,channel,service_stage,scale,omb_control_number,respondents,volume_of_customers,volume_offered,response_rate,trust_n,trust_share,trust_lower_95,trust_upper_95,trust_suppressed,likert_n,likert_mean,likert_suppressed,positive_n,positive_effectiveness,positive_ease,positive_efficiency,positive_transparency,positive_humanity,positive_employee,positive_other,positive_suppressed,negative_n,negative_effectiveness,negative_ease,negative_efficiency,negative_transparency,negative_humanity,negative_employee,negative_other,negative_suppressed')
    assert.equal(rows.length, 4, 'Q2 (1 survey), Q1 A1 (2 surveys), Q1 B (1 survey)')
    const records = rows.map((row) => Object.fromEntries(PUBLIC_CSV_COLUMNS.map((name, i) => [name, row.split(',')[i]])))
    const q2 = records[0] as Record<string, string>
    assert.deepEqual(
      ['fiscal_year', 'quarter', 'agency_name', 'agency_abbreviation', 'hisp_slug', 'service_name', 'transaction_point', 'channel', 'scale', 'respondents', 'volume_of_customers', 'volume_offered', 'response_rate',
        'trust_n', 'trust_share', 'trust_lower_95', 'trust_upper_95', 'trust_suppressed', 'likert_n', 'likert_mean', 'likert_suppressed',
        'positive_n', 'positive_effectiveness', 'positive_ease', 'positive_other', 'positive_suppressed', 'negative_n', 'negative_efficiency', 'negative_suppressed'].map((k) => q2[k]),
      ['2026', '2', 'Bureau A1', 'BA1', 'da-ba1', 'Apply for a permit', 'post_interaction', 'website', 'thumbs_up_down', '36', '720', '180', '0.2',
        '36', '0.8333', '0.6811', '0.9213', 'false', '', '', '',
        '30', '1', '0.5', '0', 'false', '6', '', 'true'])
    const likert = records.find((r) => r.scale === 'likert_scale') as Record<string, string>
    assert.deepEqual(['respondents', 'trust_n', 'trust_share', 'trust_suppressed', 'likert_n', 'likert_mean', 'likert_suppressed', 'positive_n'].map((k) => likert[k]), ['10', '10', '', 'true', '10', '', 'true', ''])
    const filtered = await anon('/api/v1/public/collections.csv?hisp=db-hisp')
    assert.equal(filtered.body.split('\r\n').filter(Boolean).length, 2)
  })

  it('sends cache headers, an ETag honoured with 304, and CORS for any origin', async () => {
    await setUp()
    for (const url of ['/api/v1/public/collections', '/api/v1/public/collections.csv', '/public', '/public/methodology', `/public/services/${w.world.services.serviceA1.id}`]) {
      const first = await anon(url, { origin: 'https://data.example.org' })
      assert.equal(first.statusCode, 200, url)
      assert.equal(first.headers['cache-control'], 'public, max-age=300', url)
      const etag = String(first.headers.etag)
      assert.match(etag, /^"[A-Za-z0-9_-]{32}"$/, url)
      const again = await anon(url, { 'if-none-match': etag })
      assert.equal(again.statusCode, 304, url)
      assert.equal(again.body, '', url)
      assert.equal(again.headers.etag, etag, url)
      assert.equal((await anon(url, { 'if-none-match': `W/"other", W/${etag}` })).statusCode, 304, `${url}: weak and listed validators match`)
      assert.equal((await anon(url, { 'if-none-match': '"something-else"' })).statusCode, 200, url)
      if (url.startsWith('/api/')) assert.equal(first.headers['access-control-allow-origin'], '*', url)
    }
  })

  it('serves the public pages with suppressed cells spelled out, and 404 for unknown or unpublished things', async () => {
    await setUp()
    const page = async (url: string, status = 200) => {
      const response = await anon(url)
      assert.equal(response.statusCode, status, `${url}: ${response.body.slice(0, 300)}`)
      assert.match(String(response.headers['content-type']), /^text\/html/)
      return response.body
    }
    const home = await page('/public')
    assert.ok(home.includes(`href="/public/agencies/${w.world.orgs.A.id}"`) && home.includes('Department A (DA)'), 'Department A, through Bureau A1')
    assert.ok(home.includes(`href="/public/agencies/${w.world.orgs.B.id}"`))
    assert.ok(home.includes('href="/public/hisps/da-ba1"') && home.includes('href="/public/hisps/db-hisp"'))
    assert.ok(!home.includes('Sign out') && home.includes('href="/login"'), 'no staff chrome; a sign-in link for staff')
    const agency = await page(`/public/agencies/${w.world.orgs.A.id}`)
    assert.ok(agency.includes('FY2026 Q2') && agency.includes('83.3%') && agency.includes('Withheld so a smaller group cannot be worked out'))
    const hisp = await page('/public/hisps/db-hisp')
    assert.ok(hisp.includes('70.0%') && hisp.includes('52.1% – 83.3%'), '21 of 30: Wilson 0.5212 to 0.8334')
    const service = await page(`/public/services/${w.world.services.serviceA1.id}`)
    for (const text of ['Trust over quarters', 'role="img"', '65.0%', '49.5% – 77.9%', 'Fewer than 30 responses', 'Not asked (thumbs up/down)', 'FY2026 Q1', 'FY2026 Q2']) {
      assert.ok(service.includes(text), `service page shows ${text}`)
    }
    assert.ok(!service.includes('FY2026 Q3') && !service.includes('FY2025'), 'unpublished quarters are not on the page')
    const methodology = await page('/public/methodology')
    assert.ok(methodology.includes('Wilson') && methodology.includes('fewer than 30 responses') && methodology.includes('Eastern time'))
    await page(`/public/services/${w.world.services.serviceA1Other.id}`, 404)
    await page('/public/services/not-a-uuid', 404)
    await page('/public/hisps/no-such-hisp', 404)
    await page(`/public/agencies/${w.world.orgs.A1x.id}`, 404)
    await page('/public/agencies/00000000-0000-4000-8000-000000000000', 404)
  })

  it('never shows free text, reflections, review notes, emails or names', async () => {
    await setUp()
    const bodies = await Promise.all([
      '/api/v1/public/collections', '/api/v1/public/collections.csv', '/public', `/public/agencies/${w.world.orgs.A.id}`, '/public/hisps/da-ba1',
      `/public/services/${w.world.services.serviceA1.id}`,
    ].map(async (url) => [url, (await anon(url)).body] as const))
    const { leadA, reviewer, managerA1 } = w.world.people
    for (const [url, body] of bodies) {
      for (const secret of [SECRET_TEXT, SECRET_EMAIL, REFLECTION, RATING_REASON, leadA.email, reviewer.email, managerA1.email, 'LeadA', 'Reviewer', '@']) {
        assert.ok(!body.includes(secret), `${url} must not contain ${secret}`)
      }
    }
  })
})
