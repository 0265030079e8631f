import type { Logger } from 'pino'
import type { Dispatcher } from '../dispatcher/dispatcher'
import type { PresenceStore, Unpublished } from '../registry/presence-store'
import { membersEvent } from './payloads'
import { confirm, recording } from './publishing'

/**
 * Topic members changes: a node that made a change (a join, or a leave past the grace) marks the topic;
 * at most once per interval, one node of the datacenter takes the topic's changes from the store and
 * publishes them, with the exact count, on `<topic>/$members`. A node that finds the window held by
 * another tries again next tick, so no change is left behind. A drain is recorded in the store until
 * published: if its reply or its publish is lost, a snapshot of the topic is published instead.
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
        if (drain === 'busy') this.dirty.add(topic)
        else if (drain) {
          events.push(membersEvent(topic, drain))
          drained.push({ token: record.token, scope: { topic, memberId: '' } })
        }
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
