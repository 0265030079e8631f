import type { LikewireEvent } from './event'
import { MembersFold } from './presence/members'
import { isStalePresence, readPresence } from './presence/presence'
import { MEMBERS_SUFFIX, PRESENCE_SUFFIX, VIEWERS_SUFFIX } from './topic'

/** A members topic as held: the members folded so far, and the last event taken in. */
interface HeldMembers {
  fold: MembersFold<LikewireEvent>
  last: LikewireEvent | undefined
}

/**
 * The current state of each meta topic a stream holds: the last viewer count, the last presence status,
 * a topic's members folded from its snapshot and changes. The server sends a meta topic's snapshot once per
 * stream, so a callback that subscribes one the stream already has (a later component, another tab sharing
 * the stream) is handed the current state from here, as a stream of its own would get the snapshot.
 */
export class MetaState {
  private readonly last = new Map<string, LikewireEvent>()
  private readonly members = new Map<string, HeldMembers>()

  /** Takes the event in if it is on a meta topic. */
  seen(event: LikewireEvent): void {
    const { topic } = event
    if (topic.endsWith(VIEWERS_SUFFIX)) this.last.set(topic, event)
    else if (topic.endsWith(PRESENCE_SUFFIX)) {
      const held = this.last.get(topic)
      const next = readPresence(event.data)
      // an older change arriving late (another node's dispatcher) never replaces the newer one held
      if (next && !isStalePresence(held ? readPresence(held.data) : null, next)) this.last.set(topic, event)
    } else if (topic.endsWith(MEMBERS_SUFFIX)) {
      const held = this.members.get(topic) ?? { fold: new MembersFold<LikewireEvent>(), last: undefined }
      this.members.set(topic, held)
      if (held.fold.take(event)) held.last = event
    }
  }

  /**
   * What a new callback of `topic` is handed at once: the last count or status, or the members held as one
   * snapshot event (`snapshot: true`, as the server sends on subscribe) carrying the last change's id.
   */
  of(topic: string): LikewireEvent[] | undefined {
    const event = this.last.get(topic)
    if (event) return [event]
    const held = this.members.get(topic)
    const members = held?.fold.members
    // no snapshot yet: the changes that came before it, for the new callback to keep until it comes
    if (!members || !held?.last) return held?.fold.pending.length ? [...held.fold.pending] : undefined
    const { count } = members
    const base = topic.slice(0, -MEMBERS_SUFFIX.length)
    return [
      {
        topic,
        id: held.last.id,
        ts: held.last.ts,
        data: { topic: base, count, members: members.members, snapshot: true },
      },
    ]
  }

  /** The topic left the stream: its next state comes from the server again. */
  forget(topic: string): void {
    this.last.delete(topic)
    this.members.delete(topic)
  }
}
