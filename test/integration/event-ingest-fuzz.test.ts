/**
 * Analytics ingest fuzzing: thousands of generated batches to the public tracker endpoint `POST /api/v1/events` and the
 * server-to-server `POST /api/v1/events/server`, most of them hostile (wrong types in every field, oversized and
 * deeply nested values, prototype-pollution keys, lone surrogates and control characters, personal data in every
 * text field, broken JSON and UTF-8, wrong content types, bad keys, origins and secrets, out-of-window timestamps),
 * mixed with valid ones, sent in concurrent waves so hostile and valid batches share group commits. Every case knows
 * what it deserves: valid ones 204, bots and Global Privacy Control 204 with nothing stored, invalid ones a 4xx
 * `{error, message}`; never a 5xx. Each event carries a unique marker, so afterwards the event file must hold exactly
 * the markers of the acknowledged batches (for the tracker: of their events with an http(s) URL) and no stored text
 * may still contain personal data the redaction screens for.
 *
 * Reproduce a failure with the seed it prints: CX280_FUZZ_SEED=<seed> (and CX280_FUZZ_CASES=<n> to change the count).
 */
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DuckDBInstance } from '@duckdb/node-api'
import { createIngestKey, revokeIngestKey } from '../../src/analytics/server-ingest.ts'
import { archiveSite, createSite } from '../../src/analytics/sites.ts'
import { systemActor } from '../../src/auth/index.ts'
import { createOrganization } from '../../src/catalog/index.ts'
import type { Engine } from '../../src/db/connect.ts'
import { detectPii } from '../../src/privacy/pii.ts'
import { ENGINES } from '../helpers/engines.ts'
import { SeededRng } from '../helpers/rng.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

const SEED = process.env.CX280_FUZZ_SEED ? Number(process.env.CX280_FUZZ_SEED) : randomInt(2 ** 31)
const CASES: Readonly<Record<Engine, number>> = {
  sqlite: Number(process.env.CX280_FUZZ_CASES ?? 3000),
  postgres: Number(process.env.CX280_FUZZ_CASES ?? 1000),
}
/** Requests sent at once: enough that hostile and valid batches share group commits. */
const WAVE = 8
const ORIGIN = 'https://www.fuzz.example.gov'
const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1'
const TRACKER_LIMIT = 64 * 1024
const SERVER_LIMIT = 512 * 1024
const DAY = 24 * 60 * 60 * 1000
const TYPES = ['pageview', 'action', 'outbound', 'form_submit'] as const
const CHANNELS = ['mobile_app', 'email', 'sms', 'contact_center', 'in_person', 'other'] as const

/** Personal data in the shapes the redaction screens for, plain and percent-encoded. */
const PII = ['jane.doe@example.com', 'jane%40example.com', '123-45-6789', '555-867-5309', '(555) 867-5309', '+1 555.867.5309', '01/02/1990', '1990-01-02', '20500-1234', 'ssn 123456789']
const NASTY = [
  'thanks', 'ñandú', 'é', '中文', '👍🏽', '\u200f', '\u0000', '\u0001', '\u001b[31m', '\u007f', '\t', '\r\n', '\ud800', '\udfff', '%00', '%ZZ', '%E2%80',
  '__proto__', 'constructor', '<script>alert(1)</script>', "'; drop table events; --", '../../etc/passwd', '?', '#', '&', '=', '\\', '/', ' ', '+', '%2F', ...PII,
]

/** encodeURIComponent, with lone surrogates (which it refuses) replaced first. */
const encode = (text: string): string => encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'))

class Rng extends SeededRng {
  text(max: number): string {
    let out = ''
    const target = 1 + this.int(Math.max(1, max))
    while (out.length < target) out += this.pick(NASTY)
    // Never end on half of a surrogate pair cut by the slice: that is a separate, deliberate case.
    return out.slice(0, target)
  }
}

type Expectation = 'stored' | 'dropped' | 'either' | 'rejected' | 401 | 403 | 404 | 413 | 415

interface Case {
  readonly kind: string
  readonly method: 'POST' | 'GET' | 'PUT'
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly payload: string | Buffer
  readonly expect: Expectation
  /** Markers that must be stored when the case is acknowledged with 204 (none for dropped ones). */
  readonly markers: readonly string[]
}

interface Targets {
  readonly siteKey: string
  readonly archivedSiteKey: string
  readonly secret: string
  readonly revokedSecret: string
  readonly archivedSecret: string
}

const ENDPOINT = '/api/v1/events'
const SERVER_ENDPOINT = '/api/v1/events/server'

class Generator {
  readonly cases: Case[] = []
  #serial = 0
  constructor(readonly rng: Rng, readonly targets: Targets, readonly now: number) {}

  #marker(): string {
    return `m${this.cases.length}_${this.#serial++}`
  }

  /** A URL the redaction keeps (an absolute http(s) URL), with hostile paths and queries. */
  storableUrl(): string {
    const rng = this.rng
    const origin = rng.pick([ORIGIN, 'HTTP://WWW.FUZZ.EXAMPLE.GOV', 'https://user:pa%20ss@fuzz.example.gov', 'http://127.0.0.1:8080', 'https://[::1]', 'https://xn--nxasmq6b.example', 'https://ñandú.example', ' https://padded.example.gov'])
    const segments = Array.from({ length: rng.int(5) }, () => (rng.chance(0.3) ? rng.pick(PII) : rng.chance(0.2) ? rng.pick(['email', 'zip', 'dob', 'ssn', 'phone']) : rng.text(30)))
    const path = `/${segments.map((s) => (rng.chance(0.5) ? encode(s) : s.replace(/[?#]/g, ''))).join('/')}`
    const params = Array.from({ length: rng.int(4) }, () => `${rng.pick(['utm_source', 'UTM_Campaign', 'ref', 'lang', 'page', 'token', 'email', 'q', 'ssn'])}=${encode(rng.chance(0.4) ? rng.pick(PII) : rng.text(40))}`)
    const url = `${origin}${path}${params.length > 0 ? `?${params.join('&')}` : ''}${rng.chance(0.2) ? `#${rng.text(20)}` : ''}`
    return url.slice(0, 8000)
  }

  unstorableUrl(): string {
    return this.rng.pick(['ftp://fuzz.example.gov/x', 'javascript:alert(1)', 'data:text/html,hi', '/relative/path', 'fuzz.example.gov/x', 'http://', 'https://', 'mailto:jane@example.com',
      'file:///etc/passwd', 'about:blank', 'http://[::1', 'https://a b.gov/', 'x', ' '])
  }

  hostileProperties(marker: string, count = this.rng.int(8)): Record<string, unknown> {
    const rng = this.rng
    const props: Record<string, unknown> = { m: marker }
    for (let i = 0; i < count; i++) {
      const key = rng.pick(['plan', 'step', 'zip', 'email', 'phone_number', 'dob', 'amount', 'note', 'Bad Key', 'constructor', 'toString', 'ü', '', 'a'.repeat(40), 'x5558675309', 'n123456789', `k${i}`])
      props[key] = rng.pick<() => unknown>([
        () => rng.text(300), () => rng.pick(PII), () => rng.int(1e9) - 5e8, () => rng.next() * 1e308, () => rng.chance(0.5), () => null,
        () => [1, 'two', { three: 3 }], () => ({ nested: { deeper: rng.pick(PII) } }), () => -0, () => 5e-324,
      ])()
    }
    return props
  }

  #push(c: Omit<Case, 'method'> & { method?: Case['method'] }, limit: number): void {
    const size = typeof c.payload === 'string' ? Buffer.byteLength(c.payload) : c.payload.length
    // Whatever else a batch deserves, one over the body limit deserves 413 first.
    const expect = size > limit && (c.expect === 'stored' || c.expect === 'dropped' || c.expect === 'either') ? 413 : c.expect
    this.cases.push({ method: 'POST', ...c, expect })
  }

  // --- the tracker endpoint ---------------------------------------------------------------------------------------

  #trackerHeaders(): Record<string, string> {
    const rng = this.rng
    return {
      'content-type': rng.pick(['text/plain;charset=UTF-8', 'text/plain', 'application/json']), origin: ORIGIN, 'user-agent': BROWSER,
      ...(rng.chance(0.1) ? { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' } : {}),
    }
  }

  /** One tracker event; `storable` says whether the redaction keeps it (its URL is an absolute http(s) URL). */
  trackerEvent(storable: boolean): { event: Record<string, unknown>; marker: string; storable: boolean } {
    const rng = this.rng
    const marker = this.#marker()
    const y = rng.pick(TYPES)
    const event: Record<string, unknown> = { y, u: storable ? this.storableUrl() : this.unstorableUrl(), p: this.hostileProperties(marker) }
    if (rng.chance(0.4)) event.r = rng.chance(0.7) ? this.storableUrl() : rng.pick([this.unstorableUrl(), rng.text(100)])
    if (rng.chance(0.6)) event.n = y === 'outbound' && rng.chance(0.8) ? this.storableUrl() : rng.text(rng.chance(0.1) ? 2048 : 120)
    if (rng.chance(0.4)) event.v = rng.pick([rng.int(1000), -rng.next() * 1e6, 0, 1e308, 5e-324])
    if (rng.chance(0.4)) event.a = rng.pick([0, rng.int(600_000), 86_400_000, rng.int(86_400_000)])
    return { event, marker, storable }
  }

  trackerValid(): void {
    const rng = this.rng
    const count = rng.chance(0.1) ? 100 : 1 + rng.int(12)
    const events = Array.from({ length: count }, () => this.trackerEvent(rng.chance(0.85)))
    const body = JSON.stringify({ k: this.targets.siteKey, e: events.map((e) => e.event) })
    this.#push({ kind: 'tracker:valid', url: ENDPOINT, headers: this.#trackerHeaders(), payload: body, expect: 'stored', markers: events.filter((e) => e.storable).map((e) => e.marker) }, TRACKER_LIMIT)
  }

  trackerDropped(): void {
    const rng = this.rng
    const events = Array.from({ length: 1 + rng.int(5) }, () => this.trackerEvent(true))
    const headers = rng.chance(0.5)
      ? { ...this.#trackerHeaders(), 'user-agent': rng.pick(['Googlebot/2.1 (+http://www.google.com/bot.html)', 'curl/8.5.0', 'python-requests/2.32', 'Mozilla/5.0 HeadlessChrome/120', '']) }
      : { ...this.#trackerHeaders(), 'sec-gpc': '1' }
    this.#push({ kind: 'tracker:bot_or_gpc', url: ENDPOINT, headers, payload: JSON.stringify({ k: this.targets.siteKey, e: events.map((e) => e.event) }), expect: 'dropped', markers: [] }, TRACKER_LIMIT)
  }

  trackerInvalid(): void {
    const rng = this.rng
    const { event, marker } = this.trackerEvent(true)
    const good = { k: this.targets.siteKey, e: [event] }
    const mutations: Array<[string, () => unknown]> = [
      ['bad_key', () => ({ ...good, k: rng.pick(['', 'cxs_', 'cxs_AAAAAAAAAAAAAAAAAAAA', 'cxs_aaaaaaaaaaaaaaaaaaaa1', 1, null, ['x'], rng.text(30)]) })],
      ['no_key', () => ({ e: good.e })],
      ['no_events', () => ({ k: good.k })],
      ['empty_events', () => ({ ...good, e: [] })],
      ['too_many', () => ({ ...good, e: Array.from({ length: 101 }, () => ({ y: 'pageview', u: `${ORIGIN}/` })) })],
      ['events_not_array', () => ({ ...good, e: rng.pick([{}, 'e', 1, null, { 0: event }]) })],
      ['bad_type', () => ({ ...good, e: [{ ...event, y: rng.pick(['purchase', 'PAGEVIEW', '', 1, null, ['pageview']]) }] })],
      ['bad_url_type', () => ({ ...good, e: [{ ...event, u: rng.pick(['', 1, null, {}, ['https://a.gov/'], true]) }] })],
      ['long_url', () => ({ ...good, e: [{ ...event, u: `${ORIGIN}/${'x'.repeat(8200)}` }] })],
      ['long_name', () => ({ ...good, e: [{ ...event, n: 'n'.repeat(2049) }] })],
      ['bad_value', () => ({ ...good, e: [{ ...event, v: rng.pick(['12', null, {}, [1], true]) }] })],
      ['bad_age', () => ({ ...good, e: [{ ...event, a: rng.pick([-1, 1.5, 86_400_001, '5', null]) }] })],
      ['too_many_properties', () => ({ ...good, e: [{ ...event, p: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])) }] })],
      ['bad_properties', () => ({ ...good, e: [{ ...event, p: rng.pick(['x', 1, [1, 2], null]) }] })],
      ['extra_field', () => ({ ...good, [rng.pick(['x', 'ip', 'visitorId', 'constructor'])]: 1 })],
      ['extra_event_field', () => ({ ...good, e: [{ ...event, [rng.pick(['ip', 'ts', 'siteId', 'x'])]: 'x' }] })],
      ['not_object', () => rng.pick([[], 'batch', 1, null, true])],
    ]
    const [kind, make] = rng.pick(mutations)
    this.#push({ kind: `tracker:invalid:${kind}`, url: ENDPOINT, headers: this.#trackerHeaders(), payload: JSON.stringify(make()), expect: 'rejected', markers: [marker] }, TRACKER_LIMIT)
  }

  trackerRefused(): void {
    const rng = this.rng
    const { event, marker } = this.trackerEvent(true)
    const choice = rng.int(3)
    if (choice === 0) {
      this.#push({ kind: 'tracker:unknown_site', url: ENDPOINT, headers: this.#trackerHeaders(), payload: JSON.stringify({ k: 'cxs_zzzzzzzzzzzzzzzzzzzz', e: [event] }), expect: 404, markers: [marker] }, TRACKER_LIMIT)
    } else if (choice === 1) {
      this.#push({ kind: 'tracker:archived_site', url: ENDPOINT, headers: this.#trackerHeaders(), payload: JSON.stringify({ k: this.targets.archivedSiteKey, e: [event] }), expect: 404, markers: [marker] }, TRACKER_LIMIT)
    } else {
      const origin = rng.pick(['https://evil.example.com', 'null', 'https://www.fuzz.example.gov.evil.com', 'http://www.fuzz.example.gov', `${ORIGIN}:444`])
      this.#push({ kind: 'tracker:origin', url: ENDPOINT, headers: { ...this.#trackerHeaders(), origin }, payload: JSON.stringify({ k: this.targets.siteKey, e: [event] }), expect: 403, markers: [marker] }, TRACKER_LIMIT)
    }
  }

  /** Raw bodies for either endpoint: broken JSON and UTF-8, wrong types, nesting, pollution, oversize. */
  raw(server: boolean): void {
    const rng = this.rng
    const url = server ? SERVER_ENDPOINT : ENDPOINT
    const limit = server ? SERVER_LIMIT : TRACKER_LIMIT
    const headers: Record<string, string> = server ? { 'content-type': 'application/json', authorization: `Bearer ${this.targets.secret}` } : this.#trackerHeaders()
    const { body, markers } = server ? this.serverBody(1 + rng.int(3)) : (() => {
      const events = [this.trackerEvent(true)]
      return { body: { k: this.targets.siteKey, e: events.map((e) => e.event) } as Record<string, unknown>, markers: events.map((e) => e.marker) }
    })()
    const good = JSON.stringify(body)
    const push = (kind: string, payload: string | Buffer, expect: Expectation = 'rejected', extra: Record<string, string> = {}, stored: readonly string[] = markers) =>
      this.#push({ kind: `${server ? 'server' : 'tracker'}:raw:${kind}`, url, headers: { ...headers, ...extra }, payload, expect, markers: stored }, limit)
    const choice = rng.int(10)
    if (choice === 0) return push('truncated', good.slice(0, rng.int(good.length)))
    if (choice === 1) return push('syntax', rng.pick(['{k: 1}', `${good},`, `${good} x`, '[1,2', 'null', '"k"', '1', 'true', '[]', '{"a":"\\x41"}', '{"a":"\\u12"}', '\u0000', `{"e":[{"y":"pageview","u":"${ORIGIN}/" "x":1}]}`]))
    if (choice === 2) return push('random_bytes', Buffer.from(Array.from({ length: 1 + rng.int(2000) }, () => rng.int(256))))
    if (choice === 3) {
      // Invalid UTF-8 inside a string value decodes to replacement characters: the batch is stored.
      const [head, tail] = good.split(`"m":"${markers[0]}"`) as [string, string]
      return push('invalid_utf8', Buffer.concat([Buffer.from(`${head}"m":"${markers[0]}","bin":"`), Buffer.from(rng.pick([[0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]])), Buffer.from(`"${tail}`)]), 'stored')
    }
    if (choice === 4) {
      const type = rng.pick(['application/xml', 'text/html', 'application/octet-stream', 'image/png', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json-seq', '*/*'])
      return push('content_type', good, 'rejected', { 'content-type': type })
    }
    if (choice === 5) {
      const size = limit + 1 + rng.int(100_000)
      return push('oversized', rng.chance(0.5) ? Buffer.alloc(size, 0x7b) : `${good.slice(0, -1)},"pad":"${'x'.repeat(size)}"}`, 413)
    }
    if (choice === 6) {
      const depth = 500 + rng.int(9000)
      const deep = `${'['.repeat(depth)}1${']'.repeat(depth)}`
      // Deep nesting in a property value is dropped by the redaction (only flat values are kept); anywhere else it is refused.
      if (rng.chance(0.5)) return push('deep_property', good.replace(`"m":"${markers[0]}"`, `"m":"${markers[0]}","deep":${deep}`), 'stored')
      return push('deep_nesting', server ? `{"events":${deep}}` : `{"k":"${this.targets.siteKey}","e":${deep}}`)
    }
    if (choice === 7) {
      const marker = markers[0] as string
      const payload = rng.pick([
        `{"__proto__":{"polluted":1},${good.slice(1)}`,
        good.replace(`"m":"${marker}"`, `"m":"${marker}","__proto__":{"polluted":1}`),
        good.replace(`"m":"${marker}"`, `"m":"${marker}","constructor":{"prototype":{"polluted":1}}`),
        `{"constructor":{"prototype":{"polluted":1}},${good.slice(1)}`,
      ])
      // Inside the properties they may pass (and are dropped by the key rule); at the top level they are refused.
      return push('prototype_pollution', payload, payload.startsWith(`{"${'__proto__'}`) || payload.startsWith('{"constructor"') ? 'rejected' : 'either')
    }
    if (choice === 8) return push('empty', rng.pick(['', ' ', '\n', '{}']))
    return push('whitespace', `\n\t ${good} \n`, 'stored')
  }

  // --- the server-to-server endpoint ----------------------------------------------------------------------------

  #timestamp(): string {
    const rng = this.rng
    // Well inside the window even after the run's own duration: from 6 days ago to one minute ahead.
    const at = this.now - rng.int(6 * DAY) + (rng.chance(0.1) ? rng.int(60_000) : 0)
    if (rng.chance(0.7)) return new Date(at).toISOString()
    const offset = rng.pick([-600, -300, 0, 330, 345, 780])
    const local = new Date(at + offset * 60_000).toISOString().slice(0, rng.chance(0.5) ? 19 : 23)
    const sign = offset < 0 ? '-' : '+'
    const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')
    const mm = String(Math.abs(offset) % 60).padStart(2, '0')
    return `${local}${offset === 0 && rng.chance(0.5) ? 'Z' : `${sign}${hh}:${mm}`}`
  }

  /** One valid server event; a `lean` one is small, so 1,000 of them fit in 512 KB. */
  serverEvent(lean = false): { event: Record<string, unknown>; marker: string } {
    const rng = this.rng
    const marker = this.#marker()
    const type = rng.pick(TYPES)
    const event: Record<string, unknown> = {
      channel: rng.pick(CHANNELS), type, subject: rng.chance(0.3) ? rng.pick(PII) : rng.text(lean ? 20 : 200), timestamp: this.#timestamp(), properties: lean ? { m: marker } : this.hostileProperties(marker),
    }
    if (lean) {
      if (type === 'outbound') event.name = `${ORIGIN}/out/${rng.int(100)}`
      else if (type === 'action') event.name = 'lean_action'
      if (type === 'pageview' || rng.chance(0.5)) event.path = `/lean/${rng.int(1000)}`
      return { event, marker }
    }
    const where = rng.int(3)
    if (where === 0 || (type === 'pageview' && where === 2)) event.url = this.storableUrl()
    else if (where === 1) event.path = `/${rng.text(60)}`
    if (type === 'action') {
      event.name = rng.text(rng.chance(0.1) ? 2048 : 80)
      if (rng.chance(0.6)) event.value = rng.pick([rng.int(1000), -rng.next() * 1e6, 0, 1e308, 5e-324])
    } else if (type === 'outbound') event.name = this.storableUrl()
    else if (rng.chance(0.3)) event.name = rng.text(80)
    if (rng.chance(0.3)) event.referrer = this.storableUrl()
    if (rng.chance(0.3)) event.device = rng.pick(['desktop', 'mobile', 'tablet', 'other'])
    return { event, marker }
  }

  serverBody(count: number, lean = false): { body: Record<string, unknown>; markers: string[] } {
    const events = Array.from({ length: count }, () => this.serverEvent(lean))
    return { body: { events: events.map((e) => e.event) }, markers: events.map((e) => e.marker) }
  }

  #serverHeaders(): Record<string, string> {
    return { 'content-type': 'application/json', authorization: `${this.rng.pick(['Bearer', 'bearer', 'BEARER'])} ${this.targets.secret}` }
  }

  serverValid(): void {
    const rng = this.rng
    const full = rng.chance(0.03)
    const { body, markers } = this.serverBody(full ? 1000 : rng.chance(0.2) ? 100 + rng.int(200) : 1 + rng.int(10), full)
    this.#push({ kind: 'server:valid', url: SERVER_ENDPOINT, headers: this.#serverHeaders(), payload: JSON.stringify(body), expect: 'stored', markers }, SERVER_LIMIT)
  }

  serverInvalid(): void {
    const rng = this.rng
    const { body, markers } = this.serverBody(1 + rng.int(5))
    const events = body.events as Record<string, unknown>[]
    const victim = rng.int(events.length)
    const set = (patch: Record<string, unknown>, remove: readonly string[] = []) => {
      const event = { ...events[victim], ...patch }
      for (const key of remove) delete event[key]
      events[victim] = event
    }
    const mutations: Array<[string, () => void]> = [
      ['future', () => set({ timestamp: new Date(this.now + 60 * 60_000 + rng.int(DAY)).toISOString() })],
      ['too_old', () => set({ timestamp: new Date(this.now - 8 * DAY - rng.int(DAY)).toISOString() })],
      ['bad_timestamp', () => set({ timestamp: rng.pick(['2026-02-30T10:00:00Z', '2026-11-26T24:00:00Z', '2026-11-26 10:00:00Z', '2026-11-26T10:00:00', '1700000000000', 'yesterday', '', 1_700_000_000_000, null, '2026-11-26T10:00:00+25:00', '2026-11-26T10:00:00.1234567890Z']) })],
      ['web_channel', () => set({ channel: rng.pick(['web', 'WEB', 'fax', '', 1]) })],
      ['bad_type', () => set({ type: rng.pick(['purchase', '', null, 2]) })],
      ['no_subject', () => set({}, ['subject'])],
      ['bad_subject', () => set({ subject: rng.pick(['', 's'.repeat(257), 12345, null, ['s']]) })],
      ['pageview_nowhere', () => set({ type: 'pageview' }, ['url', 'path'])],
      ['url_and_path', () => set({ url: `${ORIGIN}/a`, path: '/a' })],
      ['bad_url', () => set({ url: this.unstorableUrl() }, ['path'])],
      ['bad_path', () => set({ path: rng.pick(['relative', '', 'https://a.gov/x', `/${'p'.repeat(2048)}`]) }, ['url'])],
      ['bad_referrer', () => set({ referrer: this.unstorableUrl() })],
      ['value_not_action', () => set({ type: rng.pick(['pageview', 'outbound', 'form_submit']), value: 1, url: `${ORIGIN}/v`, name: `${ORIGIN}/out` }, ['path'])],
      ['bad_value', () => set({ type: 'action', name: 'x', value: rng.pick(['1', null, {}, true]) })],
      ['action_unnamed', () => set({ type: 'action' }, ['name', 'value'])],
      ['outbound_not_url', () => set({ type: 'outbound', name: rng.pick(['click here', this.unstorableUrl()]) }, ['value'])],
      ['bad_device', () => set({ device: rng.pick(['phone', '', 'DESKTOP', 1]) })],
      ['too_many_properties', () => set({ properties: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])) })],
      ['extra_field', () => set({ [rng.pick(['ip', 'visitorId', 'siteId', 'sessionId', 'userAgent'])]: 'x' })],
    ]
    const [kind, mutate] = rng.pick(mutations)
    mutate()
    const top = rng.pick<() => unknown>([() => body, () => body, () => body, () => ({ ...body, extra: 1 }), () => ({ events: Array.from({ length: 1001 }, () => events[0]) }), () => ({ events: [] }), () => ({}), () => ({ events: events[0] })])
    this.#push({ kind: `server:invalid:${kind}`, url: SERVER_ENDPOINT, headers: this.#serverHeaders(), payload: JSON.stringify(top()), expect: 'rejected', markers }, SERVER_LIMIT)
  }

  serverAuth(): void {
    const rng = this.rng
    const { body, markers } = this.serverBody(1 + rng.int(3))
    const { secret, revokedSecret, archivedSecret } = this.targets
    const [kind, authorization, expect] = rng.pick<[string, string | null, Expectation]>([
      ['missing', null, 401], ['empty', '', 401], ['basic', 'Basic dXNlcjpwYXNz', 401], ['no_scheme', secret, 401], ['malformed', `Bearer ${secret.slice(0, -2)}`, 401],
      ['wrong_secret', `Bearer ${secret.slice(0, 17)}${'A'.repeat(43)}`, 401], ['unknown_prefix', `Bearer cxi_${'1'.repeat(12)}_${'A'.repeat(43)}`, 401],
      ['revoked', `Bearer ${revokedSecret}`, 401], ['api_key_shape', 'Bearer cx280_0123456789ab_abcdefghijklmnopqrstuvwxyz0123456789', 401],
      ['site_key', 'Bearer cxs_aaaaaaaaaaaaaaaaaaaa', 401], ['archived_site', `Bearer ${archivedSecret}`, 403], ['padded', `Bearer   ${secret}   `, 'stored'],
      ['unicode', `Bearer ${secret}\u00e9`, 401], ['huge', `Bearer ${'x'.repeat(8000)}`, 401],
    ])
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (authorization !== null) headers.authorization = authorization
    this.#push({ kind: `server:auth:${kind}`, url: SERVER_ENDPOINT, headers, payload: JSON.stringify(body), expect, markers }, SERVER_LIMIT)
  }

  routing(): void {
    const rng = this.rng
    const server = rng.chance(0.5)
    const tracked = this.trackerEvent(true)
    const { body, markers } = server ? this.serverBody(1) : { body: { k: this.targets.siteKey, e: [tracked.event] }, markers: [tracked.marker] }
    const url = rng.pick([`${server ? SERVER_ENDPOINT : ENDPOINT}/x`, '/api/v1/events/', '/api/v1/events/server/', '/api/v1/events/Server', '/api/v1/events/%00', '/api/v1/events/server/..', '/api/v1/event', '/api/v1//events'])
    this.cases.push({ kind: 'route', method: rng.pick(['POST', 'GET', 'PUT'] as const), url, headers: server ? this.#serverHeaders() : this.#trackerHeaders(), payload: JSON.stringify(body), expect: 'either', markers })
  }

  generate(count: number): Case[] {
    const kinds: [number, () => void][] = [
      [14, () => this.trackerValid()], [3, () => this.trackerDropped()], [12, () => this.trackerInvalid()], [4, () => this.trackerRefused()], [7, () => this.raw(false)],
      [14, () => this.serverValid()], [16, () => this.serverInvalid()], [7, () => this.serverAuth()], [7, () => this.raw(true)], [3, () => this.routing()],
    ]
    const total = kinds.reduce((sum, [weight]) => sum + weight, 0)
    while (this.cases.length < count) {
      let roll = this.rng.int(total)
      for (const [weight, make] of kinds) {
        if (roll < weight) {
          make()
          break
        }
        roll -= weight
      }
    }
    return this.cases
  }
}

async function setUp(t: TestApp): Promise<Targets> {
  const { db } = t.runtime
  const system = systemActor('fuzz')
  const organization = await createOrganization(db, system, { kind: 'department', name: 'Fuzz Department', abbreviation: 'FZ', parentId: null })
  const site = await createSite(db, system, { organizationId: organization.id, name: 'Fuzz site', domain: 'www.fuzz.example.gov', allowedOrigins: [ORIGIN], respectGpc: true })
  const archived = await createSite(db, system, { organizationId: organization.id, name: 'Archived fuzz site', domain: 'old.fuzz.example.gov' })
  const { secret } = await createIngestKey(db, system, site.id, { name: 'fuzz sender' })
  const revoked = await createIngestKey(db, system, site.id, { name: 'revoked sender' })
  await revokeIngestKey(db, system, site.id, revoked.key.id)
  const archivedKey = await createIngestKey(db, system, archived.id, { name: 'archived sender' })
  await archiveSite(db, system, archived.id)
  return { siteKey: site.publicKey, archivedSiteKey: archived.publicKey, secret, revokedSecret: revoked.secret, archivedSecret: archivedKey.secret }
}

function excerpt(value: string | Buffer | undefined, length = 160): string {
  const text = value === undefined ? '' : typeof value === 'string' ? value : value.toString('latin1')
  return JSON.stringify(text.length > length ? `${text.slice(0, length)}…(${text.length} chars)` : text)
}

interface StoredEvent { marker: string; path: string | null; query: string | null; referrer: string | null; name: string | null; properties: string | null; visitor: string }

async function readEvents(file: string): Promise<StoredEvent[]> {
  const instance = await DuckDBInstance.create(file)
  const connection = await instance.connect()
  try {
    const reader = await connection.runAndReadAll('select path, query, referrer, name, properties, visitor_id from events')
    return reader.getRowObjects().map((r) => {
      const properties = r.properties === null ? null : String(r.properties)
      const marker = properties === null ? '' : String((JSON.parse(properties) as { m?: unknown }).m ?? '')
      const text = (v: unknown) => (v === null ? null : String(v))
      return { marker, path: text(r.path), query: text(r.query), referrer: text(r.referrer), name: text(r.name), properties, visitor: String(r.visitor_id) }
    })
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

/** Decodes every run of percent escapes as UTF-8 bytes (replacement characters for invalid ones), whatever surrounds it. */
function decodedLoosely(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'))
}

for (const engine of ENGINES) {
  describe(`analytics ingest fuzzing (${engine})`, () => {
    let t: TestApp
    let targets: Targets
    const eventsDir = mkdtempSync(join(tmpdir(), 'cx280-event-fuzz-'))
    const eventsFile = join(eventsDir, 'events.duckdb')
    before(async () => {
      t = await createTestApp(engine, { EVENTS_URL: `duckdb:${eventsFile}`, CX280_EVENTS_RATE_LIMIT: '100000000', CX280_PUBLIC_RATE_LIMIT: '100000000', CX280_JOBS: 'off' })
      targets = await setUp(t)
    })
    after(() => rmSync(eventsDir, { recursive: true, force: true }))

    it(`answers ${CASES[engine]} generated batches with 204 or a 4xx, never a 5xx, and stores exactly the acknowledged events`, { timeout: 600_000 }, async (context) => {
      const seed = SEED + (engine === 'postgres' ? 1 : 0)
      context.diagnostic(`seed ${seed} (CX280_FUZZ_SEED=${SEED} reproduces this run)`)
      console.log(`analytics ingest fuzzing (${engine}): seed ${seed}; reproduce with CX280_FUZZ_SEED=${SEED}`)
      const cases = new Generator(new Rng(seed), targets, Date.now()).generate(CASES[engine])
      const failures: string[] = []
      const expected = new Set<string>()
      const kinds = new Map<string, { count: number; accepted: number }>()
      const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).length
      let acknowledged = 0
      const run = async (c: Case, index: number) => {
        const response = await t.app.inject({ method: c.method, url: c.url, headers: c.headers, payload: c.payload })
        const status = response.statusCode
        const kind = c.kind.split(':').slice(0, 2).join(':')
        const tally = kinds.get(kind) ?? { count: 0, accepted: 0 }
        kinds.set(kind, { count: tally.count + 1, accepted: tally.accepted + (status === 204 ? 1 : 0) })
        const fail = (why: string) => failures.push(`#${index} ${c.kind} (seed ${seed}): ${why}; status ${status}, body ${excerpt(response.body, 300)}; sent ${c.method} ${c.url} ${excerpt(JSON.stringify(c.headers), 300)} ${excerpt(c.payload, 400)}`)
        if (status >= 500) return fail('server error')
        if (status === 204) {
          acknowledged++
          if (c.expect === 'stored' || c.expect === 'either') for (const marker of c.markers) expected.add(marker)
          else if (c.expect !== 'dropped') fail(`expected ${c.expect}`)
          return
        }
        let body: Record<string, unknown>
        try {
          body = JSON.parse(response.body) as Record<string, unknown>
        } catch {
          return fail('the answer is neither 204 nor JSON')
        }
        const isError = status >= 400 && status < 500 && typeof body.error === 'string' && typeof body.message === 'string'
        if (!isError) return fail('expected 204 or a 4xx {error, message}')
        if (c.expect === 'stored' || c.expect === 'dropped') fail(`expected 204 (${c.expect})`)
        else if (typeof c.expect === 'number' && status !== c.expect) fail(`expected ${c.expect}`)
      }
      for (let start = 0; start < cases.length; start += WAVE) {
        await Promise.all(cases.slice(start, start + WAVE).map((c, i) => run(c, start + i)))
      }
      context.diagnostic(`cases by kind (count, 204): ${[...kinds].sort().map(([k, v]) => `${k} ${v.count} ${v.accepted}`).join(', ')}`)
      assert.deepEqual(failures.slice(0, 12), [], `${failures.length} of ${cases.length} cases failed (seed ${seed})`)
      assert.ok(acknowledged > cases.length / 5, `enough batches were acknowledged (${acknowledged})`)
      assert.equal(Object.getOwnPropertyNames(Object.prototype).length, prototypeKeys, 'Object.prototype was not polluted')
      assert.equal(({} as Record<string, unknown>).polluted, undefined)
      const health = await t.app.inject({ method: 'GET', url: '/healthz' })
      assert.equal(health.statusCode, 200, 'the app still answers /healthz')
      await t.close()

      const stored = await readEvents(eventsFile)
      const markers = stored.map((e) => e.marker)
      assert.equal(new Set(markers).size, markers.length, 'no event is stored twice')
      const unexpected = markers.filter((m) => !expected.has(m))
      const missing = [...expected].filter((m) => !markers.includes(m))
      assert.deepEqual(unexpected.slice(0, 10), [], `${unexpected.length} stored events were never acknowledged (or should have been dropped)`)
      assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged events are missing`)
      assert.equal(stored.length, expected.size, 'the event store holds exactly the acknowledged events')
      context.diagnostic(`${stored.length} events stored from ${acknowledged} acknowledged batches`)

      // URL fields are looked at decoded (an email arrives as %40, and `%20` would glue digits together); text as it is.
      const leaks = stored.flatMap((e) => [[e.path, true], [e.query, true], [e.referrer, true], [e.name, e.name?.startsWith('http') ?? false], [e.properties, false]].flatMap(([field, isUrl]) => {
        if (typeof field !== 'string') return []
        const found = detectPii(isUrl ? decodedLoosely(field) : field)
        return found.length > 0 ? [`${e.marker}: ${found.join(',')} in ${JSON.stringify(field.slice(0, 200))}`] : []
      }))
      assert.deepEqual(leaks.slice(0, 10), [], `${leaks.length} stored fields still hold personal data`)
    })
  })
}
