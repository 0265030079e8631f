import type { LikewireEvent } from '@likewire/client'
import { useEffect, useInsertionEffect, useRef } from 'react'
import { useLikewireClient } from './useLikewireClient'

export interface UseTopicOptions {
  /**
   * Subscribe only while true, e.g. until the user opens a panel.
   * @default true
   */
  enabled?: boolean
}

/**
 * Calls `callback` for every event published on `topic` while the component is mounted.
 * A new `callback` identity never resubscribes; a new `topic` does. `topic` null or undefined
 * subscribes to nothing.
 */
export function useTopic<T = unknown>(
  topic: string | null | undefined,
  callback: (event: LikewireEvent<T>) => void,
  options: UseTopicOptions = {},
): void {
  const { enabled = true } = options
  const client = useLikewireClient()
  const callbackRef = useRef(callback)

  // insertion effects run before every other effect, so an event never reaches a stale callback
  useInsertionEffect(() => {
    callbackRef.current = callback
  })

  useEffect(() => {
    if (topic == null || !enabled) return
    return client.subscribe<T>(topic, (event) => callbackRef.current(event))
  }, [client, topic, enabled])
}
