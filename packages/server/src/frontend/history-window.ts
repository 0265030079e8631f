import type { Position } from '../history/positions'
import { type EncodedEvent, sharedDataFrame } from '../protocol/frames'

/** How much a frontend keeps of the events it delivered live, per history topic and in all. */
export interface WindowLimits {
  /** Most events kept per topic (never more than its rule's size); 0 keeps none. */
  events: number
  /** Most bytes of frames kept by the node in all topics; past it the least recently fed topics lose their oldest events. */
  bytes: number
}

/** What a topic's rule allows a window to keep: no more events than its store, none older than its TTL. */
export interface WindowRule {
  size: number
  ttlMs: number
}

/** A resume answered from a window: the frames after the asked position, up to the node's latest. */
export interface WindowRead {
  epoch: string
  /** The offset of the last frame (the node's latest delivered). */
  latest: number
  /** Pre-built frames of the events after the asked position, in offset order (shared: never mutate). */
  frames: Buffer[]
}

/** One topic's recent events: contiguous offsets `first`, `first + 1`, ... of one epoch, framed once. */
interface TopicWindow {
  epoch: string
  /** The offset of frames[head]. */
  first: number
  frames: Buffer[]
  /** Dispatcher receipt time of each frame (ms), for the rule's TTL. */
  ts: number[]
  /** Index of the oldest kept frame: evicted ones are skipped, the arrays compacted now and then. */
  head: number
  bytes: number
  cap: number
  ttlMs: number
  /** The node's last subscriber left at this time: kept a while for those who come back (0: attached). */
  detachedAt: number
}

/** Rough bytes a kept event costs beyond its frame (arrays, number boxes). */
const ENTRY_OVERHEAD = 32
/** Evicted slots are compacted once this many have piled up at the head. */
const COMPACT_AT = 1024

/**
 * The events a frontend delivered live on each history topic, kept in a bounded window: a resume whose
 * position falls inside it is answered from memory, without a history read (after a cut thousands of
 * subscribers of one topic come back from nearby positions). It never hides a hole: an event that does
 * not follow the last one (another epoch, an offset skipped after a gap) restarts the window at it.
 */
export class HistoryWindows {
  /** In least recently fed order (Map order, moved to the end on each event): the byte bound evicts from the front. */
  private readonly topics = new Map<string, TopicWindow>()
  private totalBytes = 0

  constructor(
    private readonly limits: WindowLimits,
    /** The topic's rule; undefined for topics without history (never kept). */
    private readonly ruleOf: (topic: string) => WindowRule | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Bytes kept in all windows (the gauge). */
  get bytes(): number {
    return this.totalBytes
  }

  /**
   * Records events delivered live, in the node's order: history events of the topics `tracked` says are
   * in that order (subscribed here); others are skipped.
   */
  record(events: readonly EncodedEvent[], tracked: (topic: string) => boolean = () => true): void {
    if (this.limits.events === 0) return
    for (const event of events)
      if (event.pos !== undefined && tracked(event.topic)) this.add(event, event.pos)
    if (this.totalBytes > this.limits.bytes) this.evictBytes()
  }

  /**
   * The frames after `after` when the window holds every event from it to the node's latest, `at` (the
   * node's own order: the window must end there, or events it did not keep would be skipped); undefined
   * otherwise, and the caller reads the store.
   */
  after(topic: string, after: Position, at: Position | undefined): WindowRead | undefined {
    const window = this.topics.get(topic)
    if (window?.detachedAt !== 0 || !at) return undefined
    this.expire(window)
    const latest = window.first + this.length(window) - 1
    if (window.epoch !== after.epoch || at.epoch !== window.epoch || at.offset !== latest) return undefined
    // the first event it needs is the one after its position: kept, or it is at the latest already
    if (after.offset < window.first - 1 || after.offset > latest) return undefined
    const from = window.head + (after.offset + 1 - window.first)
    return { epoch: window.epoch, latest, frames: window.frames.slice(from) }
  }

  /**
   * The node has no subscriber of the topic any more: its window is kept for `lingerMs` (a cut brings
   * every subscriber back within seconds), but answers nothing until it was brought up to date (attach).
   */
  detach(topic: string): void {
    const window = this.topics.get(topic)
    if (window) window.detachedAt = this.now()
  }

  /**
   * Where a detached window ends, to read what was published since it detached; undefined when there is
   * none or it lingered past `lingerMs` (dropped then).
   */
  detachedEnd(topic: string, lingerMs: number): Position | undefined {
    const window = this.topics.get(topic)
    if (!window || window.detachedAt === 0) return undefined
    if (this.now() - window.detachedAt > lingerMs || this.length(window) === 0) {
      this.drop(topic)
      return undefined
    }
    return { epoch: window.epoch, offset: window.first + this.length(window) - 1 }
  }

  /**
   * A detached window brought up to date with what the store recorded since (`events`, contiguous from its
   * end), answering again; dropped when they do not follow on (another epoch, trimmed meanwhile).
   */
  attach(topic: string, events: readonly EncodedEvent[] | undefined): void {
    const window = this.topics.get(topic)
    if (!window) return
    const end = window.first + this.length(window) - 1
    if (!events?.every((e, i) => e.pos?.epoch === window.epoch && e.pos.offset === end + 1 + i)) {
      this.drop(topic)
      return
    }
    window.detachedAt = 0
    this.record(events)
  }

  /** Drops detached windows that lingered past `lingerMs` (called now and then). */
  sweep(lingerMs: number): void {
    const now = this.now()
    for (const [topic, window] of this.topics)
      if (window.detachedAt !== 0 && now - window.detachedAt > lingerMs) this.drop(topic)
  }

  drop(topic: string): void {
    const window = this.topics.get(topic)
    if (!window) return
    this.totalBytes -= window.bytes
    this.topics.delete(topic)
  }

  private add(event: EncodedEvent, pos: Position): void {
    let window = this.topics.get(event.topic)
    // a lingering window waits for attach(): what arrives meanwhile is outside the node's order
    if (window?.detachedAt) return
    if (window) this.topics.delete(event.topic) // moved to the end: the most recently fed
    const follows =
      window !== undefined && window.epoch === pos.epoch && pos.offset === window.first + this.length(window)
    if (!follows) {
      if (window) this.totalBytes -= window.bytes
      const rule = this.ruleOf(event.topic)
      if (!rule) return
      window = {
        epoch: pos.epoch,
        first: pos.offset,
        frames: [],
        ts: [],
        head: 0,
        bytes: 0,
        cap: Math.min(this.limits.events, rule.size),
        ttlMs: rule.ttlMs,
        detachedAt: 0,
      }
    }
    this.topics.set(event.topic, window!)
    const frame = sharedDataFrame(event)
    window!.frames.push(frame)
    window!.ts.push(event.ts)
    window!.bytes += frame.length + ENTRY_OVERHEAD
    this.totalBytes += frame.length + ENTRY_OVERHEAD
    if (this.length(window!) > window!.cap) this.evictOldest(window!)
  }

  private length(window: TopicWindow): number {
    return window.frames.length - window.head
  }

  private evictOldest(window: TopicWindow): void {
    const cost = window.frames[window.head]!.length + ENTRY_OVERHEAD
    window.frames[window.head] = EMPTY // released for the GC before the compaction
    window.head++
    window.first++
    window.bytes -= cost
    this.totalBytes -= cost
    if (window.head >= COMPACT_AT && window.head * 2 >= window.frames.length) {
      window.frames = window.frames.slice(window.head)
      window.ts = window.ts.slice(window.head)
      window.head = 0
    }
  }

  /** Past its TTL an event is not served (the store would not have it either). */
  private expire(window: TopicWindow): void {
    const oldest = this.now() - window.ttlMs
    while (this.length(window) > 0 && window.ts[window.head]! < oldest) this.evictOldest(window)
  }

  /** Over the node's byte bound: the least recently fed topics lose their oldest events first. */
  private evictBytes(): void {
    for (const [topic, window] of this.topics) {
      while (this.totalBytes > this.limits.bytes && this.length(window) > 0) this.evictOldest(window)
      if (this.length(window) === 0) this.drop(topic)
      if (this.totalBytes <= this.limits.bytes) return
    }
  }
}

const EMPTY = Buffer.alloc(0)
