import type { LikewireEvent } from './event'
import { VIEWERS_SUFFIX } from './topic'

/**
 * The last count of each viewers topic (`viewersTopic`) a stream holds. The server sends a count's snapshot
 * once per stream, so a callback that subscribes a count the stream already has (a later component, another
 * tab sharing the stream) is handed the last count from here, as a stream of its own would get the snapshot.
 */
export class LastCounts {
  private readonly last = new Map<string, LikewireEvent>()

  /** Remembers the event if it is a count. */
  seen(event: LikewireEvent): void {
    if (event.topic.endsWith(VIEWERS_SUFFIX)) this.last.set(event.topic, event)
  }

  /** What a new callback of `topic` is handed at once: the last count, if there is one. */
  of(topic: string): LikewireEvent[] | undefined {
    const event = this.last.get(topic)
    return event && [event]
  }

  /** The topic left the stream: its next count comes from the server again. */
  forget(topic: string): void {
    this.last.delete(topic)
  }
}
