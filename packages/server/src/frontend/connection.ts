import { memberIdOf } from '../auth/identity'
import type { SharedChunks } from './shared-chunks'
import type { ConnectionSink } from './sink'

/** The most a sink adds around the bytes of one write (an HTTP/1.1 chunk's size line and CRLF). */
const WRITE_FRAMING_BYTES = 16

/** Why a connection ended; each is a label on likewire_disconnects_total. */
export type DisconnectReason =
  | 'client_closed'
  | 'slow_consumer'
  | 'shutdown'
  | 'server_error'
  | 'token_expired'

/**
 * One SSE stream held by this frontend node (an actor in the talk's words): its subscriptions and the
 * frames queued for it in the current tick. Sends are fire-and-forget: nothing here waits on the client.
 */
export class Connection {
  readonly id: string
  readonly identity: unknown
  /** The member this connection belongs to (presence), or null when anonymous. */
  readonly memberId: string | null
  readonly topics = new Set<string>()
  readonly connectedAt = Date.now()
  closed = false
  /** The Flusher's slot for this connection (-1 until its first frames): its turn in each window. */
  flushSlot = -1
  /** Until start(), frames only queue: the response headers and preamble must go first. */
  private held = true
  /** Frames queued this tick; absent while none is (an idle stream then holds no empty array, 32 B). */
  private pending: Buffer[] | undefined
  private pendingBytes = 0
  /** Arrivals with frames queued now (the frames of one fan-out batch are one): what the next write merges. */
  private arrivals = 0
  /** The fan-out batch that last queued frames here. */
  private arrivedWith = 0
  /**
   * At least the sink's unsent bytes (-1: not looked at yet): they only grow by our own writes, so
   * adding each write's bytes keeps it an upper bound, and the sink is asked only when the bound says
   * the connection may be past its limit (asking on every enqueue cost more than the enqueue).
   */
  private unsentBound = -1

  constructor(
    id: string,
    identity: unknown,
    private readonly sink: ConnectionSink,
  ) {
    this.id = id
    this.identity = identity
    this.memberId = memberIdOf(identity)
  }

  /** Frames are queued for the next flush (the Flusher was told when the first of them came). */
  get queued(): boolean {
    return this.pending !== undefined
  }

  /** Bytes queued or written but not yet taken by the kernel: what the slow-consumer bound measures. */
  get backlog(): number {
    return this.pendingBytes + this.sink.bufferedBytes()
  }

  /**
   * Queues a frame for the next flush (written at once past half the bound); false when the connection is
   * past its buffer bound. Frames of one `batch` (a fan-out's number) count as one arrival.
   */
  enqueue(frame: Buffer, maxBufferedBytes: number, batch?: number): boolean {
    if (this.closed) return true // nothing is kept for a stream that is gone
    if (batch === undefined || batch !== this.arrivedWith) {
      this.arrivals++
      this.arrivedWith = batch ?? 0
    }
    // allocated on demand: most idle streams have nothing queued most of the time
    if (this.pending === undefined) this.pending = [frame]
    else this.pending.push(frame)
    this.pendingBytes += frame.length
    // a flush window must never make a reader that keeps up look slow: half the bound goes out at once
    if (this.pendingBytes > maxBufferedBytes / 2) this.flush()
    if (this.unsentBound >= 0 && this.pendingBytes + this.unsentBound <= maxBufferedBytes) return true
    this.unsentBound = this.sink.bufferedBytes()
    return this.pendingBytes + this.unsentBound <= maxBufferedBytes
  }

  /** Writes the stream's first bytes, then whatever was queued while the subscription was recorded. */
  start(preamble: Buffer): void {
    if (this.closed || !this.held) return
    this.held = false
    this.write([preamble], preamble.length)
    this.flush()
  }

  /**
   * Writes everything queued this tick as one write (coalescing is the cheapest syscall win); a flush of
   * many connections passes its `shared` bytes, built once for every connection with the same frames.
   * Returns the arrivals the write carried (0: no write).
   */
  flush(shared?: SharedChunks): number {
    const { pending, arrivals } = this
    if (pending === undefined || this.closed || this.held) return 0
    const bytes = this.pendingBytes
    this.pending = undefined // the next frame allocates a new queue, as the old `= []` did here
    this.pendingBytes = 0
    this.arrivals = 0
    this.write(pending, bytes, shared)
    return arrivals
  }

  /** Writes a frame now, bypassing the tick queue (connect preamble, shutdown hint). */
  writeNow(frame: Buffer): void {
    this.flush()
    if (!this.closed && !this.held) this.write([frame], frame.length)
  }

  private write(frames: readonly Buffer[], bytes: number, shared?: SharedChunks): void {
    this.sink.write(frames, bytes, shared)
    if (this.unsentBound >= 0) this.unsentBound += bytes + WRITE_FRAMING_BYTES
  }

  /** Ends the stream cleanly (the client sees EOF) or drops it (slow consumer). */
  close(mode: 'end' | 'destroy'): void {
    if (this.closed) return
    this.flush()
    this.closed = true
    this.pending = undefined // nothing is kept for a closed stream, not even an empty queue
    this.pendingBytes = 0
    this.arrivals = 0
    // a stream never started has sent nothing: the connect route still answers it (503, 404...)
    if (this.held) return
    if (mode === 'end') this.sink.end()
    else this.sink.destroy()
  }
}
