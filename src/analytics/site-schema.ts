/** TypeBox inputs for the sites registry. Host names and origins get their friendly checks in sites.ts. */
import Type, { type Static } from 'typebox'

export const SITE_STATES = ['active', 'archived'] as const
export type SiteState = (typeof SITE_STATES)[number]

export const SITE_ORIGINS_MAX = 50
export const SITE_SERVICES_MAX = 200

const editable = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  domain: Type.String({ minLength: 1, maxLength: 253, description: 'Host name of the site, such as benefits.example.gov' }),
  allowedOrigins: Type.Array(Type.String({ maxLength: 300 }), {
    maxItems: SITE_ORIGINS_MAX, description: 'Origins allowed to send analytics (`https://host[:port]`); empty means only `https://<domain>`',
  }),
  respectGpc: Type.Boolean({ description: 'Honour Global Privacy Control: send nothing from browsers that signal it' }),
  serviceIds: Type.Array(Type.String({ format: 'uuid' }), { maxItems: SITE_SERVICES_MAX, uniqueItems: true, description: 'Services this site serves (same organization subtree)' }),
}

export const SiteCreateInput = Type.Object({
  organizationId: Type.String({ format: 'uuid' }),
  name: editable.name,
  domain: editable.domain,
  allowedOrigins: Type.Optional(editable.allowedOrigins),
  respectGpc: Type.Optional(editable.respectGpc),
  serviceIds: Type.Optional(editable.serviceIds),
}, { additionalProperties: false })
export type SiteCreateInput = Static<typeof SiteCreateInput>

export const SiteUpdateInput = Type.Object({
  name: Type.Optional(editable.name),
  domain: Type.Optional(editable.domain),
  allowedOrigins: Type.Optional(editable.allowedOrigins),
  respectGpc: Type.Optional(editable.respectGpc),
  serviceIds: Type.Optional(editable.serviceIds),
}, { additionalProperties: false })
export type SiteUpdateInput = Static<typeof SiteUpdateInput>

export const SiteListQuery = Type.Object({
  organizationId: Type.Optional(Type.String({ format: 'uuid' })),
  state: Type.Optional(Type.Enum([...SITE_STATES])),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
}, { additionalProperties: false })
export type SiteListQuery = Static<typeof SiteListQuery>
