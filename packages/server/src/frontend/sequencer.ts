import type { Position } from '../history/positions'
import type { EncodedEvent } from '../protocol/frames'

/** A hole the sequencer could not fill from history: subscribers are told, and go on from `resumeAt`. */
export interface SequenceGap {
  topic: string
  reason: 'epoch' | 'expired' | 'unavailable'
  /** Events after this position follow; unknown (history unreadable, nothing seen yet) when absent. */
  resumeAt: Position | undefined
}

export interface SequencerHooks {
  /** Events held back by a hole, released in order once it was filled (or given up). */
  release(events: EncodedEvent[]): void
  gap(gap: SequenceGap): void
  /** Reads what history retains after `after` (rejects when history cannot be read). */
  fill(topic: string, after: Position): Promise<EncodedEvent[]>
}

interface TopicOrder {
  epoch: string
  /** The next offset this node delivers for the topic. */
  next: number
  /** Waiting for the topic's latest offset (its first subscriber here): every event is held meanwhile. */
  anchoring: boolean
  /** Events that arrived ahead of a hole, by offset. */
  held: Map<number, EncodedEvent>
  repair: ReturnType<typeof setTimeout> | undefined
  /** Asked where the order stands before it knew (anchoring): told once it does. */
  waiting?: Array<(position: Position | undefined) => void>
}

/**
 * Puts a frontend node's events of each history topic in offset order, once: two dispatchers can deliver
 * out of order and a delivery can fail, so an event that arrives ahead of a hole waits a moment for the
 * missing ones, which are then read from history; duplicates (a repair racing a late delivery) are dropped.
 * Fire-and-forget events pass through untouched.
 */
export class Sequencer {
  private readonly topics = new Map<string, TopicOrder>()

  constructor(
    private readonly hooks: SequencerHooks,
    /** How long an event ahead of a hole waits for the missing ones before they are read from history. */
    private readonly holeWaitMs = 200,
  ) {}

  /** The events to deliver now, in order. */
  order(events: readonly EncodedEvent[]): readonly EncodedEvent[] {
    let out: EncodedEvent[] | undefined
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!
      if (event.pos === undefined) {
        out?.push(event)
        continue
      }
      // the first history event that cannot go straight through starts a copy
      const ready = this.accept(event)
      if (ready.length === 1 && ready[0] === event && out === undefined) continue
      out ??= events.slice(0, i) as EncodedEvent[]
      out.push(...ready)
    }
    return out ?? events
  }

  /**
   * The topic got its first subscriber on this node: its order starts after the latest offset recorded
   * now, not at whatever event arrives first (a later one can overtake an earlier one on another
   * dispatcher). Events arriving meanwhile are held; a hole after the anchor is repaired as any other.
   */
  anchor(topic: string, latest: () => Promise<Position>): void {
    if (this.topics.has(topic)) return
    const order: TopicOrder = { epoch: '', next: 0, anchoring: true, held: new Map(), repair: undefined }
    this.topics.set(topic, order)
    const settle = (position: Position | undefined) => {
      if (this.topics.get(topic) !== order) return
      order.anchoring = false
      const held = [...order.held.values()].sort((a, b) => a.pos!.offset - b.pos!.offset)
      if (position && held.every((e) => e.pos!.epoch === position.epoch)) {
        order.epoch = position.epoch
        order.next = position.offset + 1
        for (const offset of [...order.held.keys()]) if (offset < order.next) order.held.delete(offset)
      } else if (held[0]) {
        // history unreadable (or already in another epoch): start at the first event held
        order.epoch = held[0].pos!.epoch
        order.next = held[0].pos!.offset
      } else {
        return this.placed(order, undefined) // history unreadable, nothing held: the first event starts it
      }
      this.placed(order, { epoch: order.epoch, offset: order.next - 1 })
      const ready = this.drain(order)
      if (order.held.size > 0)
        order.repair ??= setTimeout(() => void this.repair(topic, order), this.holeWaitMs)
      if (ready.length > 0) this.hooks.release(ready)
    }
    latest().then(settle, () => settle(undefined))
  }

  /**
   * Where a subscriber added now starts: every event after this position reaches it (the next offset this
   * node delivers, minus one). Known now, or once the topic's anchor settles; undefined when it cannot be
   * known (history unreadable and nothing arrived yet).
   */
  where(topic: string): Promise<Position | undefined> {
    const order = this.topics.get(topic)
    if (!order) return Promise.resolve(undefined)
    if (!order.anchoring && order.epoch !== '')
      return Promise.resolve({ epoch: order.epoch, offset: order.next - 1 })
    return new Promise((resolve) => {
      order.waiting ??= []
      order.waiting.push(resolve)
    })
  }

  /** The topic's anchor has not settled yet (see anchor). */
  anchoring(topic: string): boolean {
    return this.topics.get(topic)?.anchoring === true
  }

  /** The topic is in this node's order (subscribed here, its start known). */
  tracks(topic: string): boolean {
    const order = this.topics.get(topic)
    return order !== undefined && !order.anchoring && order.epoch !== ''
  }

  /** Where the topic's order stands now (the last offset delivered); undefined while it is not known. */
  position(topic: string): Position | undefined {
    const order = this.topics.get(topic)
    return order && !order.anchoring && order.epoch !== ''
      ? { epoch: order.epoch, offset: order.next - 1 }
      : undefined
  }

  private placed(order: TopicOrder, position: Position | undefined): void {
    const waiting = order.waiting
    order.waiting = undefined
    for (const resolve of waiting ?? []) resolve(position)
  }

  /** Forgets a topic this node no longer has subscribers of (its order restarts with the next event). */
  forget(topic: string): void {
    const order = this.topics.get(topic)
    if (order?.repair) clearTimeout(order.repair)
    this.topics.delete(topic)
    // whoever waits for where it stands is told it is not known (their subscription is gone with it)
    if (order) this.placed(order, undefined)
  }

  private accept(event: EncodedEvent): EncodedEvent[] {
    const pos = event.pos!
    const order = this.topics.get(event.topic)
    // not subscribed here (a delivery racing the last unsubscribe): nothing to order, no state to leave behind
    if (!order) return [event]
    if (order.anchoring) {
      order.held.set(pos.offset, event)
      return []
    }
    if (order.epoch !== pos.epoch) {
      if (order.epoch !== '') {
        // the topic's history was lost (a new epoch): what subscribers held before is gone
        this.forget(event.topic)
        this.hooks.gap({
          topic: event.topic,
          reason: 'epoch',
          resumeAt: { epoch: pos.epoch, offset: pos.offset - 1 },
        })
      }
      if (order.epoch === '') this.placed(order, { epoch: pos.epoch, offset: pos.offset - 1 })
      this.topics.set(event.topic, {
        epoch: pos.epoch,
        next: pos.offset + 1,
        anchoring: false,
        held: new Map(),
        repair: undefined,
      })
      return [event]
    }
    if (pos.offset < order.next || order.held.has(pos.offset)) return [] // delivered already
    if (pos.offset > order.next) {
      order.held.set(pos.offset, event)
      order.repair ??= setTimeout(() => void this.repair(event.topic, order), this.holeWaitMs)
      return []
    }
    order.next++
    return [event, ...this.drain(order)]
  }

  /** Held events that follow on from `next`, in order. */
  private drain(order: TopicOrder): EncodedEvent[] {
    const ready: EncodedEvent[] = []
    for (let held = order.held.get(order.next); held; held = order.held.get(order.next)) {
      order.held.delete(order.next)
      order.next++
      ready.push(held)
    }
    if (order.held.size === 0 && order.repair) {
      clearTimeout(order.repair)
      order.repair = undefined
    }
    return ready
  }

  /** The hole is still open after the wait: read it from history, or tell subscribers and move past it. */
  private async repair(topic: string, order: TopicOrder): Promise<void> {
    order.repair = undefined
    if (this.topics.get(topic) !== order || order.anchoring || order.held.size === 0) return
    let filled: EncodedEvent[] = []
    let unreachable = false
    try {
      filled = await this.hooks.fill(topic, { epoch: order.epoch, offset: order.next - 1 })
    } catch {
      unreachable = true
    }
    if (this.topics.get(topic) !== order) return
    // what history had joins what was held; whatever is still missing from `next` on is a gap
    for (const event of filled) if (event.pos!.offset >= order.next) order.held.set(event.pos!.offset, event)
    const released = this.drain(order)
    while (order.held.size > 0) {
      const resumeAt = { epoch: order.epoch, offset: Math.min(...order.held.keys()) - 1 }
      this.hooks.gap({ topic, reason: unreachable ? 'unavailable' : 'expired', resumeAt })
      order.next = resumeAt.offset + 1
      released.push(...this.drain(order))
    }
    if (released.length > 0) this.hooks.release(released)
  }
}
