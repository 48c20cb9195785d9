/** Schemas shared by the API routes: ids, pagination, and the error body every 4xx carries. */
import Type, { type Static } from 'typebox'

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) })
export type IdParams = Static<typeof IdParams>

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
}

export const ErrorResponse = Type.Object({
  error: Type.String({ description: 'Stable error id (docs/errors.md)' }),
  message: Type.String(),
  fields: Type.Optional(Type.Record(Type.String(), Type.String())),
})

/** Standard error responses, for the OpenAPI document. */
export const errorResponses = {
  400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse,
}

export function pageOf(query: { page?: number; pageSize?: number }): { page: number; pageSize: number } {
  return { page: query.page ?? 1, pageSize: query.pageSize ?? 50 }
}
