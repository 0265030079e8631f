import type { RegistryHealth } from '../registry/registry'
import type { Position } from './positions'
import type { ResolvedRule } from './rules'

/** One event to record in its topic's history; the store gives it its position. */
export interface AppendRequest {
  topic: string
  /** The event id, kept with the record (a duplicate answers the id first recorded). */
  id?: string | undefined
  rule: ResolvedRule
  /** The event's JSON before its position: `{"topic":…,"id":…,"ts":…,` */
  head: string
  /** The event's JSON after its position: `,"data":…}` */
  tail: string
  /** An idempotency key: an append with a key already recorded returns that record, stores nothing. */
  key?: string | undefined
}

export interface Appended extends Position {
  /** The id recorded with the event (a duplicate's is the first publish's). */
  id: string
  /** The whole event JSON, position included: what subscribers get and what a replay sends. */
  json: string
  /** The key was seen: this is the earlier record (deliver nothing again). */
  duplicate: boolean
}

/** What a history read found. */
export interface HistoryRead {
  /** The topic's current epoch. */
  epoch: string
  /** The newest offset recorded in this epoch (0 when none). */
  latest: number
  /** Retained events in the asked range, oldest first. */
  events: Array<{ offset: number; json: string }>
  /** The asked range was retained whole: nothing between the asked position and `latest` is missing. */
  complete: boolean
}

/** Where history lives: a ring per topic in memory (embedded), Redis Streams in a cluster. */
export interface HistoryStore {
  /** Records events in order, each topic's offsets consecutive; all or nothing per call is not promised. */
  append(requests: readonly AppendRequest[]): Promise<Appended[]>
  /**
   * Records, then looks up which frontend nodes hold `topics`, in one round trip: a store on the
   * registry's own connection can (its answers come in order, so the lookup sees the registry after the
   * append). Absent on stores that cannot.
   */
  appendThenLookup?(
    requests: readonly AppendRequest[],
    topics: readonly string[],
  ): Promise<{ appended: Appended[]; routes: Map<string, string[]> }>
  /** Events after `after` in the same epoch, or the newest `last` retained ones. */
  read(topic: string, rule: ResolvedRule, from: { after: Position } | { last: number }): Promise<HistoryRead>
  health(): Promise<RegistryHealth>
  close(): Promise<void>
}

/** The event JSON with its position, built the same way by every store. */
export function positionedJson(request: Pick<AppendRequest, 'head' | 'tail'>, position: Position): string {
  return `${request.head}"pos":{"epoch":"${position.epoch}","offset":${position.offset}}${request.tail}`
}
