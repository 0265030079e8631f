import { createStreamClient, type LikewireClient } from '../client'
import { refusedTopic } from '../errors'
import type { EventPosition } from '../event'
import { alwaysActive } from '../lifecycle'
import type { ClientOptions, Timers } from '../options'
import type { ConnectionState } from '../state'
import type { Delivery, SubRequest } from './messages'
import { BEAT_MS } from './share-options'

/** Events the leader keeps per topic, so a tab that comes back resumes from memory. */
const LEADER_KEEP_RECENT = 1000

/** The leader's stream client: a client of its own, sharing off, a buffer of recent events kept. */
export function leaderStreamClient(options: ClientOptions): LikewireClient {
  const { onError } = options
  return createStreamClient({
    ...options,
    // a refused subscription is told to the tab it is of (which tells its own onError), not to this one
    onError: (error) => {
      if (refusedTopic(error) === undefined) (onError ?? ((e) => console.error('[likewire]', e)))(error)
    },
    share: false,
    lifecycleSource: alwaysActive, // this tab's lifecycle is the facade's: a parked tab resigns
    keepRecent: Math.max(options.keepRecent ?? 0, LEADER_KEEP_RECENT),
  })
}

/**
 * A follower silent this long is gone (closed without a word, crashed, frozen): its subscriptions go. At
 * least twice the leader timeout: a stall the followers forgive the leader, it forgives them too.
 */
export const tabTimeoutMs = (leaderTimeoutMs: number) => Math.max(10 * BEAT_MS, 2 * leaderTimeoutMs)

export interface HubParts {
  /** This tab's id: its own subscriptions are delivered in place, never over the channel. */
  self: string
  /** The client holding the one stream for every tab (sharing off, a buffer of recent events kept). */
  createClient(): LikewireClient
  /** Sends deliveries to other tabs (one message per batch). */
  post(items: Delivery[]): void
  /** Hands deliveries for this tab's own subscriptions. */
  local(items: Delivery[]): void
  /** The stream's state changed. */
  state(state: ConnectionState): void
  timers: Timers
  /** How long a new leader gathers the tabs' subscriptions before it connects (one connect, lowest positions). */
  collectMs: number
}

/** One tab's subscriptions on the leader: each an unsubscribe of the leader's client. */
type TabSubs = Map<number, { topic: string; unsubscribe: () => void }>

/**
 * The leader tab's side: one client, one stream, the union of every tab's subscriptions. Each tab's
 * subscription is a subscription of its own on that client (so rewind, resume, gaps and acknowledgements
 * work per subscription as in one tab), and what it gets is batched to its tab per microtask.
 */
export class LeaderHub {
  private client: LikewireClient | null = null
  private readonly tabs = new Map<string, TabSubs>()
  /** Subscriptions the server refused, per tab: not subscribed again while the tab's list still names them. */
  private readonly refused = new Map<string, Set<number>>()
  /** The other tabs that gave this leader their subscriptions, and when each was last heard. */
  private readonly heardAt = new Map<string, number>()
  /** Gathered before the client starts (the collect window): subscribed all at once then. */
  private gathering: Map<string, SubRequest[]> | null = new Map()
  private outbox: Delivery[] = []
  private stopState: (() => void) | null = null
  private readonly collect: unknown
  private closed = false

  constructor(private readonly parts: HubParts) {
    this.collect = parts.timers.setTimeout(() => this.begin(), parts.collectMs)
  }

  /**
   * A tab's whole list of subscriptions (told to each new leader, and again on each change): the ones
   * held already stay as they are, new ones are added before the gone ones are removed, all in this
   * task, so a topic taken over by another subscription of the tab is never left on the server.
   */
  setSubs(tab: string, subs: readonly SubRequest[]): void {
    if (this.closed) return
    if (tab !== this.parts.self) this.heardAt.set(tab, Date.now())
    if (this.gathering) {
      this.gathering.set(tab, [...subs])
      return
    }
    const held = this.tabs.get(tab)
    const refused = this.refused.get(tab)
    const wanted = new Set<number>()
    for (const sub of subs) {
      wanted.add(sub.id)
      if (refused?.has(sub.id)) continue // the tab has not heard of its refusal yet
      if (held?.get(sub.id)?.topic !== sub.topic) this.add(tab, sub)
    }
    for (const id of refused ?? []) if (!wanted.has(id)) refused?.delete(id)
    for (const [id, entry] of held ?? [])
      if (!wanted.has(id)) {
        held?.delete(id)
        entry.unsubscribe()
      }
  }

  /** A message from `tab`: whether this leader holds it (it gave its subscriptions, and was not dropped). */
  heard(tab: string): boolean {
    if (!this.heardAt.has(tab)) return false
    this.heardAt.set(tab, Date.now())
    return true
  }

  /** Drops the tabs silent for longer than `timeoutMs` (closed without a word, crashed, frozen). */
  dropSilent(timeoutMs: number): void {
    const now = Date.now()
    for (const [tab, at] of this.heardAt) if (now - at > timeoutMs) this.dropTab(tab)
  }

  addSub(tab: string, sub: SubRequest): void {
    if (this.closed || this.refused.get(tab)?.has(sub.id)) return
    if (this.gathering) this.gathering.set(tab, [...(this.gathering.get(tab) ?? []), sub])
    else this.add(tab, sub)
  }

  removeSub(tab: string, id: number): void {
    if (this.gathering) {
      const list = this.gathering.get(tab)
      if (list)
        this.gathering.set(
          tab,
          list.filter((s) => s.id !== id),
        )
      return
    }
    const subs = this.tabs.get(tab)
    const entry = subs?.get(id)
    if (!subs || !entry) return
    subs.delete(id)
    entry.unsubscribe()
  }

  /** A tab left (closed, or silent too long): its subscriptions go, topics no other tab wants too. */
  dropTab(tab: string): void {
    this.heardAt.delete(tab)
    this.refused.delete(tab)
    this.gathering?.delete(tab)
    const subs = this.tabs.get(tab)
    if (!subs) return
    this.tabs.delete(tab)
    for (const { unsubscribe } of subs.values()) unsubscribe()
  }

  /** Where the stream stands on each history topic it holds (sent with each beat). */
  positions(): Record<string, EventPosition> {
    const out: Record<string, EventPosition> = {}
    if (!this.client) return out
    for (const subs of this.tabs.values())
      for (const { topic } of subs.values()) {
        const position = this.client.positionOf(topic)
        if (position) out[topic] = position
      }
    return out
  }

  get state(): ConnectionState | null {
    return this.client?.state ?? null
  }

  /** Resigns: the stream closes (another tab opens its own), nothing more is sent. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.parts.timers.clearTimeout(this.collect)
    this.stopState?.()
    this.client?.close()
    this.client = null
    this.tabs.clear()
    this.refused.clear()
    this.heardAt.clear()
    this.gathering = null
    this.outbox = []
  }

  private begin(): void {
    if (this.closed || !this.gathering) return
    const gathered = this.gathering
    this.gathering = null
    this.client = this.parts.createClient()
    this.stopState = this.client.onStateChange(({ newState }) => this.parts.state(newState))
    // all in one tick: one connect URL, each topic resumed from the lowest position any tab asked
    for (const [tab, subs] of gathered) for (const sub of subs) this.add(tab, sub)
  }

  private add(tab: string, sub: SubRequest): void {
    const client = this.client
    if (!client) return
    let subs = this.tabs.get(tab)
    if (!subs) {
      subs = new Map()
      this.tabs.set(tab, subs)
    }
    subs.get(sub.id)?.unsubscribe()
    const send = (item: Delivery) => this.send(item)
    const unsubscribe = client.subscribe(sub.topic, (event) => send({ tab, sub: sub.id, event }), {
      rewind: sub.resumeFrom ? undefined : sub.rewind,
      resumeFrom: sub.resumeFrom,
      onGap: (gap) => send({ tab, sub: sub.id, gap }),
      onSubscribed: () => send({ tab, sub: sub.id, acked: true, position: client.positionOf(sub.topic) }),
      // past the limit across every tab's topics, or not granted: this tab's subscription alone goes
      onError: (error) => {
        this.tabs.get(tab)?.delete(sub.id)
        const refused = this.refused.get(tab) ?? new Set<number>()
        this.refused.set(tab, refused.add(sub.id))
        const { code, message, status } = error
        send({ tab, sub: sub.id, refused: { code, message, status, topic: sub.topic } })
      },
    })
    subs.set(sub.id, { topic: sub.topic, unsubscribe })
  }

  private send(item: Delivery): void {
    if (this.closed) return
    if (this.outbox.length === 0) queueMicrotask(() => this.flush())
    this.outbox.push(item)
  }

  private flush(): void {
    const items = this.outbox
    this.outbox = []
    const own = items.filter((item) => item.tab === this.parts.self)
    const others = own.length === items.length ? [] : items.filter((item) => item.tab !== this.parts.self)
    if (others.length > 0) this.parts.post(others)
    if (own.length > 0) this.parts.local(own)
  }
}
