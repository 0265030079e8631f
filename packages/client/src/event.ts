/** Where an event sits in its topic's history: `offset` counts 1, 2, 3, ... within one `epoch`. */
export interface EventPosition {
  /** Changes when the topic's history was lost (a server restart, a history that expired whole). */
  epoch: string
  offset: number
}

/** One published event, as delivered to a topic's callbacks. */
export interface LikewireEvent<T = unknown> {
  topic: string
  /** Unique per publish; re-deliveries carry the same id and are dropped. */
  id: string
  /** Epoch ms when the dispatcher received the publish. */
  ts: number
  data: T
  /** The event's place in its topic's history: present on topics the server keeps a history of. */
  position?: EventPosition
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
  const { topic, id, ts, data, pos } = value as Record<string, unknown>
  if (typeof topic !== 'string') return null
  const eventId = typeof id === 'string' ? id : (frameId ?? '') // '' is delivered but never deduped
  const event: LikewireEvent = { topic, id: eventId, ts: typeof ts === 'number' ? ts : Number.NaN, data }
  if (pos !== undefined) {
    if (!isPosition(pos)) return null
    event.position = { epoch: pos.epoch, offset: pos.offset }
  }
  return event
}

/** An epoch is 1-32 of `A-Za-z0-9_-` (protocol v1), safe in a query string and JSON as it is. */
const EPOCH_PATTERN = /^[A-Za-z0-9_-]{1,32}$/

export function isPosition(value: unknown): value is EventPosition {
  if (typeof value !== 'object' || value === null) return false
  const { epoch, offset } = value as Record<string, unknown>
  return (
    typeof epoch === 'string' &&
    EPOCH_PATTERN.test(epoch) &&
    Number.isSafeInteger(offset) &&
    (offset as number) >= 0
  )
}

/** Why events of a topic are missing: see `LikewireGap`. */
export type GapReason = 'expired' | 'epoch' | 'unavailable'

/**
 * Events of `topic` are missing: the app should refetch its state of the topic (a snapshot from its
 * backend). Events after `position` follow.
 */
export interface LikewireGap {
  topic: string
  /**
   * `expired`: the missed events are no longer retained; `epoch`: the topic's history was lost (e.g.
   * the server restarted); `unavailable`: the server could not read its history.
   */
  reason: GapReason
  /**
   * Where the stream goes on: the events after this position follow. Absent when the server could not
   * tell (its history unreadable before anything was seen): the topic keeps its last position.
   */
  position?: EventPosition | undefined
}

/** Parses a `likewire.gap` frame's JSON; null when it is not well-formed. */
export function parseGap(json: string): LikewireGap | null {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const { topic, reason, epoch, offset } = value as Record<string, unknown>
  // a reason a newer server may add, or a position the server could not give whole, still reports the gap
  if (typeof topic !== 'string' || typeof reason !== 'string') return null
  if (epoch === undefined && offset === undefined) return { topic, reason: reason as GapReason }
  if (typeof epoch !== 'string' || !Number.isSafeInteger(offset) || (offset as number) < 0) return null
  return { topic, reason: reason as GapReason, position: { epoch, offset: offset as number } }
}

/** Parses a `likewire.position` frame (where a fresh subscription of a history topic starts); null if malformed. */
export function parseStart(json: string): { topic: string; position: EventPosition } | null {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const { topic, epoch, offset } = value as Record<string, unknown>
  const position = { epoch, offset }
  return typeof topic === 'string' && isPosition(position) ? { topic, position } : null
}
