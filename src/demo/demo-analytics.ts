/**
 * Demo analytics: a measured site for the demo's benefits services with five weeks of synthetic tracker events
 * (page views, key actions with values, outbound links, form submits; desktop, phone and tablet; web and a
 * contact-centre feed), shaped like a real week (weekday peaks, quiet nights) and a claim journey with drop-off at
 * every step, measured as a journey and watched by monitors. Deterministic for a given "now": the same seed gives the same visitors.
 */
import type { Kysely } from 'kysely'
import type { Actor } from '../auth/actor.ts'
import { createJourney } from '../analytics/journeys.ts'
import { createMonitor } from '../analytics/monitors.ts'
import { createSite } from '../analytics/sites.ts'
import type { Database } from '../db/schema.ts'
import type { DeviceClass, EventRow, EventStore } from '../events/event-store.ts'
import { seededRandom } from '../seeded-random.ts'

export const DEMO_SITE_DOMAIN = 'benefits.demo.cx280.gov'
const DAYS = 35
const HOUR_MS = 3_600_000

/** The claim journey's pages in order, and the share of visitors who go on from each to the next. */
export const DEMO_CLAIM_STEPS = ['/disability', '/disability/apply/start', '/disability/apply/documents', '/disability/apply/review', '/disability/apply/submitted'] as const
const GO_ON = [0.62, 0.71, 0.8, 0.9]
const OTHER_PAGES = ['/', '/education/gi-bill', '/education/gi-bill/apply', '/home-loans/coe', '/contact-us', '/find-forms']
const REFERRERS = [null, null, 'https://www.google.com/', 'https://www.va.gov/', 'https://www.bing.com/', 'https://www.facebook.com/']
const DEVICES: readonly DeviceClass[] = ['desktop', 'desktop', 'mobile', 'mobile', 'mobile', 'tablet']

export interface DemoAnalytics {
  readonly siteId: string
  readonly events: number
}

/** The site, its events and rollups, the claim journey on the first service, and three monitors watching them. */
export async function loadDemoAnalytics(db: Kysely<Database>, events: EventStore, actor: Actor, organizationId: string, serviceIds: readonly string[], now = new Date()): Promise<DemoAnalytics> {
  const site = await createSite(db, actor, {
    organizationId, name: 'VA benefits (demo)', domain: DEMO_SITE_DOMAIN, allowedOrigins: [`https://${DEMO_SITE_DOMAIN}`], respectGpc: true, serviceIds: [...serviceIds],
  })
  const rows = demoEvents(site.id, now)
  for (let i = 0; i < rows.length; i += 10_000) await events.append(rows.slice(i, i + 10_000))
  await events.refreshRollups({ from: new Date(now.getTime() - (DAYS + 1) * 24 * HOUR_MS), to: now })
  const claimService = serviceIds[0]
  if (claimService) {
    const labels = ['Learn about disability benefits', 'Start the claim', 'Upload documents', 'Review the claim', 'Claim submitted']
    const journey = await createJourney(db, actor, {
      serviceId: claimService, name: 'File a disability claim online', siteIds: [site.id], windowSeconds: 86_400,
      description: 'From the benefits page to a submitted claim, on the demo benefits site.',
      steps: DEMO_CLAIM_STEPS.map((pattern, i) => ({ kind: 'page' as const, pattern, label: labels[i] ?? pattern })),
    })
    await createMonitor(db, actor, { journeyId: journey.id, name: 'Claim completion below 15%', metric: 'journey_completion', rule: 'threshold', parameters: { direction: 'below', value: 15, minVolume: 50 }, intervalMinutes: 1440, recipients: ['cx-team@demo.cx280.gov'] })
  }
  await createMonitor(db, actor, { siteId: site.id, name: 'Page views drop week over week', metric: 'pageviews', rule: 'seasonal', parameters: { dropPercent: 40 }, recipients: ['cx-team@demo.cx280.gov'], sendWebhook: true })
  await createMonitor(db, actor, { siteId: site.id, name: 'Tag removed (no page views)', metric: 'pageviews', rule: 'no_data', parameters: { hours: 3 }, recipients: ['cx-team@demo.cx280.gov'] })
  return { siteId: site.id, events: rows.length }
}

/** Visitors per hour follow the working day and the working week. */
function hourlyVisitors(at: Date, random: () => number): number {
  const hour = at.getUTCHours() - 5 // roughly US Eastern
  const local = (hour + 24) % 24
  const daytime = local >= 8 && local < 20 ? 1 : local >= 6 && local < 23 ? 0.45 : 0.12
  const weekday = at.getUTCDay() === 0 || at.getUTCDay() === 6 ? 0.5 : 1
  return Math.round(14 * daytime * weekday * (0.8 + random() * 0.4))
}

export function demoEvents(siteId: string, now: Date): EventRow[] {
  const random = seededRandom(280_5)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const rows: EventRow[] = []
  const end = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS
  let visitorNo = 0
  for (let hourStart = end - DAYS * 24 * HOUR_MS; hourStart < end; hourStart += HOUR_MS) {
    const count = hourlyVisitors(new Date(hourStart), random)
    for (let v = 0; v < count; v++) {
      const visitorId = `demo-${(visitorNo++).toString(36).padStart(8, '0')}`
      let at = hourStart + Math.floor(random() * (HOUR_MS - 40 * 60_000))
      const base = { siteId, visitorId, sessionId: `${visitorId}-s`, device: pick(DEVICES), query: null, properties: null } as const
      const view = (path: string, referrer: string | null = null): void => {
        rows.push({ ...base, ts: new Date(at), eventType: 'pageview', name: null, path, referrer, channel: 'web', value: null })
        at += 20_000 + Math.floor(random() * 150_000)
      }
      const action = (path: string, name: string, value: number | null): void => {
        rows.push({ ...base, ts: new Date(at), eventType: 'action', name, path, referrer: null, channel: 'web', value })
        at += 5_000 + Math.floor(random() * 30_000)
      }
      const referrer = pick(REFERRERS)
      if (random() < 0.55) {
        view(DEMO_CLAIM_STEPS[0], referrer)
        for (let step = 1; step < DEMO_CLAIM_STEPS.length; step++) {
          if (random() > (GO_ON[step - 1] ?? 0)) break
          const path = DEMO_CLAIM_STEPS[step] as string
          view(path)
          if (step === 1) action(path, 'apply_start', null)
          if (step === 2) action(path, 'documents_uploaded', 1 + Math.floor(random() * 6))
          if (step === 4) {
            action(path, 'claim_submitted', Math.round(6 + random() * 40))
            rows.push({ ...base, ts: new Date(at), eventType: 'form_submit', name: 'claim', path, referrer: null, channel: 'web', value: null })
          }
        }
      } else {
        view(pick(OTHER_PAGES), referrer)
        if (random() < 0.5) view(pick(OTHER_PAGES))
        if (random() < 0.15) rows.push({ ...base, ts: new Date(at), eventType: 'outbound', name: 'https://www.login.gov/', path: '/', referrer: null, channel: 'web', value: null })
      }
    }
    // The contact centre reports its calls about claims server-to-server.
    const calls = Math.round(hourlyVisitors(new Date(hourStart), random) / 4)
    for (let c = 0; c < calls; c++) {
      const visitorId = `demo-call-${(visitorNo++).toString(36)}`
      rows.push({
        ts: new Date(hourStart + Math.floor(random() * HOUR_MS)), siteId, visitorId, sessionId: `${visitorId}-s`, eventType: 'action', name: 'call_handled',
        path: null, query: null, referrer: null, device: 'other', channel: 'contact_center', value: Math.round(180 + random() * 900), properties: null,
      })
    }
  }
  return rows
}
