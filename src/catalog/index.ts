/** The catalog facade: organizations, HISPs and the service inventory. `http/`, `web/` and the CLI import only this. */
export * from './organization-schema.ts'
export * from './organizations.ts'
export * from './hisp-schema.ts'
export * from './hisps.ts'
export * from './service-schema.ts'
export * from './services.ts'
export * from './service-csv.ts'
export * from './service-export.ts'
