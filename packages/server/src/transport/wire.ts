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
    const event = readHead(line) ?? parseLine(line)
    assertFrameSafe(event)
    events.push(event)
  }
  return events
}

const TOPIC_AT = '{"topic":"'.length
const ID_KEY = '","id":"'
const TS_KEY = '","ts":'
const DATA_KEY = ',"data":'

/**
 * A fire-and-forget line exactly as the dispatcher writes it (`{"topic":"…","id":"…","ts":…,"data":…}`):
 * its head fields read in place, the data never parsed (the sender holds the cluster secret and made it
 * with JSON.stringify). Anything else (history lines with `pos`, other senders) answers undefined.
 */
function readHead(line: string): EncodedEvent | undefined {
  if (!line.startsWith('{"topic":"')) return undefined
  const idKey = line.indexOf(ID_KEY, TOPIC_AT)
  if (idKey < 0) return undefined
  const tsKey = line.indexOf(TS_KEY, idKey + ID_KEY.length)
  if (tsKey < 0) return undefined
  let end = tsKey + TS_KEY.length
  while (end < line.length && line.charCodeAt(end) >= 0x30 && line.charCodeAt(end) <= 0x39) end++
  if (end === tsKey + TS_KEY.length || !line.startsWith(DATA_KEY, end) || !line.endsWith('}'))
    return undefined
  const topic = line.slice(TOPIC_AT, idKey)
  const id = line.slice(idKey + ID_KEY.length, tsKey)
  // a quote or backslash inside means escapes the in-place read does not undo: the full parse decides
  if (topic.includes('\\') || id.includes('"') || id.includes('\\')) return undefined
  return { topic, id, ts: Number(line.slice(tsKey + TS_KEY.length, end)), json: line }
}

function parseLine(line: string): EncodedEvent {
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
  return pos === undefined ? { topic, id, ts, json: line } : { topic, id, ts, json: line, pos }
}
