/**
 * The agency's Annual Performance Plan/Report export of CX indicators: `GET /reports/app?organizationId=&fiscalYear=
 * &format=csv|xlsx|json`. Readers of the organization only (another organization answers 404); internal, never cached.
 */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { appCsv, appFileBase, appJson, appReport, appWorkbook, FiscalYearSchema } from '../reporting/index.ts'
import type { Runtime } from '../runtime.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

export const APP_REPORT_FORMATS = ['csv', 'xlsx', 'json'] as const
const AppReportQuery = Type.Object({
  organizationId: Type.String({ format: 'uuid', description: 'The agency: this organization and every organization under it.' }),
  fiscalYear: FiscalYearSchema,
  format: Type.Optional(Type.Enum([...APP_REPORT_FORMATS], { description: 'csv (default), xlsx or json.' })),
}, { additionalProperties: false })

export async function registerAppReportRoutes(api: FastifyInstance, { db }: Runtime, config: RouteLimits): Promise<void> {
  api.get<{ Querystring: Static<typeof AppReportQuery> }>('/reports/app', {
    config, schema: {
      tags: ['reports'], summary: 'CX indicators for the Annual Performance Plan/Report: one row per designated service × quarter (trust, drivers, actions taken)',
      querystring: AppReportQuery, response: errorResponses,
    },
  }, async (request, reply) => {
    const { organizationId, fiscalYear, format = 'csv' } = request.query
    const report = await appReport(db, requireActor(request), { organizationId, fiscalYear })
    const base = appFileBase(report)
    const send = (name: string, type: string, body: string | Buffer) =>
      reply.type(type).header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').send(body)
    if (format === 'json') return send(`${base}.json`, 'application/json; charset=utf-8', JSON.stringify(appJson(report), null, 2))
    if (format === 'xlsx') return send(`${base}.xlsx`, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', await appWorkbook(report))
    return send(`${base}.csv`, 'text/csv; charset=utf-8', appCsv(report))
  })
}
