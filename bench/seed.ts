/**
 * Seeds a benchmark data directory in-process, through the same domain functions the CLI uses: an organization
 * tree, one HISP, an administrator with an API key, then a generated inventory imported with importServicesCsv
 * (timed) and exported again with exportServicesCsv (timed). Data is generated from a fixed seed, so every run
 * imports the same file.
 */
import { CHANNELS } from '../src/a11/channels.ts'
import { SERVICE_KINDS } from '../src/a11/services.ts'
import { createApiKey, createUser, loadUserActor, systemActor, type Actor } from '../src/auth/index.ts'
import { createHisp, createOrganization, exportServicesCsv, importServicesCsv, type OrganizationView } from '../src/catalog/index.ts'
import { loadConfig } from '../src/config.ts'
import { openRuntime } from '../src/runtime.ts'
import { seededRandom } from '../src/seeded-random.ts'

export const BENCH_EMAIL = 'bench-admin@bench.cx280.test'


const VERBS = ['Apply for', 'Renew', 'Report', 'Request', 'Register', 'Appeal', 'Check the status of', 'Replace', 'Update', 'Cancel']
const THINGS = ['a passport', 'a small business loan', 'disability benefits', 'a fishing permit', 'an export license', 'housing assistance', 'a tax refund', 'veteran records', 'a grazing permit', 'student aid', 'a trademark', 'a visa', 'a research grant', 'a pilot certificate', 'a flood insurance claim']

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

/** A CSV of `rows` new services spread over the given organizations (by abbreviation), with realistic field fill. */
export function generateServicesCsv(rows: number, organizationAbbreviations: readonly string[], hispSlug: string, ownerEmail: string): string {
  const rand = seededRandom(280)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T
  const flag = (p: number) => (rand() < p ? 'true' : 'false')
  const header = ['name', 'organization', 'hisp', 'owner_email', 'channels', 'stages', 'short_description', 'description', 'url', 'kind',
    'occasion', 'offering', 'digital_service', 'fully_digital', 'digital_form_available', 'wet_signature_required', 'in_person_id_proofing_required',
    'digital_equivalent_exists', 'annual_customer_volume', 'transactional', 'contact_center', 'budget_code', 'designated_for_improvement', 'year_designated']
  const lines = [header.join(',')]
  for (let i = 1; i <= rows; i++) {
    const thing = pick(THINGS)
    const name = `${pick(VERBS)} ${thing} (${String(i).padStart(5, '0')})`
    const channels = [...new Set(Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(CHANNELS)))].join(';')
    const designated = rand() < 0.1
    const record = [
      name, pick(organizationAbbreviations), rand() < 0.2 ? hispSlug : '', rand() < 0.5 ? ownerEmail : '', channels,
      rand() < 0.5 ? 'Learn;Apply;Wait for a decision;Receive' : '',
      `Lets members of the public ${name.toLowerCase()} without visiting an office.`,
      `This service covers ${thing}. ${'It is delivered through several channels, each with its own forms, checks and follow-up steps. '.repeat(3)}`.trim(),
      `https://www.example.gov/services/${i}`, pick(SERVICE_KINDS),
      'A life event or a deadline brings the customer here.', `A decision about ${thing}.`,
      flag(0.8), flag(0.3), flag(0.6), flag(0.2), flag(0.15), flag(0.3),
      String(Math.floor(rand() * 5_000_000)), flag(0.7), flag(0.4), `${100 + Math.floor(rand() * 900)}-${1000 + Math.floor(rand() * 9000)}`,
      designated ? 'true' : 'false', designated ? String(2020 + Math.floor(rand() * 6)) : '',
    ]
    lines.push(record.map(csvCell).join(','))
  }
  return `${lines.join('\n')}\n`
}

export interface SeedResult {
  readonly apiKey: string
  readonly organizationIds: readonly string[]
  readonly rows: number
  readonly csvBytes: number
  readonly importMs: number
  readonly exportMs: number
  readonly exportRows: number
  readonly exportBytes: number
}

/** Opens the data directory in-process (this runs the migrations), seeds it, and closes it again. */
export async function seedDataDir(dataDir: string, rows: number): Promise<SeedResult> {
  const config = loadConfig({ CX280_DATA_DIR: dataDir, LOG_LEVEL: 'silent' })
  const runtime = await openRuntime(config)
  try {
    const { db } = runtime
    const system = systemActor('bench')
    const organizations: OrganizationView[] = []
    for (let d = 1; d <= 4; d++) {
      const department = await createOrganization(db, system, { kind: 'department', name: `Bench Department ${d}`, abbreviation: `BD${d}`, parentId: null })
      organizations.push(department)
      for (let b = 1; b <= 2; b++) {
        const bureau = await createOrganization(db, system, { kind: 'bureau', name: `Bench Bureau ${d}.${b}`, abbreviation: `BB${d}${b}`, parentId: department.id })
        organizations.push(bureau)
        organizations.push(await createOrganization(db, system, { kind: 'office', name: `Bench Office ${d}.${b}`, abbreviation: `BO${d}${b}`, parentId: bureau.id }))
      }
    }
    const hisp = await createHisp(db, system, { name: 'Bench HISP', slug: 'bench-hisp', yearDesignated: 2021, organizationId: organizations[1]?.id })
    const user = await createUser(db, system, { email: BENCH_EMAIL, name: 'Bench Admin', roles: [{ role: 'admin', organizationId: null }] })
    const actor = (await loadUserActor(db, user.id)) as Actor
    const { secret } = await createApiKey(db, actor, 'bench')

    const csv = generateServicesCsv(rows, organizations.map((o) => o.abbreviation ?? o.name), hisp.slug, BENCH_EMAIL)
    const importStarted = performance.now()
    const report = await importServicesCsv(db, actor, csv)
    const importMs = performance.now() - importStarted
    if (!report.ok || report.created !== rows) throw new Error(`CSV import failed: ${JSON.stringify(report.errors.slice(0, 5))}`)

    const exportStarted = performance.now()
    let exportBytes = 0
    let chunks = 0
    for await (const chunk of exportServicesCsv(db, actor, {})) {
      exportBytes += Buffer.byteLength(chunk)
      chunks++
    }
    const exportMs = performance.now() - exportStarted
    // The first chunk is the header; every later chunk is one service.
    const exportRows = chunks - 1
    if (exportRows !== rows) throw new Error(`CSV export wrote ${exportRows} rows, expected ${rows}`)

    return { apiKey: secret, organizationIds: organizations.map((o) => o.id), rows, csvBytes: Buffer.byteLength(csv), importMs, exportMs, exportRows, exportBytes }
  } finally {
    await runtime.close()
  }
}
