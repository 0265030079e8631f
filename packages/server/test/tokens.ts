import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose'

// Tokens for the tests, signed with jose and keys made here (nothing comes from outside the test).

export const SECRET = 'a-test-secret-of-at-least-32-bytes!'
const secretKey = new TextEncoder().encode(SECRET)

export type Alg = 'HS256' | 'RS256' | 'ES256'

/** A key pair of `alg` with its public half as PEM (what `auth.jwt.publicKey` takes) and as a JWK. */
export async function keyPair(alg: 'RS256' | 'ES256', kid = `${alg}-key`) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return {
    alg,
    kid,
    privateKey,
    pem: await exportSPKI(publicKey),
    jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
  }
}

export type KeyPair = Awaited<ReturnType<typeof keyPair>>

/** Seconds since the epoch, as JWT times are written. */
export const nowSeconds = () => Math.floor(Date.now() / 1000)

/** A signed token: HS256 with SECRET by default, else with the given key pair. */
export async function token(
  claims: JWTPayload & Record<string, unknown> = {},
  options: { key?: KeyPair; secret?: Uint8Array; header?: Record<string, unknown> } = {},
): Promise<string> {
  const jwt = new SignJWT({ sub: 'ann', ...claims })
  if (options.key)
    return jwt
      .setProtectedHeader({ alg: options.key.alg, kid: options.key.kid, ...options.header })
      .sign(options.key.privateKey)
  return jwt.setProtectedHeader({ alg: 'HS256', ...options.header }).sign(options.secret ?? secretKey)
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** An unsecured token (`alg: none`, empty signature): must never be accepted. */
export function unsecuredToken(claims: Record<string, unknown> = { sub: 'ann' }): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`
}

/** A token whose parts are written by hand (any header, any payload), signed with HS256 and SECRET. */
export async function handMade(header: unknown, payload: unknown): Promise<string> {
  const { createHmac } = await import('node:crypto')
  const body = `${b64(header)}.${b64(payload)}`
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`
}
