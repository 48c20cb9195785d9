import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CHANNELS, DIGITAL_CHANNELS, isDigitalChannel, NON_DIGITAL_CHANNELS } from '../../src/a11/channels.ts'
import { nextServiceState, SERVICE_STATES, SERVICE_TRANSITIONS } from '../../src/a11/services.ts'

describe('channels', () => {
  it('splits every channel into exactly one of digital and non-digital', () => {
    assert.equal(CHANNELS.length, DIGITAL_CHANNELS.length + NON_DIGITAL_CHANNELS.length)
    assert.equal(new Set(CHANNELS).size, CHANNELS.length)
    assert.equal(isDigitalChannel('website'), true)
    assert.equal(isDigitalChannel('sms_text_messages'), true)
    assert.equal(isDigitalChannel('postal_mail'), false)
    assert.equal(isDigitalChannel('in_person'), false)
  })
})

describe('service lifecycle', () => {
  it('follows created → submitted → approved → verified', () => {
    assert.equal(nextServiceState('created', 'submit'), 'submitted')
    assert.equal(nextServiceState('submitted', 'approve'), 'approved')
    assert.equal(nextServiceState('approved', 'verify'), 'verified')
  })
  it('refuses skipped steps', () => {
    assert.equal(nextServiceState('created', 'approve'), null)
    assert.equal(nextServiceState('created', 'verify'), null)
    assert.equal(nextServiceState('verified', 'submit'), null)
  })
  it('archives from any live state and restores only archived services', () => {
    for (const state of SERVICE_STATES.filter((s) => s !== 'archived')) assert.equal(nextServiceState(state, 'archive'), 'archived')
    assert.equal(nextServiceState('archived', 'archive'), null)
    assert.equal(nextServiceState('archived', 'restore'), 'created')
    assert.equal(nextServiceState('created', 'restore'), null)
  })
  it('lets OMB return a submitted or approved service to the agency', () => {
    assert.equal(nextServiceState('submitted', 'return'), 'created')
    assert.equal(nextServiceState('approved', 'return'), 'created')
    assert.equal(nextServiceState('verified', 'return'), null)
  })
  it('defines a target for every transition', () => {
    for (const t of SERVICE_TRANSITIONS) assert.ok(SERVICE_STATES.some((s) => nextServiceState(s, t) !== null), t)
  })
})
