/** Exponential backoff settings: the delay doubles per failed attempt, up to a cap. */
export interface BackoffOptions {
  /**
   * Delay scale of the first retry. The `retry:` the server sends before `likewire.connected` replaces
   * it, raised to at least `MIN_RETRY_BASE_MS` (100); a later `retry:` never changes it.
   * @default 1000
   */
  baseMs: number
  /**
   * Upper bound of any delay.
   * @default 30000
   */
  maxMs: number
  /**
   * A connection that stays up this long resets the attempt count.
   * @default 10000
   */
  stableAfterMs: number
}

/** The lowest base delay a server's `retry:` can set, so a `retry: 0` never makes retries immediate. */
export const MIN_RETRY_BASE_MS = 100

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  baseMs: 1000,
  maxMs: 30_000,
  stableAfterMs: 10_000,
})

/**
 * Delay before retry number `attempt` (0-based): a uniform pick in [0, min(maxMs, baseMs * 2^attempt)).
 * Full jitter spreads a crowd of clients that lost the same node (AWS "Exponential Backoff And Jitter").
 */
export function backoffDelay(
  attempt: number,
  options: Pick<BackoffOptions, 'baseMs' | 'maxMs'>,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 52) // 2^53 overflows integer precision
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent)
  const r = Math.min(Math.max(random(), 0), 1) // a misbehaving random must not escape the bounds
  return Math.floor(r * Math.max(0, ceiling))
}
