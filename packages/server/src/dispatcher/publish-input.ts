import { ErrorCode, LikewireError } from '../protocol/errors'
import { stringifyData } from '../protocol/json'
import { assertPublishableTopic } from '../protocol/topic'

/** One event as a backend publishes it. */
export interface PublishInput {
  topic: string
  data: unknown
}

/** A publish checked against protocol rules, its data serialized once. */
export interface ValidPublish {
  topic: string
  dataJson: string
}

/**
 * The one check of a published event, shared by the dispatcher (HTTP and in-process publishes) and
 * createPublisher (before it sends): the data's JSON is made and measured here, once per publish.
 */
export function validatePublish(input: unknown, maxPayloadBytes: number): ValidPublish {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new LikewireError(400, ErrorCode.invalidRequest, 'An event is an object {"topic", "data"}')
  }
  const { topic, data } = input as Record<string, unknown>
  assertPublishableTopic(topic)
  const dataJson = stringifyData(data)
  if (Buffer.byteLength(dataJson) > maxPayloadBytes) {
    throw new LikewireError(
      413,
      ErrorCode.payloadTooLarge,
      `Event data is larger than the ${maxPayloadBytes}-byte limit`,
    )
  }
  return { topic, dataJson }
}

/** Reads a publish body: `{"topic","data"}` or `{"events":[...]}`. */
export function parsePublishBody(body: unknown, maxPayloadBytes: number, maxBatch: number): ValidPublish[] {
  if (typeof body === 'object' && body !== null && 'events' in body) {
    const { events } = body as { events: unknown }
    if (!Array.isArray(events) || events.length === 0) {
      throw new LikewireError(400, ErrorCode.invalidRequest, '"events" must be a non-empty array')
    }
    if (events.length > maxBatch) {
      throw new LikewireError(413, ErrorCode.payloadTooLarge, `At most ${maxBatch} events per publish`)
    }
    return events.map((event) => validatePublish(event, maxPayloadBytes))
  }
  return [validatePublish(body, maxPayloadBytes)]
}
