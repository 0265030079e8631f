import { RecentIds } from '../dedupe'
import { LikewireError } from '../errors'
import { type EventCallback, type EventPosition, isPosition, type LikewireGap } from '../event'
import type { Delivery, SubRequest } from './messages'

/** One subscription of this tab, with what a new leader needs to go on with it exactly where it was. */
export interface LocalSub {
  id: number
  topic: string
  callback: EventCallback
  onGap: ((gap: LikewireGap) => void) | undefined
  onSubscribed: (() => void) | undefined
  onError: ((error: LikewireError) => void) | undefined
  rewind: number
  resumeFrom: EventPosition | undefined
  /** The last history position handed to it. */
  position: EventPosition | undefined
  /** Acknowledged without an event yet: where the leader's stream stood (a new leader resumes it from there). */
  floor: EventPosition | undefined
  acked: boolean
}

/**
 * A tab's subscriptions when the stream may be in another tab: what each asks of a leader, and the
 * deliveries it gets, each event once per subscription across leader changes (by position on history
 * topics, by id on others).
 */
export class TabSubscriptions {
  private readonly subs = new Map<number, LocalSub>()
  /** Where the topics let go in this tick stood: a subscription taking one over (a remount) goes on from there. */
  private readonly released = new Map<string, EventPosition>()
  private readonly recent: RecentIds
  private nextId = 1

  constructor(
    private readonly self: string,
    dedupeSize: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.recent = new RecentIds(dedupeSize)
  }

  add(sub: Omit<LocalSub, 'id' | 'position' | 'floor' | 'acked'>): LocalSub {
    // live from now, as the one it replaces was: resumed from there if a new leader serves it before its ack
    const carried = sub.rewind === 0 && !sub.resumeFrom ? this.released.get(sub.topic) : undefined
    const local: LocalSub = { ...sub, id: this.nextId++, position: undefined, floor: carried, acked: false }
    this.subs.set(local.id, local)
    return local
  }

  remove(id: number): void {
    const sub = this.subs.get(id)
    if (!sub) return
    const at = this.positionOf(sub.topic)
    this.subs.delete(id)
    if (!at || [...this.subs.values()].some((other) => other.topic === sub.topic)) return // still held
    if (this.released.size === 0) queueMicrotask(() => this.released.clear())
    this.released.set(sub.topic, at)
  }

  clear(): void {
    this.subs.clear()
  }

  /** What a leader needs to subscribe it: its position if it has one, its rewind only if never served. */
  request(sub: LocalSub): SubRequest {
    return {
      id: sub.id,
      topic: sub.topic,
      rewind: sub.acked || sub.position ? 0 : sub.rewind,
      resumeFrom: sub.position ?? sub.floor ?? sub.resumeFrom,
    }
  }

  requests(): SubRequest[] {
    return [...this.subs.values()].map((sub) => this.request(sub))
  }

  /** The leader's positions (its beat): where an acknowledged subscription without events stands. */
  floors(positions: Record<string, EventPosition>): void {
    for (const sub of this.subs.values())
      if (sub.acked && !sub.position && positions[sub.topic]) sub.floor = positions[sub.topic]
  }

  positionOf(topic: string): EventPosition | undefined {
    let best: EventPosition | undefined
    for (const sub of this.subs.values()) {
      const at = sub.topic === topic ? (sub.position ?? sub.floor) : undefined
      if (at && (!best || (at.epoch === best.epoch && at.offset > best.offset))) best = at
    }
    return best && { ...best }
  }

  deliver(items: readonly Delivery[]): void {
    const told = new Set<string>()
    for (const item of items) {
      if (item.tab !== this.self) continue
      const sub = this.subs.get(item.sub)
      if (!sub) continue
      if ('event' in item) {
        const { event } = item
        const at = event.position
        if (at) {
          const last = sub.position
          if (last && last.epoch === at.epoch && at.offset <= last.offset) continue
          sub.position = { epoch: at.epoch, offset: at.offset }
        } else if (event.id !== '' && this.recent.seen(`${sub.id} ${event.id}`)) continue
        this.call(sub.callback, event)
      } else if ('refused' in item) {
        const { code, message, status, topic } = item.refused
        const error = new LikewireError(code, message, status, topic)
        this.subs.delete(sub.id) // the leader dropped it: its unsubscribe does nothing now
        if (sub.onError) this.call(sub.onError, error)
        if (!told.has(topic)) this.onError(error) // once per topic, as a client of its own tells it
        told.add(topic)
      } else if ('gap' in item) {
        if (item.gap.position && isPosition(item.gap.position)) sub.position = { ...item.gap.position }
        if (sub.onGap) this.call(sub.onGap, item.gap)
      } else {
        sub.acked = true
        if (item.position && !sub.position) sub.floor = item.position
        if (sub.onSubscribed) this.call(sub.onSubscribed)
      }
    }
  }

  private call<A extends unknown[]>(fn: (...args: A) => void, ...args: A): void {
    try {
      fn(...args)
    } catch (error) {
      this.onError(error)
    }
  }
}
