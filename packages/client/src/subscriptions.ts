import type { EventCallback, LikewireEvent } from './event'

interface Entry {
  callback: EventCallback
  onSubscribed?: (() => void) | undefined
}

/** Local callbacks per topic; all callbacks of a topic share one server subscription. */
export class Subscriptions {
  private readonly byTopic = new Map<string, Set<Entry>>()

  /** Adds a callback; returns its removal (idempotent). `changed` runs when a topic appears or goes. */
  add(topic: string, callback: EventCallback, changed: () => void, onSubscribed?: () => void): () => void {
    let entries = this.byTopic.get(topic)
    if (!entries) {
      entries = new Set()
      this.byTopic.set(topic, entries)
      changed()
    }
    const entry: Entry = { callback, onSubscribed } // an object per call: a function subscribed twice counts twice
    entries.add(entry)
    return () => {
      const current = this.byTopic.get(topic)
      if (!current?.delete(entry)) return
      if (current.size === 0) {
        this.byTopic.delete(topic)
        changed()
      }
    }
  }

  topics(): string[] {
    return [...this.byTopic.keys()]
  }

  /** Tells a topic's callbacks that the server acknowledged it (their events now arrive). */
  acknowledged(topics: readonly string[], onError: (error: unknown) => void): void {
    for (const topic of topics) {
      for (const entry of [...(this.byTopic.get(topic) ?? [])]) {
        if (!entry.onSubscribed) continue
        try {
          entry.onSubscribed()
        } catch (error) {
          onError(error)
        }
      }
    }
  }

  /** Hands the event to every callback of its topic; one that throws does not stop the others. */
  deliver(event: LikewireEvent, onError: (error: unknown) => void): void {
    const entries = this.byTopic.get(event.topic)
    if (!entries) return
    for (const entry of [...entries]) {
      // skip callbacks removed by an earlier callback of this same delivery
      if (!entries.has(entry)) continue
      try {
        entry.callback(event)
      } catch (error) {
        onError(error)
      }
    }
  }
}
