import { type EventPosition, isPosition } from './event'
import { rewindCount } from './recovery'
import { isSubscribableTopic } from './topic'

/** A subscribe's arguments, checked the same way by every client: throws a TypeError for a bad one. */
export function checkSubscribe(
  topic: string,
  callback: unknown,
  options: { rewind?: number | undefined; resumeFrom?: EventPosition | undefined },
): { rewind: number; resumeFrom: EventPosition | undefined } {
  if (!isSubscribableTopic(topic)) {
    throw new TypeError(
      `likewire: invalid topic ${JSON.stringify(topic)}: use 1-200 of A-Za-z0-9 _ - : . @ / = (member: is reserved for presence), or a meta topic (viewersTopic, membersTopic, presenceTopic)`,
    )
  }
  if (typeof callback !== 'function') throw new TypeError('likewire: subscribe needs a callback')
  const rewind = rewindCount(options.rewind)
  const { resumeFrom } = options
  if (resumeFrom !== undefined && !isPosition(resumeFrom))
    throw new TypeError('likewire: resumeFrom must be an event position { epoch, offset }')
  return { rewind, resumeFrom: resumeFrom && { epoch: resumeFrom.epoch, offset: resumeFrom.offset } }
}
