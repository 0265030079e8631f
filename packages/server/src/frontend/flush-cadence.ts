import { performance } from 'node:perf_hooks'

/** How fast the loop-busy average follows: a few hundred ms of saturation, never one busy tick. */
const PRESSURE_TAU_MS = 250
/** Below this share of busy loop time the window is 0: a loop with room to spare flushes every tick. */
const CALM = 0.5
/** From this share on, the window is at its full size. */
const SATURATED = 0.9
/** At full pressure the window is this many flush durations: flushing then takes at most half the loop. */
const FLUSHES_PER_WINDOW = 2
/**
 * While writes merge events (the Flusher spreads its windows) the window may grow this many times more,
 * up to `maxMs`: each longer window then saves writes, giving a saturated box cores back. While each write
 * carries one event it stays within `maxMs` / this: a longer one would only add delay.
 */
const MERGING_GROWTH = 2
/** Weight of the latest flush in the flush-duration average. */
const COST_WEIGHT = 0.25
/** A window shorter than this is a tick anyway: it is rounded to 0. */
const LEAST_WINDOW_MS = 1

/** How long frames may be held for the next flush, told after each flush what it cost. */
export interface FlushCadence {
  /** The least time between the starts of two flushes now (0: every tick). */
  readonly windowMs: number
  /**
   * A window's flushes ran for `endedAt - startedAt` ms in all, ending at `endedAt` (ms, one monotonic
   * clock); `merging`: its writes merge events (the Flusher spreads its windows).
   */
  flushed(startedAt: number, endedAt: number, merging?: boolean): void
}

/** `flushWindowMs`: `'auto'` follows the load up to `maxMs`; a number is the same window whatever the load. */
export function flushCadence(flushWindowMs: number | 'auto', maxMs: number): FlushCadence {
  return flushWindowMs === 'auto'
    ? new AdaptiveCadence(maxMs)
    : { windowMs: flushWindowMs, flushed: () => {} }
}

/**
 * The event loop's busy share since the previous call (0..1), from Node's event-loop utilization:
 * what a loop spends in callbacks, which a timer-lateness measure misses when many short ones keep it busy.
 */
export function loopUtilization(): () => number {
  let last = performance.eventLoopUtilization()
  return () => {
    const now = performance.eventLoopUtilization()
    const { utilization } = performance.eventLoopUtilization(now, last)
    last = now
    return utilization
  }
}

/**
 * `flushWindowMs: 'auto'`: the window follows the load. While the event loop has room (busy under half
 * the time) it is 0, so frames leave in the tick they arrived; as the loop nears saturation it grows to
 * twice the average flush duration (each write then carries what a window brought, and flushing takes
 * at most half the loop), never past `maxMs` / 2; while writes merge events, to four times, up to
 * `maxMs`. A cheap flush gets a short window: batching it would save little. Idle time pulls the busy
 * average down, so the first flush after a quiet spell finds a window near 0, and the Flusher's leading
 * edge sends it at once anyway.
 */
export class AdaptiveCadence implements FlushCadence {
  windowMs = 0
  /** Average flush duration (ms), from the first flush on: what one more flush costs the loop. */
  private costMs: number | undefined
  /** Time-weighted average of the loop's busy share. */
  private pressure = 0
  private sampledAt: number | undefined

  constructor(
    /** The longest window it picks (`maxFlushWindowMs`). */
    private readonly maxMs: number,
    private readonly utilization: () => number = loopUtilization(),
  ) {}

  flushed(startedAt: number, endedAt: number, merging = false): void {
    // a clock that jumped back (fake timers installed later) counts as a free flush and no elapsed time
    const cost = Math.max(0, endedAt - startedAt)
    const costMs = this.costMs === undefined ? cost : this.costMs + COST_WEIGHT * (cost - this.costMs)
    this.costMs = costMs
    const busy = Math.min(1, Math.max(0, this.utilization()))
    const elapsed = this.sampledAt === undefined ? cost : endedAt - this.sampledAt
    this.sampledAt = endedAt
    // weighted by the time the sample covers: a long idle spell outweighs everything before it
    if (elapsed > 0) this.pressure += (1 - Math.exp(-elapsed / PRESSURE_TAU_MS)) * (busy - this.pressure)
    const ramp = Math.min(1, Math.max(0, (this.pressure - CALM) / (SATURATED - CALM)))
    const growth = merging ? MERGING_GROWTH : 1
    const window = Math.min(
      (this.maxMs * growth) / MERGING_GROWTH,
      FLUSHES_PER_WINDOW * growth * costMs * ramp,
    )
    this.windowMs = window < LEAST_WINDOW_MS ? 0 : window
  }
}
