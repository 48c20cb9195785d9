/** The feedback domain: surveys, intake, inbox, recovery, scores, imports and exports. */
export * from './survey-schema.ts'
export * from './surveys.ts'
export * from './answers.ts'
export * from './intake.ts'
