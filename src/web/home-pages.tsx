/** The home page (a signed-in overview) and the API documentation page generated from the OpenAPI document. */
import type { FastifyInstance } from 'fastify'
import { isStaff } from '../auth/index.ts'
import { digitizationGaps, listHisps, listOrganizations, listServices } from '../catalog/index.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { EmptyState } from './components.tsx'
import { sendPage } from './render.tsx'

interface OpenApiOperation { summary?: string; tags?: string[] }
type OpenApiDocument = { paths?: Record<string, Record<string, OpenApiOperation>> }

export async function registerHomePages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  app.get('/', async (request, reply) => {
    const actor = requireActor(request)
    if (!isStaff(actor)) return sendPage(request, reply, 'Welcome', <><h1>Welcome</h1><EmptyState title="You have no role yet">Ask an administrator to give you a role.</EmptyState></>)
    const [services, designated, organizations, hisps, gaps] = await Promise.all([
      listServices(db, actor, { page: 1, pageSize: 1 }), listServices(db, actor, { designated: true, page: 1, pageSize: 1 }),
      listOrganizations(db, actor), listHisps(db, { active: true, page: 1, pageSize: 1 }), digitizationGaps(db, actor),
    ])
    const cards: [string, number, string][] = [
      ['Services', services.total, '/services'], ['Priority services', designated.total, '/services?designated=true'],
      ['Organizations', organizations.length, '/organizations'], ['Active HISPs', hisps.total, '/hisps'], ['Services with digitization gaps', gaps.length, '/reports/digitization-gaps'],
    ]
    return sendPage(request, reply, 'Overview', (
      <>
        <h1>Overview</h1>
        <ul class="usa-card-group">
          {cards.map(([label, value, href]) => (
            <li class="usa-card tablet:grid-col-4" key={label}>
              <div class="usa-card__container">
                <div class="usa-card__header"><h2 class="usa-card__heading">{label}</h2></div>
                <div class="usa-card__body"><p class="font-heading-2xl margin-0">{value.toLocaleString('en-US')}</p></div>
                <div class="usa-card__footer"><a href={href} class="usa-link">See {label.toLowerCase()}</a></div>
              </div>
            </li>
          ))}
        </ul>
      </>
    ))
  })

  app.get('/docs/api', async (request, reply) => {
    const document = app.swagger() as OpenApiDocument
    const operations = Object.entries(document.paths ?? {}).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), summary: op.summary ?? '', tag: op.tags?.[0] ?? 'other' })))
    const tags = [...new Set(operations.map((o) => o.tag))]
    return sendPage(request, reply, 'API documentation', (
      <>
        <h1>cx280 API</h1>
        <p class="usa-intro">REST under <code>/api/v1</code>. Authenticate with <code>Authorization: Bearer &lt;key&gt;</code> (create keys on your Account page). Errors are JSON <code>{'{error, message, fields}'}</code>.</p>
        <p>Machine-readable: <a href="/api/v1/openapi.json">OpenAPI 3.1 document</a>.</p>
        {tags.map((tag) => (
          <section key={tag}>
            <h2>{tag}</h2>
            <table class="usa-table usa-table--borderless width-full">
              <caption class="usa-sr-only">{tag} operations</caption>
              <thead><tr><th scope="col">Method</th><th scope="col">Path</th><th scope="col">What it does</th></tr></thead>
              <tbody>{operations.filter((o) => o.tag === tag).map((o) => <tr key={`${o.method} ${o.path}`}><td><code>{o.method}</code></td><td><code>/api/v1{o.path.replace(/^\/api\/v1/, '')}</code></td><td>{o.summary}</td></tr>)}</tbody>
            </table>
          </section>
        ))}
      </>
    ))
  })
}
