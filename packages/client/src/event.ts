/** One published event, as delivered to a topic's callbacks. */
export interface LikewireEvent<T = unknown> {
  topic: string
  /** Unique per publish; re-deliveries carry the same id and are dropped. */
  id: string
  /** Epoch ms when the dispatcher received the publish. */
  ts: number
  data: T
}

export type EventCallback<T = unknown> = (event: LikewireEvent<T>) => void

/** Parses a data frame's JSON; null when it is not a well-formed event. */
export function parseEvent(json: string, frameId: string | undefined): LikewireEvent | null {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const { topic, id, ts, data } = value as Record<string, unknown>
  if (typeof topic !== 'string') return null
  const eventId = typeof id === 'string' ? id : (frameId ?? '') // '' is delivered but never deduped
  return { topic, id: eventId, ts: typeof ts === 'number' ? ts : Number.NaN, data }
}
