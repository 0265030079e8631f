import type { Logger } from 'pino'
import type { HistoryRules } from '../history/rules'
import type { HistoryStore } from '../history/store'
import type { Metrics } from '../metrics/metrics'
import { type EncodedEvent, sharedDataFrame } from '../protocol/frames'
import type { Connection } from './connection'
import { CoalescedReads, retried } from './history-reads'
import { HistoryWindows, type WindowLimits } from './history-window'
import { gapFrame, Recovery, type RecoveryRequest, replayEvent, type Starting } from './recovery'
import { ReplayTurns } from './replay-turns'
import { type SequenceGap, Sequencer } from './sequencer'

/** Where a frontend reads history: the rules that say which topics have one, and the store. */
export interface FrontendHistoryParts {
  rules: HistoryRules
  store: HistoryStore
  /** The window of recent events resumes are answered from. @default DEFAULT_WINDOW */
  window?: WindowLimits | undefined
}

/** The defaults of `historyWindow` and `historyWindowBytes`. */
export const DEFAULT_WINDOW: WindowLimits = { events: 10_000, bytes: 64 * 1024 * 1024 }

/**
 * How long a topic's window is kept once the node's last subscriber of it left: a cut brings them all
 * back within seconds, and the first one back brings the window up to date with one store read.
 */
export const WINDOW_LINGER_MS = 30_000

interface Bindings {
  metrics: Metrics
  /** The slow-consumer bound: a replay paces itself under it. */
  maxBufferedBytes: number
  logger: Logger
  /** Ends a connection whose catch-up failed: its client reconnects and resumes. */
  drop(connection: Connection): void
  /** Ends a connection that took nothing of its catch-up for a long while (a slow consumer). */
  dropSlow(connection: Connection): void
  /** The topic's local subscribers. */
  subscribers(topic: string): ReadonlySet<Connection> | undefined
  /** Queues one frame on a connection (slow-consumer bound included). */
  send(connection: Connection, frame: Buffer): void
  /** Delivers events already in order (released by the sequencer after a hole). */
  deliverOrdered(events: readonly EncodedEvent[]): void
}

/**
 * A frontend's history topics: node-wide offset order with holes repaired from history (Sequencer), and
 * per-subscriber catch-up on resume or rewind (Recovery). Fire-and-forget topics never come here.
 */
export class FrontendHistory {
  private readonly sequencer: Sequencer
  private readonly recovery: Recovery
  private readonly windows: HistoryWindows
  private lastSweep = Date.now()
  private readonly tracked = (topic: string) => this.sequencer.tracks(topic)

  /** The frontend's history part, or undefined when no topic has history (nothing more on the hot path). */
  static create(parts: FrontendHistoryParts | undefined, bind: Bindings): FrontendHistory | undefined {
    return parts?.rules.enabled ? new FrontendHistory(parts, bind) : undefined
  }

  private constructor(
    private readonly parts: FrontendHistoryParts,
    private readonly bind: Bindings,
  ) {
    // catch-ups of one topic (a reconnect storm) share one store read at a time, retried a few times
    const reads = new CoalescedReads(
      retried(async (topic, from) => {
        const rule = parts.rules.ruleFor(topic)
        if (!rule) throw new Error(`${topic} has no history rule`)
        return parts.store.read(topic, rule, from)
      }),
      () => bind.metrics.historyReads.inc(),
    )
    const read = (topic: string, from: Parameters<HistoryStore['read']>[2]) => reads.get(topic, from)
    this.windows = new HistoryWindows(parts.window ?? DEFAULT_WINDOW, (topic) => parts.rules.ruleFor(topic))
    bind.metrics.sources.historyWindowBytes = () => this.windows.bytes
    this.recovery = new Recovery({
      read,
      recent: async (topic, after) => {
        // the window must end where the node's order stands: known once its anchor settled
        if (this.sequencer.anchoring(topic)) await this.sequencer.where(topic)
        return this.windows.after(topic, after, this.sequencer.position(topic))
      },
      turns: new ReplayTurns(),
      send: bind.send,
      dropSlow: bind.dropSlow,
      metrics: bind.metrics,
      replayAheadBytes: bind.maxBufferedBytes / 2,
    })
    this.sequencer = new Sequencer({
      release: (events) => {
        this.windows.record(events)
        bind.deliverOrdered(events)
      },
      gap: (gap) => this.gapToTopic(gap),
      fill: async (topic, after) => {
        const found = await read(topic, { after })
        return found.epoch === after.epoch
          ? found.events.map((entry) => replayEvent(topic, found.epoch, entry))
          : []
      },
    })
  }

  /**
   * What each fresh history subscription asks: its resume or rewind, else `rewind: 0` (no event, but the
   * subscriber is told where it starts). Topics without history are plain subscribes.
   */
  applicable(
    requests: ReadonlyMap<string, RecoveryRequest> | undefined,
    fresh: readonly string[],
  ): Map<string, RecoveryRequest> {
    const kept = new Map<string, RecoveryRequest>()
    for (const topic of fresh)
      if (this.parts.rules.ruleFor(topic)) kept.set(topic, requests?.get(topic) ?? { rewind: 0 })
    return kept
  }

  order(events: readonly EncodedEvent[]): readonly EncodedEvent[] {
    for (const event of events) if (event.pos === undefined) this.checkUnpositioned(event.topic)
    const ordered = this.sequencer.order(events)
    // only topics in the node's order (subscribed here): a delivery racing the last unsubscribe is not
    this.windows.record(ordered, this.tracked)
    return ordered
  }

  private readonly warned = new Set<string>()

  /**
   * An event without a position on a topic this node keeps history of: a dispatcher without the rule sent
   * it, so it is in no history and a resume cannot get it. Delivered, but never silently: counted, logged.
   */
  private checkUnpositioned(topic: string): void {
    if (!this.parts.rules.ruleFor(topic)) return
    this.bind.metrics.unpositioned.inc()
    if (this.warned.has(topic) || this.warned.size > 1000) return
    this.warned.add(topic)
    this.bind.logger.error(
      { topic },
      'an event of a history topic arrived without a position: give every dispatcher the same --history rules',
    )
  }

  catchingOn(topic: string) {
    return this.recovery.catchingOn(topic)
  }

  /** Live events for a subscriber catching up: held, or written once past what its catch-up wrote. */
  hold(connection: Connection, topic: string, events: readonly EncodedEvent[]): void {
    for (const event of events)
      if (!this.recovery.hold(connection, topic, { event }))
        this.bind.send(connection, sharedDataFrame(event))
  }

  /**
   * Starts holding live events for these subscriptions. A fresh one (`rewind: 0`) starts where the node's
   * order stands right now: taken here, as it subscribes, so no event released meanwhile is skipped.
   */
  begin(
    connection: Connection,
    requests: ReadonlyMap<string, RecoveryRequest>,
  ): Map<string, RecoveryRequest | Starting> {
    const begun = new Map<string, RecoveryRequest | Starting>()
    for (const [topic, request] of requests) {
      this.recovery.begin(connection, topic)
      begun.set(
        topic,
        'rewind' in request && request.rewind === 0 ? { start: this.sequencer.where(topic) } : request,
      )
    }
    return begun
  }

  run(connection: Connection, requests: ReadonlyMap<string, RecoveryRequest | Starting>): void {
    for (const [topic, request] of requests)
      this.recovery.run(connection, topic, request).catch((error: unknown) => {
        // a bug of ours must not take the process down: the subscriber is dropped and comes back resuming
        this.bind.logger.error({ err: error, topic }, 'catch-up failed')
        this.recovery.cancel(connection, topic)
        this.bind.drop(connection)
      })
  }

  cancel(connection: Connection, topics: Iterable<string>): void {
    for (const topic of topics) this.recovery.cancel(connection, topic)
  }

  /**
   * The topic's first subscriber on this node: its order starts after what is recorded now. A window
   * kept since its last subscriber left is brought up to date in the same read (what was recorded since).
   */
  anchor(topic: string): void {
    const rule = this.parts.rules.ruleFor(topic)
    if (!rule) return
    this.sweep()
    const { store } = this.parts
    const { metrics } = this.bind
    this.sequencer.anchor(topic, async () => {
      const end = this.windows.detachedEnd(topic, WINDOW_LINGER_MS)
      metrics.historyReads.inc()
      if (!end) {
        const { epoch, latest } = await store.read(topic, rule, { last: 0 })
        return { epoch, offset: latest }
      }
      try {
        const read = await store.read(topic, rule, { after: end })
        const follows = read.epoch === end.epoch && read.complete
        this.windows.attach(
          topic,
          follows ? read.events.map((e) => replayEvent(topic, read.epoch, e)) : undefined,
        )
        return { epoch: read.epoch, offset: read.latest }
      } catch (error) {
        this.windows.drop(topic)
        throw error
      }
    })
  }

  /** The node has no subscriber of the topic any more: its window lingers a while (see anchor). */
  forget(topic: string): void {
    this.sequencer.forget(topic)
    this.windows.detach(topic)
    this.sweep()
  }

  /** Drops windows that lingered too long, at most once per linger time (no timer to stop). */
  private sweep(): void {
    const now = Date.now()
    if (now - this.lastSweep < WINDOW_LINGER_MS) return
    this.lastSweep = now
    this.windows.sweep(WINDOW_LINGER_MS)
  }

  private gapToTopic(gap: SequenceGap): void {
    const catching = this.recovery.catchingOn(gap.topic)
    for (const connection of this.bind.subscribers(gap.topic) ?? []) {
      if (catching?.has(connection) && this.recovery.hold(connection, gap.topic, { gap })) continue
      this.bind.metrics.gaps.inc({ reason: gap.reason })
      this.bind.send(connection, gapFrame(gap))
    }
  }
}
