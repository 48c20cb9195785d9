/** Inventory reports: M-23-22 digitization gaps (A-11 §280.4). */
import type { FastifyInstance } from 'fastify'
import { CHANNEL_LABELS } from '../a11/channels.ts'
import { digitizationGaps, listOrganizations, type DigitizationGap } from '../catalog/index.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { EmptyState, SelectField } from './components.tsx'
import { sendPage } from './render.tsx'

const REASONS: Record<DigitizationGap['reasons'][number], string> = {
  wet_signature_without_digital_equivalent: 'Wet signature, no digital equivalent',
  in_person_proofing_without_digital_equivalent: 'In-person identity proofing, no digital equivalent',
  no_digital_channel: 'No digital channel',
  no_digital_form: 'Forms not available digitally',
}

export async function registerReportPages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  app.get<{ Querystring: { organizationId?: string } }>('/reports/digitization-gaps', async (request, reply) => {
    const actor = requireActor(request)
    const organizations = await listOrganizations(db, actor)
    const organizationId = organizations.some((o) => o.id === request.query.organizationId) ? request.query.organizationId : undefined
    const gaps = await digitizationGaps(db, actor, organizationId)
    const count = (reason: DigitizationGap['reasons'][number]) => gaps.filter((g) => g.reasons.includes(reason)).length
    return sendPage(request, reply, 'Digitization gaps', (
      <>
        <h1>Digitization gaps</h1>
        <p class="usa-intro">M-23-22 asks that forms be digital, services be completable in a digital channel, and that no wet signature or in-person identity proofing be required without an equivalent digital method.</p>
        <form class="usa-form cx-filters" method="get" action="/reports/digitization-gaps" aria-label="Choose an organization">
          <SelectField name="organizationId" label="Organization" value={organizationId} emptyLabel="All you can see" options={organizations.map((o) => ({ value: o.id, label: `${'— '.repeat(o.depth)}${o.name}` }))} />
          <button class="usa-button" type="submit">Show</button>
        </form>
        <ul class="usa-list">
          {(Object.keys(REASONS) as DigitizationGap['reasons'][number][]).map((r) => <li key={r}>{REASONS[r]}: <strong>{count(r)}</strong></li>)}
        </ul>
        {gaps.length === 0 ? <EmptyState title="No gaps found">Every service you can see has a digital path.</EmptyState> : (
          <table class="usa-table usa-table--borderless usa-table--stacked width-full">
            <caption>Services with gaps ({gaps.length})</caption>
            <thead><tr><th scope="col">Service</th><th scope="col">Organization</th><th scope="col">Channels</th><th scope="col">Gaps</th></tr></thead>
            <tbody>{gaps.map(({ service, reasons }) => (
              <tr key={service.id}>
                <th scope="row" data-label="Service"><a href={`/services/${service.id}`}>{service.name}</a></th>
                <td data-label="Organization">{service.organizationName}</td>
                <td data-label="Channels">{service.channels.map((c) => CHANNEL_LABELS[c]).join(', ') || '—'}</td>
                <td data-label="Gaps"><ul class="usa-list usa-list--unstyled">{reasons.map((r) => <li key={r}>{REASONS[r]}</li>)}</ul></td>
              </tr>
            ))}</tbody>
          </table>
        )}
        <p><a href={`/api/v1/reports/digitization-gaps${organizationId ? `?organizationId=${organizationId}` : ''}`}>This report as JSON</a></p>
      </>
    ))
  })
}
