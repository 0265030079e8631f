import type { Timers } from './options'
import { MAX_TIMER_MS } from './options-check'

/**
 * Renewals of tokens that expire at the same instant (issued in a burst) are spread over this long
 * before the lead, so the clients holding them do not all reconnect at once.
 */
export const TOKEN_EXPIRY_JITTER_MS = 10_000
/** A token is renewed at least this long before its `exp`: time for the replacement stream to connect. */
export const TOKEN_RENEW_LEAD_MS = 5_000

/**
 * The `exp` (epoch ms) of the JWT a request's `Authorization: Bearer` carries, read without verifying
 * (only to know when to renew it); undefined for a token that is not a JWT with a numeric `exp`.
 */
export function tokenExpiry(headers: Record<string, string>): number | undefined {
  const auth = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1]
  const jwt = /^Bearer\s+[\w-]+\.([\w-]+)\.[\w-]*$/.exec(auth?.trim() ?? '')
  const atob = (globalThis as { atob?: (base64: string) => string }).atob
  if (!jwt || typeof atob !== 'function') return undefined
  try {
    const claims = JSON.parse(atob(jwt[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown }
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined
  } catch {
    return undefined
  }
}

/**
 * When to renew a token that expires `remainingMs` from now: `TOKEN_RENEW_LEAD_MS` before, less a random
 * share of `TOKEN_EXPIRY_JITTER_MS` (both at most a quarter of the token's remaining life, so a short
 * one is still renewed past its middle). Null when there is nothing to renew before expiry.
 */
export function renewalDelay(remainingMs: number, random: () => number): number | null {
  if (!(remainingMs > 0)) return null
  const lead = Math.min(TOKEN_RENEW_LEAD_MS, remainingMs / 4)
  const spread = Math.min(TOKEN_EXPIRY_JITTER_MS, remainingMs / 4)
  const r = Math.min(Math.max(random(), 0), 1)
  const delay = Math.floor(remainingMs - lead - r * spread)
  return delay <= MAX_TIMER_MS ? delay : null // past a timer's reach: the server's expiry hint ends it
}

/**
 * Renews the live stream's token before it expires, make-before-break (`renew` opens a replacement with a
 * fresh `getToken`), at a jittered time: without it the server ends every stream at its token's `exp`, and
 * clients holding tokens of one burst all reconnect in the same second.
 */
export class TokenRenewal {
  private timer: unknown
  /** The expiry the last renewal was for: a replacement handed a token no later is not renewed again. */
  private renewedFrom: number | undefined

  constructor(
    private readonly timers: Timers,
    private readonly random: () => number,
    private readonly renew: () => void,
  ) {}

  /** The live stream is up with a token expiring at `expiresAt` (undefined: not a JWT, nothing to do). */
  arm(expiresAt: number | undefined): void {
    this.cancel()
    // the app handed back the same token (or an older one): renewing again would loop until exp
    if (expiresAt === undefined || (this.renewedFrom !== undefined && expiresAt <= this.renewedFrom)) return
    const delay = renewalDelay(expiresAt - Date.now(), this.random)
    if (delay === null) return
    this.timer = this.timers.setTimeout(() => {
      this.renewedFrom = expiresAt
      this.renew()
    }, delay)
  }

  cancel(): void {
    this.timers.clearTimeout(this.timer)
  }
}
