/**
 * Ingest keys on a site's page (server-to-server events: mobile apps, email, SMS, contact centres): the list, and for
 * those who manage the site, create, rotate and revoke. A new or rotated secret is shown once, on its own page
 * (never in a redirect or flash cookie).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { createIngestKey, type IngestKeyView, revokeIngestKey, rotateIngestKey } from '../analytics/server-ingest.ts'
import type { SiteView } from '../analytics/sites.ts'
import { getSite } from '../analytics/sites.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { CsrfField, ErrorSummary, TextField } from './components.tsx'
import { asForm, attempt, formText } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'

const when = (iso: string | null, never = 'Never') => (iso ? iso.slice(0, 16).replace('T', ' ') : never)

/** The section of the site page (a failed create is shown on its own page, with the form again). */
export function IngestKeysSection({ site, keys, canManage, csrf }: { site: SiteView; keys: readonly IngestKeyView[]; canManage: boolean; csrf: string }) {
  return (
    <section aria-labelledby="ingest-keys">
      <h2 id="ingest-keys">Server-to-server ingest keys</h2>
      <p>
        Systems that are not web pages (a mobile app's backend, an email or SMS platform, a contact-centre system) send events
        to <code>POST /api/v1/events/server</code> with one of these keys as <code>Authorization: Bearer cxi_…</code>.
        The body format is in the <a href="/docs/api">API documentation</a> (“analytics”). Keys are secrets: keep them on servers, never in a page or an app.
      </p>
      {keys.length === 0 ? <p>This site has no ingest keys.</p> : (
        <table class="usa-table usa-table--borderless" data-testid="ingest-keys">
          <caption class="usa-sr-only">Ingest keys of {site.name}</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Starts with</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Status</th>{canManage && <th scope="col">Actions</th>}</tr></thead>
          <tbody>{keys.map((k) => (
            <tr key={k.id}>
              <th scope="row">{k.name}</th><td><code>cxi_{k.prefix}_…</code></td><td>{when(k.createdAt)}{k.rotatedAt && <><br /><span class="usa-hint">rotated {when(k.rotatedAt)}</span></>}</td>
              <td>{when(k.lastUsedAt)}</td><td>{k.revokedAt ? `Revoked ${when(k.revokedAt)}` : 'Active'}</td>
              {canManage && (
                <td>{!k.revokedAt && (
                  <div class="cx-actions">
                    {site.state === 'active' && (
                      <form method="post" action={`/sites/${site.id}/ingest-keys/${k.id}/rotate`}>
                        <CsrfField token={csrf} />
                        <button class="usa-button usa-button--unstyled" type="submit">Rotate <span class="usa-sr-only">{k.name}</span></button>
                      </form>
                    )}
                    <form method="post" action={`/sites/${site.id}/ingest-keys/${k.id}/revoke`}>
                      <CsrfField token={csrf} />
                      <button class="usa-button usa-button--unstyled" type="submit">Revoke <span class="usa-sr-only">{k.name}</span></button>
                    </form>
                  </div>
                )}</td>
              )}
            </tr>
          ))}</tbody>
        </table>
      )}
      {canManage && site.state === 'active' && (
        <form class="usa-form" method="post" action={`/sites/${site.id}/ingest-keys`} noValidate>
          <CsrfField token={csrf} />
          <TextField name="name" label="Key name" hint="What will send with it, for example “mobile app” or “SMS gateway”." maxLength={100} required />
          <button type="submit" class="usa-button usa-button--outline">Create ingest key</button>
        </form>
      )}
    </section>
  )
}

function secretPage(request: FastifyRequest, reply: FastifyReply, site: SiteView, key: IngestKeyView, secret: string, rotated: boolean): FastifyReply {
  return sendPage(request, reply, `Ingest key for ${site.name}`, (
    <>
      <h1>{rotated ? 'New secret' : 'New ingest key'} for {site.name}</h1>
      <div class="usa-alert usa-alert--warning" role="alert">
        <div class="usa-alert__body">
          <h2 class="usa-alert__heading">Copy the key now</h2>
          <p class="usa-alert__text">It is shown only once; cx280 keeps only a digest of it.{rotated && ' The previous secret of this key has stopped working.'}</p>
          <p class="usa-alert__text"><code class="cx-pre" data-testid="new-ingest-key">{secret}</code></p>
        </div>
      </div>
      <p>Key “{key.name}”. Send it as <code>Authorization: Bearer {'<key>'}</code> to <code>POST /api/v1/events/server</code>.</p>
      <p><a class="usa-button" href={`/sites/${site.id}#ingest-keys`}>Back to {site.name}</a></p>
    </>
  ))
}

export async function registerSiteIngestKeyPages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  app.post<{ Params: { id: string } }>('/sites/:id/ingest-keys', async (request, reply) => {
    const actor = requireActor(request)
    const site = await getSite(db, actor, request.params.id)
    const name = formText(asForm(request.body), 'name').trim()
    const invalid = name === '' ? { name: 'must not be empty' } : name.length > 100 ? { name: 'must be at most 100 characters' } : null
    const result = invalid ? { ok: false as const, message: 'Some fields need attention.', fields: invalid } : await attempt(() => createIngestKey(db, actor, site.id, { name }))
    if (!result.ok) {
      return sendPage(request, reply, `Ingest key for ${site.name}`, (csrf) => (
        <>
          <h1>Create an ingest key for {site.name}</h1>
          <form class="usa-form" method="post" action={`/sites/${site.id}/ingest-keys`} noValidate>
            <ErrorSummary message={result.message} errors={result.fields} labels={{ name: 'Key name' }} />
            <CsrfField token={csrf} />
            <TextField name="name" label="Key name" value={name} hint="What will send with it, for example “mobile app” or “SMS gateway”." maxLength={100} errors={result.fields} required />
            <button type="submit" class="usa-button">Create ingest key</button>
          </form>
          <p><a href={`/sites/${site.id}#ingest-keys`}>Back to {site.name}</a></p>
        </>
      ), 400)
    }
    return secretPage(request, reply, site, result.value.key, result.value.secret, false)
  })

  app.post<{ Params: { id: string; keyId: string } }>('/sites/:id/ingest-keys/:keyId/rotate', async (request, reply) => {
    const actor = requireActor(request)
    const site = await getSite(db, actor, request.params.id)
    const { key, secret } = await rotateIngestKey(db, actor, site.id, request.params.keyId)
    return secretPage(request, reply, site, key, secret, true)
  })

  app.post<{ Params: { id: string; keyId: string } }>('/sites/:id/ingest-keys/:keyId/revoke', async (request, reply) => {
    const actor = requireActor(request)
    const key = await revokeIngestKey(db, actor, request.params.id, request.params.keyId)
    return redirectWithFlash(request, reply, `/sites/${request.params.id}#ingest-keys`, `Revoked the ingest key “${key.name}”.`)
  })
}
