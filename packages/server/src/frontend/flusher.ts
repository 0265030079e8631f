import type { Connection } from './connection'

/**
 * Coalesces writes: connections with queued frames are flushed together, each with one write. Leading
 * edge: after a quiet spell frames leave in the tick they arrived; during a burst, at most one flush per
 * window, however many events arrive.
 */
export class Flusher {
  private readonly dirty = new Set<Connection>()
  private scheduled = false
  private lastFlushAt = Number.NEGATIVE_INFINITY

  constructor(private readonly windowMs: number) {}

  /** Marks a connection with queued frames for the next flush. */
  mark(connection: Connection): void {
    this.dirty.add(connection)
    if (this.scheduled) return
    this.scheduled = true
    const window = this.windowMs
    // bounded by the window: a clock that jumped back (fake timers in a user's test) never holds frames longer
    const wait = window > 0 ? Math.min(window, this.lastFlushAt + window - performance.now()) : 0
    if (wait > 0) setTimeout(this.flush, wait)
    else setImmediate(this.flush)
  }

  /** A connection that is gone is not flushed. */
  forget(connection: Connection): void {
    this.dirty.delete(connection)
  }

  private readonly flush = (): void => {
    this.scheduled = false
    this.lastFlushAt = performance.now()
    for (const connection of this.dirty) connection.flush()
    this.dirty.clear()
  }
}
