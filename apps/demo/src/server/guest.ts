import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { errors, jwtVerify, SignJWT } from 'jose'
import type { GuestProfile } from '../shared/api.js'
import { isGuestId, nameProblem } from '../shared/rules.js'
import { ApiFailure } from './validate.js'

/** `iss` and `aud` of guest tokens; Likewire checks both (`auth.jwt`), so no other token of the secret passes. */
export const GUEST_TOKEN_ISSUER = 'likewire-demo'
export const GUEST_TOKEN_AUDIENCE = 'likewire-demo'
/** A guest token's lifetime: short, since the page's `getToken` fetches a new one on every connect. */
export const GUEST_TOKEN_TTL_MS = 15 * 60_000
/** What a guest may subscribe to (the `topics` claim): the videos' topics and members' presence. */
export const GUEST_TOPICS = ['video:*', 'member:*'] as const
/** How long the backend remembers a guest's name after its last token, for other viewers' "watching" line. */
export const GUEST_NAME_TTL_MS = 7 * 24 * 60 * 60_000
/** Longest token read from an `Authorization` header, as Likewire's own bound. */
const MAX_TOKEN_LENGTH = 8192

/** Names for a guest who did not choose one. */
const NAMES = (
  'Priya Marco Akhilesh Sam Ada Lin Noor Kofi Mateo Yuki Ines Ravi ' +
  'Lena Tariq Zoe Arjun Mei Jonas Amara Diego Sofia Kenji Fatima Hugo'
).split(' ')

export const randomName = (): string => NAMES[Math.floor(Math.random() * NAMES.length)] ?? 'Guest'

/**
 * The secret guest tokens are signed with (HS256, and what Likewire verifies them with): `GUEST_SECRET`;
 * else, in cluster mode, one derived from the cluster's `LIKEWIRE_SECRET` (so every demo process of a
 * cluster has the same without another variable, and the cluster secret itself never signs a token);
 * else a random one per process (guests then last until the process restarts).
 */
export function guestSecret(env: {
  GUEST_SECRET?: string | undefined
  LIKEWIRE_SECRET?: string | undefined
}) {
  if (env.GUEST_SECRET) return env.GUEST_SECRET
  if (env.LIKEWIRE_SECRET)
    return createHmac('sha256', env.LIKEWIRE_SECRET).update('likewire-demo guest tokens').digest('base64url')
  return randomBytes(32).toString('base64url')
}

/** Likewire's `auth.jwt` for guest tokens. */
export const guestJwt = (secret: string) => ({
  secret,
  issuer: GUEST_TOKEN_ISSUER,
  audience: GUEST_TOKEN_AUDIENCE,
})

export interface GuestsOptions {
  secret: string
  /** @default GUEST_TOKEN_TTL_MS (15 min) */
  tokenTtlMs?: number
  /** The clock tokens are issued by (tests issue expired ones). @default Date.now */
  now?: () => number
}

export type Guests = ReturnType<typeof createGuests>

/**
 * Guest identities: a random member id per browser, a key that lets that browser (and only it) get
 * tokens for the id again, and short-lived tokens carrying the id (`sub`) and display name (`name`).
 */
export function createGuests(options: GuestsOptions) {
  const secret = new TextEncoder().encode(options.secret)
  const ttlMs = options.tokenTtlMs ?? GUEST_TOKEN_TTL_MS
  const now = options.now ?? Date.now
  // its own purpose string: a guest key is never a token's signature, nor the other way round
  const keyFor = (id: string) => createHmac('sha256', secret).update(`guest key\n${id}`).digest('base64url')

  return {
    newId: () => `guest:${randomBytes(16).toString('base64url')}`,
    keyFor,
    /** True when `key` was issued here for `id` (constant time). */
    keyMatches(id: string, key: string): boolean {
      const expected = Buffer.from(keyFor(id))
      const given = Buffer.from(key)
      return given.length === expected.length && timingSafeEqual(given, expected)
    },
    async issue(guest: GuestProfile): Promise<{ token: string; expiresAt: number }> {
      const issuedAt = Math.floor(now() / 1000)
      const expiresAt = issuedAt + Math.round(ttlMs / 1000)
      const token = await new SignJWT({ name: guest.name, topics: [...GUEST_TOPICS] })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(guest.id)
        .setIssuer(GUEST_TOKEN_ISSUER)
        .setAudience(GUEST_TOKEN_AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .sign(secret)
      return { token, expiresAt: expiresAt * 1000 }
    },
    /** The guest of `Authorization: Bearer <token>`, or a 401 (`unauthorized`, `token_expired`). */
    async verify(authorization: string | undefined): Promise<GuestProfile> {
      const token = /^bearer +(\S+)\s*$/i.exec(authorization?.slice(0, MAX_TOKEN_LENGTH + 64) ?? '')?.[1]
      if (!token)
        throw unauthorized('Post as a guest: send its token (POST /api/guest) as Authorization: Bearer.')
      if (token.length > MAX_TOKEN_LENGTH) throw unauthorized('The token is too long.', true)
      let claims: Record<string, unknown>
      try {
        ;({ payload: claims } = await jwtVerify(token, secret, {
          algorithms: ['HS256'],
          issuer: GUEST_TOKEN_ISSUER,
          audience: GUEST_TOKEN_AUDIENCE,
        }))
      } catch (error) {
        if (error instanceof errors.JWTExpired) {
          throw new ApiFailure(401, 'token_expired', 'The guest token expired: get a new one.', {
            'WWW-Authenticate': `${challenge}, error="invalid_token", error_description="token expired"`,
          })
        }
        throw unauthorized('The guest token is not valid here.', true)
      }
      const { sub: id, name } = claims
      // signed by us, so always well formed; checked anyway, as anything shown to other viewers
      if (!isGuestId(id) || typeof name !== 'string' || nameProblem(name)) {
        throw unauthorized('The guest token names no valid guest.', true)
      }
      return { id, name }
    },
  }
}

const challenge = 'Bearer realm="likewire-demo"'

function unauthorized(message: string, tokenGiven = false): ApiFailure {
  return new ApiFailure(401, 'unauthorized', message, {
    'WWW-Authenticate': tokenGiven ? `${challenge}, error="invalid_token"` : challenge,
  })
}
