/**
 * Webhooks page: an organization's webhooks (create with the secret shown once, test, deactivate, delete) and the
 * latest deliveries with their outcome. For agency leads and admins (`canManageWebhooks`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { canManageWebhooks } from '../auth/permissions.ts'
import { listManageableOrganizations } from '../catalog/index.ts'
import { Forbidden, type FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import { WEBHOOK_EVENTS } from '../notify/webhook-outbox.ts'
import {
  createWebhook, deleteWebhook, listRecentDeliveries, listWebhooks, pingWebhook, updateWebhook, WebhookCreateInput, type WebhookWithSecret,
} from '../notify/webhooks.ts'
import type { Runtime } from '../runtime.ts'
import { parseWith } from '../validation.ts'
import { CheckboxGroup, CsrfField, EmptyState, ErrorSummary, SelectField, TextField } from './components.tsx'
import { asForm, attempt, formList, formText } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'

const EVENT_LABELS: Readonly<Record<(typeof WEBHOOK_EVENTS)[number], string>> = {
  'response.created': 'A response arrives (response.created)',
  'recovery_case.opened': 'A recovery case opens (recovery_case.opened)',
  'recovery_case.updated': 'A recovery case changes (recovery_case.updated)',
  'survey.published': 'A survey is published (survey.published)',
  'survey.closed': 'A survey closes (survey.closed)',
  'collection.submitted': 'A quarterly collection is submitted to OMB (collection.submitted)',
  'collection.change_requested': 'OMB asks for changes to a collection (collection.change_requested)',
  'collection.published': 'A collection is published (collection.published)',
  'collection.archived': 'A collection is archived (collection.archived)',
  'collection.not_reported': 'A collection is marked not reported (collection.not_reported)',
  'collection.rated': 'OMB rates a collection green, yellow or red (collection.rated)',
  'monitor.alert_opened': 'An analytics monitor opens an alert (monitor.alert_opened)',
  'monitor.alert_resolved': 'An analytics monitor’s alert resolves (monitor.alert_resolved)',
}

interface CreateValues { organizationId?: string; url?: string; events?: string[] }

const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—')

export async function registerWebhookPages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  const show = async (request: FastifyRequest, reply: FastifyReply, extra: { created?: WebhookWithSecret; values?: CreateValues; errors?: FieldErrors; message?: string } = {}) => {
    const actor = requireActor(request)
    const organizations = await listManageableOrganizations(db, actor, canManageWebhooks)
    if (organizations.length === 0) throw new Forbidden('Your role does not allow managing webhooks.')
    const [webhooks, deliveries] = await Promise.all([listWebhooks(db, actor), listRecentDeliveries(db, actor, 20)])
    const values = extra.values ?? { organizationId: organizations[0]?.id, events: [...WEBHOOK_EVENTS] }
    return sendPage(request, reply, 'Webhooks', (csrf) => (
      <>
        <h1>Webhooks</h1>
        <p class="usa-intro">cx280 posts signed JSON to your systems when feedback arrives or a recovery case changes. Each request carries an
          <code> x-cx280-signature</code> header: an HMAC-SHA256 of the timestamp and body with the webhook’s secret.</p>
        {extra.created && (
          <div class="usa-alert usa-alert--warning" role="alert">
            <div class="usa-alert__body">
              <h2 class="usa-alert__heading">Copy the signing secret now</h2>
              <p class="usa-alert__text">It is shown only once. Webhook for <code>{extra.created.url}</code>: <code class="cx-pre" data-testid="webhook-secret">{extra.created.secret}</code></p>
            </div>
          </div>
        )}
        <h2>Your webhooks</h2>
        {webhooks.length === 0 ? <EmptyState title="No webhooks yet"><p>Add one below.</p></EmptyState> : (
          <table class="usa-table usa-table--borderless usa-table--stacked width-full">
            <caption class="usa-sr-only">Webhooks</caption>
            <thead><tr><th scope="col">Address</th><th scope="col">Organization</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
            <tbody>{webhooks.map((w) => (
              <tr key={w.id}>
                <th scope="row" data-label="Address"><code class="cx-pre">{w.url}</code></th>
                <td data-label="Organization">{w.organizationName}</td>
                <td data-label="Events">{w.events.join(', ')}</td>
                <td data-label="Status">{w.active ? 'Active' : 'Inactive'}</td>
                <td data-label="Actions">
                  <div class="cx-actions">
                    <form method="post" action={`/webhooks/${w.id}/active`}>
                      <CsrfField token={csrf} />
                      <input type="hidden" name="active" value={w.active ? 'false' : 'true'} />
                      <button type="submit" class="usa-button usa-button--outline">{w.active ? 'Deactivate' : 'Activate'} <span class="usa-sr-only">{w.url}</span></button>
                    </form>
                    {w.active && (
                      <form method="post" action={`/webhooks/${w.id}/ping`}>
                        <CsrfField token={csrf} />
                        <button type="submit" class="usa-button usa-button--outline">Send a test <span class="usa-sr-only">to {w.url}</span></button>
                      </form>
                    )}
                    <form method="post" action={`/webhooks/${w.id}/delete`}>
                      <CsrfField token={csrf} />
                      <button type="submit" class="usa-button usa-button--secondary">Delete <span class="usa-sr-only">{w.url}</span></button>
                    </form>
                  </div>
                </td>
              </tr>
            ))}</tbody>
          </table>
        )}

        <form class="usa-form usa-form--large" method="post" action="/webhooks" noValidate>
          <h2 id="add">Add a webhook</h2>
          <ErrorSummary message={extra.message} errors={extra.errors} labels={{ organizationId: 'Organization', url: 'Address', events: 'Events' }} />
          <CsrfField token={csrf} />
          <SelectField name="organizationId" label="Organization" value={values.organizationId} errors={extra.errors} required
            options={organizations.map((o) => ({ value: o.id, label: `${'— '.repeat(o.depth)}${o.name}` }))} />
          <TextField name="url" label="Address" type="url" hint="https:// (http:// only for localhost)" value={values.url} maxLength={2000} errors={extra.errors} required />
          <CheckboxGroup name="events" label="Events" options={WEBHOOK_EVENTS.map((e) => ({ value: e, label: EVENT_LABELS[e] }))} selected={values.events ?? []} errors={extra.errors} />
          <button type="submit" class="usa-button">Add webhook</button>
        </form>

        <h2>Recent deliveries</h2>
        {deliveries.length === 0 ? <p>Nothing delivered yet.</p> : (
          <table class="usa-table usa-table--borderless usa-table--stacked width-full">
            <caption class="usa-sr-only">Recent webhook deliveries</caption>
            <thead><tr><th scope="col">Queued</th><th scope="col">Event</th><th scope="col">Address</th><th scope="col">Outcome</th><th scope="col">Attempts</th><th scope="col">Last answer</th></tr></thead>
            <tbody>{deliveries.map((d) => (
              <tr key={d.id}>
                <th scope="row" data-label="Queued">{when(d.createdAt)}</th>
                <td data-label="Event">{d.event}</td>
                <td data-label="Address"><code class="cx-pre">{d.url}</code></td>
                <td data-label="Outcome">{d.status === 'delivered' ? `Delivered ${when(d.deliveredAt)}` : d.status === 'failed' ? 'Failed' : `Pending (next try ${when(d.nextAttemptAt)})`}</td>
                <td data-label="Attempts">{d.attempts}</td>
                <td data-label="Last answer">{d.lastStatus ?? '—'}{d.lastError ? ` · ${d.lastError}` : ''}</td>
              </tr>
            ))}</tbody>
          </table>
        )}
      </>
    ), extra.errors || extra.message ? 400 : 200)
  }

  app.get('/webhooks', async (request, reply) => show(request, reply))

  app.post('/webhooks', async (request, reply) => {
    const body = asForm(request.body)
    const values: CreateValues = { organizationId: formText(body, 'organizationId'), url: formText(body, 'url').trim(), events: formList(body, 'events') }
    const result = await attempt(async () => createWebhook(db, requireActor(request), parseWith(WebhookCreateInput, values)))
    if (!result.ok) return show(request, reply, { values, errors: result.fields, message: result.message })
    return show(request, reply, { created: result.value })
  })

  app.post<{ Params: { id: string } }>('/webhooks/:id/active', async (request, reply) => {
    const active = formText(asForm(request.body), 'active') === 'true'
    const webhook = await updateWebhook(db, requireActor(request), request.params.id, { active })
    return redirectWithFlash(request, reply, '/webhooks', `${active ? 'Activated' : 'Deactivated'} the webhook for ${webhook.url}.`)
  })

  app.post<{ Params: { id: string } }>('/webhooks/:id/ping', async (request, reply) => {
    const delivery = await pingWebhook(db, requireActor(request), request.params.id)
    return redirectWithFlash(request, reply, '/webhooks', `Queued a test delivery to ${delivery.url}; it goes out within 15 seconds.`)
  })

  app.post<{ Params: { id: string } }>('/webhooks/:id/delete', async (request, reply) => {
    await deleteWebhook(db, requireActor(request), request.params.id)
    return redirectWithFlash(request, reply, '/webhooks', 'Deleted the webhook.')
  })
}
