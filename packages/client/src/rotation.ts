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
 * Make-before-break rotation of the live stream (its transport passed its response bound): a replacement
 * is opened beside it and takes over only once it is connected and has every topic the live stream has.
 */
export class Rotation {
  // the new stream being opened, not yet in charge
  private replacement: Stream | null = null
  // a replacement not ready by then is dropped, so it never lingers beside the live stream
  private deadline: unknown
  private retryTimer: unknown
  private failures = 0 // consecutive failed replacements

  constructor(
    private readonly host: RotationHost,
    private readonly streams: Streams,
    private readonly timers: Timers,
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

  /** The replacement has every topic the live stream has: it takes over, the old one goes. */
  promoteIfReady(): void {
    const next = this.replacement
    if (!next || next.connectionId === null) return
    const old = this.host.live()
    const wanted = this.host.wanted()
    if (wanted.some((t) => old.sync.isAcknowledged(t) && !next.sync.isAcknowledged(t))) return
    // topics the old stream had not acknowledged yet: their POSTs to it are moot once it is gone
    const gained = wanted.filter((t) => next.sync.isAcknowledged(t) && !old.sync.isAcknowledged(t))
    this.replacement = null
    this.timers.clearTimeout(this.deadline)
    drop(old)
    old.sync.dispose()
    this.failures = 0
    this.host.takeOver(next, gained)
    if (next.overLimit) this.start()
  }

  /** The replacement failed: the live stream carries on, and the replacement is tried again later. */
  failed(s: Stream): void {
    if (s !== this.replacement) return
    this.discardReplacement()
    const delay = this.host.retryDelay(this.failures)
    this.failures++
    this.retryTimer = this.timers.setTimeout(() => this.start(), delay)
  }

  /** Ends any replacement and its timers: the live stream is being dropped. */
  stop(): void {
    this.discardReplacement()
    this.timers.clearTimeout(this.retryTimer)
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
