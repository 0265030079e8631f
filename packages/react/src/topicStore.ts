import type { LikewireClient, LikewireEvent, SubscribeOptions } from '@likewire/client'

/** An external store for `useSyncExternalStore`: one topic's events folded into a snapshot. */
export interface TopicStore<S> {
  subscribe(onChange: () => void): () => void
  getSnapshot(): S
}

/** The subscription starts with `subscribe` (never at creation), so render and SSR open nothing. */
export function createTopicStore<T, S>(
  client: LikewireClient,
  topic: string | null | undefined,
  initial: S,
  reduce: (snapshot: S, event: LikewireEvent<T>) => S,
  options?: SubscribeOptions,
): TopicStore<S> {
  let snapshot = initial
  return {
    subscribe(onChange) {
      if (topic == null) return () => {}
      return client.subscribe<T>(
        topic,
        (event) => {
          snapshot = reduce(snapshot, event)
          onChange()
        },
        options,
      )
    },
    getSnapshot: () => snapshot,
  }
}
