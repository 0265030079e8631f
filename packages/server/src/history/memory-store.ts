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
  key: string | undefined
}

interface TopicHistory {
  epoch: string
  latest: number
  entries: Entry[]
  keys: Map<string, Appended>
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
      if (seen) return { ...seen, duplicate: true }
      const position = { epoch: history.epoch, offset: history.latest + 1 }
      const json = positionedJson(request, position)
      history.latest = position.offset
      history.entries.push({ offset: position.offset, json, at: now, key: request.key })
      const appended = { ...position, id: request.id ?? '', json, duplicate: false }
      if (request.key !== undefined) history.keys.set(request.key, appended)
      this.trim(history, request.rule, now)
      return appended
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

  /** Drops what is past the rule's size or age, and the idempotency keys of what was dropped. */
  private trim(history: TopicHistory, rule: ResolvedRule, now: number): void {
    let drop = Math.max(0, history.entries.length - rule.size)
    while (drop < history.entries.length && history.entries[drop]!.at < now - rule.ttlMs) drop++
    if (drop === 0) return
    for (const entry of history.entries.slice(0, drop))
      if (entry.key !== undefined) history.keys.delete(entry.key)
    history.entries.splice(0, drop)
  }

  private sweep(): void {
    const now = this.now()
    for (const [topic, history] of this.topics)
      if (history.appendedAt < now - history.ttlMs) this.topics.delete(topic)
  }
}
