import assert from 'node:assert/strict'
import { it } from 'node:test'
import { bearer, describeWithWorld, json, type World } from '../helpers/test-app.ts'

describeWithWorld('services API', (w) => {
  const count = async () => Number((await w.t.runtime.db.selectFrom('services').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)

  it('creates a service with default stages, channels and an audit row', async () => {
    const response = await w.t.app.inject({
      method: 'POST', url: '/api/v1/services', headers: bearer(w.world.people.leadA),
      payload: { name: 'File an appeal', organizationId: w.world.orgs.A1x.id, kind: 'benefits', channels: ['website', 'phone'], wetSignatureRequired: true, annualCustomerVolume: 12000 },
    })
    assert.equal(response.statusCode, 201, response.body)
    const service = json<{ id: string; slug: string; stages: { name: string }[]; channels: string[]; state: string; wetSignatureRequired: boolean; annualCustomerVolume: number }>(response)
    assert.equal(service.slug, 'file-an-appeal')
    assert.deepEqual(service.stages.map((s) => s.name), ['Start', 'Process', 'End'])
    assert.deepEqual(service.channels, ['phone', 'website'])
    assert.equal(service.state, 'created')
    assert.equal(service.wetSignatureRequired, true)
    assert.equal(service.annualCustomerVolume, 12000)
    const audit = await w.t.app.inject({ method: 'GET', url: `/api/v1/audit?entityType=service&entityId=${service.id}`, headers: bearer(w.world.people.admin) })
    const entries = json<{ entries: { action: string; actorLabel: string; actorApiKeyId: string | null }[] }>(audit).entries
    assert.equal(entries[0]?.action, 'service.create')
    assert.equal(entries[0]?.actorLabel, w.world.people.leadA.email)
    assert.ok(entries[0]?.actorApiKeyId, 'audit names the API key used')
  })

  it('gives services with the same name distinct slugs, and refuses a taken slug chosen explicitly', async () => {
    const post = (payload: Record<string, unknown>) => w.t.app.inject({ method: 'POST', url: '/api/v1/services', headers: bearer(w.world.people.admin), payload: { organizationId: w.world.orgs.A1x.id, ...payload } })
    const slugs = []
    for (let i = 0; i < 3; i++) slugs.push(json<{ slug: string }>(await post({ name: 'Same Name' })).slug)
    assert.deepEqual(slugs, ['same-name', 'same-name-2', 'same-name-3'])
    const taken = await post({ name: 'Other', slug: 'same-name-2' })
    assert.equal(taken.statusCode, 409)
    assert.equal(json<{ fields: Record<string, string> }>(taken).fields.slug, 'is already in use')
  })

  it('answers 400 with a message per field and stores nothing', async () => {
    const before = await count()
    const response = await w.t.app.inject({
      method: 'POST', url: '/api/v1/services', headers: bearer(w.world.people.admin),
      payload: { name: '', organizationId: 'not-a-uuid', kind: 'spaceship', channels: ['telepathy'], annualCustomerVolume: '12', surprise: 1, nonDigitalExplanation: 'x'.repeat(251) },
    })
    assert.equal(response.statusCode, 400)
    const body = json<{ error: string; fields: Record<string, string> }>(response)
    assert.equal(body.error, 'invalid')
    for (const field of ['name', 'organizationId', 'kind', 'channels.0', 'annualCustomerVolume', 'surprise', 'nonDigitalExplanation']) {
      assert.ok(body.fields[field], `expected a message for ${field}: ${JSON.stringify(body.fields)}`)
    }
    assert.equal(await count(), before)
  })

  it('requires the year when a service is designated for improvement', async () => {
    const missing = await w.t.app.inject({ method: 'POST', url: '/api/v1/services', headers: bearer(w.world.people.admin), payload: { name: 'Priority without year', organizationId: w.world.orgs.A1.id, designatedForImprovement: true } })
    assert.equal(missing.statusCode, 400)
    assert.equal(json<{ fields: Record<string, string> }>(missing).fields.yearDesignated, 'is required when the service is designated')
    const clearing = await w.t.app.inject({ method: 'PATCH', url: `/api/v1/services/${w.world.services.serviceA1.id}`, headers: bearer(w.world.people.admin), payload: { designatedForImprovement: true } })
    assert.equal(clearing.statusCode, 400)
    const ok = await w.t.app.inject({ method: 'PATCH', url: `/api/v1/services/${w.world.services.serviceA1.id}`, headers: bearer(w.world.people.admin), payload: { designatedForImprovement: true, yearDesignated: 2025 } })
    assert.equal(ok.statusCode, 200)
    assert.equal(json<{ yearDesignated: number }>(ok).yearDesignated, 2025)
  })

  it('answers 400 for malformed JSON and 415 for an unknown media type', async () => {
    const bad = await w.t.app.inject({ method: 'POST', url: '/api/v1/services', headers: { ...bearer(w.world.people.admin), 'content-type': 'application/json' }, payload: '{"name": ' })
    assert.equal(bad.statusCode, 400)
    assert.equal(json(bad).error, 'invalid')
    const xml = await w.t.app.inject({ method: 'POST', url: '/api/v1/services', headers: { ...bearer(w.world.people.admin), 'content-type': 'application/xml' }, payload: '<a/>' })
    assert.equal(xml.statusCode, 415)
  })

  it('answers 401 without credentials, 404 for another organization, 403 for a role without the right', async () => {
    const anonymous = await w.t.app.inject({ method: 'GET', url: `/api/v1/services/${w.world.services.serviceA1.id}` })
    assert.equal(anonymous.statusCode, 401)
    const otherDepartment = await w.t.app.inject({ method: 'GET', url: `/api/v1/services/${w.world.services.serviceA1.id}`, headers: bearer(w.world.people.leadB) })
    assert.equal(otherDepartment.statusCode, 404)
    const analystEdit = await w.t.app.inject({ method: 'PATCH', url: `/api/v1/services/${w.world.services.serviceA1.id}`, headers: bearer(w.world.people.analystA), payload: { name: 'Hijacked' } })
    assert.equal(analystEdit.statusCode, 403)
    const unknown = await w.t.app.inject({ method: 'GET', url: '/api/v1/services/00000000-0000-4000-8000-000000000000', headers: bearer(w.world.people.admin) })
    assert.equal(unknown.statusCode, 404)
    const stored = await w.t.runtime.db.selectFrom('services').select('name').where('id', '=', w.world.services.serviceA1.id).executeTakeFirstOrThrow()
    assert.equal(stored.name, 'Apply for a permit')
  })

  it('lets a service manager edit their own service but not another in the same bureau', async () => {
    const own = await w.t.app.inject({ method: 'PATCH', url: `/api/v1/services/${w.world.services.serviceA1.id}`, headers: bearer(w.world.people.managerA1), payload: { shortDescription: 'Permits for things', stages: [{ name: 'Apply' }, { name: 'Decision' }] } })
    assert.equal(own.statusCode, 200, own.body)
    assert.deepEqual(json<{ stages: { name: string; position: number }[] }>(own).stages.map((s) => [s.position, s.name]), [[1, 'Apply'], [2, 'Decision']])
    const other = await w.t.app.inject({ method: 'PATCH', url: `/api/v1/services/${w.world.services.serviceA1Other.id}`, headers: bearer(w.world.people.managerA1), payload: { shortDescription: 'x' } })
    assert.equal(other.statusCode, 403)
  })

  it('filters, searches and paginates the list within the caller scope', async () => {
    const all = json<{ items: { name: string }[]; total: number }>(await w.t.app.inject({ method: 'GET', url: '/api/v1/services?pageSize=1', headers: bearer(w.world.people.analystA) }))
    assert.equal(all.items.length, 1)
    assert.ok(all.total >= 2)
    assert.ok(!all.items.some((s) => s.name === 'Request records'))
    const search = json<{ items: { name: string }[] }>(await w.t.app.inject({ method: 'GET', url: '/api/v1/services?q=PERMIT', headers: bearer(w.world.people.admin) }))
    assert.deepEqual(search.items.map((s) => s.name), ['Apply for a permit'])
    const literal = json<{ total: number }>(await w.t.app.inject({ method: 'GET', url: '/api/v1/services?q=%25', headers: bearer(w.world.people.admin) }))
    assert.equal(literal.total, 0, 'a % in the search matches literally')
    const byChannel = json<{ items: { name: string }[] }>(await w.t.app.inject({ method: 'GET', url: '/api/v1/services?channel=in_person', headers: bearer(w.world.people.admin) }))
    assert.deepEqual(byChannel.items.map((s) => s.name), ['Renew a license'])
    const badFilter = await w.t.app.inject({ method: 'GET', url: '/api/v1/services?channel=pigeon', headers: bearer(w.world.people.admin) })
    assert.equal(badFilter.statusCode, 400)
  })

  it('moves a service through submit → approve → verify, with OMB steps reserved for reviewers', async () => {
    const id = w.world.services.serviceA1Other.id
    const go = (who: keyof World['people'], transition: string) => w.t.app.inject({ method: 'POST', url: `/api/v1/services/${id}/transitions`, headers: bearer(w.world.people[who]), payload: { transition } })
    assert.equal((await go('leadA', 'submit')).statusCode, 200)
    assert.equal((await go('leadA', 'approve')).statusCode, 403)
    assert.equal((await go('reviewer', 'approve')).statusCode, 200)
    assert.equal((await go('reviewer', 'approve')).statusCode, 409)
    const verified = await go('reviewer', 'verify')
    assert.equal(json<{ state: string }>(verified).state, 'verified')
  })

  it('archives a service, hides it from the default list, and refuses edits until restored', async () => {
    const id = w.world.services.serviceB.id
    const archived = await w.t.app.inject({ method: 'POST', url: `/api/v1/services/${id}/transitions`, headers: bearer(w.world.people.leadB), payload: { transition: 'archive' } })
    assert.equal(json<{ state: string }>(archived).state, 'archived')
    const list = json<{ items: { id: string }[] }>(await w.t.app.inject({ method: 'GET', url: '/api/v1/services', headers: bearer(w.world.people.leadB) }))
    assert.equal(list.items.length, 0)
    const edit = await w.t.app.inject({ method: 'PATCH', url: `/api/v1/services/${id}`, headers: bearer(w.world.people.leadB), payload: { name: 'x' } })
    assert.equal(edit.statusCode, 409)
    await w.t.app.inject({ method: 'POST', url: `/api/v1/services/${id}/transitions`, headers: bearer(w.world.people.leadB), payload: { transition: 'restore' } })
    const again = await w.t.app.inject({ method: 'PATCH', url: `/api/v1/services/${id}`, headers: bearer(w.world.people.leadB), payload: { name: 'Request public records' } })
    assert.equal(again.statusCode, 200)
  })

  it('reports digitization gaps', async () => {
    const response = await w.t.app.inject({ method: 'GET', url: '/api/v1/reports/digitization-gaps', headers: bearer(w.world.people.admin) })
    const gaps = json<{ items: { service: { name: string }; reasons: string[] }[] }>(response).items
    const license = gaps.find((g) => g.service.name === 'Renew a license')
    assert.ok(license)
    assert.ok(license.reasons.includes('wet_signature_without_digital_equivalent'))
    assert.ok(license.reasons.includes('no_digital_channel'))
    const permit = gaps.find((g) => g.service.name === 'Apply for a permit')
    assert.ok(!permit?.reasons.includes('no_digital_channel'))
  })
})
