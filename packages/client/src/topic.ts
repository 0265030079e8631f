import { escapeMemberId, unescapeMemberId } from './presence/member-id'

/** Topic names: 1-200 chars of A-Za-z0-9 _ - : . @ / = (protocol v1). */
export const TOPIC_PATTERN = /^[A-Za-z0-9_\-:.@/=]{1,200}$/

/** Suffix of the server-owned meta topic that carries a topic's viewer count. */
export const VIEWERS_SUFFIX = '/$viewers'
/** Suffix of the server-owned meta topic that carries a topic's identified members. */
export const MEMBERS_SUFFIX = '/$members'
/** Suffix of a member's presence meta topic, `member:<escaped member id>/$presence`. */
export const PRESENCE_SUFFIX = '/$presence'
/** Reserved by the server for presence: no ordinary topic starts with it. */
const PRESENCE_PREFIX = 'member:'

/** The meta topic on which the server publishes `{topic, count}` for `topic`'s viewers. */
export function viewersTopic(topic: string): string {
  return `${topic}${VIEWERS_SUFFIX}`
}

/** The meta topic carrying `topic`'s identified members: a snapshot on subscribe, then joins and leaves. */
export function membersTopic(topic: string): string {
  return `${topic}${MEMBERS_SUFFIX}`
}

/**
 * The meta topic carrying a member's online/offline changes: `member:<escaped id>/$presence`, the id
 * escaped exactly as the server does (`A-Za-z0-9 _ - . : @` kept, every other UTF-8 byte `=XX`).
 */
export function presenceTopic(memberId: string): string {
  return `${PRESENCE_PREFIX}${escapeMemberId(memberId)}${PRESENCE_SUFFIX}`
}

/** The member a presence topic is about, or null when `topic` is not one the server accepts. */
export function presenceMemberOf(topic: string): string | null {
  if (!topic.startsWith(PRESENCE_PREFIX) || !topic.endsWith(PRESENCE_SUFFIX)) return null
  return unescapeMemberId(topic.slice(PRESENCE_PREFIX.length, -PRESENCE_SUFFIX.length))
}

/**
 * True for an ordinary topic, as the server takes one: 1-200 of `A-Za-z0-9 _ - : . @ / =`, not starting
 * with `member:` (reserved for presence topics). What `membersTopic` and `viewersTopic` take.
 */
export function isOrdinaryTopic(topic: unknown): topic is string {
  return typeof topic === 'string' && TOPIC_PATTERN.test(topic) && !topic.startsWith(PRESENCE_PREFIX)
}

/**
 * True for a topic the server accepts in a subscribe: an ordinary topic, its viewers or members meta topic,
 * or a member's presence topic (in its one spelling).
 */
export function isSubscribableTopic(topic: unknown): topic is string {
  if (typeof topic !== 'string') return false
  if (topic.endsWith(PRESENCE_SUFFIX)) return presenceMemberOf(topic) !== null
  const suffix = [VIEWERS_SUFFIX, MEMBERS_SUFFIX].find((s) => topic.endsWith(s))
  return isOrdinaryTopic(suffix ? topic.slice(0, -suffix.length) : topic)
}
