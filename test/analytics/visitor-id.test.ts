import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { dailySaltKey, visitorId } from '../../src/analytics/visitor-id.ts'

const UA = 'Mozilla/5.0 (X11)'

describe('visitorId', () => {
  it('matches a known answer: first 16 bytes of SHA-256 over salt, site, IP, user agent joined by NUL', () => {
    // python3: hashlib.sha256('\0'.join([salt, 'site-1', '203.0.113.7', 'Mozilla/5.0 (X11)']).encode()).hexdigest()[:32]
    assert.equal(visitorId('site-1', '203.0.113.7', UA, 'salt-1'), '7b8ee45725212a964f0d9a81a1e25934')
    assert.equal(visitorId('site-1', '203.0.113.7', UA, 'salt-2'), '0ac34ebf15810364c23b258715adf036')
  })

  it('is deterministic and changes with each part, never containing the IP', () => {
    const base = visitorId('site-1', '203.0.113.7', UA, 'salt-1')
    assert.equal(visitorId('site-1', '203.0.113.7', UA, 'salt-1'), base)
    assert.match(base, /^[0-9a-f]{32}$/)
    const variants = [
      visitorId('site-2', '203.0.113.7', UA, 'salt-1'),
      visitorId('site-1', '203.0.113.8', UA, 'salt-1'),
      visitorId('site-1', '203.0.113.7', `${UA} Chrome`, 'salt-1'),
      visitorId('site-1', '203.0.113.7', UA, 'salt-2'),
      visitorId('site-1203.0.113.7', '', UA, 'salt-1'), // the separator keeps parts from running together
    ]
    assert.equal(new Set([base, ...variants]).size, 6)
    assert.ok(!base.includes('203'))
  })

  it('hashes an IPv4-mapped IPv6 address like the plain IPv4 address', () => {
    assert.equal(visitorId('s', '::ffff:203.0.113.7', UA, 'k'), visitorId('s', '203.0.113.7', UA, 'k'))
    assert.equal(visitorId('s', '2001:DB8::1', UA, 'k'), visitorId('s', '2001:db8::1', UA, 'k'))
  })

  it('gives the same visitor a different id on the next day once the salt rotates', () => {
    const monday = dailySaltKey(new Date('2026-11-23T23:59:59.999Z'))
    const tuesday = dailySaltKey(new Date('2026-11-24T00:00:00.000Z'))
    assert.equal(monday, '2026-11-23')
    assert.equal(tuesday, '2026-11-24')
    const salts: Record<string, string> = { [monday]: 'a'.repeat(64), [tuesday]: 'b'.repeat(64) }
    const id = (day: string) => visitorId('site-1', '203.0.113.7', UA, salts[day] as string)
    assert.notEqual(id(monday), id(tuesday))
  })
})

describe('dailySaltKey', () => {
  it('is the UTC day, whatever the local offset of the input', () => {
    assert.equal(dailySaltKey(new Date('2026-03-01T04:30:00-05:00')), '2026-03-01')
    assert.equal(dailySaltKey(new Date('2026-03-01T20:30:00-05:00')), '2026-03-02')
    assert.throws(() => dailySaltKey(new Date('nonsense')), RangeError)
  })
})
