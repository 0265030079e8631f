import { timingSafeEqual } from 'node:crypto'
import type { Context } from 'hono'
import { ErrorCode, LikewireError } from '../protocol/errors'

/** The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive (RFC 9110). */
export function bearerToken(header: string | undefined): string | undefined {
  // everything after the scheme: a key or secret may hold spaces
  const match = header?.match(/^bearer +(.+?) *$/i)
  return match?.[1]
}

/** Constant-time check of `Authorization: Bearer <key>` (API key, cluster secret); nothing to check without a key. */
export function assertBearer(c: Context, key: string | undefined, what: string): void {
  if (key === undefined) return
  const given = Buffer.from(bearerToken(c.req.header('authorization')) ?? '')
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
