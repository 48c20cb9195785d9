/**
 * Sites registry pages: the list (with search and pagination), a site's detail with its public key and the tracker
 * snippet placeholder, and the add and edit forms. Managing needs `canManageSites`; reading, any role in the subtree.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { SiteCreateInput, SiteUpdateInput } from '../analytics/site-schema.ts'
import { trackerScript, trackerSnippet } from '../analytics/tracker.ts'
import { archiveSite, createSite, getSite, linkableServices, listSites, restoreSite, rotateSiteKey, siteAbilities, updateSite, type SiteView } from '../analytics/sites.ts'
import { listIngestKeys } from '../analytics/server-ingest.ts'
import { canManageSites } from '../auth/permissions.ts'
import { listManageableOrganizations, type OrganizationView } from '../catalog/index.ts'
import { Forbidden, type FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { parseWith } from '../validation.ts'
import { Checkbox, CheckboxGroup, CsrfField, EmptyState, ErrorSummary, Pagination, SelectField, SummaryList, TextArea, TextField, yesNo } from './components.tsx'
import { asForm, attempt, formFlag, formList, formText, type FormBody } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'
import { IngestKeysSection } from './site-ingest-keys.tsx'
import { listJourneys } from '../analytics/journeys.ts'
import { SiteJourneys } from './journey-pages.tsx'

const PAGE_SIZE = 25
const LABELS = { organizationId: 'Organization', name: 'Name', domain: 'Host name', allowedOrigins: 'Allowed origins', respectGpc: 'Global Privacy Control', serviceIds: 'Services this site serves' }

interface SiteFormValues {
  organizationId?: string
  name?: string
  domain?: string
  allowedOrigins?: string
  respectGpc?: boolean
  serviceIds?: string[]
}

function valuesFromForm(body: FormBody): SiteFormValues {
  return {
    organizationId: formText(body, 'organizationId'), name: formText(body, 'name').trim(), domain: formText(body, 'domain').trim(),
    allowedOrigins: formText(body, 'allowedOrigins'), respectGpc: formFlag(body, 'respectGpc'), serviceIds: formList(body, 'serviceIds'),
  }
}

const originLines = (text: string | undefined): string[] => (text ?? '').split(/[\r\n,]+/).map((line) => line.trim()).filter(Boolean)

function inputFromValues(values: SiteFormValues, withOrganization: boolean): Record<string, unknown> {
  return {
    ...(withOrganization ? { organizationId: values.organizationId } : {}),
    name: values.name, domain: values.domain, allowedOrigins: originLines(values.allowedOrigins), respectGpc: values.respectGpc ?? false, serviceIds: values.serviceIds ?? [],
  }
}

const stateLabel = (site: SiteView) => (site.state === 'active' ? 'Active' : 'Archived')

export async function registerSitePages(app: FastifyInstance, { db, config }: Runtime): Promise<void> {
  const { publicUrl } = config
  app.get<{ Querystring: { q?: string; state?: string; page?: string } }>('/sites', async (request, reply) => {
    const actor = requireActor(request)
    const q = request.query.q?.trim().slice(0, 200) || undefined
    const state = request.query.state === 'archived' ? 'archived' : request.query.state === 'all' ? undefined : 'active'
    const page = Math.max(1, Number.parseInt(request.query.page ?? '1', 10) || 1)
    const [{ items, total }, manageable] = await Promise.all([
      listSites(db, actor, { q, state, page, pageSize: PAGE_SIZE }), listManageableOrganizations(db, actor, canManageSites),
    ])
    return sendPage(request, reply, 'Sites', (
      <>
        <h1>Sites</h1>
        <p class="usa-intro">The websites your organizations measure under A-11 §280.5. Each has a public site key for the tracker snippet and a list of origins allowed to send analytics.</p>
        {manageable.length > 0 && <p><a class="usa-button" href="/sites/new">Add a site</a></p>}
        <form class="usa-form cx-filters" method="get" action="/sites">
          <TextField name="q" label="Name or host name contains" value={q ?? ''} maxLength={200} />
          <SelectField name="state" label="Status" value={state ?? 'all'} options={[{ value: 'active', label: 'Active' }, { value: 'archived', label: 'Archived' }, { value: 'all', label: 'All' }]} />
          <button type="submit" class="usa-button usa-button--outline">Filter</button>
        </form>
        {items.length === 0 ? (
          <EmptyState title={q ? 'No sites match' : 'No sites yet'}>{manageable.length > 0 && !q ? <p>Add the first site to start measuring it.</p> : null}</EmptyState>
        ) : (
          <>
            <table class="usa-table usa-table--borderless usa-table--stacked width-full">
              <caption class="usa-sr-only">Sites</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">Host name</th><th scope="col">Organization</th><th scope="col">Services</th><th scope="col">Status</th></tr></thead>
              <tbody>{items.map((site) => (
                <tr key={site.id}>
                  <th scope="row" data-label="Name"><a href={`/sites/${site.id}`}>{site.name}</a></th>
                  <td data-label="Host name"><code>{site.domain}</code></td>
                  <td data-label="Organization">{site.organizationName}</td>
                  <td data-label="Services">{site.services.length === 0 ? '—' : site.services.map((s) => s.name).join(', ')}</td>
                  <td data-label="Status">{stateLabel(site)}</td>
                </tr>
              ))}</tbody>
            </table>
            <Pagination path="/sites" query={{ q, state: request.query.state }} page={page} pageSize={PAGE_SIZE} total={total} />
          </>
        )}
      </>
    ))
  })

  const serviceOptions = async (request: FastifyRequest, organizations: readonly OrganizationView[]) => {
    const actor = requireActor(request)
    const seen = new Set<string>()
    const options: { value: string; label: string }[] = []
    for (const organization of organizations) {
      for (const service of await linkableServices(db, actor, organization.id)) {
        if (seen.has(service.id)) continue
        seen.add(service.id)
        options.push({ value: service.id, label: organizations.length > 1 ? `${service.name} (${organization.name})` : service.name })
      }
    }
    return options
  }

  const siteForm = async (request: FastifyRequest, reply: FastifyReply, mode: { title: string; action: string; site?: SiteView }, values: SiteFormValues, errors?: FieldErrors, message?: string) => {
    const actor = requireActor(request)
    const organizations = mode.site ? [] : await listManageableOrganizations(db, actor, canManageSites)
    if (!mode.site && organizations.length === 0) throw new Forbidden('Your role does not allow adding sites.')
    const services = mode.site
      ? (await linkableServices(db, actor, mode.site.organizationId)).map((s) => ({ value: s.id, label: s.name }))
      : await serviceOptions(request, organizations)
    return sendPage(request, reply, mode.title, (csrf) => (
      <>
        <h1>{mode.title}</h1>
        <form class="usa-form usa-form--large" method="post" action={mode.action} noValidate>
          <ErrorSummary message={message} errors={errors} labels={LABELS} />
          <CsrfField token={csrf} />
          {mode.site
            ? <p>Organization: <strong>{mode.site.organizationName}</strong></p>
            : <SelectField name="organizationId" label={LABELS.organizationId} value={values.organizationId} errors={errors} required
                options={organizations.map((o) => ({ value: o.id, label: `${'— '.repeat(o.depth)}${o.name}` }))} />}
          <TextField name="name" label={LABELS.name} value={values.name} maxLength={200} errors={errors} required />
          <TextField name="domain" label={LABELS.domain} value={values.domain} maxLength={253} hint="For example benefits.example.gov, without https:// or a path." errors={errors} required />
          <TextArea name="allowedOrigins" label={LABELS.allowedOrigins} value={values.allowedOrigins} maxLength={5000}
            hint="One per line, such as https://benefits.example.gov or http://localhost:8080. Leave empty to allow only https:// and the host name." errors={errors} />
          <Checkbox name="respectGpc" label="Honour Global Privacy Control (send nothing from browsers that signal it)" checked={values.respectGpc ?? true} />
          {services.length === 0
            ? <p>No services to link yet in {mode.site ? 'this organization' : 'your organizations'}.</p>
            : <CheckboxGroup name="serviceIds" label={LABELS.serviceIds} options={services} selected={values.serviceIds ?? []} errors={errors} />}
          <button type="submit" class="usa-button">Save</button>
          {mode.site && <a class="usa-button usa-button--unstyled" href={`/sites/${mode.site.id}`}>Cancel</a>}
        </form>
      </>
    ), errors || message ? 400 : 200)
  }

  app.get('/sites/new', async (request, reply) => siteForm(request, reply, { title: 'Add a site', action: '/sites' }, { respectGpc: true }))

  app.post('/sites', async (request, reply) => {
    const values = valuesFromForm(asForm(request.body))
    const result = await attempt(() => createSite(db, requireActor(request), parseWith(SiteCreateInput, inputFromValues(values, true))))
    if (!result.ok) return siteForm(request, reply, { title: 'Add a site', action: '/sites' }, values, result.fields, result.message)
    return redirectWithFlash(request, reply, `/sites/${result.value.id}`, `Added ${result.value.name}.`)
  })

  app.get<{ Params: { id: string } }>('/sites/:id', async (request, reply) => {
    const actor = requireActor(request)
    const site = await getSite(db, actor, request.params.id)
    const can = siteAbilities(actor, site)
    const ingestKeys = await listIngestKeys(db, actor, site.id)
    const journeys = await listJourneys(db, actor, { siteId: site.id, page: 1, pageSize: 20 })
    return sendPage(request, reply, site.name, (csrf) => (
      <>
        <h1>{site.name}</h1>
        {site.state === 'archived' && (
          <div class="usa-alert usa-alert--warning usa-alert--slim"><div class="usa-alert__body"><p class="usa-alert__text">This site is archived: it is not measured.</p></div></div>
        )}
        <div class="cx-actions">
          {can.manage && site.state === 'active' && <a class="usa-button" href={`/sites/${site.id}/edit`}>Edit</a>}
          <a class="usa-button usa-button--outline" href={`/analytics/sites/${site.id}`}>Analytics dashboard</a>
        </div>
        <SummaryList rows={[
          ['Organization', site.organizationName], ['Host name', <code>{site.domain}</code>],
          ['Public site key', <code data-testid="site-key">{site.publicKey}</code>],
          ['Allowed origins', <ul class="usa-list usa-list--unstyled">{site.allowedOrigins.map((o) => <li key={o}><code>{o}</code></li>)}</ul>],
          ['Honours Global Privacy Control', yesNo(site.respectGpc)], ['Status', stateLabel(site)],
        ]} />
        <h2>Services this site serves</h2>
        {site.services.length === 0 ? <p>No services linked.</p> : (
          <ul class="usa-list">{site.services.map((s) => <li key={s.id}><a href={`/services/${s.id}`}>{s.name}</a></li>)}</ul>
        )}
        <SiteJourneys siteId={site.id} journeys={journeys.items} total={journeys.total} />
        <h2>Tracker snippet</h2>
        <p>Paste this into every page of the site, before <code>&lt;/body&gt;</code>. It identifies the site by its public key, <code>{site.publicKey}</code>, which is not a secret, and runs alongside DAP. It sets no cookies and stores nothing in the browser.</p>
        <pre class="cx-pre cx-snippet"><code>{trackerSnippet(publicUrl, site.publicKey, trackerScript().integrity, site.respectGpc)}</code></pre>
        <IngestKeysSection site={site} keys={ingestKeys} canManage={can.manage} csrf={csrf} />
        {can.manage && (
          <>
            <h2>Manage</h2>
            <div class="cx-actions">
              {site.state === 'active' && (
                <form method="post" action={`/sites/${site.id}/rotate-key`}>
                  <CsrfField token={csrf} />
                  <button type="submit" class="usa-button usa-button--outline">Rotate the public key</button>
                </form>
              )}
              <form method="post" action={`/sites/${site.id}/${site.state === 'active' ? 'archive' : 'restore'}`}>
                <CsrfField token={csrf} />
                <button type="submit" class="usa-button usa-button--secondary">{site.state === 'active' ? 'Archive this site' : 'Restore this site'}</button>
              </form>
            </div>
            <p class="usa-hint">Rotating the key means pages carrying the old snippet stop being counted until they are updated.</p>
          </>
        )}
      </>
    ))
  })

  const editMode = (site: SiteView) => ({ title: `Edit ${site.name}`, action: `/sites/${site.id}/edit`, site })

  app.get<{ Params: { id: string } }>('/sites/:id/edit', async (request, reply) => {
    const actor = requireActor(request)
    const site = await getSite(db, actor, request.params.id)
    if (!siteAbilities(actor, site).manage) throw new Forbidden('Your role does not allow managing this organization’s sites.')
    return siteForm(request, reply, editMode(site), {
      name: site.name, domain: site.domain, allowedOrigins: site.allowedOrigins.join('\n'), respectGpc: site.respectGpc, serviceIds: site.services.map((s) => s.id),
    })
  })

  app.post<{ Params: { id: string } }>('/sites/:id/edit', async (request, reply) => {
    const actor = requireActor(request)
    const site = await getSite(db, actor, request.params.id)
    const values = valuesFromForm(asForm(request.body))
    const result = await attempt(() => updateSite(db, actor, site.id, parseWith(SiteUpdateInput, inputFromValues(values, false))))
    if (!result.ok) return siteForm(request, reply, editMode(site), values, result.fields, result.message)
    return redirectWithFlash(request, reply, `/sites/${site.id}`, 'Saved.')
  })

  app.post<{ Params: { id: string } }>('/sites/:id/rotate-key', async (request, reply) => {
    const site = await rotateSiteKey(db, requireActor(request), request.params.id)
    return redirectWithFlash(request, reply, `/sites/${site.id}`, `Issued a new public key: ${site.publicKey}. Update the snippet on ${site.domain}.`)
  })

  app.post<{ Params: { id: string } }>('/sites/:id/archive', async (request, reply) => {
    const site = await archiveSite(db, requireActor(request), request.params.id)
    return redirectWithFlash(request, reply, `/sites/${site.id}`, `Archived ${site.name}.`)
  })

  app.post<{ Params: { id: string } }>('/sites/:id/restore', async (request, reply) => {
    const site = await restoreSite(db, requireActor(request), request.params.id)
    return redirectWithFlash(request, reply, `/sites/${site.id}`, `Restored ${site.name}.`)
  })
}
