import type { LikewireError, LikewireEvent, LikewireGap } from '@likewire/client'
import { useInsertionEffect, useMemo, useRef, useSyncExternalStore } from 'react'
import { createTopicStore } from './topicStore'
import { useLikewireClient } from './useLikewireClient'

/** How many events `useTopicEvents` keeps when no `limit` is given. */
export const DEFAULT_EVENT_LIMIT = 50

export interface UseTopicEventsOptions {
  /**
   * How many of the latest events to keep (a positive integer); older ones are dropped.
   * @default 50
   */
  limit?: number | undefined
  /**
   * History topics: start with the last `rewind` events published before mount (at most `limit` are
   * kept), then live ones. An integer from 0 to `MAX_REWIND`; a change resets the list and resubscribes.
   * @default 0 (start empty)
   */
  rewind?: number | undefined
  /**
   * History topics: called when events of the topic are missing (`{ topic, reason, position }`); the list
   * keeps what it holds and goes on with the events after `gap.position`. Refetch your state of the
   * topic. A new `onGap` identity never resubscribes; the latest one is called.
   * @default undefined
   */
  onGap?: ((gap: LikewireGap) => void) | undefined
  /**
   * Called when the server refuses the subscription for good (`forbidden`, `too_many_subscriptions`,
   * `invalid_topic`: a `LikewireError` with its `code`, `status` and `topic`); the list stays as it is and
   * gets no more events. A new `onError` identity never resubscribes; the latest one is called.
   * @default undefined
   */
  onError?: ((error: LikewireError) => void) | undefined
}

// one frozen array, so every empty snapshot (and the server snapshot) is the same reference
const NO_EVENTS: readonly never[] = Object.freeze([])
const getServerSnapshot = () => NO_EVENTS

/**
 * The latest `limit` events published on `topic` since mount (after the last `rewind` published before
 * it, on a history topic), oldest first. Starts empty and resets when `topic`, `limit` or `rewind`
 * changes; `topic` null or undefined subscribes to nothing.
 */
export function useTopicEvents<T = unknown>(
  topic: string | null | undefined,
  options: UseTopicEventsOptions = {},
): readonly LikewireEvent<T>[] {
  const { limit = DEFAULT_EVENT_LIMIT, rewind, onGap, onError } = options
  // slice(-0) would keep everything, so a bad limit fails loudly instead
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`useTopicEvents: limit must be a positive integer, got ${limit}`)
  const client = useLikewireClient()
  const onGapRef = useRef(onGap)
  const onErrorRef = useRef(onError)
  // insertion effects run before every other effect: a gap or a refusal never reaches a stale callback
  useInsertionEffect(() => {
    onGapRef.current = onGap
    onErrorRef.current = onError
  })
  const store = useMemo(
    () =>
      createTopicStore<T, readonly LikewireEvent<T>[]>(
        client,
        topic,
        NO_EVENTS,
        (events, event) => [...events, event].slice(-limit),
        {
          rewind,
          onGap: (gap) => onGapRef.current?.(gap),
          onError: (error) => onErrorRef.current?.(error),
        },
      ),
    [client, topic, limit, rewind],
  )
  return useSyncExternalStore(store.subscribe, store.getSnapshot, getServerSnapshot)
}
