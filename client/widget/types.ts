import type { Localized, SurveyDefinition } from '../../src/a11/survey-model.ts'

/** The survey document served by GET /api/v1/public/surveys/:id (see publicDocument in src/http/intake-routes.ts). */
export interface SurveyDocument {
  readonly id: string
  readonly version: number
  readonly accepting: boolean
  readonly closedReason: string | null
  readonly definition: SurveyDefinition
  readonly pra: {
    readonly ombControlNumber: string
    readonly expiresOn: string
    readonly burdenMinutes: number
    readonly text: Readonly<Record<'control' | 'expires' | 'burden', Localized>>
  } | null
}

/** Form values as the browser holds them (also the draft kept in localStorage). */
export type Values = Record<string, string | string[]>
