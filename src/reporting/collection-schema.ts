/** Input shapes of the collection API and forms (one TypeBox schema each, validated at the edge). */
import Type, { type Static } from 'typebox'
import { COLLECTION_STATES, COLLECTION_TRANSITIONS, RATINGS } from './collection-model.ts'

const MAX_VOLUME = 10_000_000_000
export const NOTE_MAX = 2000
export const REFLECTION_MAX = 5000

export const FiscalYearSchema = Type.Integer({ minimum: 2018, maximum: 2100, description: 'Federal fiscal year (FY N runs Oct 1 of N−1 to Sep 30 of N).' })
export const QuarterSchema = Type.Integer({ minimum: 1, maximum: 4, description: 'Fiscal quarter: 1 Oct–Dec, 2 Jan–Mar, 3 Apr–Jun, 4 Jul–Sep.' })

export const CollectionCreateInput = Type.Object({
  fiscalYear: FiscalYearSchema,
  quarter: QuarterSchema,
}, { additionalProperties: false })
export type CollectionCreateInput = Static<typeof CollectionCreateInput>

const Volume = Type.Union([Type.Integer({ minimum: 0, maximum: MAX_VOLUME }), Type.Null()])

export const DetailVolumesInput = Type.Object({
  id: Type.String({ format: 'uuid' }),
  volumeOfCustomers: Type.Optional(Volume),
  volumeOffered: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: MAX_VOLUME }), Type.Null()], { description: 'Customers offered the survey; null uses the recorded offers.' })),
}, { additionalProperties: false })
export type DetailVolumesInput = Static<typeof DetailVolumesInput>

export const CollectionUpdateInput = Type.Object({
  reflection: Type.Optional(Type.Union([Type.String({ maxLength: REFLECTION_MAX }), Type.Null()])),
  details: Type.Optional(Type.Array(DetailVolumesInput, { maxItems: 200 })),
}, { additionalProperties: false })
export type CollectionUpdateInput = Static<typeof CollectionUpdateInput>

export const CollectionTransitionInput = Type.Object({
  transition: Type.Enum([...COLLECTION_TRANSITIONS]),
  note: Type.Optional(Type.String({ maxLength: NOTE_MAX, description: 'Required when requesting changes: what the HISP should change.' })),
}, { additionalProperties: false })
export type CollectionTransitionInput = Static<typeof CollectionTransitionInput>

export const CollectionRatingInput = Type.Object({
  rating: Type.Enum([...RATINGS]),
  reason: Type.String({ minLength: 1, maxLength: NOTE_MAX }),
}, { additionalProperties: false })
export type CollectionRatingInput = Static<typeof CollectionRatingInput>

export const CollectionListQuery = Type.Object({
  fiscalYear: Type.Optional(FiscalYearSchema),
  quarter: Type.Optional(QuarterSchema),
  hispId: Type.Optional(Type.String({ format: 'uuid' })),
  serviceId: Type.Optional(Type.String({ format: 'uuid' })),
  state: Type.Optional(Type.Enum([...COLLECTION_STATES])),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
}, { additionalProperties: false })
export type CollectionListQuery = Static<typeof CollectionListQuery>
