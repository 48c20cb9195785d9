/** Random bearer tokens and their stored digests. Only digests are stored; a leaked table reveals no token. */
import { createHash, randomBytes } from 'node:crypto'

export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url')
export const digest = (token: string): string => createHash('sha256').update(token).digest('hex')
export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex')
