import type { LikewireClient } from '../api'
import { isOrdinaryTopic, membersTopic } from '../topic'

/** One identified member of a topic: `since` is when it joined (epoch ms). */
export interface TopicMember {
  readonly memberId: string
  readonly since: number
}

/** Who is on a topic: the exact `count`, and the members the client holds, oldest first. */
export interface TopicMembers {
  /** Identified members subscribed to the topic (this datacenter's), exact whatever `members` holds. */
  readonly count: number
  /**
   * The server's snapshot (its first `membersLimit`, oldest first) kept up to date with joins and leaves:
   * up to `MAX_HELD_MEMBERS` of them, so it can hold fewer than `count`.
   */
  readonly members: readonly TopicMember[]
}

/** Members a client holds per topic at most (the server's largest `membersLimit`): the oldest are kept. */
export const MAX_HELD_MEMBERS = 1000

/**
 * What a `<topic>/$members` event makes of what is held: a snapshot (`snapshot: true`) replaces it, changes
 * (`joined` upserted, `left` removed) update it, and make nothing without one (null before a snapshot).
 * `held` itself when nothing changed (the same object, so a UI does not re-render), and `held` for data
 * that is not a members event.
 */
export function foldMembers(held: TopicMembers | null, data: unknown): TopicMembers | null {
  if (typeof data !== 'object' || data === null) return held
  const event = data as Record<string, unknown>
  if (!isCount(event.count)) return held
  let members: TopicMember[]
  if (event.snapshot === true) members = readMembers(event.members)
  else if (held === null)
    return null // a change is a difference, not the list: nothing to hand out before a snapshot
  else {
    const joined = readMembers(event.joined)
    const gone = new Set(Array.isArray(event.left) ? event.left : [])
    for (const { memberId } of joined) gone.add(memberId) // upsert: the new `since` replaces the held one
    members = held.members.filter((m) => !gone.has(m.memberId)).concat(joined)
  }
  members.sort((a, b) => a.since - b.since) // stable: the server's order among equal `since`
  if (members.length > MAX_HELD_MEMBERS) members.length = MAX_HELD_MEMBERS
  if (held && held.count === event.count && sameMembers(held.members, members)) return held
  return Object.freeze({ count: event.count, members: Object.freeze(members) })
}

/** Changes held while no snapshot has come yet (more means a burst the server sends as a snapshot anyway). */
export const MAX_EARLY_MEMBER_CHANGES = 100

/** A members event as the fold takes it: its data, and the dispatcher's time it was stamped at. */
export interface MembersEvent {
  data: unknown
  ts: number
}

/**
 * A topic's members folded from its events. Nothing is handed out before the first snapshot: a change is
 * a difference, not the list. A change that arrives before it (the server records the subscription, then
 * reads and sends the snapshot, and changes published meanwhile can overtake it) is kept and applied over
 * the snapshot when it is newer: a member it joins unless the snapshot holds that member with a `since` as
 * late or later; a member it drops unless the snapshot holds one that joined after the change (`since`
 * past its `ts`); its `count` when it was stamped after the snapshot (`ts`).
 */
export class MembersFold<E extends MembersEvent = MembersEvent> {
  private held: TopicMembers | null = null
  private early: E[] = []

  /** What is held: null until the first snapshot. */
  get members(): TopicMembers | null {
    return this.held
  }

  /** The changes that came before the first snapshot, kept to be applied over it. */
  get pending(): readonly E[] {
    return this.early
  }

  /** Takes an event in; returns true when what is held changed (a new object to hand out). */
  take(event: E): boolean {
    const data = event.data as Record<string, unknown> | null
    if (typeof data !== 'object' || data === null || !isCount(data.count)) return false
    if (data.snapshot !== true && this.held === null) {
      this.early.push(event)
      if (this.early.length > MAX_EARLY_MEMBER_CHANGES) this.early.shift()
      return false
    }
    const before = this.held
    let next = foldMembers(this.held, event.data)
    if (data.snapshot === true && this.early.length > 0) next = this.overSnapshot(next, event.ts)
    this.early = []
    this.held = next
    return next !== before
  }

  /** The early changes that are newer than the snapshot, applied over it. */
  private overSnapshot(snapshot: TopicMembers | null, snapshotTs: number): TopicMembers | null {
    if (!snapshot) return snapshot
    const inSnapshot = new Map(snapshot.members.map((m) => [m.memberId, m.since]))
    let held: TopicMembers | null = snapshot
    for (const { data, ts } of this.early) {
      const change = data as { count: number; joined?: unknown; left?: unknown }
      const joined = readMembers(change.joined).filter(
        (m) => !((inSnapshot.get(m.memberId) ?? -1) >= m.since),
      )
      const left = (Array.isArray(change.left) ? change.left : []).filter(
        (id) => !((inSnapshot.get(id as string) ?? Number.NEGATIVE_INFINITY) > ts),
      )
      const count = ts > snapshotTs ? change.count : (held?.count ?? snapshot.count)
      held = foldMembers(held, { count, joined, left })
    }
    return held
  }
}

/**
 * Calls `callback` with `topic`'s members: the current ones at once when the client's stream has them (or
 * when the server's snapshot arrives), then after every change; a fresh snapshot after a reconnect
 * replaces what was held. Throws a TypeError for a topic that cannot have members.
 */
export function watchMembers(
  client: LikewireClient,
  topic: string,
  callback: (members: TopicMembers) => void,
): () => void {
  if (!isOrdinaryTopic(topic))
    throw new TypeError(
      `likewire: invalid topic ${JSON.stringify(topic)} for members: use 1-200 of A-Za-z0-9 _ - : . @ / =, not starting with member:`,
    )
  if (typeof callback !== 'function') throw new TypeError('likewire: members needs a callback')
  const fold = new MembersFold()
  return client.subscribe(membersTopic(topic), (event) => {
    if (fold.take(event) && fold.members) callback(fold.members)
  })
}

function readMembers(list: unknown): TopicMember[] {
  if (!Array.isArray(list)) return []
  const members: TopicMember[] = []
  for (const item of list as unknown[]) {
    if (typeof item !== 'object' || item === null) continue
    const { memberId, since } = item as Record<string, unknown>
    if (typeof memberId === 'string' && typeof since === 'number')
      members.push(Object.freeze({ memberId, since }))
  }
  return members
}

const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0

function sameMembers(a: readonly TopicMember[], b: readonly TopicMember[]): boolean {
  return a.length === b.length && a.every((m, i) => m.memberId === b[i]!.memberId && m.since === b[i]!.since)
}
