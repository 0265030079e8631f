import type { LikewireError } from './errors'
import {
  type EventCallback,
  type EventPosition,
  isPosition,
  type LikewireEvent,
  type LikewireGap,
} from './event'

/** What a callback brings besides itself. */
export interface EntryOptions {
  onSubscribed?: (() => void) | undefined
  onError?: ((error: LikewireError) => void) | undefined
  onGap?: ((gap: LikewireGap) => void) | undefined
  /** Events it rewinds locally: handed to it before anything else the topic delivers. */
  backlog?: LikewireEvent[] | undefined
  /** Where it starts in a history topic: it is handed no event at or before this position. */
  position?: EventPosition | undefined
  /** Told to it first: what it asked to resume from is no longer there. */
  gap?: LikewireGap | undefined
  /** The stream already holds the topic: its `onSubscribed` runs after this subscribe returns. */
  acknowledged?: boolean | undefined
  /** It asked for history (`rewind` or `resumeFrom`): a gap in what it asked for is its to hear. */
  asked?: boolean | undefined
}

interface Entry {
  callback: EventCallback
  onSubscribed: (() => void) | undefined
  onError: ((error: LikewireError) => void) | undefined
  onGap: ((gap: LikewireGap) => void) | undefined
  backlog: LikewireEvent[] | undefined
  /** The last history position handed to it: each callback gets each offset once, whatever the topic replays. */
  position: EventPosition | undefined
  asked: boolean
}

/** Local callbacks per topic; all callbacks of a topic share one server subscription. */
export class Subscriptions {
  private readonly byTopic = new Map<string, Set<Entry>>()
  /** Each topic's `changed`: run when it appears or goes (by its last removal, or a refusal). */
  private readonly changedOf = new Map<string, () => void>()

  constructor(private readonly onError: (error: unknown) => void) {}

  /**
   * Adds a callback; returns its removal (idempotent: true the one time it removed it). `changed` runs when
   * a topic appears or goes.
   */
  add(
    topic: string,
    callback: EventCallback,
    changed: () => void,
    options: EntryOptions = {},
  ): () => boolean {
    let entries = this.byTopic.get(topic)
    if (!entries) {
      entries = new Set()
      this.byTopic.set(topic, entries)
      this.changedOf.set(topic, changed)
      changed()
    }
    // an object per call: a function subscribed twice counts twice
    const entry: Entry = {
      callback,
      onSubscribed: options.onSubscribed,
      onError: options.onError,
      onGap: options.onGap,
      backlog: options.backlog?.length ? options.backlog : undefined,
      position: options.position,
      asked: options.asked ?? false,
    }
    entries.add(entry)
    const { gap } = options
    if (gap) queueMicrotask(() => entry.onGap && entries.has(entry) && this.call(entry.onGap, gap))
    // like every callback of the app's: one that throws is reported to onError, never thrown at the caller
    if (options.acknowledged && entry.onSubscribed)
      queueMicrotask(() => entry.onSubscribed && entries.has(entry) && this.call(entry.onSubscribed))
    // the backlog goes out after this subscribe returns, or earlier if the topic delivers first
    if (entry.backlog) queueMicrotask(() => this.drain(topic, entry))
    return () => {
      const current = this.byTopic.get(topic)
      if (current !== entries || !current.delete(entry)) return false
      entry.backlog = undefined
      if (current.size === 0) {
        this.byTopic.delete(topic)
        this.changedOf.delete(topic)
        changed()
      }
      return true
    }
  }

  /**
   * The server refused the topic for good: its callbacks are dropped (their unsubscribes do nothing now)
   * and each `onError` is told. Returns whether the topic had callbacks.
   */
  refuse(topic: string, error: LikewireError): boolean {
    const entries = this.byTopic.get(topic)
    const changed = this.changedOf.get(topic)
    if (!entries) return false
    this.byTopic.delete(topic)
    this.changedOf.delete(topic)
    for (const entry of entries) {
      entry.backlog = undefined
      if (entry.onError) this.call(entry.onError, error)
    }
    changed?.()
    return true
  }

  has(topic: string): boolean {
    return this.byTopic.has(topic)
  }

  topics(): string[] {
    return [...this.byTopic.keys()]
  }

  /** Tells a topic's callbacks that the server acknowledged it (their events now arrive). */
  acknowledged(topics: readonly string[]): void {
    for (const topic of topics) {
      for (const entry of [...(this.byTopic.get(topic) ?? [])]) {
        if (entry.onSubscribed) this.call(entry.onSubscribed)
      }
    }
  }

  /** Hands the event to every callback of its topic; one that throws does not stop the others. */
  deliver(event: LikewireEvent): void {
    this.each(event.topic, (entry) => this.hand(entry, event))
  }

  /**
   * Tells the gap to each callback of its topic that misses events by it: one whose position is before the
   * gap's (or in another epoch), or one that asked for history it could not have. A callback already past
   * the gap's position (it resumed from later than another one) or one that asked nothing and has nothing
   * yet (it starts live, where the stream goes on) is not told, nor moved back.
   */
  gap(gap: LikewireGap): void {
    const at = gap.position && isPosition(gap.position) ? gap.position : undefined
    this.each(gap.topic, (entry) => {
      const mine = entry.position
      if (at && mine && mine.epoch === at.epoch && mine.offset >= at.offset) return
      // the stream goes on after the gap: that is where this callback is now
      if (at) entry.position = { ...at }
      if ((mine || entry.asked) && entry.onGap) this.call(entry.onGap, gap)
    })
  }

  /** Where a fresh subscription of the topic starts: its callbacks that have no position start there. */
  start(topic: string, position: EventPosition): void {
    this.each(topic, (entry) => {
      entry.position ??= { ...position }
    })
  }

  private each(topic: string, run: (entry: Entry) => void): void {
    const entries = this.byTopic.get(topic)
    if (!entries) return
    for (const entry of [...entries]) {
      // skip callbacks removed by an earlier callback of this same delivery
      if (!entries.has(entry)) continue
      this.drain(topic, entry)
      if (entries.has(entry)) run(entry)
    }
  }

  /** Hands a callback its backlog (once), unless it was removed meanwhile. */
  private drain(topic: string, entry: Entry): void {
    const backlog = entry.backlog
    if (!backlog) return
    entry.backlog = undefined
    for (const event of backlog) {
      if (!this.byTopic.get(topic)?.has(entry)) return
      this.hand(entry, event)
    }
  }

  /** One event to one callback, unless it had this position already. */
  private hand(entry: Entry, event: LikewireEvent): void {
    const at = event.position
    if (at) {
      const last = entry.position
      if (last && last.epoch === at.epoch && at.offset <= last.offset) return
      entry.position = at
    }
    this.call(entry.callback, event)
  }

  private call<A extends unknown[]>(fn: (...args: A) => void, ...args: A): void {
    try {
      fn(...args)
    } catch (error) {
      this.onError(error)
    }
  }
}
