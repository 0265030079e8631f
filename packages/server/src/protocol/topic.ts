import { isMemberId } from '../auth/identity'
import { invalidTopic, LikewireError } from './errors'

/** Topic names: 1-200 chars of A-Za-z0-9 _ - : . @ / = (protocol v1). */
export const TOPIC_PATTERN = /^[A-Za-z0-9_\-:.@/=]{1,200}$/

/** Suffix of the server-owned meta topic that carries a topic's viewer count. */
export const VIEWERS_SUFFIX = '/$viewers'
/** Suffix of the server-owned meta topic that carries a topic's identified members. */
export const MEMBERS_SUFFIX = '/$members'
/** Suffix of a member's presence meta topic, `member:<escaped member id>/$presence`. */
export const PRESENCE_SUFFIX = '/$presence'
/**
 * Reserved for presence: no ordinary topic starts with it, so a grant of `member:*` (presence) is never
 * a grant of an application's own `member:<id>` topics.
 */
const PRESENCE_PREFIX = 'member:'

/** The meta topic carrying `topic`'s viewer count: subscribable, never publishable by clients. */
export function viewersTopic(topic: string): string {
  return `${topic}${VIEWERS_SUFFIX}`
}

/** The meta topic carrying `topic`'s identified members (snapshot on subscribe, then joins and leaves). */
export function membersTopic(topic: string): string {
  return `${topic}${MEMBERS_SUFFIX}`
}

/** The meta topic carrying a member's online/offline changes. */
export function presenceTopic(memberId: string): string {
  return `${PRESENCE_PREFIX}${escapeMemberId(memberId)}${PRESENCE_SUFFIX}`
}

/** The counted topic of a viewers meta topic, or null when `topic` is an ordinary topic. */
export function viewedTopic(topic: string): string | null {
  return topic.endsWith(VIEWERS_SUFFIX) ? topic.slice(0, -VIEWERS_SUFFIX.length) : null
}

/**
 * What a meta topic is about: the topic whose viewers or members it carries (its `base`, what a
 * subscriber must be allowed), or the member whose presence it carries (base `member:<escaped id>`).
 * Null for an ordinary topic.
 */
export type MetaTopic =
  | { kind: 'viewers' | 'members'; base: string }
  | { kind: 'presence'; base: string; memberId: string }

export function metaTopic(topic: string): MetaTopic | null {
  if (topic.endsWith(VIEWERS_SUFFIX)) return { kind: 'viewers', base: topic.slice(0, -VIEWERS_SUFFIX.length) }
  if (topic.endsWith(MEMBERS_SUFFIX)) return { kind: 'members', base: topic.slice(0, -MEMBERS_SUFFIX.length) }
  if (topic.endsWith(PRESENCE_SUFFIX) && topic.startsWith(PRESENCE_PREFIX)) {
    const base = topic.slice(0, -PRESENCE_SUFFIX.length)
    const memberId = unescapeMemberId(base.slice(PRESENCE_PREFIX.length))
    return memberId === null ? null : { kind: 'presence', base, memberId }
  }
  return null
}

/**
 * The topic a subscription is about, for an `authorize` hook: a meta topic's base (`t` for `t/$viewers`
 * and `t/$members`, `member:<escaped id>` for a presence topic), any other topic itself. A rule written
 * for `t` then holds for its meta topics too.
 */
export function baseTopic(topic: string): string {
  return metaTopic(topic)?.base ?? topic
}

/** Every UTF-8 byte outside these is written `=XX`, so any member id makes a valid topic. */
const KEPT = /[A-Za-z0-9_\-.:@]/

/** A member id as topic characters: `A-Za-z0-9 _ - . : @` kept, every other UTF-8 byte `=XX` (`=` is `=3D`). */
export function escapeMemberId(memberId: string): string {
  let out = ''
  for (const char of memberId) {
    if (KEPT.test(char)) out += char
    else
      for (const byte of Buffer.from(char, 'utf8'))
        out += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** The member id an escaped one names, or null when it is not one escapeMemberId could have written. */
export function unescapeMemberId(escaped: string): string | null {
  const bytes: number[] = []
  for (let i = 0; i < escaped.length; i++) {
    const char = escaped[i]!
    if (char === '=') {
      const hex = escaped.slice(i + 1, i + 3)
      if (!/^[0-9A-F]{2}$/.test(hex)) return null
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else if (KEPT.test(char)) bytes.push(char.charCodeAt(0))
    else return null
  }
  const memberId = Buffer.from(bytes).toString('utf8')
  // one spelling per member: a byte escaped that need not be, or bytes that are not UTF-8, are refused
  return isMemberId(memberId) && escapeMemberId(memberId) === escaped ? memberId : null
}

/** True for an ordinary topic: 1-200 topic characters, not a meta topic, not in the reserved `member:` prefix. */
export function isOrdinaryTopic(topic: string): boolean {
  return TOPIC_PATTERN.test(topic) && !topic.startsWith(PRESENCE_PREFIX)
}

/** Validates a topic a client may publish to: an ordinary topic. */
export function assertPublishableTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string') throw invalidTopic(topic, 'must be a string')
  if (!TOPIC_PATTERN.test(topic)) throw invalidTopic(topic, 'use 1-200 characters of A-Za-z0-9 _ - : . @ / =')
  if (topic.startsWith(PRESENCE_PREFIX))
    throw invalidTopic(
      topic,
      `the "${PRESENCE_PREFIX}" prefix is reserved for presence topics (member:<escaped member id>/$presence)`,
    )
}

/** Validates a topic a client may subscribe to: ordinary topics and meta topics (viewers, members, presence). */
export function assertSubscribableTopic(topic: unknown): asserts topic is string {
  if (typeof topic === 'string' && topic.endsWith(PRESENCE_SUFFIX)) {
    if (metaTopic(topic)?.kind === 'presence') return
    throw invalidTopic(topic, 'a presence topic is member:<escaped member id>/$presence')
  }
  if (typeof topic === 'string') {
    const meta = metaTopic(topic)
    if (meta !== null) return assertPublishableTopic(meta.base)
  }
  assertPublishableTopic(topic)
}

/** True for a topic a client may subscribe to (the same rule as assertSubscribableTopic, without throwing). */
export function isSubscribableTopic(topic: string): boolean {
  const meta = metaTopic(topic)
  if (meta?.kind === 'presence') return true
  if (topic.endsWith(PRESENCE_SUFFIX)) return false
  return isOrdinaryTopic(meta?.base ?? topic)
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
