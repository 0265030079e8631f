import { createHmac } from 'node:crypto'

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url')
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))

/**
 * An HS256 JWT signed with node:crypto, as an app's backend would issue it: what `--jwt-secret` (the
 * server's `auth.jwt.secret`) verifies. The load generator signs one per member and reuses it across
 * reconnects.
 */
export function signHs256(claims: Record<string, unknown>, secret: string): string {
  const body = `${HEADER}.${base64url(JSON.stringify(claims))}`
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`
}
