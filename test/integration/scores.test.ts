import assert from 'node:assert/strict'
import { it } from 'node:test'
import { bearer, describeWithWorld, json } from '../helpers/test-app.ts'

interface ShareJson { count: number; n: number; share: number | null; interval: { lower: number; upper: number } | null }
interface Figures {
  respondents: number
  offers: number
  responseRate: { rate: number | null }
  trust: ShareJson
  likertMean: { n: number; mean: number | null }
  likertCounts: number[]
  drivers: Record<'positive' | 'negative', { n: number; drivers: Record<string, ShareJson> }>
}
interface Group { key: string; label: string; figures: Figures }
interface Report { by: string; overall: Figures; groups: Group[] }

const round = (value: number | null | undefined) => (value === null || value === undefined ? value : Number(value.toFixed(4)))
const interval = (share: ShareJson) => [round(share.interval?.lower), round(share.interval?.upper)]

/**
 * Fixtures with hand-computed figures. Thumbs survey T: FY2025 Q1 on the website (4 respondents, 10 offers): up+ease+
 * effectiveness, up+ease, up, down+efficiency; FY2025 Q2 by phone (3 respondents, 6 offers): up+employee,
 * down+efficiency+ease, down; plus one thumbs down marked spam (left out). Likert survey L: FY2025 Q2 on the website,
 * answers 5, 4, 3+ease, 2+humanity, 1 (cut-off 4: two positive, mean 3.0), no offers.
 */
describeWithWorld('scores', (w) => {
  let ids: Promise<{ thumbs: string; likert: string }> | null = null
  const fixtures = () => (ids ??= (async () => {
    const headers = bearer(w.world.people.managerA1)
    const publish = async (template: string) => {
      const survey = json<{ id: string }>(await w.t.app.inject({ method: 'POST', url: '/api/v1/surveys', headers, payload: { serviceId: w.world.services.serviceA1.id, template } }))
      assert.equal((await w.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${survey.id}/transitions`, headers, payload: { transition: 'publish' } })).statusCode, 200)
      return survey.id
    }
    const load = async (id: string, rows: string[], query: string) => {
      const csv = ['external_id,submitted_at,trust,drivers_positive,drivers_negative', ...rows].join('\n')
      const response = await w.t.app.inject({ method: 'POST', url: `/api/v1/surveys/${id}/imports?format=survey&${query}`, headers: { ...headers, 'content-type': 'text/csv' }, payload: csv })
      assert.equal(response.statusCode, 200, response.body)
    }
    const thumbs = await publish('a11_v2_thumbs')
    await load(thumbs, ['t1,2024-11-15,1,ease;effectiveness,', 't2,2024-11-15,1,ease,', 't3,2024-11-16,1,,', 't4,2024-11-16,0,,efficiency'], 'channel=website&offers=10')
    await load(thumbs, ['t5,2025-02-10,1,employee,', 't6,2025-02-10,0,,efficiency;ease', 't7,2025-02-11,0,,', 't8,2025-02-11,0,,'], 'channel=phone&offers=6')
    await w.t.runtime.db.updateTable('responses').set({ status: 'spam' }).where('survey_id', '=', thumbs).where('external_id', '=', 't8').execute()
    const likert = await publish('a11_v2_likert')
    await load(likert, ['l1,2025-02-10,5,,', 'l2,2025-02-10,4,,', 'l3,2025-02-12,3,,ease', 'l4,2025-02-12,2,,humanity', 'l5,2025-02-13,1,,'], 'channel=website')
    return { thumbs, likert }
  })())
  const get = async (url: string, person = w.world.people.analystA) => {
    const response = await w.t.app.inject({ method: 'GET', url, headers: bearer(person) })
    assert.equal(response.statusCode, 200, response.body)
    return json<Report>(response)
  }

  it('scores a thumbs survey by fiscal quarter: respondents, offers, response rate, trust share with Wilson interval, drivers per branch', async () => {
    const { thumbs } = await fixtures()
    const report = await get(`/api/v1/surveys/${thumbs}/scores?by=quarter`)
    assert.equal(report.by, 'quarter')
    const { overall } = report
    assert.equal(overall.respondents, 7, 'the spam response is left out')
    assert.equal(overall.offers, 16)
    assert.equal(overall.responseRate.rate, 7 / 16)
    assert.deepEqual([overall.trust.count, overall.trust.n, round(overall.trust.share)], [4, 7, 0.5714])
    assert.deepEqual(interval(overall.trust), [0.2505, 0.8418])
    assert.deepEqual(overall.likertMean, { n: 0, mean: null })
    assert.deepEqual(report.groups.map((g) => g.key), ['FY2025-Q1', 'FY2025-Q2'])
    const [q1, q2] = report.groups.map((g) => g.figures) as [Figures, Figures]
    assert.deepEqual([q1.respondents, q1.offers, q1.responseRate.rate, q1.trust.share], [4, 10, 0.4, 0.75])
    assert.deepEqual(interval(q1.trust), [0.3006, 0.9544])
    assert.equal(q1.drivers.positive.n, 3)
    assert.equal(round(q1.drivers.positive.drivers.ease?.share), 0.6667)
    assert.equal(round(q1.drivers.positive.drivers.effectiveness?.share), 0.3333)
    assert.equal(q1.drivers.positive.drivers.employee?.share, 0)
    assert.deepEqual([q1.drivers.negative.n, q1.drivers.negative.drivers.efficiency?.share], [1, 1])
    assert.deepEqual([q2.respondents, q2.offers, q2.responseRate.rate, q2.trust.count, q2.trust.n], [3, 6, 0.5, 1, 3])
    assert.deepEqual(interval(q2.trust), [0.0615, 0.7923])
    assert.deepEqual([q2.drivers.positive.n, q2.drivers.positive.drivers.employee?.share], [1, 1])
    assert.deepEqual([q2.drivers.negative.n, q2.drivers.negative.drivers.efficiency?.share, q2.drivers.negative.drivers.ease?.share], [2, 0.5, 0.5])
  })

  it('scores by channel, most respondents first', async () => {
    const { thumbs } = await fixtures()
    const report = await get(`/api/v1/surveys/${thumbs}/scores?by=channel`)
    assert.deepEqual(report.groups.map((g) => [g.key, g.label, g.figures.respondents, g.figures.offers, g.figures.trust.count]), [['website', 'Website', 4, 10, 3], ['phone', 'Phone', 3, 6, 1]])
  })

  it('scores a Likert survey with the cut-off of 4 and the mean of the trust answers', async () => {
    const { likert } = await fixtures()
    const { overall } = await get(`/api/v1/surveys/${likert}/scores`)
    assert.deepEqual([overall.respondents, overall.trust.count, overall.trust.n], [5, 2, 5])
    assert.deepEqual(interval(overall.trust), [0.1176, 0.7693])
    assert.deepEqual(overall.likertMean, { n: 5, mean: 3 })
    assert.deepEqual(overall.likertCounts, [1, 1, 1, 1, 1])
    assert.equal(overall.responseRate.rate, null, 'no offers recorded')
    assert.equal(overall.drivers.negative.n, 3)
    assert.equal(round(overall.drivers.negative.drivers.humanity?.share), 0.3333)
    assert.equal(round(overall.drivers.negative.drivers.ease?.share), 0.3333)
  })

  it('scores across a service by survey, quarter and channel by pooling counts', async () => {
    const { thumbs, likert } = await fixtures()
    const service = w.world.services.serviceA1.id
    const bySurvey = await get(`/api/v1/scores?serviceId=${service}&by=survey`)
    assert.deepEqual(bySurvey.groups.map((g) => g.key).sort(), [thumbs, likert].sort())
    assert.deepEqual([bySurvey.overall.respondents, bySurvey.overall.trust.count, bySurvey.overall.offers], [12, 6, 16])
    assert.deepEqual(interval(bySurvey.overall.trust), [0.2538, 0.7462])
    assert.deepEqual(bySurvey.overall.likertMean, { n: 5, mean: 3 }, 'the Likert mean counts Likert answers only')
    const byQuarter = await get(`/api/v1/scores?serviceId=${service}&by=quarter`)
    const q2 = byQuarter.groups.find((g) => g.key === 'FY2025-Q2')?.figures
    assert.deepEqual([q2?.respondents, q2?.trust.count, q2?.offers], [8, 3, 6])
    assert.deepEqual(interval((q2 as Figures).trust), [0.1368, 0.6943])
    assert.equal(round(q2?.responseRate.rate), 1.3333, 'respondents above offers show that some offers went unrecorded')
    const byChannel = await get(`/api/v1/scores?by=channel`)
    assert.deepEqual(byChannel.groups.map((g) => [g.key, g.figures.respondents]), [['website', 9], ['phone', 3]])
  })

  it('keeps other organizations\' scores out: 404 for their survey or service, nothing of theirs in the cross-survey view', async () => {
    const { thumbs } = await fixtures()
    const leadB = w.world.people.leadB
    assert.equal((await w.t.app.inject({ method: 'GET', url: `/api/v1/surveys/${thumbs}/scores`, headers: bearer(leadB) })).statusCode, 404)
    assert.equal((await w.t.app.inject({ method: 'GET', url: `/api/v1/scores?serviceId=${w.world.services.serviceA1.id}`, headers: bearer(leadB) })).statusCode, 404)
    const theirs = await get('/api/v1/scores?by=survey', leadB)
    assert.deepEqual([theirs.overall.respondents, theirs.groups.length], [0, 0])
    assert.equal((await w.t.app.inject({ method: 'GET', url: '/api/v1/scores?by=week', headers: bearer(leadB) })).statusCode, 400)
  })
})
