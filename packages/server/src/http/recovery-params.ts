import type { RecoveryRequest } from '../frontend/recovery'
import { isPosition, parsePosition } from '../history/positions'
import { MAX_HISTORY_SIZE } from '../history/rules'
import { describeValue, ErrorCode, LikewireError } from '../protocol/errors'

const invalid = (message: string) => new LikewireError(400, ErrorCode.invalidRequest, message)

const rewindCount = (value: unknown, topic: string): number => {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_HISTORY_SIZE)
    throw invalid(`rewind for ${describeValue(topic)} must be an integer from 1 to ${MAX_HISTORY_SIZE}`)
  return value as number
}

const ownTopic = (topic: string, topics: readonly string[], what: string) => {
  if (!topics.includes(topic))
    throw invalid(`${what} names ${describeValue(topic)}, which the request does not subscribe to`)
}

/**
 * Resume and rewind at connect: `resume=<topic>~<epoch>~<offset>,...` and `rewind=<topic>~<n>,...` (`~` is
 * not a topic character). A plain EventSource's Last-Event-ID resumes the stream's only history topic.
 */
export function recoveryFromQuery(
  query: { resume?: string | undefined; rewind?: string | undefined; lastEventId?: string | undefined },
  topics: readonly string[],
  historyTopics: (topics: readonly string[]) => string[],
): Map<string, RecoveryRequest> {
  const requests = new Map<string, RecoveryRequest>()
  for (const entry of query.rewind ? query.rewind.split(',') : []) {
    const [topic, n, ...rest] = entry.split('~')
    if (!topic || n === undefined || rest.length > 0 || !/^\d+$/.test(n))
      throw invalid(`rewind: expected topic~n, got ${describeValue(entry)}`)
    ownTopic(topic, topics, 'rewind')
    requests.set(topic, { rewind: rewindCount(Number(n), topic) })
  }
  for (const entry of query.resume ? query.resume.split(',') : []) {
    const [topic, epoch, offset, ...rest] = entry.split('~')
    const position = { epoch, offset: Number(offset) }
    if (!topic || rest.length > 0 || !/^\d+$/.test(offset ?? '') || !isPosition(position))
      throw invalid(`resume: expected topic~epoch~offset, got ${describeValue(entry)}`)
    ownTopic(topic, topics, 'resume')
    requests.set(topic, { resume: position }) // a position wins over a rewind of the same topic
  }
  const lastEventId = parsePosition(query.lastEventId)
  const history = lastEventId ? historyTopics(topics) : []
  if (lastEventId && history.length === 1 && !requests.has(history[0]!))
    requests.set(history[0]!, { resume: lastEventId })
  return requests
}

/** Resume and rewind in a subscribe body: `"resume": {"<topic>": {"epoch","offset"}}`, `"rewind": {"<topic>": n}`. */
export function recoveryFromBody(
  body: Record<string, unknown>,
  topics: readonly string[],
): Map<string, RecoveryRequest> {
  const requests = new Map<string, RecoveryRequest>()
  const { resume, rewind } = body
  for (const [name, value] of [
    ['rewind', rewind],
    ['resume', resume],
  ] as const) {
    if (value === undefined) continue
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw invalid(`"${name}" must be an object keyed by topic`)
    for (const [topic, item] of Object.entries(value)) {
      ownTopic(topic, topics, `"${name}"`)
      if (name === 'rewind') requests.set(topic, { rewind: rewindCount(item, topic) })
      else if (isPosition(item)) requests.set(topic, { resume: { epoch: item.epoch, offset: item.offset } })
      else throw invalid(`"resume" for ${describeValue(topic)} must be {"epoch","offset"}`)
    }
  }
  return requests
}
