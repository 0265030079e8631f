import type { Metrics } from '../metrics/metrics'
import { dataFrame, dataFrames, type EncodedEvent } from '../protocol/frames'
import type { Connection } from './connection'
import { flushCadence } from './flush-cadence'
import { Flusher } from './flusher'
import type { FrontendHistory } from './history'
import { room } from './pacing'
import type { TopicTable } from './topic-table'

export interface FanoutParts {
  table: TopicTable
  metrics: Metrics
  maxBufferedBytes: number
  /** When frames are flushed: a fixed window (0: every tick) or `'auto'`, following the load up to the max. */
  flushWindowMs: number | 'auto'
  maxFlushWindowMs: number
  /** A connection past its buffer bound: the frontend drops it as a slow consumer. */
  drop(connection: Connection): void
  /** The frontend's history topics, whose subscribers catching up get their events held. */
  history: FrontendHistory | undefined
}

/**
 * The hot path of a frontend node: one table lookup per run of same-topic events, whose frames are joined
 * into one Buffer queued once per subscriber (a 100-event batch to 5K viewers is 5K enqueues, not 500K),
 * then one write per connection per flush. Runs keep the batch's order, so a connection on several topics
 * sees events as published.
 */
export class Fanout {
  private readonly flusher: Flusher
  private readonly history: FrontendHistory | undefined
  /** Numbers each fan-out and send: a connection's frames of one are one arrival to the Flusher. */
  private batch = 0

  constructor(private readonly parts: FanoutParts) {
    const { metrics } = parts
    const cadence = flushCadence(parts.flushWindowMs, parts.maxFlushWindowMs)
    metrics.sources.flushWindowMs = () => cadence.windowMs
    this.flusher = new Flusher(cadence, (ms) => metrics.flushDuration.observe(ms / 1000))
    metrics.sources.flushSpread = () => this.flusher.spread
    this.history = parts.history
  }

  /** Events in order (history topics' offsets already sequenced): subscribers catching up get them held. */
  deliver(events: readonly EncodedEvent[]): void {
    const { table, metrics, maxBufferedBytes } = this.parts
    let dropped: Connection[] | undefined
    const now = Date.now()
    const batch = ++this.batch
    for (let start = 0, end = 0; start < events.length; start = end) {
      const topic = events[start]!.topic
      end = start + 1
      while (end < events.length && events[end]!.topic === topic) end++
      const subscribers = table.get(topic)
      if (!subscribers) continue
      const frames = end - start === 1 ? dataFrame(events[start]!) : dataFrames(events, start, end)
      const catching = events[start]!.pos === undefined ? undefined : this.history?.catchingOn(topic)
      for (const connection of subscribers) {
        if (catching?.has(connection)) this.history!.hold(connection, topic, events.slice(start, end))
        else if (this.enqueue(connection, frames, maxBufferedBytes, batch)) continue
        else {
          dropped ??= []
          dropped.push(connection)
        }
      }
      metrics.deliveries.inc(subscribers.size * (end - start))
      for (let i = start; i < end; i++) metrics.latency.observe(Math.max(0, now - events[i]!.ts) / 1000)
    }
    if (dropped) for (const connection of dropped) this.parts.drop(connection)
  }

  /** Queues one frame on one connection (a snapshot, a replay, a control frame). */
  send(connection: Connection, frame: Buffer): void {
    if (connection.closed) return
    if (!this.enqueue(connection, frame, this.parts.maxBufferedBytes, ++this.batch))
      this.parts.drop(connection)
  }

  /**
   * Queues a frame; the Flusher is told only of a connection whose queue was empty (one that already
   * had frames is marked already): a Set lookup per delivery was a third of the fan-out's own CPU.
   */
  private enqueue(connection: Connection, frame: Buffer, maxBufferedBytes: number, batch: number): boolean {
    const first = !connection.queued
    if (!connection.enqueue(frame, maxBufferedBytes, batch)) return false
    if (first) this.flusher.mark(connection)
    return true
  }

  /**
   * Queues frames in order, each once the connection has room under half its bound (a subscribe's
   * snapshots: however many and large, they never drop the reader they are for). Stops when it closes.
   */
  async sendPaced(connection: Connection, frames: readonly Buffer[]): Promise<void> {
    for (const frame of frames) {
      if (!(await room(connection, this.parts.maxBufferedBytes / 2))) return this.parts.drop(connection)
      if (connection.closed) return
      this.send(connection, frame)
    }
  }

  /** A connection that is gone is not flushed. */
  forget(connection: Connection): void {
    this.flusher.forget(connection)
  }
}
