/**
 * Parsing at the edge: one TypeBox schema validates API bodies, form posts and CSV rows, and its failures become
 * one message per field.
 */
import type { Static, TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { Settings } from 'typebox/system'
import { Invalid, type FieldErrors } from './errors.ts'

// TypeBox stops after 8 errors by default; a form with many bad fields should hear about each of them.
Settings.Set({ maxErrors: 200 })

export interface SchemaIssue {
  readonly keyword: string
  readonly instancePath: string
  readonly message?: string | undefined
  readonly params?: Record<string, unknown> | undefined
}

function fieldName(issue: SchemaIssue): string {
  if (issue.keyword === 'required') {
    const missing = issue.params?.requiredProperties ?? issue.params?.missingProperty
    if (Array.isArray(missing) && typeof missing[0] === 'string') return missing[0]
    if (typeof missing === 'string') return missing
  }
  if (issue.keyword === 'additionalProperties') {
    const extra = issue.params?.additionalProperties ?? issue.params?.additionalProperty
    if (Array.isArray(extra) && typeof extra[0] === 'string') return extra[0]
    if (typeof extra === 'string') return extra
  }
  const path = issue.instancePath.replace(/^\//, '').split('/').join('.')
  return path === '' ? '_' : path
}

function describe(issue: SchemaIssue): string {
  switch (issue.keyword) {
    case 'required': return 'is required'
    case 'additionalProperties': return 'is not a known field'
    case 'boolean': return 'is not a known field'
    case 'enum': {
      const allowed = issue.params?.allowedValues
      return Array.isArray(allowed) ? `must be one of: ${allowed.join(', ')}` : 'is not an allowed value'
    }
    case 'maxLength': return `must be at most ${String(issue.params?.limit)} characters`
    case 'minLength': return issue.params?.limit === 1 ? 'must not be empty' : `must be at least ${String(issue.params?.limit)} characters`
    case 'format': return `must be a valid ${String(issue.params?.format)}`
    default: return issue.message ?? 'is invalid'
  }
}

/** Turns schema issues into one message per field (the first issue for each field wins). */
export function toFieldErrors(issues: Iterable<SchemaIssue>): FieldErrors {
  const fields: Record<string, string> = {}
  const unionMisses: Record<string, string> = {}
  for (const issue of issues) {
    const name = fieldName(issue)
    // A value matching no branch of a union (e.g. integer-or-null) reports each branch; one plain message reads better.
    if (issue.keyword === 'anyOf' || issue.keyword === 'oneOf') unionMisses[name] ??= 'has the wrong type or an invalid value'
    else if (issue.keyword !== 'const') fields[name] ??= describe(issue)
  }
  return { ...unionMisses, ...fields }
}

const compiled = new WeakMap<TSchema, ReturnType<typeof Compile>>()

/** Validates an already-typed value (JSON body, converted form) against a schema; throws Invalid with field messages. */
export function parseWith<S extends TSchema>(schema: S, value: unknown, message = 'Some fields need attention.'): Static<S> {
  let check = compiled.get(schema)
  if (!check) {
    check = Compile(schema)
    compiled.set(schema, check)
  }
  if (check.Check(value)) return value as Static<S>
  const fields = toFieldErrors(check.Errors(value) as SchemaIssue[])
  throw new Invalid(message, Object.keys(fields).length > 0 ? fields : { _: 'is invalid' })
}
