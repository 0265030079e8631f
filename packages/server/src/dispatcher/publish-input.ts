import { ErrorCode, LikewireError } from '../protocol/errors'
import { MAX_JSON_DEPTH, stringifyData } from '../protocol/json'
import { assertPublishableTopic } from '../protocol/topic'

/** One event as a backend publishes it. */
export interface PublishInput {
  topic: string
  data: unknown
  /**
   * Idempotency key (1-128 of `A-Za-z0-9 _ - . :`): on a history topic, a publish retried with the same key
   * is recorded and delivered once, and answers the first id. Ignored on fire-and-forget topics.
   */
  key?: string | undefined
}

/** A publish checked against protocol rules, its data serialized once. */
export interface ValidPublish {
  topic: string
  dataJson: string
  key?: string | undefined
}

const KEY_PATTERN = /^[A-Za-z0-9_\-.:]{1,128}$/

/**
 * The one check of a published event, shared by the dispatcher (HTTP and in-process publishes) and
 * createPublisher (before it sends): the data's JSON is made and measured here, once per publish.
 * `depthChecked`: the input was parsed from JSON text no deeper than MAX_JSON_DEPTH, so its data is too.
 */
export function validatePublish(input: unknown, maxPayloadBytes: number, depthChecked = false): ValidPublish {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new LikewireError(400, ErrorCode.invalidRequest, 'An event is an object {"topic", "data"}')
  }
  const { topic, data, key } = input as Record<string, unknown>
  assertPublishableTopic(topic)
  if (key !== undefined && (typeof key !== 'string' || !KEY_PATTERN.test(key))) {
    throw new LikewireError(
      400,
      ErrorCode.invalidRequest,
      '"key" must be 1-128 characters of A-Za-z0-9 _ - . :',
    )
  }
  const dataJson = stringifyData(data, depthChecked)
  if (Buffer.byteLength(dataJson) > maxPayloadBytes) {
    throw new LikewireError(
      413,
      ErrorCode.payloadTooLarge,
      `Event data is larger than the ${maxPayloadBytes}-byte limit`,
    )
  }
  return key === undefined ? { topic, dataJson } : { topic, dataJson, key }
}

/**
 * Reads a publish body: `{"topic","data"}` or `{"events":[...]}`. `bodyDepth`: the nesting of the JSON text
 * it was parsed from, when known; a body within MAX_JSON_DEPTH skips each event's own depth check.
 */
export function parsePublishBody(
  body: unknown,
  maxPayloadBytes: number,
  maxBatch: number,
  bodyDepth = Number.POSITIVE_INFINITY,
): ValidPublish[] {
  const depthChecked = bodyDepth <= MAX_JSON_DEPTH
  if (typeof body === 'object' && body !== null && 'events' in body) {
    const { events } = body as { events: unknown }
    if (!Array.isArray(events) || events.length === 0) {
      throw new LikewireError(400, ErrorCode.invalidRequest, '"events" must be a non-empty array')
    }
    if (events.length > maxBatch) {
      throw new LikewireError(413, ErrorCode.payloadTooLarge, `At most ${maxBatch} events per publish`)
    }
    return events.map((event) => validatePublish(event, maxPayloadBytes, depthChecked))
  }
  return [validatePublish(body, maxPayloadBytes, depthChecked)]
}
