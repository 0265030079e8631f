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
 * (`joined` upserted, `left` removed) update it. `held` itself when nothing changed (the same object, so a
 * UI does not re-render), and `held` for data that is not a members event.
 */
export function foldMembers(held: TopicMembers | null, data: unknown): TopicMembers | null {
  if (typeof data !== 'object' || data === null) return held
  const event = data as Record<string, unknown>
  if (!isCount(event.count)) return held
  let members: TopicMember[]
  if (event.snapshot === true) members = readMembers(event.members)
  else {
    const joined = readMembers(event.joined)
    const gone = new Set(Array.isArray(event.left) ? event.left : [])
    for (const { memberId } of joined) gone.add(memberId) // upsert: the new `since` replaces the held one
    members = (held?.members ?? []).filter((m) => !gone.has(m.memberId)).concat(joined)
  }
  members.sort((a, b) => a.since - b.since) // stable: the server's order among equal `since`
  if (members.length > MAX_HELD_MEMBERS) members.length = MAX_HELD_MEMBERS
  if (held && held.count === event.count && sameMembers(held.members, members)) return held
  return Object.freeze({ count: event.count, members: Object.freeze(members) })
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
  let held: TopicMembers | null = null
  return client.subscribe(membersTopic(topic), (event) => {
    const next = foldMembers(held, event.data)
    if (next === held || next === null) return
    held = next
    callback(next)
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
