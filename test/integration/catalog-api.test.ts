import assert from 'node:assert/strict'
import { it } from 'node:test'
import { bearer, describeWithWorld, json } from '../helpers/test-app.ts'

describeWithWorld('organizations and HISPs', (w) => {
  it('lists the tree in order, parents before children, within the caller scope', async () => {
    const admin = json<{ items: { name: string; depth: number }[] }>(await w.t.app.inject({ method: 'GET', url: '/api/v1/organizations', headers: bearer(w.world.people.admin) })).items
    const names = admin.map((o) => o.name)
    assert.ok(names.indexOf('Department A') < names.indexOf('Bureau A1'))
    assert.ok(names.indexOf('Bureau A1') < names.indexOf('Office A1x'))
    assert.equal(admin.find((o) => o.name === 'Office A1x')?.depth, 2)
    const manager = json<{ items: { name: string }[] }>(await w.t.app.inject({ method: 'GET', url: '/api/v1/organizations', headers: bearer(w.world.people.managerA1) })).items
    assert.deepEqual(manager.map((o) => o.name), ['Bureau A1', 'Office A1x'])
  })

  it('enforces the shape of the tree', async () => {
    const post = (payload: Record<string, unknown>) => w.t.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: bearer(w.world.people.admin), payload })
    assert.equal((await post({ kind: 'bureau', name: 'Orphan', parentId: null })).statusCode, 400)
    assert.equal((await post({ kind: 'department', name: 'Nested', parentId: w.world.orgs.A.id })).statusCode, 400)
    assert.equal((await post({ kind: 'bureau', name: 'Under office', parentId: w.world.orgs.A1x.id })).statusCode, 400)
    const office = await post({ kind: 'office', name: 'Field office', abbreviation: 'FO', parentId: w.world.orgs.A1x.id })
    assert.equal(office.statusCode, 201)
  })

  it('lets an agency lead add offices in their subtree but not departments', async () => {
    const office = await w.t.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: bearer(w.world.people.leadA), payload: { kind: 'office', name: 'Lead office', parentId: w.world.orgs.A1.id } })
    assert.equal(office.statusCode, 201)
    const department = await w.t.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: bearer(w.world.people.leadA), payload: { kind: 'department', name: 'Mine', parentId: null } })
    assert.equal(department.statusCode, 403)
  })

  it('renames an organization and audits the before and after', async () => {
    const response = await w.t.app.inject({ method: 'PATCH', url: `/api/v1/organizations/${w.world.orgs.A1x.id}`, headers: bearer(w.world.people.leadA), payload: { name: 'Office A1x (renamed)' } })
    assert.equal(response.statusCode, 200)
    const audit = json<{ entries: { action: string; before: { name: string }; after: { name: string } }[] }>(await w.t.app.inject({ method: 'GET', url: `/api/v1/audit?entityType=organization&entityId=${w.world.orgs.A1x.id}`, headers: bearer(w.world.people.admin) }))
    const rename = audit.entries.find((e) => e.action === 'organization.update')
    assert.equal(rename?.before.name, 'Office A1x')
    assert.equal(rename?.after.name, 'Office A1x (renamed)')
  })

  it('keeps the HISP registry: admins write, everyone reads, slugs are unique', async () => {
    const payload = { name: 'Bureau of Examples', slug: 'doe-boe', department: 'Department of Examples', yearDesignated: 2022, url: 'https://example.gov', ombPortfolioManagerEmail: 'pm@omb.gov', organizationId: w.world.orgs.B.id }
    const created = await w.t.app.inject({ method: 'POST', url: '/api/v1/hisps', headers: bearer(w.world.people.admin), payload })
    assert.equal(created.statusCode, 201, created.body)
    assert.equal(json<{ active: boolean }>(created).active, true)
    assert.equal((await w.t.app.inject({ method: 'POST', url: '/api/v1/hisps', headers: bearer(w.world.people.admin), payload })).statusCode, 409)
    assert.equal((await w.t.app.inject({ method: 'POST', url: '/api/v1/hisps', headers: bearer(w.world.people.leadA), payload: { ...payload, slug: 'other' } })).statusCode, 403)
    const bad = await w.t.app.inject({ method: 'POST', url: '/api/v1/hisps', headers: bearer(w.world.people.admin), payload: { ...payload, slug: 'Bad Slug', url: 'javascript:alert(1)', yearDesignated: 1999 } })
    assert.equal(bad.statusCode, 400)
    assert.deepEqual(Object.keys(json<{ fields: Record<string, string> }>(bad).fields).sort(), ['slug', 'url', 'yearDesignated'])
    const list = json<{ items: { slug: string }[]; total: number }>(await w.t.app.inject({ method: 'GET', url: '/api/v1/hisps?q=examples', headers: bearer(w.world.people.analystA) }))
    assert.deepEqual(list.items.map((h) => h.slug), ['doe-boe'])
    const id = json<{ id: string }>(created).id
    const deactivated = await w.t.app.inject({ method: 'PATCH', url: `/api/v1/hisps/${id}`, headers: bearer(w.world.people.admin), payload: { active: false } })
    assert.equal(json<{ active: boolean }>(deactivated).active, false)
    const active = json<{ items: { slug: string }[] }>(await w.t.app.inject({ method: 'GET', url: '/api/v1/hisps?active=true', headers: bearer(w.world.people.admin) }))
    assert.ok(!active.items.some((h) => h.slug === 'doe-boe'))
  })
})
