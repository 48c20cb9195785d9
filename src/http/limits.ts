/** Request size limits, shared by the API and the pages. */
export const JSON_BODY_LIMIT = 1024 * 1024
export const UPLOAD_LIMIT = 5 * 1024 * 1024
