/**
 * Staff API for notifications: an organization's signed webhooks (create with a secret shown once, edit, deactivate,
 * delete, delivery history, test ping) and each person's email mode per survey (instant, daily digest, off).
 */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { getSubscription, NOTIFICATION_MODES, setSubscription } from '../notify/survey-notifications.ts'
import {
  createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks, pingWebhook, updateWebhook, WebhookCreateInput, WebhookUpdateInput,
} from '../notify/webhooks.ts'
import type { Runtime } from '../runtime.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses, IdParams, PageQuery, pageOf } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

const tags = ['notifications']
const DeliveryQuery = Type.Object({ ...PageQuery }, { additionalProperties: false })
const SubscriptionBody = Type.Object({ mode: Type.Enum([...NOTIFICATION_MODES]) }, { additionalProperties: false })

export async function registerWebhookRoutes(api: FastifyInstance, { db }: Runtime, config: RouteLimits): Promise<void> {
  api.get('/webhooks', { config, schema: { tags, summary: 'Webhooks you manage (secrets are never listed)', response: errorResponses } },
    async (request) => ({ items: await listWebhooks(db, requireActor(request)) }))

  api.post<{ Body: WebhookCreateInput }>('/webhooks', {
    config, schema: { tags, summary: 'Register a webhook; the answer carries its signing secret, shown this once (docs/webhooks.md)', body: WebhookCreateInput, response: errorResponses },
  }, async (request, reply) => reply.status(201).send(await createWebhook(db, requireActor(request), request.body)))

  api.get<{ Params: IdParams }>('/webhooks/:id', { config, schema: { tags, summary: 'One webhook', params: IdParams, response: errorResponses } },
    async (request) => getWebhook(db, requireActor(request), request.params.id))

  api.patch<{ Params: IdParams; Body: WebhookUpdateInput }>('/webhooks/:id', {
    config, schema: { tags, summary: 'Change the URL or events, deactivate or reactivate, or rotate the secret', params: IdParams, body: WebhookUpdateInput, response: errorResponses },
  }, async (request) => updateWebhook(db, requireActor(request), request.params.id, request.body))

  api.delete<{ Params: IdParams }>('/webhooks/:id', { config, schema: { tags, summary: 'Delete a webhook and its delivery history', params: IdParams, response: errorResponses } },
    async (request, reply) => {
      await deleteWebhook(db, requireActor(request), request.params.id)
      return reply.status(204).send()
    })

  api.get<{ Params: IdParams; Querystring: Static<typeof DeliveryQuery> }>('/webhooks/:id/deliveries', {
    config, schema: { tags, summary: 'Deliveries of a webhook, newest first, with their last status and error', params: IdParams, querystring: DeliveryQuery, response: errorResponses },
  }, async (request) => {
    const page = pageOf(request.query)
    return { ...(await listDeliveries(db, requireActor(request), request.params.id, page)), ...page }
  })

  api.post<{ Params: IdParams }>('/webhooks/:id/ping', { config, schema: { tags, summary: 'Queue a signed `ping` delivery to test the receiver', params: IdParams, response: errorResponses } },
    async (request, reply) => reply.status(202).send(await pingWebhook(db, requireActor(request), request.params.id)))

  api.get<{ Params: IdParams }>('/surveys/:id/subscription', { config, schema: { tags, summary: 'Your email mode for this survey', params: IdParams, response: errorResponses } },
    async (request) => getSubscription(db, requireActor(request), request.params.id))

  api.put<{ Params: IdParams; Body: Static<typeof SubscriptionBody> }>('/surveys/:id/subscription', {
    config, schema: { tags, summary: 'Set your email mode for this survey: instant, daily (digest at 13:00 UTC) or off', params: IdParams, body: SubscriptionBody, response: errorResponses },
  }, async (request) => setSubscription(db, requireActor(request), request.params.id, request.body.mode))
}
