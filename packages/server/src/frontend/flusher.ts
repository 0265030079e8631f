import type { Connection } from './connection'
import type { FlushCadence } from './flush-cadence'
import { SharedChunks } from './shared-chunks'

/**
 * Coalesces writes: connections with queued frames are flushed together, each with one write. Leading
 * edge: after a quiet spell frames leave in the tick they arrived; during a burst, at most one flush per
 * window (the cadence's, fixed or following the load), however many events arrive.
 */
export class Flusher {
  private readonly dirty = new Set<Connection>()
  private scheduled = false
  private lastFlushAt = Number.NEGATIVE_INFINITY
  private readonly shared = new SharedChunks()

  constructor(
    private readonly cadence: FlushCadence,
    /** Told how long each flush took (ms): the flush-duration histogram. */
    private readonly onFlush: (durationMs: number) => void = () => {},
    /** A monotonic clock in ms; tests give one that a flush's writes move. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Marks a connection with queued frames for the next flush. */
  mark(connection: Connection): void {
    this.dirty.add(connection)
    if (this.scheduled) return
    this.scheduled = true
    const window = this.cadence.windowMs
    // bounded by the window: a clock that jumped back (fake timers in a user's test) never holds frames longer
    const wait = window > 0 ? Math.min(window, this.lastFlushAt + window - this.now()) : 0
    // whole ms up: a timer may fire at the truncated delay, a flush early would break the window
    if (wait > 0) setTimeout(this.flush, Math.ceil(wait))
    else setImmediate(this.flush)
  }

  /** A connection that is gone is not flushed. */
  forget(connection: Connection): void {
    this.dirty.delete(connection)
  }

  private readonly flush = (): void => {
    this.scheduled = false
    const startedAt = this.now()
    this.lastFlushAt = startedAt
    for (const connection of this.dirty) connection.flush(this.shared)
    this.dirty.clear()
    this.shared.clear()
    const endedAt = this.now()
    this.cadence.flushed(startedAt, endedAt)
    this.onFlush(endedAt - startedAt)
  }
}
