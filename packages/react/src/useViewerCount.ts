import { viewersTopic } from '@likewire/client'
import { useMemo, useSyncExternalStore } from 'react'
import { createTopicStore } from './topicStore'
import { useLikewireClient } from './useLikewireClient'

/** Data of the events the server publishes on `viewersTopic(topic)`. */
interface ViewerCountData {
  topic: string
  count: number
}

const getServerSnapshot = () => null

/**
 * How many connections are subscribed to `topic`, as last published by the server on
 * `viewersTopic(topic)`; null until the first count arrives, and again after `topic` changes.
 */
export function useViewerCount(topic: string | null | undefined): number | null {
  const client = useLikewireClient()
  const store = useMemo(
    () =>
      createTopicStore<ViewerCountData, number | null>(
        client,
        topic == null ? null : viewersTopic(topic),
        null,
        (_, event) => event.data.count,
      ),
    [client, topic],
  )
  return useSyncExternalStore(store.subscribe, store.getSnapshot, getServerSnapshot)
}
