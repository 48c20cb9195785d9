/**
 * A realistic demo data set so a newcomer sees a populated product: one department with bureaus and offices, two
 * HISPs, ten services across channels (some with digitization gaps), one user per role, and published surveys with a
 * few hundred responses (demo-feedback.ts), four fiscal quarters of responses with their quarterly collections in every
 * state (demo-collections.ts), and a measured site with analytics events (demo-analytics.ts). Loading twice is
 * harmless: it does nothing when the demo department exists.
 */
import type { Kysely } from 'kysely'
import type { Channel } from '../a11/channels.ts'
import { systemActor, type Role } from '../auth/actor.ts'
import { createUser, loadUserActor } from '../auth/users.ts'
import { createHisp, createOrganization, createService, type ServiceCreateInput } from '../catalog/index.ts'
import type { Database } from '../db/schema.ts'
import type { EventStore } from '../events/event-store.ts'
import type { ReportingContext } from '../reporting/index.ts'
import { loadDemoAnalytics } from './demo-analytics.ts'
import { loadDemoCollections } from './demo-collections.ts'
import { loadDemoFeedback } from './demo-feedback.ts'

export const DEMO_DEPARTMENT = 'Department of Veterans Affairs (demo)'
export const DEMO_PASSWORD = 'cx280-demo-password'

export interface DemoSummary {
  readonly loaded: boolean
  readonly users: readonly { email: string; role: Role }[]
}

type ServiceSeed = Omit<ServiceCreateInput, 'organizationId' | 'hispId'> & { org: 'vba' | 'vha' | 'nca' | 'vbaEducation' | 'vhaAccess'; hisp?: 'vba' | 'vha'; channels: Channel[] }

const SERVICES: readonly ServiceSeed[] = [
  { org: 'vba', hisp: 'vba', name: 'Apply for disability compensation', kind: 'benefits', channels: ['website', 'paper', 'postal_mail', 'in_person', 'phone'], shortDescription: 'Veterans file a claim for service-connected conditions.', digitalService: true, digitalFormAvailable: true, selfServiceCompletion: true, transactional: true, contactCenter: true, annualCustomerVolume: 1_900_000, designatedForImprovement: true, yearDesignated: 2024, hispService: true, digitalEquivalentExists: true, accessibleNonDigitalPath: true, budgetCode: '036-10-0102' },
  { org: 'vbaEducation', hisp: 'vba', name: 'Apply for GI Bill education benefits', kind: 'benefits', channels: ['website', 'mobile_app', 'phone'], shortDescription: 'Education and training benefits for veterans and families.', digitalService: true, fullyDigital: true, digitalFormAvailable: true, selfServiceCompletion: true, transactional: true, annualCustomerVolume: 850_000, designatedForImprovement: true, yearDesignated: 2024, hispService: true, accessibleNonDigitalPath: true },
  { org: 'vba', hisp: 'vba', name: 'Request a home loan Certificate of Eligibility', kind: 'benefits', channels: ['website', 'postal_mail'], digitalService: true, digitalFormAvailable: true, transactional: true, annualCustomerVolume: 600_000, hispService: true },
  { org: 'vba', name: 'Apply for a Veterans Pension', kind: 'benefits', channels: ['paper', 'postal_mail', 'in_person'], wetSignatureRequired: true, transactional: true, annualCustomerVolume: 120_000, nonDigitalExplanation: 'Income documents are collected on paper.' },
  { org: 'vha', hisp: 'vha', name: 'Enroll in VA health care', kind: 'benefits', channels: ['website', 'phone', 'in_person', 'paper'], digitalService: true, digitalFormAvailable: true, selfServiceCompletion: true, transactional: true, contactCenter: true, annualCustomerVolume: 700_000, designatedForImprovement: true, yearDesignated: 2024, hispService: true, inPersonIdProofingRequired: true, digitalEquivalentExists: true },
  { org: 'vhaAccess', hisp: 'vha', name: 'Schedule a health care appointment', kind: 'administrative', channels: ['website', 'mobile_app', 'phone'], digitalService: true, selfServiceCompletion: true, transactional: true, contactCenter: true, annualCustomerVolume: 30_000_000, designatedForImprovement: true, yearDesignated: 2025, hispService: true },
  { org: 'vhaAccess', hisp: 'vha', name: 'Refill a prescription', kind: 'administrative', channels: ['website', 'mobile_app', 'automated_phone', 'postal_mail'], digitalService: true, fullyDigital: true, digitalFormAvailable: true, selfServiceCompletion: true, transactional: true, annualCustomerVolume: 80_000_000, hispService: true },
  { org: 'vha', name: 'Get a Veteran Health Identification Card', kind: 'administrative', channels: ['in_person'], inPersonIdProofingRequired: true, transactional: true, annualCustomerVolume: 400_000 },
  { org: 'nca', name: 'Plan a burial in a national cemetery', kind: 'benefits', channels: ['phone', 'fax', 'website'], digitalService: true, transactional: true, contactCenter: true, annualCustomerVolume: 140_000, wetSignatureRequired: true },
  { org: 'nca', name: 'Find a gravesite', kind: 'informational', channels: ['website', 'mobile_app', 'self_service_kiosk'], digitalService: true, fullyDigital: true, selfServiceCompletion: true, annualCustomerVolume: 2_500_000, digitalFormAvailable: true },
]

// As the product's defaults (PORT 8280, CX280_COLLECTION_DEADLINE_DAYS 30) when the caller does not say.
const DEFAULT_REPORTING: ReportingContext = { publicUrl: 'http://localhost:8280', deadlineDays: 30 }

/**
 * Loads the demo once; with an event store it also gets a measured site with five weeks of analytics events.
 * `reporting` gives the links in the collections' email and their deadline (the running product's settings).
 */
export async function loadDemoData(db: Kysely<Database>, events: EventStore | null = null, now = new Date(), reporting: ReportingContext = DEFAULT_REPORTING): Promise<DemoSummary> {
  const exists = await db.selectFrom('organizations').select('id').where('name', '=', DEMO_DEPARTMENT).executeTakeFirst()
  if (exists) return { loaded: false, users: [] }
  const actor = systemActor('demo')
  const va = await createOrganization(db, actor, { kind: 'department', name: DEMO_DEPARTMENT, abbreviation: 'VA', parentId: null })
  const vba = await createOrganization(db, actor, { kind: 'bureau', name: 'Veterans Benefits Administration', abbreviation: 'VBA', parentId: va.id })
  const vha = await createOrganization(db, actor, { kind: 'bureau', name: 'Veterans Health Administration', abbreviation: 'VHA', parentId: va.id })
  const nca = await createOrganization(db, actor, { kind: 'bureau', name: 'National Cemetery Administration', abbreviation: 'NCA', parentId: va.id })
  const vbaEducation = await createOrganization(db, actor, { kind: 'office', name: 'Education Service', abbreviation: 'EDU', parentId: vba.id })
  const vhaAccess = await createOrganization(db, actor, { kind: 'office', name: 'Office of Veterans Access to Care', abbreviation: 'OVAC', parentId: vha.id })
  const orgs = { vba, vha, nca, vbaEducation, vhaAccess }
  const hisps = {
    vba: await createHisp(db, actor, { name: 'Veterans Benefits Administration', slug: 'va-vba', department: 'Department of Veterans Affairs', departmentAbbreviation: 'VA', bureau: 'Veterans Benefits Administration', bureauAbbreviation: 'VBA', yearDesignated: 2018, active: true, url: 'https://www.benefits.va.gov', ombPortfolioManagerEmail: 'portfolio.manager@omb.example.gov', organizationId: vba.id }),
    vha: await createHisp(db, actor, { name: 'Veterans Health Administration', slug: 'va-vha', department: 'Department of Veterans Affairs', departmentAbbreviation: 'VA', bureau: 'Veterans Health Administration', bureauAbbreviation: 'VHA', yearDesignated: 2018, active: true, url: 'https://www.va.gov/health', ombPortfolioManagerEmail: 'portfolio.manager@omb.example.gov', organizationId: vha.id }),
  }
  const users: { email: string; role: Role; organizationId: string | null }[] = [
    { email: 'admin@demo.cx280.gov', role: 'admin', organizationId: null },
    { email: 'lead@demo.cx280.gov', role: 'agency_lead', organizationId: va.id },
    { email: 'manager@demo.cx280.gov', role: 'service_manager', organizationId: vba.id },
    { email: 'analyst@demo.cx280.gov', role: 'analyst', organizationId: vha.id },
    { email: 'reviewer@demo.cx280.gov', role: 'omb_reviewer', organizationId: null },
  ]
  const created = new Map<string, string>()
  for (const user of users) {
    const view = await createUser(db, actor, { email: user.email, name: `Demo ${user.role.replace('_', ' ')}`, password: DEMO_PASSWORD, roles: [{ role: user.role, organizationId: user.organizationId }] })
    created.set(user.role, view.id)
  }
  const serviceIds = new Map<string, string>()
  for (const { org, hisp, ...seed } of SERVICES) {
    const service = await createService(db, actor, { ...seed, organizationId: orgs[org].id, hispId: hisp ? hisps[hisp].id : null, ownerUserId: org === 'vba' || org === 'vbaEducation' ? created.get('service_manager') ?? null : null })
    serviceIds.set(service.name, service.id)
  }
  await loadDemoFeedback(db, actor, serviceIds, now)
  const [lead, reviewer] = await Promise.all([loadUserActor(db, created.get('agency_lead') ?? ''), loadUserActor(db, created.get('omb_reviewer') ?? '')])
  if (lead && reviewer) await loadDemoCollections(db, actor, { lead, reviewer }, serviceIds, reporting, now)
  if (events) {
    const claims = ['Apply for disability compensation', 'Apply for GI Bill education benefits', 'Request a home loan Certificate of Eligibility']
    await loadDemoAnalytics(db, events, actor, vba.id, claims.map((name) => serviceIds.get(name)).filter((id): id is string => id !== undefined), now)
  }
  return { loaded: true, users: users.map(({ email, role }) => ({ email, role })) }
}
