import { isPosition } from '../history/positions'
import { ErrorCode, LikewireError } from '../protocol/errors'
import { assertFrameSafe, type EncodedEvent } from '../protocol/frames'

/** Internal batches are NDJSON: one event's JSON per line, exactly the bytes clients will get. */
export function encodeBatch(events: readonly EncodedEvent[]): string {
  return events.map((event) => event.json).join('\n')
}

const notAnEvent = () => new LikewireError(400, ErrorCode.invalidRequest, 'A batch line is not an event')

/**
 * Reads an internal batch back without re-serializing: each line is kept verbatim as the event's JSON,
 * so each is checked as strictly as a frame writer must (an escaped newline in an id would forge fields).
 */
export function decodeBatch(body: string): EncodedEvent[] {
  const events: EncodedEvent[] = []
  for (const line of body.split('\n')) {
    if (line === '') continue
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      throw new LikewireError(400, ErrorCode.invalidJson, 'A batch line is not valid JSON')
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw notAnEvent()
    const { topic, id, ts, pos } = parsed as Record<string, unknown>
    if (typeof topic !== 'string' || typeof id !== 'string' || typeof ts !== 'number') throw notAnEvent()
    if (pos !== undefined && !isPosition(pos)) throw notAnEvent()
    const event: EncodedEvent =
      pos === undefined ? { topic, id, ts, json: line } : { topic, id, ts, json: line, pos }
    assertFrameSafe(event)
    events.push(event)
  }
  return events
}
