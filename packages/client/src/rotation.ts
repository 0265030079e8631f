import type { Timers } from './options'
import { drop, type Stream, type Streams } from './stream'

/** What the rotation needs of the client. */
export interface RotationHost {
  /** The live stream (or the last one, dropped, while disconnected). */
  live(): Stream
  /** Topics that have at least one local callback. */
  wanted(): string[]
  /** `next` becomes the live stream; `gained`: topics it acknowledged that the old one had not. */
  takeOver(next: Stream, gained: string[]): void
  /** The backoff delay before retry `attempt` (0-based) of a failed replacement. */
  retryDelay(attempt: number): number
}

/**
 * Make-before-break rotation of the live stream (its transport passed its response bound, or its token is
 * about to expire: the replacement connects with a fresh one): a replacement
 * is opened beside it and takes over only once it is connected and has every topic the live stream has.
 * The old stream then retires: it stays open `graceMs`, delivering into the same dedupe, because in a
 * cluster a dispatcher that looked the topic up before the replacement's subscription was recorded sends
 * to the old stream's frontend only, and that delivery may still be on its way.
 */
export class Rotation {
  // the new stream being opened, not yet in charge
  private replacement: Stream | null = null
  // a replacement not ready by then is dropped, so it never lingers beside the live stream
  private deadline: unknown
  private retryTimer: unknown
  private failures = 0 // consecutive failed replacements
  // replaced streams in their grace, each with the timer that drops it
  private readonly retiring = new Map<Stream, unknown>()

  constructor(
    private readonly host: RotationHost,
    private readonly streams: Streams,
    private readonly timers: Timers,
    private readonly graceMs: number,
  ) {}

  isReplacement(s: Stream): boolean {
    return s === this.replacement
  }

  /** The topics changed: a replacement being opened must end up with the same ones. */
  schedule(): void {
    this.replacement?.sync.schedule()
  }

  /** Opens a replacement beside the live stream, which stays in charge until the replacement is ready. */
  start(): void {
    const live = this.host.live()
    if (this.replacement || live.dropped || live.connectionId === null) return
    this.timers.clearTimeout(this.retryTimer)
    const next = this.streams.create(live.baseUrl)
    this.replacement = next
    this.deadline = this.timers.setTimeout(() => this.failed(next), this.streams.connectTimeoutMs())
    this.streams.open(next)
  }

  /** The replacement is connected: it sends the topics it lacks, and takes over if it has them all. */
  connected(next: Stream): void {
    if (next !== this.replacement || next.connectionId === null) return
    next.sync.connected({ connectionId: next.connectionId, baseUrl: next.baseUrl })
    this.promoteIfReady() // also when it has no topics, so no acknowledgement will come
  }

  /** The replacement has every topic the live stream has: it takes over at once, the old one retires. */
  promoteIfReady(): void {
    const next = this.replacement
    if (!next || next.connectionId === null) return
    const old = this.host.live()
    const wanted = this.host.wanted()
    if (wanted.some((t) => old.sync.isAcknowledged(t) && !next.sync.isAcknowledged(t))) return
    // topics the old stream had not acknowledged yet: their POSTs to it are moot once it is replaced
    const gained = wanted.filter((t) => next.sync.isAcknowledged(t) && !old.sync.isAcknowledged(t))
    this.replacement = null
    this.timers.clearTimeout(this.deadline)
    this.retire(old)
    this.failures = 0
    this.host.takeOver(next, gained)
    if (next.overLimit) this.start()
  }

  /** A replacement failed: the live stream carries on, and it is tried again later. */
  failed(s: Stream): void {
    if (this.retiring.has(s)) {
      this.letGo(s) // a retiring stream just goes early: the live stream is another one
      return
    }
    if (s !== this.replacement) return
    this.discardReplacement()
    const delay = this.host.retryDelay(this.failures)
    this.failures++
    this.retryTimer = this.timers.setTimeout(() => this.start(), delay)
  }

  /** Ends any replacement, the retiring streams and their timers: the live stream is being dropped. */
  stop(): void {
    this.discardReplacement()
    this.timers.clearTimeout(this.retryTimer)
    for (const old of [...this.retiring.keys()]) this.letGo(old)
  }

  /** The old stream sends no more POSTs (the replacement has its topics) and is aborted after the grace. */
  private retire(old: Stream): void {
    old.sync.dispose()
    if (this.graceMs <= 0) {
      drop(old)
      return
    }
    this.retiring.set(
      old,
      this.timers.setTimeout(() => this.letGo(old), this.graceMs),
    )
  }

  private letGo(old: Stream): void {
    this.timers.clearTimeout(this.retiring.get(old))
    this.retiring.delete(old)
    drop(old)
  }

  private discardReplacement(): void {
    const next = this.replacement
    if (!next) return
    this.replacement = null
    this.timers.clearTimeout(this.deadline)
    drop(next)
    next.sync.dispose()
  }
}
