import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { it } from 'node:test'
import { ensureFirstAdmin, systemActor } from '../../src/auth/index.ts'
import { digest } from '../../src/auth/tokens.ts'
import { bearer, createTestApp, describeWithWorld, form, json, PASSWORD, signIn } from '../helpers/test-app.ts'

describeWithWorld('accounts, sessions and keys', (w) => {
  it('signs in with a session cookie that is httpOnly and SameSite=Lax, and signs out', async () => {
    const page = await w.t.app.inject({ method: 'GET', url: '/login' })
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    const anon = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ')
    const response = await w.t.app.inject({ method: 'POST', url: '/login', headers: { cookie: anon, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ email: w.world.people.analystA.email, password: PASSWORD, _csrf: csrf, next: '/services' }) })
    assert.equal(response.statusCode, 303)
    assert.equal(response.headers.location, '/services')
    const session = response.cookies.find((c) => c.name === 'cx280_session')
    assert.ok(session)
    assert.equal(session.httpOnly, true)
    assert.equal(session.sameSite, 'Lax')
    const cookie = `cx280_session=${session.value}`
    const stored = await w.t.runtime.db.selectFrom('sessions').select('id_hash').where('id_hash', '=', digest(session.value)).executeTakeFirst()
    assert.ok(stored, 'only the digest of the session token is stored')
    assert.equal((await w.t.app.inject({ method: 'GET', url: '/services', headers: { cookie } })).statusCode, 200)
    const home = await w.t.app.inject({ method: 'GET', url: '/account', headers: { cookie } })
    const sessionCsrf = /name="_csrf" value="([^"]+)"/.exec(home.body)?.[1] ?? ''
    const out = await w.t.app.inject({ method: 'POST', url: '/logout', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: sessionCsrf }) })
    assert.equal(out.statusCode, 303)
    const afterOut = await w.t.app.inject({ method: 'GET', url: '/services', headers: { cookie } })
    assert.equal(afterOut.statusCode, 302)
    assert.match(String(afterOut.headers.location), /^\/login\?next=/)
  })

  it('rejects a wrong password with the same message as an unknown email', async () => {
    const page = await w.t.app.inject({ method: 'GET', url: '/login' })
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    const anon = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ')
    const post = (email: string) => w.t.app.inject({ method: 'POST', url: '/login', headers: { cookie: anon, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ email, password: 'wrong password here', _csrf: csrf }) })
    const wrong = await post(w.world.people.analystA.email)
    const unknown = await post('nobody@test.gov')
    assert.equal(wrong.statusCode, 400)
    assert.equal(unknown.statusCode, 400)
    assert.match(wrong.body, /email or password is not correct/)
    assert.match(unknown.body, /email or password is not correct/)
    assert.ok(!wrong.cookies.some((c) => c.name === 'cx280_session'))
  })

  it('refuses a sign-in form without its CSRF token', async () => {
    const response = await w.t.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ email: w.world.people.admin.email, password: PASSWORD }) })
    assert.equal(response.statusCode, 403)
  })

  it('ends a session after 30 idle minutes', async () => {
    const { cookie } = await signIn(w.t.app, w.world.people.leadA.email)
    const token = cookie.split('=')[1] as string
    const old = new Date(Date.now() - 31 * 60_000).toISOString()
    await w.t.runtime.db.updateTable('sessions').set({ last_seen_at: old }).where('id_hash', '=', digest(token)).execute()
    const response = await w.t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })
    assert.equal(response.statusCode, 401)
  })

  it('requires the CSRF header for API writes made with a session cookie', async () => {
    const { cookie, csrf } = await signIn(w.t.app, w.world.people.admin.email)
    const payload = { kind: 'office', name: 'Office by cookie', parentId: w.world.orgs.A1.id }
    const without = await w.t.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: { cookie }, payload })
    assert.equal(without.statusCode, 403)
    assert.equal(json(without).error, 'csrf')
    const withHeader = await w.t.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: { cookie, 'x-csrf-token': csrf }, payload })
    assert.equal(withHeader.statusCode, 201)
  })

  it('resets a password through the emailed link, once', async () => {
    const page = await w.t.app.inject({ method: 'GET', url: '/password/forgot' })
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    const anon = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ')
    const request = await w.t.app.inject({ method: 'POST', url: '/password/forgot', headers: { cookie: anon, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ email: w.world.people.leadB.email, _csrf: csrf }) })
    assert.equal(request.statusCode, 303)
    const outbox = join(w.t.runtime.config.dataDir, 'outbox')
    const message = readdirSync(outbox).map((f) => readFileSync(join(outbox, f), 'utf8')).find((m) => m.includes(w.world.people.leadB.email))
    assert.ok(message, 'a reset message is written to the outbox')
    const token = /\/password\/reset\/([A-Za-z0-9_-]+)/.exec(message.replace(/=\r?\n/g, ''))?.[1]
    assert.ok(token)
    const resetPage = await w.t.app.inject({ method: 'GET', url: `/password/reset/${token}`, headers: { cookie: anon } })
    assert.equal(resetPage.statusCode, 200)
    const newPassword = 'a brand new passphrase'
    const reset = await w.t.app.inject({ method: 'POST', url: `/password/reset/${token}`, headers: { cookie: anon, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ password: newPassword, confirm: newPassword, _csrf: csrf }) })
    assert.equal(reset.statusCode, 303)
    await signIn(w.t.app, w.world.people.leadB.email, newPassword)
    const reuse = await w.t.app.inject({ method: 'POST', url: `/password/reset/${token}`, headers: { cookie: anon, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ password: 'another passphrase!!', confirm: 'another passphrase!!', _csrf: csrf }) })
    assert.equal(reuse.statusCode, 400)
  })

  it('answers a reset request for an unknown email exactly like a known one, and sends nothing', async () => {
    const page = await w.t.app.inject({ method: 'GET', url: '/password/forgot' })
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    const anon = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ')
    const outbox = join(w.t.runtime.config.dataDir, 'outbox')
    const before = (() => { try { return readdirSync(outbox).length } catch { return 0 } })()
    const response = await w.t.app.inject({ method: 'POST', url: '/password/forgot', headers: { cookie: anon, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ email: 'ghost@test.gov', _csrf: csrf }) })
    assert.equal(response.statusCode, 303)
    assert.equal((() => { try { return readdirSync(outbox).length } catch { return 0 } })(), before)
  })

  it('creates an API key shown once, stores only its digest, and stops accepting it when revoked', async () => {
    const created = await w.t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: bearer(w.world.people.analystA), payload: { name: 'export job' } })
    assert.equal(created.statusCode, 201)
    const { key, secret } = json<{ key: { id: string; prefix: string }; secret: string }>(created)
    assert.match(secret, /^cx280_[0-9a-f]{12}_/)
    const row = await w.t.runtime.db.selectFrom('api_keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow()
    assert.equal(row.key_hash, digest(secret))
    // The secret part is everything after the second underscore (it may itself contain underscores).
    assert.ok(!JSON.stringify(row).includes(secret.split('_').slice(2).join('_')))
    const listed = await w.t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: { authorization: `Bearer ${secret}` } })
    assert.equal(listed.statusCode, 200)
    assert.ok(!listed.body.includes(secret), 'listing never shows the secret')
    const revoked = await w.t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${key.id}`, headers: bearer(w.world.people.analystA) })
    assert.equal(revoked.statusCode, 200)
    const refused = await w.t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${secret}` } })
    assert.equal(refused.statusCode, 401)
    const garbage = await w.t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Bearer cx280_nothex_123' } })
    assert.equal(garbage.statusCode, 401)
  })

  it('lets an admin create users with scoped roles and refuses duplicates', async () => {
    const payload = { email: 'New.Person@Test.gov', name: 'New Person', roles: [{ role: 'analyst', organizationId: w.world.orgs.A1.id }] }
    const created = await w.t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(w.world.people.admin), payload })
    assert.equal(created.statusCode, 201, created.body)
    assert.equal(json<{ email: string }>(created).email, 'new.person@test.gov')
    const duplicate = await w.t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(w.world.people.admin), payload })
    assert.equal(duplicate.statusCode, 409)
    assert.equal(json<{ fields: Record<string, string> }>(duplicate).fields.email, 'is already in use')
    const scopeless = await w.t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(w.world.people.admin), payload: { ...payload, email: 'x@test.gov', roles: [{ role: 'analyst', organizationId: null }] } })
    assert.equal(scopeless.statusCode, 400)
    const weak = await w.t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(w.world.people.admin), payload: { ...payload, email: 'y@test.gov', password: 'short' } })
    assert.equal(weak.statusCode, 400)
    assert.ok(json<{ fields: Record<string, string> }>(weak).fields.password)
  })

  it('deactivating a user ends their sessions and their keys stop working', async () => {
    const target = await w.t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(w.world.people.leadA), payload: { email: 'temp@test.gov', name: 'Temp', password: PASSWORD, roles: [{ role: 'analyst', organizationId: w.world.orgs.A.id }] } })
    const id = json<{ id: string }>(target).id
    const { cookie, csrf } = await signIn(w.t.app, 'temp@test.gov')
    const key = json<{ secret: string }>(await w.t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: 'temp key' } })).secret
    assert.equal((await w.t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${key}` } })).statusCode, 200)
    const patched = await w.t.app.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: bearer(w.world.people.leadA), payload: { active: false } })
    assert.equal(patched.statusCode, 200)
    assert.equal((await w.t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode, 401)
    assert.equal((await w.t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${key}` } })).statusCode, 401)
  })

  it('creates the first administrator only when no user exists', async () => {
    assert.equal(await ensureFirstAdmin(w.t.runtime.db, systemActor('test'), 'x@test.gov', null), null)
    const fresh = await createTestApp(w.engine)
    try {
      const created = await ensureFirstAdmin(fresh.runtime.db, systemActor('test'), 'first@test.gov', null)
      assert.equal(created?.email, 'first@test.gov')
      assert.ok((created?.generatedPassword ?? '').length >= 20)
      await signIn(fresh.app, 'first@test.gov', created?.generatedPassword ?? '')
    } finally {
      await fresh.close()
    }
  })
})
