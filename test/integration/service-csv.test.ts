import assert from 'node:assert/strict'
import { it } from 'node:test'
import { parse } from 'csv-parse/sync'
import { SERVICE_CSV_COLUMNS } from '../../src/catalog/index.ts'
import { bearer, describeWithWorld, json } from '../helpers/test-app.ts'

const header = 'name,organization,channels,kind,wet_signature_required,annual_customer_volume,stages'

describeWithWorld('service CSV import and export', (w) => {
  const count = async () => Number((await w.t.runtime.db.selectFrom('services').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const upload = (csv: string, who = w.world.people.leadA) => w.t.app.inject({ method: 'POST', url: '/api/v1/services/import', headers: { ...bearer(who), 'content-type': 'text/csv' }, payload: csv })

  it('writes nothing when any row is invalid, and names every bad row by line', async () => {
    const before = await count()
    const csv = [header,
      'Good row,BA1,website;phone,benefits,false,100,Apply;Wait;Decision',
      'Bad channel,BA1,website;carrier pigeon,benefits,false,100,',
      'Bad org,NOPE,website,benefits,false,100,',
      ',BA1,website,spaceship,maybe,lots,',
    ].join('\n')
    const response = await upload(csv)
    assert.equal(response.statusCode, 400)
    const rows = json<{ rows: { row: number; field: string; message: string }[] }>(response).rows
    assert.ok(rows.some((r) => r.row === 3 && r.field === 'channels' && /carrier pigeon/.test(r.message)))
    assert.ok(rows.some((r) => r.row === 4 && r.field === 'organization'))
    for (const field of ['wet_signature_required', 'annual_customer_volume']) assert.ok(rows.some((r) => r.row === 5 && r.field === field), `line 5 ${field}`)
    assert.ok(!rows.some((r) => r.row === 2), 'the good row has no errors')
    assert.equal(await count(), before)
  })

  it('rolls back rows already written when a later row fails inside the transaction', async () => {
    const before = await count()
    const csv = ['name,organization,slug', 'First fine,BA1,unique-slug-one', 'Second clashes,BA1,unique-slug-one'].join('\n')
    const response = await upload(csv)
    assert.equal(response.statusCode, 400)
    assert.ok(json<{ rows: { row: number; field: string }[] }>(response).rows.some((r) => r.row === 3 && r.field === 'slug'))
    assert.equal(await count(), before)
  })

  it('refuses rows for organizations outside the importer scope', async () => {
    const response = await upload([header, 'Sneaky,DB,website,benefits,false,1,'].join('\n'))
    assert.equal(response.statusCode, 400)
    assert.equal(json<{ rows: { field: string }[] }>(response).rows[0]?.field, 'organization')
  })

  it('rejects unknown columns by name', async () => {
    const response = await upload('name,organization,colour\nX,BA1,blue')
    assert.equal(response.statusCode, 400)
    assert.deepEqual(json<{ rows: { row: number; field: string }[] }>(response).rows.map((r) => [r.row, r.field]), [[1, 'colour']])
  })

  it('imports a valid file (with a BOM) and exports it back with the same columns, round-tripping updates by id', async () => {
    const csv = `\uFEFF${[header, 'Imported one,BA1,website;phone,benefits,true,"1,200",Apply;Decision', 'Imported two,OA1X,paper,compliance,no,,'].join('\r\n')}`
    const response = await upload(csv)
    assert.equal(response.statusCode, 200, response.body)
    assert.deepEqual(json(response), { ok: true, created: 2, updated: 0, errors: [] })
    const exported = await w.t.app.inject({ method: 'GET', url: '/api/v1/services/export?format=csv', headers: bearer(w.world.people.leadA) })
    assert.equal(exported.statusCode, 200)
    assert.match(String(exported.headers['content-type']), /text\/csv/)
    const records = parse(exported.body, { bom: true, columns: true }) as Record<string, string>[]
    assert.deepEqual(Object.keys(records[0] ?? {}), [...SERVICE_CSV_COLUMNS])
    const one = records.find((r) => r.name === 'Imported one')
    assert.ok(one)
    assert.equal(one.annual_customer_volume, '1200')
    assert.equal(one.wet_signature_required, 'true')
    assert.equal(one.channels, 'phone;website')
    assert.equal(one.stages, 'Apply;Decision')
    assert.ok(!records.some((r) => r.name === 'Request records'), 'export respects the caller scope')
    const edited = exported.body.replace('Imported one', 'Imported one (edited)')
    const reimport = await upload(edited)
    assert.equal(reimport.statusCode, 200, reimport.body)
    assert.equal(json<{ updated: number; created: number }>(reimport).created, 0)
    const renamed = await w.t.runtime.db.selectFrom('services').select('name').where('id', '=', one.id as string).executeTakeFirstOrThrow()
    assert.equal(renamed.name, 'Imported one (edited)')
  })

  it('exports past the 200-row page boundary without repeating or losing a service', async () => {
    const rows = Array.from({ length: 450 }, (_, i) => `Bulk service ${String(i).padStart(3, '0')},DB,website,benefits,false,1,`)
    const imported = await upload([header, ...rows].join('\n'), w.world.people.admin)
    assert.equal(imported.statusCode, 200, imported.body)
    const exported = await w.t.app.inject({ method: 'GET', url: '/api/v1/services/export?format=csv&q=bulk', headers: bearer(w.world.people.admin) })
    const names = (parse(exported.body, { bom: true, columns: true }) as Record<string, string>[]).map((r) => r.name)
    assert.equal(names.length, 450)
    assert.equal(new Set(names).size, 450)
    assert.deepEqual(names, [...names].sort())
  })

  it('exports JSON as one array of services', async () => {
    const response = await w.t.app.inject({ method: 'GET', url: '/api/v1/services/export?format=json', headers: bearer(w.world.people.admin) })
    const services = json<{ name: string; channels: string[] }[]>(response)
    assert.ok(Array.isArray(services))
    assert.equal(services.length, await count())
  })
})
