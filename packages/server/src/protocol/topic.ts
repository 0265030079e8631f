import { invalidTopic, LikewireError } from './errors'

/** Topic names: 1-200 chars of A-Za-z0-9 _ - : . @ / = (protocol v1). */
export const TOPIC_PATTERN = /^[A-Za-z0-9_\-:.@/=]{1,200}$/

/** Suffix of the server-owned meta topic that carries a topic's viewer count. */
export const VIEWERS_SUFFIX = '/$viewers'

/** The meta topic carrying `topic`'s viewer count: subscribable, never publishable by clients. */
export function viewersTopic(topic: string): string {
  return `${topic}${VIEWERS_SUFFIX}`
}

/** The counted topic of a viewers meta topic, or null when `topic` is an ordinary topic. */
export function viewedTopic(topic: string): string | null {
  return topic.endsWith(VIEWERS_SUFFIX) ? topic.slice(0, -VIEWERS_SUFFIX.length) : null
}

/** Validates a topic a client may publish to. */
export function assertPublishableTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string') throw invalidTopic(topic, 'must be a string')
  if (!TOPIC_PATTERN.test(topic)) throw invalidTopic(topic, 'use 1-200 characters of A-Za-z0-9 _ - : . @ / =')
}

/** Validates a topic a client may subscribe to: ordinary topics and viewers meta topics. */
export function assertSubscribableTopic(topic: unknown): asserts topic is string {
  if (typeof topic === 'string') {
    const viewed = viewedTopic(topic)
    if (viewed !== null) return assertPublishableTopic(viewed)
  }
  assertPublishableTopic(topic)
}

/** True for a topic a client may subscribe to (the same rule as assertSubscribableTopic, without throwing). */
export function isSubscribableTopic(topic: string): boolean {
  const viewed = viewedTopic(topic)
  return TOPIC_PATTERN.test(viewed ?? topic)
}

/** Splits the connect query's comma list (`?topics=a,b`). */
export function splitTopicQuery(query: string | undefined): string[] {
  return query ? query.split(',') : []
}

/** Parses a `topics` array into unique valid topics. */
export function parseTopicList(list: unknown, max: number): string[] {
  if (!Array.isArray(list)) {
    throw new LikewireError(400, 'invalid_request', '"topics" must be an array of topic names')
  }
  const topics = [...new Set(list)]
  if (topics.length > max) {
    throw new LikewireError(
      400,
      'too_many_subscriptions',
      `At most ${max} topics per request and per connection`,
    )
  }
  for (const topic of topics) assertSubscribableTopic(topic)
  return topics as string[]
}
