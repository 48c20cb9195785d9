import Type, { type Static } from 'typebox'

export const ORGANIZATION_KINDS = ['department', 'bureau', 'office'] as const
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number]

export const OrganizationCreateInput = Type.Object({
  kind: Type.Enum([...ORGANIZATION_KINDS]),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  abbreviation: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()])),
  parentId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
}, { additionalProperties: false })
export type OrganizationCreateInput = Static<typeof OrganizationCreateInput>

export const OrganizationUpdateInput = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  abbreviation: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()])),
}, { additionalProperties: false })
export type OrganizationUpdateInput = Static<typeof OrganizationUpdateInput>
