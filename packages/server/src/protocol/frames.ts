import { formatPosition, isPosition, type Position } from '../history/positions'
import { ErrorCode, LikewireError } from './errors'
import { isSubscribableTopic } from './topic'

/** SSE frames of protocol v1, encoded once into Buffers so the hot path only copies bytes. */

export interface PublishedEvent {
  topic: string
  id: string
  ts: number
  data: unknown
}

/** An event as it travels dispatcher -> frontend: its JSON is serialized once per publish. */
export interface EncodedEvent {
  topic: string
  id: string
  ts: number
  /** `JSON.stringify({topic, id, ts, data})` (plus `pos` on a history topic), serialized once by the dispatcher. */
  json: string
  /** Its place in its topic's history; absent on fire-and-forget topics. */
  pos?: Position | undefined
}

/** Event ids: what dispatchers generate, and nothing that could end an SSE line or field. */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9_\-.:]{1,128}$/

/**
 * Refuses an event that could forge SSE framing: an id or a JSON line holding CR or LF would let its
 * sender write fields (`event:`, `id:`) into every subscriber's stream. Checked wherever frames are built,
 * whoever built the event.
 */
export function assertFrameSafe(event: EncodedEvent): void {
  if (
    typeof event.id !== 'string' ||
    !EVENT_ID_PATTERN.test(event.id) ||
    typeof event.topic !== 'string' ||
    !isSubscribableTopic(event.topic) ||
    typeof event.json !== 'string' ||
    event.json.includes('\n') ||
    event.json.includes('\r') ||
    (event.pos !== undefined && !isPosition(event.pos))
  ) {
    throw new LikewireError(
      400,
      ErrorCode.invalidRequest,
      'Not a deliverable event: bad id, topic or JSON line',
    )
  }
}

/**
 * A data event. Only a history event has an `id:` line, its position: a browser's Last-Event-ID is then
 * always the last position it saw, whatever fire-and-forget events came after (their id is in the JSON).
 */
export function dataFrame(event: EncodedEvent): Buffer {
  assertFrameSafe(event)
  return Buffer.from(
    event.pos === undefined
      ? `data: ${event.json}\n\n`
      : `id: ${formatPosition(event.pos)}\ndata: ${event.json}\n\n`,
  )
}

const built = new WeakMap<EncodedEvent, Buffer>()

/**
 * dataFrame, built once per event object however many subscribers it is written to one by one (catch-ups
 * after a reconnect storm write the same replayed and held events to thousands of connections).
 */
export function sharedDataFrame(event: EncodedEvent): Buffer {
  let frame = built.get(event)
  if (frame === undefined) {
    frame = dataFrame(event)
    built.set(event, frame)
  }
  return frame
}

/** The frames of events[start, end) joined into one Buffer (a run of one topic, queued once per subscriber). */
export function dataFrames(events: readonly EncodedEvent[], start: number, end: number): Buffer {
  const frames: Buffer[] = []
  for (let i = start; i < end; i++) frames.push(dataFrame(events[i]!))
  return Buffer.concat(frames)
}

// control types are our constants and JSON.stringify never emits a raw CR or LF
export function controlFrame(type: string, payload: unknown): Buffer {
  return Buffer.from(`event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`)
}

export function retryFrame(ms: number): Buffer {
  return Buffer.from(`retry: ${Math.max(0, Math.round(ms))}\n\n`)
}

/** The frames every stream starts with: the reconnect delay, then who it is connected to. */
export function preambleFrames(
  retryMs: number,
  connected: { connectionId: string; nodeId: string; heartbeatMs: number },
): Buffer {
  return Buffer.concat([retryFrame(retryMs), controlFrame(ControlEvent.connected, connected)])
}

export const ControlEvent = {
  connected: 'likewire.connected',
  heartbeat: 'likewire.heartbeat',
  reconnect: 'likewire.reconnect',
  /** Events of a history topic are missing for this subscriber (no longer retained, history lost or unreachable). */
  gap: 'likewire.gap',
  /** Where a fresh subscriber of a history topic starts (events after it follow). */
  position: 'likewire.position',
} as const
