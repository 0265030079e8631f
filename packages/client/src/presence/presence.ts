import type { LikewireClient } from '../api'
import { presenceTopic } from '../topic'
import { isMemberId, MAX_MEMBER_ID_LENGTH } from './member-id'

export type PresenceStatus = 'online' | 'offline'

/** A member's presence, as the server publishes it on `presenceTopic(memberId)`. */
export interface MemberPresence {
  readonly memberId: string
  /** `online` while the member has a connection anywhere; `offline` once none for the server's grace. */
  readonly status: PresenceStatus
  /**
   * Epoch ms: online, when its first connection opened; offline, when it was last connected. `null`
   * when the server never saw the member (or not within the last 7 days).
   */
  readonly since: number | null
}

/** A presence event's data, or null when it is not one. */
export function readPresence(data: unknown): MemberPresence | null {
  if (typeof data !== 'object' || data === null) return null
  const { memberId, status, since } = data as Record<string, unknown>
  if (typeof memberId !== 'string' || (status !== 'online' && status !== 'offline')) return null
  if (since !== null && typeof since !== 'number') return null
  return Object.freeze({ memberId, status, since })
}

/**
 * Whether `next` is older news than `held`: a member's changes are published by the nodes it left and
 * joined, each through its own dispatcher, so an offline can arrive after the online that followed it.
 * `since` orders them (an offline's is when the member was last connected, an online's when it came
 * back): a change with an earlier `since` than the one held is stale.
 */
export function isStalePresence(held: MemberPresence | null, next: MemberPresence): boolean {
  return held !== null && held.since !== null && next.since !== null && next.since < held.since
}

/**
 * Calls `callback` with `memberId`'s presence: the current one at once when the client's stream has it
 * (or when the server's snapshot arrives), then on each change; a repeat of the status it last gave (a
 * snapshot after a reconnect) is not given again, nor a change older than the one it gave (by `since`,
 * whatever order they arrived in). Throws a TypeError for an invalid member id.
 */
export function watchPresence(
  client: LikewireClient,
  memberId: string,
  callback: (presence: MemberPresence) => void,
): () => void {
  if (!isMemberId(memberId))
    throw new TypeError(
      `likewire: invalid member id ${JSON.stringify(memberId)}: use 1-${MAX_MEMBER_ID_LENGTH} characters, no control characters`,
    )
  if (typeof callback !== 'function') throw new TypeError('likewire: watchPresence needs a callback')
  let last: MemberPresence | null = null
  return client.subscribe(presenceTopic(memberId), (event) => {
    const presence = readPresence(event.data)
    if (!presence) return
    if (last && last.status === presence.status && last.since === presence.since) return
    if (isStalePresence(last, presence)) return
    last = presence
    callback(presence)
  })
}
