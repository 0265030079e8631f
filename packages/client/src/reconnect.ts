import { type BackoffOptions, backoffDelay, MIN_RETRY_BASE_MS } from './backoff'
import type { ConnectionDown } from './connection'
import type { Timers } from './options'
import { StateReason } from './state'

/** When and where the client reconnects: backoff over consecutive failures, the server's hints, the next URL. */
export class ReconnectPolicy {
  private baseMs: number
  private failures = 0 // consecutive failed attempts, reset by a stable connection
  private expiredRefusals = 0 // connects answered 401 token_expired in a row
  private urlIndex = 0
  private stableTimer: unknown

  constructor(
    private readonly urls: readonly string[],
    private readonly backoff: BackoffOptions,
    private readonly random: () => number,
    private readonly timers: Timers,
  ) {
    this.baseMs = backoff.baseMs
  }

  /** Consecutive failed attempts, as `state.attempt` shows them. */
  get attempt(): number {
    return this.failures
  }

  /** The frontend the next attempt goes to. */
  url(): string {
    return this.urls[this.urlIndex % this.urls.length]!
  }

  /** The preamble's `retry:` is the server's base delay; a floor keeps `retry: 0` from a hot loop. */
  setServerBase(ms: number): void {
    this.baseMs = Math.max(MIN_RETRY_BASE_MS, ms)
  }

  /** A stream is up: its attempt count is forgiven once it has stayed up `stableAfterMs`. */
  connected(): void {
    this.expiredRefusals = 0
    this.timers.clearTimeout(this.stableTimer)
    this.stableTimer = this.timers.setTimeout(() => {
      this.failures = 0
    }, this.backoff.stableAfterMs)
  }

  disconnected(): void {
    this.timers.clearTimeout(this.stableTimer)
  }

  /** A new network deserves a fresh start. */
  reset(): void {
    this.failures = 0
  }

  /** The backoff delay of attempt `attempt` (0-based), on the server's base: it paces replacements too. */
  delay(attempt: number): number {
    return backoffDelay(attempt, { baseMs: this.baseMs, maxMs: this.backoff.maxMs }, this.random)
  }

  /** How long to wait after `down` before the next attempt (to the next URL); null when retrying cannot help. */
  after(down: ConnectionDown): number | null {
    // retrying with the same credentials cannot help
    if (down.reason === StateReason.unauthorized || down.reason === StateReason.forbidden) return null
    if (down.reason === StateReason.tokenExpired) {
      // at once, to the same node, with fresh credentials; a connect refused twice in a row stops: never a loop
      if (down.status === 401 && ++this.expiredRefusals > 1) return null
      return down.status === 401 ? 0 : (down.delayMs ?? 0)
    }
    this.expiredRefusals = 0
    let delay: number
    if (down.reason === StateReason.serverShutdown) {
      delay = down.delayMs ?? 0 // a planned drain is not a failure; its hint delays this reconnect only
    } else {
      delay = this.delay(this.failures)
      // a server hint on a failed stream may lengthen this one delay, never shorten the backoff
      if (down.delayMs !== undefined) delay = Math.max(delay, Math.min(down.delayMs, this.backoff.maxMs))
      this.failures++
    }
    this.urlIndex++ // the next attempt goes to the next frontend, if several were given
    return delay
  }
}
