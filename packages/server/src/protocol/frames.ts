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
  /** `JSON.stringify({topic, id, ts, data})`, serialized once by the dispatcher. */
  json: string
}

export function encodeEvent(event: PublishedEvent): EncodedEvent {
  const json = JSON.stringify({ topic: event.topic, id: event.id, ts: event.ts, data: event.data })
  return { topic: event.topic, id: event.id, ts: event.ts, json }
}

// JSON.stringify never emits raw CR/LF, and ids are generated here, so a data frame is one `data:` line
export function dataFrame(event: EncodedEvent): Buffer {
  return Buffer.from(`id: ${event.id}\ndata: ${event.json}\n\n`)
}

export function controlFrame(type: string, payload: unknown): Buffer {
  return Buffer.from(`event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`)
}

export function retryFrame(ms: number): Buffer {
  return Buffer.from(`retry: ${Math.max(0, Math.round(ms))}\n\n`)
}

export const ControlEvent = {
  connected: 'likewire.connected',
  heartbeat: 'likewire.heartbeat',
  reconnect: 'likewire.reconnect',
} as const
