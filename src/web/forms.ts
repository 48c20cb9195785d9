/** Reading urlencoded and multipart form bodies into the typed shapes the domain schemas validate. */
import { Conflict, Invalid, type FieldErrors } from '../errors.ts'

export type FormBody = Readonly<Record<string, unknown>>

export function asForm(body: unknown): FormBody {
  return body && typeof body === 'object' ? (body as FormBody) : {}
}

/** One text value; repeated fields keep the first. */
export function formText(body: FormBody, name: string): string {
  const value = body[name]
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : ''
  return typeof value === 'string' ? value : ''
}

export function formList(body: FormBody, name: string): string[] {
  const value = body[name]
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string')
  return typeof value === 'string' && value !== '' ? [value] : []
}

export const formFlag = (body: FormBody, name: string): boolean => formText(body, name) !== ''

/** Empty → null; text otherwise (trimmed). */
export function formOptional(body: FormBody, name: string): string | null {
  const value = formText(body, name).trim()
  return value === '' ? null : value
}

/** Empty → null; digits → number; anything else stays text so the schema reports it as not a number. */
export function formInteger(body: FormBody, name: string): number | string | null {
  const value = formText(body, name).trim().replace(/,/g, '')
  if (value === '') return null
  return /^-?\d+$/.test(value) ? Number(value) : value
}

/** A safe local redirect target: only same-site paths. */
export function safeNext(value: string): string {
  return value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/'
}

export type Attempt<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string; readonly fields: FieldErrors }

/**
 * Runs a domain call for a form post. Invalid input and conflicts come back for the form to show next to its
 * fields; anything else (not found, forbidden) propagates to the error page.
 */
export async function attempt<T>(call: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await call() }
  } catch (error) {
    if (error instanceof Invalid || error instanceof Conflict) return { ok: false, message: error.message, fields: error.fields }
    throw error
  }
}
