import { timingSafeEqual } from 'node:crypto'
import type { Context } from 'hono'
import { ErrorCode, LikewireError } from '../protocol/errors'

/** Room for the scheme and blanks around a key in `Authorization: Bearer <key>`. */
const MAX_PADDING = 1024

const SCHEME = 'bearer'
const SP = 32
const HTAB = 9

/** True when `header` is `Bearer <something>`: the scheme (any case, RFC 9110) and at least one space. */
export function isBearer(header: string | undefined): header is string {
  return (
    header !== undefined &&
    header.charCodeAt(SCHEME.length) === SP &&
    header.slice(0, SCHEME.length).toLowerCase() === SCHEME
  )
}

/**
 * The token of an `Authorization: Bearer <token>` header, or undefined (another scheme, nothing after it).
 * Spaces and tabs around the token are dropped; inside it they are kept (a key or secret may hold some).
 * No regular expression: one pass over the header, however many spaces an unauthenticated sender puts in it.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (!isBearer(header)) return undefined
  let start = SCHEME.length
  let end = header.length
  while (start < end && isBlank(header.charCodeAt(start))) start++
  while (end > start && isBlank(header.charCodeAt(end - 1))) end--
  return start < end ? header.slice(start, end) : undefined
}

const isBlank = (code: number) => code === SP || code === HTAB

/** Constant-time check of `Authorization: Bearer <key>` (API key, cluster secret); nothing to check without a key. */
export function assertBearer(c: Context, key: string | undefined, what: string): void {
  if (key === undefined) return
  const header = c.req.header('authorization')
  // a header far longer than the key cannot hold it: refused without reading it
  const fits = header !== undefined && header.length <= key.length + MAX_PADDING
  const given = Buffer.from((fits && bearerToken(header)) || '')
  const expected = Buffer.from(key)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new LikewireError(
      401,
      ErrorCode.unauthorized,
      `A valid ${what} is required: Authorization: Bearer <key>`,
    )
  }
}

/** A cluster role refuses to start without a secret: an empty one would leave its internal routes open. */
export function assertSecret(secret: string | undefined): asserts secret is string {
  if (typeof secret !== 'string' || secret.trim() === '')
    throw new Error(
      'a cluster secret is required (the same on every node): --secret <secret> or LIKEWIRE_SECRET',
    )
}

/** Guards a route with the cluster secret (internal routes between nodes). */
export function internalOnly<C extends Context>(secret: string, handler: (c: C) => Promise<Response>) {
  assertSecret(secret)
  return async (c: C) => {
    assertBearer(c, secret, 'cluster secret')
    return handler(c)
  }
}
