import type { Logger } from 'pino'
import type { Dispatcher } from '../dispatcher/dispatcher'
import type { PresenceStore, Unpublished } from '../registry/presence-store'
import { membersEvent } from './payloads'
import { confirm, recording } from './publishing'

/**
 * Topic members changes: a node that made a change (a join, or a leave past the grace) marks the topic;
 * at most once per interval, one node of the datacenter takes the topic's changes from the store and
 * publishes them, with the exact count, on `<topic>/$members`. A node that finds the window held by
 * another tries again next tick, so no change is left behind. The change (recorded by the store with
 * the join or sweep that made it) and the drain (recorded too) are confirmed once the drain is
 * published: if a reply or the publish is lost, a snapshot of the topic is published from the store.
 */
export class MembersChanges {
  /** Topics with changes to drain -> the recorded changes their drain confirms. */
  private dirty = new Map<string, Unpublished[]>()
  private readonly timer: ReturnType<typeof setInterval>
  private ticking = false

  constructor(
    private readonly store: PresenceStore,
    private readonly dispatcher: Dispatcher,
    private readonly intervalMs: number,
    private readonly limit: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.tick(), intervalMs)
    this.timer.unref()
  }

  /** A member joined or left `topic` here (`token`: the store call that recorded it): out with the next window. */
  changed(topic: string, token: string): void {
    const entries = this.dirty.get(topic) ?? []
    entries.push({ token, scope: { topic, memberId: '' } })
    this.dirty.set(topic, entries)
  }

  async tick(): Promise<void> {
    if (this.ticking || this.dirty.size === 0) return
    this.ticking = true
    const dirty = this.dirty
    const topics = [...dirty.keys()]
    this.dirty = new Map()
    const record = recording()
    try {
      const drains = await Promise.all(
        topics.map((topic) =>
          this.store.drainMembers(topic, this.intervalMs, this.limit, record).catch((error: unknown) => {
            this.logger.warn({ err: error, topic }, 'topic members update failed; retrying')
            return 'busy' as const
          }),
        ),
      )
      const events = []
      const drained: Unpublished[] = []
      for (const [i, topic] of topics.entries()) {
        const drain = drains[i]
        const entries = dirty.get(topic)!
        if (drain === 'busy') {
          for (const { token } of entries) this.changed(topic, token)
          continue
        }
        // null: another node's drain took the changes (and recorded it): ours are out of our hands
        drained.push(...entries)
        if (!drain) continue
        events.push(membersEvent(topic, drain))
        drained.push({ token: record.token, scope: { topic, memberId: '' } })
      }
      if (events.length > 0) await this.dispatcher.dispatch(this.dispatcher.encode(events))
      await confirm(this.store, drained, this.logger)
    } catch (error) {
      // taken from the store but not delivered: recorded, so a snapshot goes out once its time comes
      this.logger.warn({ err: error }, 'topic members publish failed')
    } finally {
      this.ticking = false
    }
  }

  close(): void {
    clearInterval(this.timer)
  }
}
