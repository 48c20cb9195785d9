/**
 * The embeddable widget: GET /widget/v1.js (public, static, immutable; a prebuilt buffer, precompressed once) and
 * the staff endpoint GET /api/v1/surveys/:id/embed with the snippets a web manager pastes (SRI included).
 */
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import type { Runtime } from '../runtime.ts'
import { EMBED_MODES, embedSnippet, getSurvey, WIDGET_PATH, widgetScript } from '../surveys/index.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses, IdParams } from './api-schemas.ts'
import { requireActor } from './request-context.ts'
import { serveStaticScript } from './static-script.ts'

/** The script route, registered on the app root (next to the health routes). */
export async function registerWidgetScriptRoute(app: FastifyInstance, runtime: Runtime): Promise<void> {
  serveStaticScript(app, WIDGET_PATH, widgetScript(), runtime.config.publicRateLimitPerMinute * 10)
}

const Snippets = Type.Object({ modal: Type.String(), inline: Type.String(), button: Type.String() })
const EmbedInfo = Type.Object({ scriptUrl: Type.String(), integrity: Type.String(), gzipBytes: Type.Integer(), snippets: Snippets })

export async function registerWidgetEmbedRoute(api: FastifyInstance, runtime: Runtime, config: RouteLimits): Promise<void> {
  const { db } = runtime
  const { publicUrl } = runtime.config
  api.get<{ Params: IdParams }>('/surveys/:id/embed', {
    config, schema: { tags: ['surveys'], summary: 'The widget embed snippets for a survey (script URL with its SRI hash)', params: IdParams, response: { ...errorResponses, 200: EmbedInfo } },
  }, async (request) => {
    const survey = await getSurvey(db, requireActor(request), request.params.id)
    const { integrity, gzipBytes } = widgetScript()
    const snippets = Object.fromEntries(EMBED_MODES.map((mode) => [mode, embedSnippet(publicUrl, survey.id, integrity, mode)]))
    return { scriptUrl: `${publicUrl}${WIDGET_PATH}`, integrity, gzipBytes, snippets }
  })
}
