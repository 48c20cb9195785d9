/**
 * The error catalog. Domain functions throw these; `http/error-handler.ts` maps them to a status and a JSON body
 * `{error, message, fields}`, and pages show `fields` next to the form inputs. Each id is stable and documented in
 * docs/errors.md (a test fails on an undocumented id).
 */
export type FieldErrors = Readonly<Record<string, string>>

export abstract class AppError extends Error {
  abstract readonly id: string
  abstract readonly status: number
}

export class Invalid extends AppError {
  readonly id = 'invalid'
  readonly status = 400
  constructor(message: string, readonly fields: FieldErrors = {}) {
    super(message)
  }
}

export class Unauthorized extends AppError {
  readonly id = 'unauthorized'
  readonly status = 401
  constructor(message = 'Sign in or send an API key to continue.') {
    super(message)
  }
}

export class Forbidden extends AppError {
  readonly id = 'forbidden'
  readonly status = 403
  constructor(message = 'Your role does not allow this.') {
    super(message)
  }
}

/** Also used for resources of another organization, so ids cannot be probed. */
export class NotFound extends AppError {
  readonly id = 'not_found'
  readonly status = 404
  constructor(what = 'Resource') {
    super(`${what} not found.`)
  }
}

export class Conflict extends AppError {
  readonly id = 'conflict'
  readonly status = 409
  constructor(message: string, readonly fields: FieldErrors = {}) {
    super(message)
  }
}

export class TooLarge extends AppError {
  readonly id = 'too_large'
  readonly status = 413
  constructor(message = 'The request body is too large.') {
    super(message)
  }
}

export class RateLimited extends AppError {
  readonly id = 'rate_limited'
  readonly status = 429
  constructor(message = 'Too many requests; wait a minute and try again.') {
    super(message)
  }
}

/** Ids the HTTP layer emits besides the domain errors above. */
export const HTTP_ONLY_ERROR_IDS = ['csrf', 'unsupported_media_type', 'internal'] as const
export const ERROR_IDS = ['invalid', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'too_large', 'rate_limited', ...HTTP_ONLY_ERROR_IDS] as const
