/**
 * The collection pages as people use them, on SQLite and PostgreSQL: the list with its "Create collections for FY Qn"
 * button and filters, the reviewer board, a collection's page with the volumes form (field errors next to the
 * inputs), submit, the rating form and publish, each a real form post with the session's CSRF token.
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { systemActor } from '../../src/auth/index.ts'
import { updateService } from '../../src/catalog/index.ts'
import { createSurvey, importResponsesCsv, transitionSurvey } from '../../src/surveys/index.ts'
import { describeWithWorld, form, signIn } from '../helpers/test-app.ts'

const system = systemActor('collection-pages-test')

describeWithWorld('collection pages', (w) => {
  type Session = { cookie: string; csrf: string }
  const sessions = new Map<string, Session>()
  const session = async (email: string) => {
    let s = sessions.get(email)
    if (!s) sessions.set(email, (s = await signIn(w.t.app, email)))
    return s
  }
  const get = async (email: string, url: string, status = 200) => {
    const response = await w.t.app.inject({ method: 'GET', url, headers: { cookie: (await session(email)).cookie } })
    assert.equal(response.statusCode, status, response.body.slice(0, 500))
    return response.body
  }
  const post = async (email: string, url: string, fields: Record<string, string>, status = 303) => {
    const s = await session(email)
    const response = await w.t.app.inject({ method: 'POST', url, headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ ...fields, _csrf: s.csrf }) })
    assert.equal(response.statusCode, status, response.body.slice(0, 800))
    return response
  }
  /** The page a form post redirected to, with its one-time flash message. */
  const follow = async (email: string, response: Awaited<ReturnType<typeof post>>) => {
    const flash = response.cookies.find((c) => c.name === 'cx280_flash')
    const page = await w.t.app.inject({ method: 'GET', url: String(response.headers.location), headers: { cookie: `${(await session(email)).cookie}${flash ? `; cx280_flash=${flash.value}` : ''}` } })
    assert.equal(page.statusCode, 200)
    return page.body
  }
  const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&nbsp;|\s+/g, ' ')

  let ready: Promise<string> | null = null
  /** serviceA1 designated; a thumbs survey with 3 responses in FY2026 Q2 (Jan–Mar 2026). Returns the survey id. */
  const setUp = () => (ready ??= (async () => {
    const db = w.t.runtime.db
    await updateService(db, system, w.world.services.serviceA1.id, { designatedForImprovement: true, yearDesignated: 2025 })
    const survey = (await transitionSurvey(db, system, (await createSurvey(db, system, { serviceId: w.world.services.serviceA1.id, template: 'a11_v2_thumbs' })).id, 'publish')).id
    const report = await importResponsesCsv(db, system, survey, 'external_id,submitted_at,trust,drivers_positive,drivers_negative\np1,2026-02-01,1,ease,\np2,2026-02-02,1,,\np3,2026-02-03,0,,ease', { format: 'survey' })
    assert.ok(report.ok)
    return survey
  })())

  it('lists collections with an empty state, makes a quarter\'s collections with the button, and filters', async () => {
    await setUp()
    const { reviewer, analystA } = w.world.people
    const empty = await get(reviewer.email, '/collections?fiscalYear=2026&quarter=2')
    assert.match(text(empty), /No collections/)
    assert.match(empty, /Create collections for FY\d{4} Q\d/)
    assert.doesNotMatch(await get(analystA.email, '/collections'), /Create collections for/, 'an analyst cannot start collections')
    const made = await post(reviewer.email, '/collections/create', { fiscalYear: '2026', quarter: '2' })
    assert.equal(made.headers.location, '/collections?fiscalYear=2026&quarter=2')
    const list = await get(reviewer.email, '/collections?fiscalYear=2026&quarter=2')
    assert.match(text(list), /FY2026 Q2: Apply for a permit/)
    assert.match(text(list), /Collections \(1\)/)
    assert.match(text(await get(reviewer.email, '/collections?state=published')), /No collections.*None match these filters/)
    await post(analystA.email, '/collections/create', { fiscalYear: '2026', quarter: '2' }, 403)
    await post(reviewer.email, '/collections/create', { fiscalYear: '2099', quarter: '1' }, 400)
  })

  it('shows the board of HISP × service × quarter', async () => {
    await setUp()
    const board = text(await get(w.world.people.reviewer.email, '/collections/board?fiscalYear=2026'))
    assert.match(board, /Reviewer board: FY2026/)
    assert.match(board, /Bureau A1 HISP Apply for a permit No collection Draft Not rated/)
    assert.match(text(await get(w.world.people.leadB.email, '/collections/board?fiscalYear=2026')), /No designated services/)
  })

  it('takes volumes (errors next to the fields), a submission, a rating and publication through the page forms', async () => {
    await setUp()
    const { reviewer, leadA, managerA1, leadB } = w.world.people
    const id = (await w.t.runtime.db.selectFrom('collections').select('id').where('fiscal_year', '=', 2026).where('quarter', '=', 2).executeTakeFirstOrThrow()).id
    const detail = (await w.t.runtime.db.selectFrom('collection_details').select('id').where('collection_id', '=', id).executeTakeFirstOrThrow()).id
    await get(leadB.email, `/collections/${id}`, 404)
    const page = await get(managerA1.email, `/collections/${id}`)
    assert.match(text(page), /FY2026 Q2: Apply for a permit/)
    assert.match(page, new RegExp(`name="details\\.${detail}\\.volumeOfCustomers"`), 'the owner of the service may enter volumes')
    assert.doesNotMatch(page, /Submit to OMB/, 'a service manager does not submit')
    const bad = await post(managerA1.email, `/collections/${id}/volumes`, { [`details.${detail}.volumeOfCustomers`]: '100', [`details.${detail}.volumeOffered`]: '2', reflection: '' }, 400)
    assert.match(bad.body, /usa-form-group--error/)
    assert.match(text(bad.body), /must be at least the number of respondents \(3\)/)
    assert.match(bad.body, new RegExp(`href="#field-details-${detail}-volumeOffered"`), 'the error summary links to the field')
    await post(managerA1.email, `/collections/${id}/volumes`, { [`details.${detail}.volumeOfCustomers`]: 'many', [`details.${detail}.volumeOffered`]: '', reflection: '' }, 400)
    const saved = await post(managerA1.email, `/collections/${id}/volumes`, { [`details.${detail}.volumeOfCustomers`]: '1,000', [`details.${detail}.volumeOffered`]: '40', reflection: 'New phone line.' })
    const after = await follow(managerA1.email, saved)
    assert.match(text(after), /Volumes saved\./)
    assert.match(after, new RegExp(`name="details\\.${detail}\\.volumeOfCustomers" type="text" value="1000"`))

    assert.match(await get(leadA.email, `/collections/${id}`), /Submit to OMB/)
    await post(managerA1.email, `/collections/${id}/transition`, { transition: 'submit' }, 403)
    await post(leadA.email, `/collections/${id}/transition`, { transition: 'submit' })
    const review = await get(reviewer.email, `/collections/${id}`)
    assert.match(text(review), /The responses match the data submitted/)
    assert.match(review, /name="rating"/)
    const notGreen = await post(reviewer.email, `/collections/${id}/transition`, { transition: 'publish' }, 409)
    assert.match(text(notGreen.body), /Only a collection rated green can be published/)
    await post(reviewer.email, `/collections/${id}/rating`, { rating: 'green', reason: '' }, 400)
    await post(leadA.email, `/collections/${id}/rating`, { rating: 'green', reason: 'Mine' }, 403)
    await post(reviewer.email, `/collections/${id}/rating`, { rating: 'green', reason: 'All three questions' })
    await post(reviewer.email, `/collections/${id}/transition`, { transition: 'request_changes', note: '' }, 400)
    const published = text(await follow(reviewer.email, await post(reviewer.email, `/collections/${id}/transition`, { transition: 'publish' })))
    assert.match(published, /Published\./)
    assert.match(published, /Green: All three questions/)
    assert.match(published, /History.*publish reviewer@test\.gov.*rate reviewer@test\.gov.*submit leada@test\.gov/)
    await post(reviewer.email, `/collections/${id}/transition`, { transition: 'launch' }, 400)
  })
})
