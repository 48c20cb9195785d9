/** Input schemas for accounts: one definition validates the API, the pages and the CLI. */
import Type, { type Static } from 'typebox'
import { ROLES } from './actor.ts'
import { PASSWORD_MAX } from './passwords.ts'

export const RoleGrantInput = Type.Object({
  role: Type.Enum([...ROLES]),
  organizationId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
}, { additionalProperties: false })

export const UserCreateInput = Type.Object({
  email: Type.String({ format: 'email', maxLength: 254 }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  password: Type.Optional(Type.String({ maxLength: PASSWORD_MAX })),
  roles: Type.Array(RoleGrantInput, { minItems: 1, maxItems: 20 }),
}, { additionalProperties: false })
export type UserCreateInput = Static<typeof UserCreateInput>

export const UserUpdateInput = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  active: Type.Optional(Type.Boolean()),
  roles: Type.Optional(Type.Array(RoleGrantInput, { minItems: 1, maxItems: 20 })),
}, { additionalProperties: false })
export type UserUpdateInput = Static<typeof UserUpdateInput>

export const ApiKeyCreateInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
}, { additionalProperties: false })
export type ApiKeyCreateInput = Static<typeof ApiKeyCreateInput>
