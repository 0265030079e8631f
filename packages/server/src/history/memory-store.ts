import { randomBytes } from 'node:crypto'
import type { RegistryHealth } from '../registry/registry'
import type { Position } from './positions'
import type { ResolvedRule } from './rules'
import {
  type Appended,
  type AppendRequest,
  type HistoryRead,
  type HistoryStore,
  positionedJson,
} from './store'

interface Entry {
  offset: number
  json: string
  at: number
}

/** What a key recorded: a retry answers it (nothing is delivered again, so no JSON is kept). */
interface KeyRecord {
  epoch: string
  offset: number
  id: string
  at: number
}

interface TopicHistory {
  epoch: string
  latest: number
  entries: Entry[]
  /** Idempotency keys in the order recorded, each kept ttl (like Redis's), whether or not its event still is. */
  keys: Map<string, KeyRecord>
  /** Last append (or creation): a topic idle past its TTL has nothing left and is forgotten (its next epoch is new). */
  appendedAt: number
  ttlMs: number
}

/**
 * Embedded history: a bounded ring per topic. Its epoch is drawn when the topic's history starts, so a
 * process restart (everything lost) is a new epoch for every topic.
 */
export class MemoryHistoryStore implements HistoryStore {
  private readonly topics = new Map<string, TopicHistory>()
  private readonly sweeper: ReturnType<typeof setInterval>

  constructor(private readonly now: () => number = Date.now) {
    // a topic nothing was published to for its TTL holds nothing worth keeping
    this.sweeper = setInterval(() => this.sweep(), 60_000)
    this.sweeper.unref()
  }

  async append(requests: readonly AppendRequest[]): Promise<Appended[]> {
    const now = this.now()
    return requests.map((request) => {
      const history = this.topic(request.topic, request.rule, now)
      history.appendedAt = now
      const seen = request.key === undefined ? undefined : history.keys.get(request.key)
      if (seen && seen.at >= now - request.rule.ttlMs)
        return { epoch: seen.epoch, offset: seen.offset, id: seen.id, json: '', duplicate: true }
      const position = { epoch: history.epoch, offset: history.latest + 1 }
      const json = positionedJson(request, position)
      history.latest = position.offset
      history.entries.push({ offset: position.offset, json, at: now })
      const id = request.id ?? ''
      if (request.key !== undefined) {
        history.keys.delete(request.key) // an expired one: re-recorded at the end, keeping the map in time order
        history.keys.set(request.key, { ...position, id, at: now })
      }
      this.trim(history, request.rule, now)
      return { ...position, id, json, duplicate: false }
    })
  }

  async read(
    topic: string,
    rule: ResolvedRule,
    from: { after: Position } | { last: number },
  ): Promise<HistoryRead> {
    const now = this.now()
    const history = this.topic(topic, rule, now)
    this.trim(history, rule, now)
    const { epoch, latest, entries } = history
    if ('last' in from) {
      const events = entries
        .slice(Math.max(0, entries.length - from.last))
        .map(({ offset, json }) => ({ offset, json }))
      return { epoch, latest, events, complete: true }
    }
    if (from.after.epoch !== epoch) return { epoch, latest, events: [], complete: false }
    const events = entries
      .filter((e) => e.offset > from.after.offset)
      .map(({ offset, json }) => ({ offset, json }))
    const first = events[0]?.offset ?? latest + 1
    return { epoch, latest, events, complete: first === from.after.offset + 1 && from.after.offset <= latest }
  }

  async health(): Promise<RegistryHealth> {
    return { ok: true }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper)
    this.topics.clear()
  }

  private topic(topic: string, rule: ResolvedRule, now: number): TopicHistory {
    let history = this.topics.get(topic)
    if (!history) {
      history = {
        epoch: randomBytes(6).toString('base64url'),
        latest: 0,
        entries: [],
        keys: new Map(),
        appendedAt: now,
        ttlMs: rule.ttlMs,
      }
      this.topics.set(topic, history)
    }
    return history
  }

  /**
   * Drops what is past the rule's size or age, and keys past its age: a key outlives an event trimmed by size,
   * so a retry within ttl counts once however busy the topic (the keys of a busy topic cost memory for ttl).
   */
  private trim(history: TopicHistory, rule: ResolvedRule, now: number): void {
    let drop = Math.max(0, history.entries.length - rule.size)
    while (drop < history.entries.length && history.entries[drop]!.at < now - rule.ttlMs) drop++
    if (drop > 0) history.entries.splice(0, drop)
    for (const [key, record] of history.keys) {
      if (record.at >= now - rule.ttlMs) break // recorded in time order: the rest are younger
      history.keys.delete(key)
    }
  }

  private sweep(): void {
    const now = this.now()
    for (const [topic, history] of this.topics)
      if (history.appendedAt < now - history.ttlMs) this.topics.delete(topic)
  }
}
