/** Value conventions shared by every store module: UUID ids, ISO-8601 UTC timestamps, 0/1 flags. */
import { randomUUID } from 'node:crypto'
import type { Flag } from './schema.ts'

export const newId = (): string => randomUUID()
export const nowIso = (): string => new Date().toISOString()
export const toFlag = (value: boolean): Flag => (value ? 1 : 0)
export const fromFlag = (value: number | boolean): boolean => value === 1 || value === true

/** LIKE pattern for an organization subtree. Paths hold only UUIDs and slashes, so nothing needs escaping. */
export const subtreePattern = (path: string): string => `${path}%`
