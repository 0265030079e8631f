import type { LikewireError, LikewireEvent, LikewireGap } from '@likewire/client'
import { useEffect, useInsertionEffect, useRef } from 'react'
import { useLikewireClient } from './useLikewireClient'

export interface UseTopicOptions {
  /**
   * Subscribe only while true, e.g. until the user opens a panel.
   * @default true
   */
  enabled?: boolean | undefined
  /**
   * History topics: deliver the last `rewind` events published before the subscription, then live ones
   * (an integer from 0 to `MAX_REWIND`). Read when the hook subscribes (mount, a new `topic`, `enabled`
   * turning true): changing it alone does not resubscribe.
   * @default 0 (none)
   */
  rewind?: number | undefined
  /**
   * History topics: called when events of the topic are missing (`{ topic, reason, position }`): refetch
   * your state of the topic. A new `onGap` identity never resubscribes; the latest one is called.
   * @default undefined
   */
  onGap?: ((gap: LikewireGap) => void) | undefined
  /**
   * Called when the server refuses the subscription for good (`forbidden`, `too_many_subscriptions`,
   * `invalid_topic`: a `LikewireError` with its `code`, `status` and `topic`); `callback` gets no more
   * events. A new `onError` identity never resubscribes; the latest one is called.
   * @default undefined
   */
  onError?: ((error: LikewireError) => void) | undefined
}

/**
 * Calls `callback` for every event published on `topic` while the component is mounted.
 * A new `callback` (or `onGap`, `onError`) identity never resubscribes; a new `topic` does. `topic` null or
 * undefined subscribes to nothing.
 */
export function useTopic<T = unknown>(
  topic: string | null | undefined,
  callback: (event: LikewireEvent<T>) => void,
  options: UseTopicOptions = {},
): void {
  const { enabled = true, rewind, onGap, onError } = options
  const client = useLikewireClient()
  const callbackRef = useRef(callback)
  const onGapRef = useRef(onGap)
  const onErrorRef = useRef(onError)
  const rewindRef = useRef(rewind)

  // insertion effects run before every other effect, so an event never reaches a stale callback
  useInsertionEffect(() => {
    callbackRef.current = callback
    onGapRef.current = onGap
    onErrorRef.current = onError
    rewindRef.current = rewind
  })

  useEffect(() => {
    if (topic == null || !enabled) return
    return client.subscribe<T>(topic, (event) => callbackRef.current(event), {
      rewind: rewindRef.current,
      onGap: (gap) => onGapRef.current?.(gap),
      onError: (error) => onErrorRef.current?.(error),
    })
  }, [client, topic, enabled])
}
