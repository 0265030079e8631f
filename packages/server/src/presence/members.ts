import type { Logger } from 'pino'
import type { Dispatcher } from '../dispatcher/dispatcher'
import type { PresenceStore } from '../registry/presence-store'
import { membersEvent } from './payloads'

/**
 * Topic members changes: a node that made a change (a join, or a leave past the grace) marks the topic;
 * at most once per interval, one node of the datacenter takes the topic's changes from the store and
 * publishes them, with the exact count, on `<topic>/$members`. A node that finds the window held by
 * another tries again next tick, so no change is left behind.
 */
export class MembersChanges {
  private dirty = new Set<string>()
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

  /** A member joined or left `topic` here: its change goes out with the next window. */
  changed(topic: string): void {
    this.dirty.add(topic)
  }

  async tick(): Promise<void> {
    if (this.ticking || this.dirty.size === 0) return
    this.ticking = true
    const topics = [...this.dirty]
    this.dirty = new Set()
    try {
      const drains = await Promise.all(
        topics.map((topic) =>
          this.store.drainMembers(topic, this.intervalMs, this.limit).catch((error: unknown) => {
            this.logger.warn({ err: error, topic }, 'topic members update failed; retrying')
            return 'busy' as const
          }),
        ),
      )
      const events = []
      for (const [i, topic] of topics.entries()) {
        const drain = drains[i]
        if (drain === 'busy') this.dirty.add(topic)
        else if (drain) events.push(membersEvent(topic, drain))
      }
      if (events.length > 0) await this.dispatcher.dispatch(this.dispatcher.encode(events))
    } catch (error) {
      // taken from the store but not delivered: watchers catch up with the next change or a snapshot
      this.logger.warn({ err: error }, 'topic members publish failed')
    } finally {
      this.ticking = false
    }
  }

  close(): void {
    clearInterval(this.timer)
  }
}
