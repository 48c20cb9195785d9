import Type, { type Static } from 'typebox'

const text = (max: number) => Type.Optional(Type.Union([Type.String({ maxLength: max }), Type.Null()]))

/** HISP (High-Impact Service Provider) registry fields, reference §8. */
export const HispCreateInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  slug: Type.String({ minLength: 2, maxLength: 60, pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' }),
  department: text(200),
  departmentAbbreviation: text(20),
  bureau: text(200),
  bureauAbbreviation: text(20),
  description: text(5000),
  url: Type.Optional(Type.Union([Type.String({ format: 'uri', maxLength: 500, pattern: '^https?://' }), Type.Null()])),
  yearDesignated: Type.Optional(Type.Union([Type.Integer({ minimum: 2018, maximum: 2100 }), Type.Null()])),
  active: Type.Optional(Type.Boolean()),
  ombPortfolioManagerEmail: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 254 }), Type.Null()])),
  organizationId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
}, { additionalProperties: false })
export type HispCreateInput = Static<typeof HispCreateInput>

export const HispUpdateInput = Type.Partial(HispCreateInput, { additionalProperties: false })
export type HispUpdateInput = Static<typeof HispUpdateInput>
