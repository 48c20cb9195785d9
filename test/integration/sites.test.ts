/**
 * The sites registry (issue 5), on both engines: API create/read/update/archive with audit rows in the same
 * transaction, validation that stores nothing, public key rotation, service links limited to the site's organization
 * subtree, permissions across the seeded people, and the server-rendered pages (list, add, detail, edit, rotate).
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { bearer, describeWithWorld, form, json, signIn, type Person } from '../helpers/test-app.ts'

interface Site {
  id: string; organizationId: string; name: string; domain: string; publicKey: string; allowedOrigins: string[]; respectGpc: boolean
  state: string; services: { id: string; name: string }[]
}

const KEY = /^cxs_[a-z2-7]{20}$/

describeWithWorld('sites registry', (w) => {
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, person: Person, payload?: Record<string, unknown>) =>
    w.t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(person), ...(payload ? { payload } : {}) })
  const auditOf = (entityId: string) =>
    w.t.runtime.db.selectFrom('audit_log').select(['action', 'actor_user_id', 'organization_id', 'before_json', 'after_json']).where('entity_id', '=', entityId).orderBy('id').execute()
  const counts = async () => ({
    sites: Number((await w.t.runtime.db.selectFrom('sites').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    links: Number((await w.t.runtime.db.selectFrom('site_services').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    audits: Number((await w.t.runtime.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).where('entity_type', '=', 'site').executeTakeFirstOrThrow()).n),
  })
  let seq = 0
  const newSite = async (person: Person, organizationId: string, extra: Record<string, unknown> = {}): Promise<Site> => {
    seq += 1
    const response = await api('POST', '/sites', person, { organizationId, name: `Site ${seq}`, domain: `site${seq}.example.gov`, ...extra })
    assert.equal(response.statusCode, 201, response.body)
    return json<Site>(response)
  }

  it('creates, reads, lists, updates, archives and restores a site, auditing each change', async () => {
    const { leadA } = w.world.people
    const { serviceA1 } = w.world.services
    const created = await api('POST', '/sites', leadA, { organizationId: w.world.orgs.A1.id, name: 'Permits portal', domain: 'Permits.Example.GOV', serviceIds: [serviceA1.id] })
    assert.equal(created.statusCode, 201, created.body)
    const site = json<Site>(created)
    assert.match(site.publicKey, KEY)
    assert.equal(site.domain, 'permits.example.gov')
    assert.deepEqual(site.allowedOrigins, ['https://permits.example.gov'], 'no origins given → only https://<domain>')
    assert.equal(site.respectGpc, true)
    assert.equal(site.state, 'active')
    assert.deepEqual(site.services.map((s) => s.id), [serviceA1.id])

    const read = json<Site>(await api('GET', `/sites/${site.id}`, leadA))
    assert.equal(read.publicKey, site.publicKey)
    const list = json<{ items: Site[]; total: number }>(await api('GET', `/sites?organizationId=${w.world.orgs.A1.id}&q=permits`, leadA))
    assert.deepEqual(list.items.map((s) => s.id), [site.id])
    assert.equal(list.total, 1)

    const patched = await api('PATCH', `/sites/${site.id}`, leadA, {
      name: 'Permits portal (new)', allowedOrigins: ['https://permits.example.gov', 'HTTP://localhost:8080/', 'https://permits.example.gov'], respectGpc: false, serviceIds: [],
    })
    assert.equal(patched.statusCode, 200, patched.body)
    const updated = json<Site>(patched)
    assert.deepEqual(updated.allowedOrigins, ['https://permits.example.gov', 'http://localhost:8080'], 'normalized and de-duplicated')
    assert.equal(updated.respectGpc, false)
    assert.deepEqual(updated.services, [])
    assert.equal(updated.publicKey, site.publicKey, 'editing does not change the key')

    const archived = json<Site>(await api('POST', `/sites/${site.id}/archive`, leadA))
    assert.equal(archived.state, 'archived')
    assert.equal((await api('PATCH', `/sites/${site.id}`, leadA, { name: 'x' })).statusCode, 409, 'an archived site is read-only until restored')
    assert.equal(json<{ items: Site[] }>(await api('GET', `/sites?state=active&organizationId=${w.world.orgs.A1.id}&q=permits`, leadA)).items.length, 0)
    assert.equal(json<Site>(await api('POST', `/sites/${site.id}/restore`, leadA)).state, 'active')

    const audit = await auditOf(site.id)
    assert.deepEqual(audit.map((a) => a.action), ['site.create', 'site.update', 'site.archive', 'site.restore'])
    assert.ok(audit.every((a) => a.actor_user_id === leadA.id && a.organization_id === w.world.orgs.A1.id))
    const change = audit[1]
    assert.ok(change)
    assert.equal(JSON.parse(change.before_json ?? '{}').name, 'Permits portal')
    assert.equal(JSON.parse(change.after_json ?? '{}').name, 'Permits portal (new)')
    assert.equal(JSON.parse(change.before_json ?? '{}').services.length, 1)
  })

  it('rejects bad host names, origins, duplicate names and foreign services, storing nothing', async () => {
    const { managerA1 } = w.world.people
    const existing = await newSite(managerA1, w.world.orgs.A1.id, { name: 'Taken name' })
    const before = await counts()
    const base = { organizationId: w.world.orgs.A1.id, name: 'Fresh', domain: 'fresh.example.gov' }
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...base, domain: 'https://fresh.example.gov/path' }, 400, 'domain'],
      [{ ...base, domain: 'bad_host!.gov' }, 400, 'domain'],
      [{ ...base, allowedOrigins: ['https://fresh.example.gov/path'] }, 400, 'allowedOrigins'],
      [{ ...base, allowedOrigins: ['ftp://fresh.example.gov'] }, 400, 'allowedOrigins'],
      [{ ...base, allowedOrigins: ['https://fresh.example.gov:99999'] }, 400, 'allowedOrigins'],
      [{ ...base, name: 'TAKEN NAME' }, 409, 'name'],
      [{ ...base, serviceIds: [w.world.services.serviceB.id] }, 400, 'serviceIds'],
      [{ ...base, serviceIds: ['not-a-uuid'] }, 400, 'serviceIds.0'],
      [{ ...base, name: '' }, 400, 'name'],
      [{ ...base, surprise: 1 }, 400, 'surprise'],
    ]
    for (const [payload, status, field] of cases) {
      const response = await api('POST', '/sites', managerA1, payload)
      assert.equal(response.statusCode, status, `${JSON.stringify(payload)} → ${response.body}`)
      assert.ok(json<{ fields?: Record<string, string> }>(response).fields?.[field], `${field} named in ${response.body}`)
    }
    const rename = await api('PATCH', `/sites/${existing.id}`, managerA1, { allowedOrigins: ['javascript:alert(1)'], name: 'Renamed' })
    assert.equal(rename.statusCode, 400)
    assert.deepEqual(await counts(), before, 'no site, link or audit row was written')
    assert.equal(json<Site>(await api('GET', `/sites/${existing.id}`, managerA1)).name, 'Taken name')
    // The same name is fine in another organization.
    assert.equal((await api('POST', '/sites', w.world.people.leadB, { organizationId: w.world.orgs.B.id, name: 'Taken name', domain: 'b.example.gov' })).statusCode, 201)
  })

  it('rotates the public key as an explicit, audited action', async () => {
    const { managerA1 } = w.world.people
    const site = await newSite(managerA1, w.world.orgs.A1.id)
    const rotated = await api('POST', `/sites/${site.id}/rotate-key`, managerA1)
    assert.equal(rotated.statusCode, 200, rotated.body)
    const next = json<Site>(rotated).publicKey
    assert.match(next, KEY)
    assert.notEqual(next, site.publicKey)
    const [entry] = (await auditOf(site.id)).filter((a) => a.action === 'site.rotate_key')
    assert.ok(entry)
    assert.deepEqual(JSON.parse(entry.before_json ?? '{}'), { publicKey: site.publicKey })
    assert.deepEqual(JSON.parse(entry.after_json ?? '{}'), { publicKey: next })
    const stored = await w.t.runtime.db.selectFrom('sites').select('public_key').where('id', '=', site.id).executeTakeFirstOrThrow()
    assert.equal(stored.public_key, next)
  })

  it('links only services in the site organization subtree', async () => {
    const { admin } = w.world.people
    const { serviceA1, serviceA1Other, serviceB } = w.world.services
    const inA = await newSite(admin, w.world.orgs.A.id, { serviceIds: [serviceA1.id, serviceA1Other.id] })
    assert.deepEqual(inA.services.map((s) => s.id).sort(), [serviceA1.id, serviceA1Other.id].sort(), 'a department site may link its bureaus’ services')
    const inA1x = await newSite(admin, w.world.orgs.A1x.id)
    const upward = await api('PATCH', `/sites/${inA1x.id}`, admin, { serviceIds: [serviceA1.id] })
    assert.equal(upward.statusCode, 400, 'an office site cannot link its parent bureau’s service')
    const across = await api('PATCH', `/sites/${inA.id}`, admin, { serviceIds: [serviceA1.id, serviceB.id] })
    assert.equal(across.statusCode, 400)
    assert.equal(json<Site>(await api('GET', `/sites/${inA.id}`, admin)).services.length, 2, 'a rejected change keeps the old links')
  })

  it('lets readers of the organization read and only admins, leads and managers of the subtree manage', async () => {
    const p = w.world.people
    const site = await newSite(p.admin, w.world.orgs.A1.id)
    const expectRead: [Person, number][] = [[p.admin, 200], [p.reviewer, 200], [p.leadA, 200], [p.managerA1, 200], [p.analystA, 200], [p.leadB, 404]]
    for (const [person, status] of expectRead) assert.equal((await api('GET', `/sites/${site.id}`, person)).statusCode, status, `${person.email} reads`)
    const expectManage: [Person, number][] = [[p.reviewer, 403], [p.analystA, 403], [p.leadB, 404], [p.admin, 200], [p.leadA, 200], [p.managerA1, 200]]
    for (const [person, status] of expectManage) {
      assert.equal((await api('PATCH', `/sites/${site.id}`, person, { respectGpc: status !== 200 })).statusCode, status, `${person.email} edits`)
      assert.equal((await api('POST', `/sites/${site.id}/rotate-key`, person)).statusCode, status, `${person.email} rotates`)
    }
    assert.equal((await api('POST', `/sites/${site.id}/archive`, p.analystA)).statusCode, 403)
    assert.equal((await api('POST', `/sites/${site.id}/archive`, p.leadB)).statusCode, 404)
    assert.equal(json<Site>(await api('GET', `/sites/${site.id}`, p.admin)).respectGpc, false, 'the last permitted edit won; rejected ones changed nothing')
    for (const person of [p.reviewer, p.analystA]) {
      assert.equal((await api('POST', '/sites', person, { organizationId: w.world.orgs.A1.id, name: `By ${person.role}`, domain: 'x.example.gov' })).statusCode, 403)
    }
    // An organization out of sight is an unknown choice (400 on organizationId), revealing nothing about it.
    for (const [person, organizationId] of [[p.managerA1, w.world.orgs.A.id], [p.leadB, w.world.orgs.A1.id]] as const) {
      const response = await api('POST', '/sites', person, { organizationId, name: 'Out of sight', domain: 'x.example.gov' })
      assert.equal(response.statusCode, 400)
      assert.ok(json<{ fields: Record<string, string> }>(response).fields.organizationId)
    }
    const listedForB = json<{ items: Site[] }>(await api('GET', '/sites?pageSize=500', p.leadB)).items
    assert.ok(listedForB.length > 0 && listedForB.every((s) => s.organizationId === w.world.orgs.B.id), 'leadB lists only Department B sites')
    const listedForAnalyst = json<{ items: Site[] }>(await api('GET', '/sites?pageSize=500', p.analystA)).items
    assert.ok(listedForAnalyst.some((s) => s.id === site.id) && listedForAnalyst.every((s) => s.organizationId !== w.world.orgs.B.id))
    assert.equal((await api('GET', '/sites/00000000-0000-4000-8000-000000000000', p.admin)).statusCode, 404)
  })

  it('renders the pages and handles their forms', async () => {
    const session = await signIn(w.t.app, w.world.people.managerA1.email)
    const page = (url: string, cookie = session.cookie) => w.t.app.inject({ method: 'GET', url, headers: { cookie } })
    const post = (url: string, fields: Record<string, string | string[]>) =>
      w.t.app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: session.csrf, ...fields }) })

    const list = await page('/sites')
    assert.equal(list.statusCode, 200)
    assert.match(list.body, /<a href="\/sites" aria-current="page"><span>Sites<\/span>/, 'nav item, current')
    assert.match(list.body, /href="\/sites\/new"/)
    const newForm = await page('/sites/new')
    assert.equal(newForm.statusCode, 200)
    assert.match(newForm.body, /name="_csrf"/)
    assert.match(newForm.body, /Apply for a permit/)

    const before = await counts()
    const bad = await post('/sites', { organizationId: w.world.orgs.A1.id, name: 'From the page', domain: 'not a host', allowedOrigins: 'https://ok.example.gov\nnope' })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /usa-form-group--error[\s\S]*?id="field-domain-error"/)
    assert.match(bad.body, /value="From the page"/, 'entered values are kept')
    assert.deepEqual(await counts(), before)

    const good = await post('/sites', {
      organizationId: w.world.orgs.A1.id, name: 'From the page', domain: 'page.example.gov', allowedOrigins: 'https://page.example.gov\r\nhttps://www.page.example.gov',
      respectGpc: 'true', serviceIds: [w.world.services.serviceA1.id],
    })
    assert.equal(good.statusCode, 303, good.body)
    const location = String(good.headers.location)
    const id = /^\/sites\/([0-9a-f-]{36})$/.exec(location)?.[1] ?? ''
    const stored = await w.t.runtime.db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    assert.deepEqual(JSON.parse(stored.allowed_origins), ['https://page.example.gov', 'https://www.page.example.gov'])
    assert.equal(stored.created_by, w.world.people.managerA1.id)

    const detail = await page(location)
    assert.equal(detail.statusCode, 200)
    assert.match(detail.body, new RegExp(`&lt;script src=&quot;http://[^&]+/t/v1\\.js&quot; data-site=&quot;${stored.public_key}&quot; data-respect-gpc integrity=&quot;sha384-`), 'the tracker snippet with the key and SRI')
    assert.ok(detail.body.includes(stored.public_key))
    assert.doesNotMatch(detail.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script')
    assert.doesNotMatch(detail.body, /\sstyle="/, 'no inline style')

    const edit = await page(`${location}/edit`)
    assert.equal(edit.statusCode, 200)
    assert.match(edit.body, /value="page.example.gov"/)
    const saved = await post(`${location}/edit`, { name: 'Renamed on the page', domain: 'page.example.gov', allowedOrigins: '', serviceIds: [] })
    assert.equal(saved.statusCode, 303)
    const after = await w.t.runtime.db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    assert.equal(after.name, 'Renamed on the page')
    assert.equal(after.respect_gpc, 0, 'an unticked box turns GPC handling off')
    assert.deepEqual(JSON.parse(after.allowed_origins), ['https://page.example.gov'])

    assert.equal((await post(`${location}/rotate-key`, {})).statusCode, 303)
    const rotated = await w.t.runtime.db.selectFrom('sites').select('public_key').where('id', '=', id).executeTakeFirstOrThrow()
    assert.notEqual(rotated.public_key, stored.public_key)
    assert.equal((await post(`${location}/archive`, {})).statusCode, 303)
    assert.match((await page(location)).body, /This site is archived/)

    const missingCsrf = await w.t.app.inject({ method: 'POST', url: `${location}/restore`, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({}) })
    assert.equal(missingCsrf.statusCode, 403)

    const analyst = await signIn(w.t.app, w.world.people.analystA.email)
    assert.equal((await page(location, analyst.cookie)).statusCode, 200)
    assert.doesNotMatch((await page(location, analyst.cookie)).body, /rotate-key/, 'readers see no manage buttons')
    assert.equal((await page('/sites/new', analyst.cookie)).statusCode, 403)
    assert.equal((await page(`${location}/edit`, analyst.cookie)).statusCode, 403)
    const leadB = await signIn(w.t.app, w.world.people.leadB.email)
    assert.equal((await page(location, leadB.cookie)).statusCode, 404)
    const emptyReviewer = await signIn(w.t.app, w.world.people.reviewer.email)
    assert.match((await page('/sites?q=zzzz-nothing', emptyReviewer.cookie)).body, /No sites match/)
  })
})
