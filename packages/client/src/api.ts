// What every client offers, whether it holds its own stream or shares one with other tabs.
import type { LikewireError } from './errors'
import type { EventPosition, LikewireEvent, LikewireGap } from './event'
import type { TopicMembers } from './presence/members'
import type { MemberPresence } from './presence/presence'
import type { ConnectionState, StateListener } from './state'

export interface LikewireClient {
  /** The current connection state (a new frozen object on every change). */
  readonly state: ConnectionState
  /** Calls `callback` for each event on `topic`; returns the (idempotent) unsubscribe. */
  subscribe<T = unknown>(
    topic: string,
    callback: (event: LikewireEvent<T>) => void,
    options?: SubscribeOptions,
  ): () => void
  /** Calls `listener` with {oldState, newState} on every state change; returns its removal. */
  onStateChange(listener: StateListener): () => void
  /**
   * The last position the client holds for a history topic (what it resumes after), undefined for a
   * topic without history or not subscribed. Keep it to resume with `resumeFrom` after a restart.
   */
  positionOf(topic: string): EventPosition | undefined
  /**
   * Calls `callback` with a member's presence (`{ memberId, status, since }`) on `presenceTopic(memberId)`:
   * the current one (the server's snapshot, or at once when this client already watches the member), then
   * each change. Returns the (idempotent) unsubscribe. Throws a TypeError for an invalid member id
   * (empty, over 128 characters, control characters).
   */
  watchPresence(memberId: string, callback: (presence: MemberPresence) => void): () => void
  /**
   * Calls `callback` with who is on `topic` (`{ count, members }`, from `membersTopic(topic)`): the
   * current members (the server's snapshot, or at once when this client already holds them), then after
   * each join or leave; a new snapshot (after a reconnect) replaces them. Returns the (idempotent)
   * unsubscribe. Throws a TypeError for an invalid topic.
   */
  members(topic: string, callback: (members: TopicMembers) => void): () => void
  /** Aborts the stream, clears timers and listeners; the client cannot be reopened. */
  close(): void
}

export interface SubscribeOptions {
  /**
   * Called each time the server acknowledges the subscription: from then on every event published to
   * the topic reaches `callback`. Fires again after each reconnect.
   * @default undefined
   */
  onSubscribed?: (() => void) | undefined
  /**
   * Called when the server refuses this subscription for good: a 4xx a retry would get again, such as
   * `forbidden` (the token or `authorize` does not grant the topic), `too_many_subscriptions` (the
   * connection's limit, across every tab sharing it) or `invalid_topic`. The error is a `LikewireError`
   * with the server's `code`, its `status` and the `topic`. The subscription is dropped (no more events;
   * its unsubscribe does nothing) and the client's `onError` is told too; the other subscriptions go on.
   * @default undefined
   */
  onError?: ((error: LikewireError) => void) | undefined
  /**
   * History topics: called when events of the topic are missing (the client was away longer than the
   * server retains, or the topic's history was lost). Refetch your state of the topic; the events after
   * `gap.position` follow.
   * @default undefined
   */
  onGap?: ((gap: LikewireGap) => void) | undefined
  /**
   * History topics: deliver the last `rewind` events published before this subscribe, then live ones
   * (an integer from 0 to `MAX_REWIND`, 0 for none). The first callback of a topic has them from the
   * server; a callback that joins a topic the client already holds has them from the client's buffer
   * of the last events it delivered, kept only while some callback of the topic asked for a rewind.
   * @default 0
   */
  rewind?: number | undefined
  /**
   * History topics: hand this callback the events after this position (one your app kept, or the last it
   * saw), each once, then live ones. A topic the client does not hold yet is resumed by the server from
   * there; one it holds is served from its buffer of recent events (`keepRecent`), else `onGap` is called
   * with reason `expired`. Takes precedence over `rewind`.
   * @default undefined
   */
  resumeFrom?: EventPosition | undefined
}
