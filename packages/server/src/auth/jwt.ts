import { createPublicKey, type KeyObject } from 'node:crypto'
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose'
import { unavailable } from '../protocol/errors'
import { expiredToken, invalidToken } from './errors'
import { isMemberId } from './identity'

/** Built-in JWT verification (`auth.jwt`): exactly one of `secret`, `publicKey`, `jwksUrl`. */
export interface JwtOptions {
  /**
   * HS256 shared secret, at least 32 bytes (RFC 7518: no shorter than the hash).
   * @default undefined
   */
  secret?: string | undefined
  /**
   * PEM public key (SPKI, `-----BEGIN PUBLIC KEY-----`): RS256 for an RSA key (2048 bits or more),
   * ES256 for a P-256 key.
   * @default undefined
   */
  publicKey?: string | undefined
  /**
   * URL of a JSON Web Key Set (RS256 and ES256 keys, chosen by `kid`), fetched when a token names a key
   * not seen yet and cached. `https:` (plain `http:` only to a loopback host: `localhost`, `127.x.x.x`,
   * `[::1]`), and only with `audience`: a key set is usually an identity provider's, which signs tokens
   * for every application it serves.
   * @default undefined
   */
  jwksUrl?: string | undefined
  /**
   * The `iss` a token must carry (one of them, for a list).
   * @default undefined (any issuer)
   */
  issuer?: string | string[] | undefined
  /**
   * The `aud` a token must carry (one of them, for a list). Required with `jwksUrl`.
   * @default undefined (any audience; with `secret` or `publicKey` only)
   */
  audience?: string | string[] | undefined
}

/** The identity of a connection opened with a verified token: `sub` names the member. */
export interface JwtIdentity {
  memberId: string
  /** Every claim of the token, as signed. */
  claims: Readonly<Record<string, unknown>>
}

/** What the token lets the connection do, kept beside its identity (never on the wire). */
export interface TokenTerms {
  /** The `topics` claim: patterns of the topics it may subscribe to; null without the claim (any topic). */
  topics: readonly string[] | null
  /** When the token expires (epoch ms): the stream is ended then. Undefined without `exp`. */
  expiresAt: number | undefined
}

/** Tokens longer than this are refused before any parsing (401 unauthorized). */
export const MAX_TOKEN_LENGTH = 8192
const MIN_SECRET_BYTES = 32

const terms = new WeakMap<object, TokenTerms>()

/** The terms of a verified token's identity; undefined for any other identity. */
export function tokenTerms(identity: unknown): TokenTerms | undefined {
  return typeof identity === 'object' && identity !== null ? terms.get(identity) : undefined
}

type Key = Parameters<typeof jwtVerify>[1]

/** The verification key and the algorithms it allows: the list is fixed by the key kind (no `none`, no confusion). */
export function resolveJwtKey(options: JwtOptions): { key: Key; algorithms: string[]; remote: boolean } {
  const given = (['secret', 'publicKey', 'jwksUrl'] as const).filter((name) => options[name] !== undefined)
  if (given.length !== 1)
    throw new Error(
      `auth.jwt takes exactly one of secret, publicKey or jwksUrl, got ${given.length === 0 ? 'none' : given.join(' and ')}`,
    )
  if (options.secret !== undefined) {
    const secret = new TextEncoder().encode(String(options.secret))
    if (secret.length < MIN_SECRET_BYTES)
      throw new Error(
        `auth.jwt.secret must be at least ${MIN_SECRET_BYTES} bytes (HS256), got ${secret.length}`,
      )
    return { key: secret, algorithms: ['HS256'], remote: false }
  }
  if (options.publicKey !== undefined) return publicKeyOf(options.publicKey)
  let url: URL
  try {
    url = new URL(String(options.jwksUrl))
  } catch {
    throw new Error(`auth.jwt.jwksUrl is not a URL: ${JSON.stringify(options.jwksUrl)}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`auth.jwt.jwksUrl must be an http(s) URL, got ${url.protocol}`)
  // keys fetched in the clear could be swapped on the way: anyone on the path would mint tokens
  if (url.protocol === 'http:' && !isLoopback(url.hostname))
    throw new Error(
      `auth.jwt.jwksUrl must be https: (plain http: only to localhost, 127.x.x.x or [::1]), got ${url.origin}`,
    )
  if (!namesAudience(options.audience))
    throw new Error(
      'auth.jwt.jwksUrl needs auth.jwt.audience: an identity provider signs tokens for every application it serves, the "aud" tells which are for this one',
    )
  return { key: createRemoteJWKSet(url), algorithms: ['RS256', 'ES256'], remote: true }
}

/** A host name that can only be this machine (a URL's `hostname`: IPv6 in brackets). */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname)
}

/** True for a non-empty audience, or a non-empty list of them. */
function namesAudience(audience: JwtOptions['audience']): boolean {
  const list = Array.isArray(audience) ? audience : [audience]
  return list.length > 0 && list.every((aud) => typeof aud === 'string' && aud !== '')
}

function publicKeyOf(pem: string): { key: KeyObject; algorithms: string[]; remote: false } {
  let key: KeyObject
  try {
    key = createPublicKey(pem)
  } catch (error) {
    throw new Error(
      `auth.jwt.publicKey is not a PEM public key: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  const details = key.asymmetricKeyDetails ?? {}
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048)
      throw new Error(
        `auth.jwt.publicKey: an RSA key must be 2048 bits or more, got ${details.modulusLength}`,
      )
    return { key, algorithms: ['RS256'], remote: false }
  }
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1')
    return { key, algorithms: ['ES256'], remote: false }
  throw new Error(
    `auth.jwt.publicKey must be an RSA key (RS256) or a P-256 key (ES256), got ${key.asymmetricKeyType} ${details.namedCurve ?? ''}`.trim(),
  )
}

/**
 * A verifier of connect tokens: resolves to the token's identity, or throws 401 `unauthorized`, 401
 * `token_expired`, or 503 `unavailable` when the key set cannot be fetched. Never anything else, whatever
 * the token holds: no malformed token becomes a 5xx.
 */
export function createJwtVerifier(options: JwtOptions): (token: string) => Promise<JwtIdentity> {
  const { key, algorithms, remote } = resolveJwtKey(options)
  const checks = { algorithms, issuer: options.issuer, audience: options.audience }
  return async (token) => {
    if (token.length > MAX_TOKEN_LENGTH) throw invalidToken(`longer than ${MAX_TOKEN_LENGTH} characters`)
    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, key, checks))
    } catch (error) {
      throw refusal(error, remote)
    }
    if (!isMemberId(payload.sub))
      throw invalidToken('"sub" (the member id) must be 1-128 characters, none of them a control character')
    const topics = payload.topics
    if (topics !== undefined && !(Array.isArray(topics) && topics.every((t) => typeof t === 'string')))
      throw invalidToken('"topics" must be an array of topic patterns')
    const identity: JwtIdentity = { memberId: payload.sub, claims: payload }
    terms.set(identity, {
      topics: topics ?? null,
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
    })
    return identity
  }
}

/** What a failed verification answers; the message names the check, never the token or its claims. */
function refusal(error: unknown, remote: boolean): Error {
  if (error instanceof errors.JWTExpired) return expiredToken()
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return invalidToken('not valid yet ("nbf")')
    const named = ['iss', 'aud', 'iat', 'exp', 'sub', 'typ'].includes(error.claim)
    return invalidToken(named ? `"${error.claim}" check failed` : 'a claim check failed')
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return invalidToken('algorithm not allowed')
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalidToken('bad signature')
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return invalidToken('no single key of the key set matches it')
  // the key set could not be fetched or read: our side, worth a retry
  if (remote && (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid))
    return unavailable('The token key set could not be fetched; retry later')
  if (error instanceof errors.JOSEError) return invalidToken('malformed')
  return remote
    ? unavailable('The token key set could not be fetched; retry later')
    : invalidToken('malformed')
}
