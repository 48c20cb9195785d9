/** Users, the caller's own profile, and API keys. */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import {
  ApiKeyCreateInput, createApiKey, createUser, getUser, listApiKeys, listUsers, revokeApiKey, updateUser, UserCreateInput, UserUpdateInput,
} from '../auth/index.ts'
import type { Runtime } from '../runtime.ts'
import type { RouteLimits } from './api.ts'
import { errorResponses, IdParams, PageQuery, pageOf } from './api-schemas.ts'
import { requireActor } from './request-context.ts'

const UserListQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), ...PageQuery }, { additionalProperties: false })

export async function registerAccountRoutes(api: FastifyInstance, { db }: Runtime, config: RouteLimits): Promise<void> {
  api.get('/me', { config, schema: { tags: ['users'], summary: 'The signed-in user or key owner', response: errorResponses } },
    async (request) => {
      const actor = requireActor(request)
      return actor.userId ? getUser(db, actor, actor.userId) : { label: actor.label }
    })

  api.get<{ Querystring: Static<typeof UserListQuery> }>('/users', { config, schema: { tags: ['users'], summary: 'Users you manage', querystring: UserListQuery, response: errorResponses } },
    async (request) => {
      const { page, pageSize } = pageOf(request.query)
      return { ...(await listUsers(db, requireActor(request), { q: request.query.q, page, pageSize })), page, pageSize }
    })

  api.post<{ Body: UserCreateInput }>('/users', { config, schema: { tags: ['users'], summary: 'Create a user with scoped roles', body: UserCreateInput, response: errorResponses } },
    async (request, reply) => reply.status(201).send(await createUser(db, requireActor(request), request.body)))

  api.get<{ Params: IdParams }>('/users/:id', { config, schema: { tags: ['users'], summary: 'One user', params: IdParams, response: errorResponses } },
    async (request) => getUser(db, requireActor(request), request.params.id))

  api.patch<{ Params: IdParams; Body: UserUpdateInput }>('/users/:id', { config, schema: { tags: ['users'], summary: 'Rename, deactivate or change roles', params: IdParams, body: UserUpdateInput, response: errorResponses } },
    async (request) => updateUser(db, requireActor(request), request.params.id, request.body))

  api.get('/api-keys', { config, schema: { tags: ['api-keys'], summary: 'Your API keys (never the secret)', response: errorResponses } },
    async (request) => ({ items: await listApiKeys(db, requireActor(request)) }))

  api.post<{ Body: ApiKeyCreateInput }>('/api-keys', { config, schema: { tags: ['api-keys'], summary: 'Create an API key; the secret is shown only in this response', body: ApiKeyCreateInput, response: errorResponses } },
    async (request, reply) => reply.status(201).send(await createApiKey(db, requireActor(request), request.body.name)))

  api.delete<{ Params: IdParams }>('/api-keys/:id', { config, schema: { tags: ['api-keys'], summary: 'Revoke an API key', params: IdParams, response: errorResponses } },
    async (request) => revokeApiKey(db, requireActor(request), request.params.id))
}
