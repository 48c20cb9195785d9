/** Password hashing with node:crypto scrypt (no hand-rolled crypto), and the password policy (NIST SP 800-63B). */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>

const N = 16384
const R = 8
const P = 1
const KEY_LENGTH = 64

export const PASSWORD_MIN = 12
export const PASSWORD_MAX = 256

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await scrypt(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 })
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64')
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 })
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** Returns a message when the password is unacceptable, or null. */
export function checkPasswordPolicy(password: string, email?: string): string | null {
  if (password.length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`
  if (password.length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`
  if (email && password.toLowerCase().includes(email.toLowerCase().split('@')[0] ?? '\u0000')) return 'must not contain your email name'
  return null
}

/** A random password for generated accounts (printed once). */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url')
}
