import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Actor, Role } from '../../src/auth/actor.ts'
import { canCreateService, canEditService, canGrantRole, canManageOrganization, canReadAudit, canReadOrganization, canReviewServices, readablePaths } from '../../src/auth/permissions.ts'

const A = '/a/'
const A1 = '/a/a1/'
const B = '/b/'
const actor = (role: Role, path: string | null, userId = 'u1'): Actor => ({ kind: 'user', userId, apiKeyId: null, label: 'x', grants: [{ role, organizationId: path, organizationPath: path }] })

describe('permissions', () => {
  it('scopes reads to the granted subtree', () => {
    const analyst = actor('analyst', A)
    assert.equal(canReadOrganization(analyst, A1), true)
    assert.equal(canReadOrganization(analyst, B), false)
    assert.deepEqual(readablePaths(analyst), [A])
  })
  it('gives admins and OMB reviewers every organization', () => {
    assert.equal(readablePaths(actor('omb_reviewer', null)), null)
    assert.equal(canReadOrganization(actor('admin', null), B), true)
  })
  it('does not treat a sibling with a shared name prefix as inside the subtree', () => {
    assert.equal(canReadOrganization(actor('analyst', '/a/'), '/ab/'), false)
  })
  it('lets agency leads manage their subtree only', () => {
    assert.equal(canManageOrganization(actor('agency_lead', A), A1), true)
    assert.equal(canManageOrganization(actor('agency_lead', A1), A), false)
    assert.equal(canManageOrganization(actor('analyst', A), A1), false)
  })
  it('lets a service manager edit only services they own', () => {
    const manager = actor('service_manager', A1, 'me')
    assert.equal(canCreateService(manager, A1), true)
    assert.equal(canEditService(manager, { organizationPath: A1, ownerUserId: 'me' }), true)
    assert.equal(canEditService(manager, { organizationPath: A1, ownerUserId: 'someone' }), false)
    assert.equal(canEditService(manager, { organizationPath: A1, ownerUserId: null }), false)
  })
  it('reserves OMB review to reviewers and admins', () => {
    assert.equal(canReviewServices(actor('omb_reviewer', null)), true)
    assert.equal(canReviewServices(actor('agency_lead', A)), false)
  })
  it('never lets an agency lead grant global roles', () => {
    const lead = actor('agency_lead', A)
    assert.equal(canGrantRole(lead, 'analyst', A1), true)
    assert.equal(canGrantRole(lead, 'admin', null), false)
    assert.equal(canGrantRole(lead, 'omb_reviewer', null), false)
    assert.equal(canGrantRole(lead, 'analyst', B), false)
  })
  it('shows the audit log to admins only', () => {
    assert.equal(canReadAudit(actor('admin', null)), true)
    assert.equal(canReadAudit(actor('omb_reviewer', null)), false)
  })
})
