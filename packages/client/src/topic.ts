/** Topic names: 1-200 chars of A-Za-z0-9 _ - : . @ / = (protocol v1). */
export const TOPIC_PATTERN = /^[A-Za-z0-9_\-:.@/=]{1,200}$/

/** Suffix of the server-owned meta topic that carries a topic's viewer count. */
export const VIEWERS_SUFFIX = '/$viewers'

/** The meta topic on which the server publishes `{topic, count}` for `topic`'s viewers. */
export function viewersTopic(topic: string): string {
  return `${topic}${VIEWERS_SUFFIX}`
}

/** True for a topic the server accepts in a subscribe: an ordinary topic or its viewers meta topic. */
export function isSubscribableTopic(topic: unknown): topic is string {
  if (typeof topic !== 'string') return false
  const counted = topic.endsWith(VIEWERS_SUFFIX) ? topic.slice(0, -VIEWERS_SUFFIX.length) : topic
  return TOPIC_PATTERN.test(counted)
}
