import type { EventPosition, LikewireEvent, LikewireGap } from '../event'
import type { ConnectionState } from '../state'

/** One subscription of a tab, as the leader takes it: enough to subscribe it again on a new leader. */
export interface SubRequest {
  /** Unique within its tab. */
  id: number
  topic: string
  rewind: number
  /** History topics: the last position this subscription was handed (a new leader resumes it from there). */
  resumeFrom?: EventPosition | undefined
}

/** What the leader hands one subscription of one tab. */
export type Delivery =
  | { tab: string; sub: number; event: LikewireEvent }
  | { tab: string; sub: number; gap: LikewireGap }
  | { tab: string; sub: number; acked: true; position?: EventPosition | undefined }
  /** The server refused the subscription for good: the tab drops it and tells its `onError`. */
  | { tab: string; sub: number; refused: RefusalWire }

/** A refusal as it crosses the channel (a LikewireError's class does not survive structured clone). */
export interface RefusalWire {
  code: string
  message: string
  status?: number | undefined
  topic: string
}

/**
 * Everything tabs of one share key say to each other, on one BroadcastChannel. `from` is the sender's tab
 * id; `term` orders leaders (a later term wins, then the smaller tab id), so two tabs that both think they
 * lead settle it by the first message either sees of the other.
 */
export type ShareMessage =
  | { k: 'hello'; from: string }
  | { k: 'leader'; from: string; term: number }
  | {
      k: 'beat'
      from: string
      term: number
      /** The leader's position of each history topic it holds: where a subscription without events stands. */
      positions: Record<string, EventPosition>
      /** The stream's state, so a tab that joined late (or missed a change) shows the same. */
      state: ConnectionState | null
    }
  /** A follower's beat, naming the leader it follows (a leader that no longer holds it asks it to resend). */
  | { k: 'alive'; from: string; to?: string | undefined; term?: number | undefined }
  /** From the leader: it does not hold this tab (dropped after a silence); the tab tells its subs again. */
  | { k: 'resend'; from: string; term: number; to: string }
  /** A tab's whole list of subscriptions: to each new leader, and after each change (one per microtask). */
  | { k: 'subs'; from: string; to: string; subs: SubRequest[] }
  | { k: 'bye'; from: string }
  | { k: 'out'; from: string; term: number; items: Delivery[] }
  | { k: 'state'; from: string; term: number; state: ConnectionState }

/** The part of BroadcastChannel tabs need: injectable, so tests and other runtimes can supply one. */
export interface ChannelLike {
  postMessage(message: unknown): void
  onmessage: ((event: { data: unknown }) => void) | null
  close(): void
}

/** Whether `a` outranks `b` as a leader: the later term, then the smaller tab id. */
export function outranks(a: { term: number; from: string }, b: { term: number; from: string }): boolean {
  return a.term > b.term || (a.term === b.term && a.from < b.from)
}
