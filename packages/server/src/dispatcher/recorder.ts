import type { HistoryRules } from '../history/rules'
import type { AppendRequest, HistoryStore } from '../history/store'
import { unavailable } from '../protocol/errors'
import type { EncodedEvent } from '../protocol/frames'

/** An event stamped by a dispatcher, its data serialized, not yet given a position. */
export interface Draft {
  topic: string
  id: string
  ts: number
  dataJson: string
  /** Idempotency key: a retried publish with the same key is recorded (and delivered) once. */
  key?: string | undefined
}

/** What a batch of drafts became: the events to deliver, and the id each draft ended up with. */
export interface Recorded {
  deliver: EncodedEvent[]
  ids: string[]
  /** The frontends of the asked topics, when the store looked them up with the appends (one round trip). */
  routes?: Map<string, string[]> | undefined
}

/**
 * Gives the events of history topics their positions by recording them in the history store before they
 * are delivered (a 202 then means "in the history"); fire-and-forget events pass through untouched.
 */
export class HistoryRecorder {
  constructor(
    private readonly rules: HistoryRules,
    private readonly store: HistoryStore,
  ) {}

  /** `lookup`: topics whose frontends the store may look up right after the appends, in the same round trip. */
  async record(drafts: readonly Draft[], lookup?: readonly string[]): Promise<Recorded> {
    const requests: Array<AppendRequest & { index: number }> = []
    const deliver: Array<EncodedEvent | undefined> = drafts.map((draft, index) => {
      const rule = this.rules.ruleFor(draft.topic)
      const head = `{"topic":${JSON.stringify(draft.topic)},"id":"${draft.id}","ts":${draft.ts},`
      if (!rule)
        return { topic: draft.topic, id: draft.id, ts: draft.ts, json: `${head}"data":${draft.dataJson}}` }
      requests.push({
        index,
        topic: draft.topic,
        id: draft.id,
        rule,
        head,
        tail: `,"data":${draft.dataJson}}`,
        key: draft.key,
      })
      return undefined
    })
    const ids = drafts.map((draft) => draft.id)
    if (requests.length === 0) return { deliver: deliver as EncodedEvent[], ids }
    let appended: Awaited<ReturnType<HistoryStore['append']>>
    let routes: Map<string, string[]> | undefined
    try {
      if (lookup && this.store.appendThenLookup)
        ({ appended, routes } = await this.store.appendThenLookup(requests, lookup))
      else appended = await this.store.append(requests)
    } catch {
      throw unavailable('The history store is unavailable; the publish was not accepted')
    }
    requests.forEach((request, i) => {
      const record = appended[i]!
      const draft = drafts[request.index]!
      ids[request.index] = record.id
      // a retried publish: recorded and delivered the first time, so not delivered again
      if (record.duplicate) return
      deliver[request.index] = {
        topic: draft.topic,
        id: draft.id,
        ts: draft.ts,
        json: record.json,
        pos: { epoch: record.epoch, offset: record.offset },
      }
    })
    return { deliver: deliver.filter((event): event is EncodedEvent => event !== undefined), ids, routes }
  }

  /**
   * A peer datacenter's events: those of history topics get this datacenter's positions (each keeps its
   * own history of what it delivered; the event id is the key, so a peer's retry is recorded once).
   */
  async recordForwarded(events: readonly EncodedEvent[]): Promise<EncodedEvent[]> {
    if (!this.rules.enabled) return events.map(withoutPosition)
    const drafts: Draft[] = []
    const passing: Array<EncodedEvent | undefined> = events.map((event) => {
      if (!this.rules.ruleFor(event.topic)) return withoutPosition(event)
      const { data } = JSON.parse(event.json) as { data: unknown }
      drafts.push({
        topic: event.topic,
        id: event.id,
        ts: event.ts,
        dataJson: JSON.stringify(data),
        key: event.id,
      })
      return undefined
    })
    const { deliver } = await this.record(drafts)
    let next = 0
    const byId = new Map(deliver.map((event) => [event.id, event]))
    return passing
      .map((event) => event ?? byId.get(drafts[next++]!.id))
      .filter((event): event is EncodedEvent => event !== undefined)
  }
}

/** A forwarded event of a topic without history here: its sender's position means nothing in this datacenter. */
export function withoutPosition(event: EncodedEvent): EncodedEvent {
  return event.pos === undefined
    ? event
    : { topic: event.topic, id: event.id, ts: event.ts, json: event.json }
}
