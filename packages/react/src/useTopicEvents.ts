import type { LikewireEvent } from '@likewire/client'
import { useMemo, useSyncExternalStore } from 'react'
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
  const { limit = DEFAULT_EVENT_LIMIT, rewind } = options
  // slice(-0) would keep everything, so a bad limit fails loudly instead
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`useTopicEvents: limit must be a positive integer, got ${limit}`)
  const client = useLikewireClient()
  const store = useMemo(
    () =>
      createTopicStore<T, readonly LikewireEvent<T>[]>(
        client,
        topic,
        NO_EVENTS,
        (events, event) => [...events, event].slice(-limit),
        { rewind },
      ),
    [client, topic, limit, rewind],
  )
  return useSyncExternalStore(store.subscribe, store.getSnapshot, getServerSnapshot)
}
