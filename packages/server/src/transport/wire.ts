import { ErrorCode, LikewireError } from '../protocol/errors'
import type { EncodedEvent } from '../protocol/frames'

/** Internal batches are NDJSON: one event's JSON per line, exactly the bytes clients will get. */
export function encodeBatch(events: readonly EncodedEvent[]): string {
  return events.map((event) => event.json).join('\n')
}

/** Reads an internal batch back without re-serializing: each line is kept verbatim as the event's JSON. */
export function decodeBatch(body: string): EncodedEvent[] {
  const events: EncodedEvent[] = []
  for (const line of body.split('\n')) {
    if (line === '') continue
    let parsed: { topic?: unknown; id?: unknown; ts?: unknown }
    try {
      parsed = JSON.parse(line)
    } catch {
      throw new LikewireError(400, ErrorCode.invalidJson, 'A batch line is not valid JSON')
    }
    // a raw CR would end an SSE line early: only JSON.stringify output (which never has one) is accepted
    if (
      typeof parsed.topic !== 'string' ||
      typeof parsed.id !== 'string' ||
      typeof parsed.ts !== 'number' ||
      line.includes('\r')
    ) {
      throw new LikewireError(400, ErrorCode.invalidRequest, 'A batch line is not an event')
    }
    events.push({ topic: parsed.topic, id: parsed.id, ts: parsed.ts, json: line })
  }
  return events
}
