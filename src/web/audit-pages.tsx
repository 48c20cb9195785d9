/** The audit log page (administrators): newest first, filterable per record or person, keyset pagination. */
import type { FastifyInstance } from 'fastify'
import { listAudit } from '../audit/audit-log.ts'
import { canReadAudit } from '../auth/index.ts'
import { Forbidden } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { EmptyState, TextField } from './components.tsx'
import { sendPage } from './render.tsx'

const PAGE_SIZE = 50

export async function registerAuditPages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  app.get<{ Querystring: { entityType?: string; entityId?: string; before?: string } }>('/audit', async (request, reply) => {
    if (!canReadAudit(requireActor(request))) throw new Forbidden('Only administrators can read the audit log.')
    const entityType = request.query.entityType?.trim().slice(0, 50) || undefined
    const entityId = request.query.entityId?.trim().slice(0, 100) || undefined
    const before = Number.parseInt(request.query.before ?? '', 10)
    const { entries, next } = await listAudit(db, { entityType, entityId, before: Number.isFinite(before) && before > 0 ? before : undefined, limit: PAGE_SIZE })
    const nextQuery = next ? new URLSearchParams({ ...(entityType ? { entityType } : {}), ...(entityId ? { entityId } : {}), before: String(next) }).toString() : null
    return sendPage(request, reply, 'Audit log', (
      <>
        <h1>Audit log</h1>
        <p class="usa-intro">Every change, by whom and when, with the record before and after.</p>
        <form class="usa-form usa-form--large cx-filters" method="get" action="/audit" aria-label="Filter the audit log">
          <TextField name="entityType" label="Record type (service, user, organization, hisp, api_key)" value={entityType} />
          <TextField name="entityId" label="Record id" value={entityId} />
          <button class="usa-button" type="submit">Filter</button>
        </form>
        {entries.length === 0 ? <EmptyState title="No entries match" /> : (
          <table class="usa-table usa-table--borderless usa-table--stacked width-full">
            <caption class="usa-sr-only">Audit entries</caption>
            <thead><tr><th scope="col">When (UTC)</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Record</th><th scope="col">Change</th></tr></thead>
            <tbody>{entries.map((e) => (
              <tr key={e.id}>
                <td data-label="When">{e.at.replace('T', ' ').slice(0, 19)}</td>
                <td data-label="Who">{e.actorLabel}{e.actorApiKeyId ? ' (API key)' : ''}</td>
                <td data-label="What">{e.action}</td>
                <td data-label="Record"><a href={`/audit?entityType=${encodeURIComponent(e.entityType)}&entityId=${encodeURIComponent(e.entityId)}`}>{e.entityType} {e.entityId.slice(0, 8)}</a></td>
                <td data-label="Change">
                  {e.before !== null || e.after !== null ? (
                    <details><summary>Before and after</summary>
                      <p><strong>Before</strong></p><pre class="cx-pre">{JSON.stringify(e.before, null, 1)}</pre>
                      <p><strong>After</strong></p><pre class="cx-pre">{JSON.stringify(e.after, null, 1)}</pre>
                    </details>
                  ) : '—'}
                </td>
              </tr>
            ))}</tbody>
          </table>
        )}
        {nextQuery && <p><a class="usa-button usa-button--outline" href={`/audit?${nextQuery}`}>Older entries</a></p>}
      </>
    ))
  })
}
