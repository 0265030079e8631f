import type { SubscribeOptions } from './api'
import { RecentIds } from './dedupe'
import type { LikewireError } from './errors'
import type { EventCallback, EventPosition, LikewireEvent, LikewireGap } from './event'
import { MetaState } from './meta-state'
import { Recovery, type RecoveryRequest } from './recovery'
import { Subscriptions } from './subscriptions'

/** What a subscribe needs of the stream it joins. */
export interface JoinContext {
  /** The stream holds the topic already: the callback is live at once. */
  acknowledged: boolean
  /** The topic appeared or went: the stream's topic set must follow. */
  changed(): void
}

/**
 * The client's side of its topics, whatever stream carries them: the callbacks, each history topic's
 * position and buffer, the dedupe of events, the meta topics' current state. Streams report what they
 * receive here; this decides who is handed what.
 */
export class LocalTopics {
  private readonly subscriptions: Subscriptions
  private readonly recovery: Recovery
  private readonly recent: RecentIds
  private readonly metaState = new MetaState()

  constructor(keepRecent: number, dedupeSize: number, onError: (error: unknown) => void) {
    this.subscriptions = new Subscriptions(onError)
    this.recovery = new Recovery(keepRecent)
    this.recent = new RecentIds(dedupeSize)
  }

  /** Topics that have at least one callback. */
  topics(): string[] {
    return this.subscriptions.topics()
  }

  /** Adds a callback (arguments checked already); returns its unsubscribe (idempotent). */
  add(
    topic: string,
    callback: EventCallback,
    options: SubscribeOptions & { rewind: number; resumeFrom: EventPosition | undefined },
    context: JoinContext,
  ): () => void {
    const { rewind, resumeFrom } = options
    const changed = () => {
      context.changed()
      // a topic left without callbacks forgets its position, unless it is subscribed again in this tick
      queueMicrotask(() => {
        if (this.subscriptions.has(topic)) return
        this.recovery.forget(topic)
        this.metaState.forget(topic)
      })
    }
    const joined = this.recovery.add(topic, resumeFrom ? 0 : rewind, resumeFrom)
    const remove = this.subscriptions.add(topic, callback, changed, {
      onSubscribed: options.onSubscribed,
      onError: options.onError,
      onGap: options.onGap,
      // a meta topic the stream holds: its snapshot went to the first callback, this one gets the current state
      backlog: joined.backlog?.length ? joined.backlog : this.metaState.of(topic),
      position: joined.position,
      gap: joined.gap,
      acknowledged: context.acknowledged,
      asked: rewind > 0 || resumeFrom !== undefined,
    })
    return () => {
      if (remove()) this.recovery.remove(topic, resumeFrom ? 0 : rewind)
    }
  }

  /** An event of any stream; streams may overlap, so this is where duplicates are dropped. */
  deliver(event: LikewireEvent): void {
    // a history event is deduplicated by its position (exact, unbounded), any other by its id
    if (event.position) {
      const verdict = this.recovery.accept(event)
      if (verdict === 'drop') return
      if (verdict !== 'deliver') this.subscriptions.gap(verdict)
    } else if (event.id !== '' && this.recent.seen(event.id)) return
    if (this.subscriptions.has(event.topic)) this.metaState.seen(event) // a topic left keeps nothing
    this.subscriptions.deliver(event)
  }

  /** A `likewire.gap` frame. */
  gap(gap: LikewireGap): void {
    const told = this.recovery.gap(gap)
    if (told) this.subscriptions.gap(told)
  }

  /** A `likewire.position` frame: where a fresh subscription of a history topic starts. */
  start(topic: string, position: EventPosition): void {
    const told = this.recovery.start(topic, position)
    if (told) this.subscriptions.gap(told)
    this.subscriptions.start(topic, position)
  }

  /** What to resume or rewind of these topics, taken as a connect or subscribe request is built. */
  request(topics: readonly string[]): RecoveryRequest {
    return this.recovery.request(topics)
  }

  /** The server has these topics: their rewind was asked (true for a replacement stream's too). */
  recorded(topics: readonly string[]): void {
    this.recovery.acknowledged(topics)
  }

  /** The live stream has these topics: their callbacks' `onSubscribed` run. */
  acknowledged(topics: readonly string[]): void {
    this.subscriptions.acknowledged(topics)
  }

  /** The server refused `topic` for good: its callbacks are dropped and told. False if it had none. */
  refuse(topic: string, error: LikewireError): boolean {
    return this.subscriptions.refuse(topic, error)
  }

  positionOf(topic: string): EventPosition | undefined {
    return this.recovery.positionOf(topic)
  }
}
