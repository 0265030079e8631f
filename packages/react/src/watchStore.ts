import type { TopicStore } from './topicStore'

/** Starts a client watch (`watchPresence`, `members`) handing each value to `onValue`; returns its stop. */
export type Watch<V> = (onValue: (value: V) => void) => () => void

/**
 * An external store for `useSyncExternalStore` over a client watch: its last value, null until the first.
 * The watch starts with `subscribe` (never at creation), so render and SSR open nothing; a value equal to
 * the held one (a StrictMode remount handed the current state again) keeps the held object.
 */
export function createWatchStore<V>(
  watch: Watch<V> | null,
  equal: (a: V, b: V) => boolean,
): TopicStore<V | null> {
  let snapshot: V | null = null
  return {
    subscribe(onChange) {
      if (watch === null) return () => {}
      return watch((value) => {
        if (snapshot !== null && equal(snapshot, value)) return
        snapshot = value
        onChange()
      })
    },
    getSnapshot: () => snapshot,
  }
}
