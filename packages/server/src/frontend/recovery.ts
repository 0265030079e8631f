import type { Position } from '../history/positions'
import type { HistoryRead } from '../history/store'
import type { Metrics } from '../metrics/metrics'
import { ControlEvent, controlFrame, type EncodedEvent, sharedDataFrame } from '../protocol/frames'
import type { Connection } from './connection'
import type { WindowRead } from './history-window'
import { room } from './pacing'
import { REPLAY_SLICE_BYTES, type ReplayTurns } from './replay-turns'
import type { SequenceGap } from './sequencer'

/** What a subscriber asks of a history topic: resume after its last position, or the last n events first (0: none, just where it starts). */
export type RecoveryRequest = { resume: Position } | { rewind: number }

/** A fresh subscription's start: the node's order when it subscribed (see Sequencer.where). */
export type Starting = { start: Promise<Position | undefined> }

type Held = { event: EncodedEvent } | { gap: SequenceGap }

/**
 * Catching up: live events are held. Then, until the node's live order has passed what the catch-up
 * wrote (a hole repaired later may release offsets the catch-up already sent), a floor filters them.
 */
type CatchUp = { held: Held[] } | { floor: Position }

export interface RecoveryParts {
  /** Reads the topic's history (the rule is the frontend's business). */
  read(topic: string, from: { after: Position } | { last: number }): Promise<HistoryRead>
  /**
   * What the node's window of recent events holds after `after`, up to the node's latest; undefined when
   * it does not hold all of it (the store is read then).
   */
  recent?(topic: string, after: Position): Promise<WindowRead | undefined>
  /** Shares the event loop between replays (a slice each per turn). @default none: each replay in one go */
  turns?: ReplayTurns
  /** Drops a connection that took nothing of its replay for a long while (a slow consumer). */
  dropSlow(connection: Connection): void
  /** Queues frames on a connection (the frontend's own enqueue, slow-consumer bound included). */
  send(connection: Connection, frame: Buffer): void
  metrics: Metrics
  /**
   * A replay writes at most this many bytes ahead of what the client has taken, then waits for it: a
   * backlog larger than the slow-consumer bound would otherwise drop the very client it is for.
   * @default Infinity
   */
  replayAheadBytes?: number
}

/** The frame that tells a subscriber events are missing: it refetches, and goes on after `resumeAt`. */
export function gapFrame(gap: SequenceGap): Buffer {
  const { topic, reason, resumeAt } = gap
  return controlFrame(
    ControlEvent.gap,
    resumeAt ? { topic, reason, epoch: resumeAt.epoch, offset: resumeAt.offset } : { topic, reason },
  )
}

/** Where a fresh subscriber of a history topic starts: the events after this position follow. */
export function positionFrame(topic: string, position: Position): Buffer {
  return controlFrame(ControlEvent.position, { topic, epoch: position.epoch, offset: position.offset })
}

/** A stored event as a frame: its id and ts are read back from its JSON (a replay is not the hot path). */
export function replayEvent(
  topic: string,
  epoch: string,
  entry: { offset: number; json: string },
): EncodedEvent {
  const { id, ts } = JSON.parse(entry.json) as { id: string; ts: number }
  return { topic, id, ts, json: entry.json, pos: { epoch, offset: entry.offset } }
}

const replayed = new WeakMap<object, EncodedEvent>()

/** replayEvent's frame, parsed and built once per stored entry: one read answers every resume of its topic. */
function replayFrame(topic: string, epoch: string, entry: { offset: number; json: string }): Buffer {
  let event = replayed.get(entry)
  if (event === undefined) {
    event = replayEvent(topic, epoch, entry)
    replayed.set(entry, event)
  }
  return sharedDataFrame(event)
}

/**
 * Catch-up of one subscriber on a history topic. From the moment it subscribes, live events for it are held
 * here instead of written; once the subscription is recorded (so every later publish reaches this node) the
 * missed range is read from history and written, then the held live events after it, each offset once.
 * Then the subscriber is live like any other.
 */
export class Recovery {
  /** topic -> subscribers catching up on it, with what arrived live meanwhile. */
  private readonly catching = new Map<string, Map<Connection, CatchUp>>()

  constructor(private readonly parts: RecoveryParts) {}

  /** Subscribers of `topic` catching up, if any (checked per run of events on the hot path). */
  catchingOn(topic: string): ReadonlyMap<Connection, CatchUp> | undefined {
    return this.catching.get(topic)
  }

  /** Starts holding live events of `topic` for `connection`; call it where the subscription is added. */
  begin(connection: Connection, topic: string): void {
    let subscribers = this.catching.get(topic)
    if (!subscribers) {
      subscribers = new Map()
      this.catching.set(topic, subscribers)
    }
    subscribers.set(connection, { held: [] })
  }

  /**
   * A live event or gap for a subscriber still catching up: held, or dropped when at or below the floor
   * written by the catch-up. False when there is nothing to do for it here any more: write it as usual.
   */
  hold(connection: Connection, topic: string, item: Held): boolean {
    const state = this.catching.get(topic)?.get(connection)
    if (!state) return false
    if ('held' in state) {
      state.held.push(item)
      return true
    }
    const { floor } = state
    const written = (at: Position) => at.epoch === floor.epoch && at.offset <= floor.offset // by the catch-up
    if ('gap' in item) {
      const at = item.gap.resumeAt
      if (at && written(at)) return true
      if (at) state.floor = at // the subscriber goes on from the gap's position
      return false
    }
    const at = item.event.pos!
    if (written(at)) return true
    // the live order is past the catch-up: nothing more to filter for this subscriber
    this.cancel(connection, topic)
    // a live event in another epoch than the subscriber last had (history lost while unreadable): never silent
    if (at.epoch !== floor.epoch)
      this.tell(connection, { topic, reason: 'epoch', resumeAt: { epoch: at.epoch, offset: at.offset - 1 } })
    return false
  }

  /** The subscription is gone (unsubscribed, closed, refused): nothing more is written for it. */
  cancel(connection: Connection, topic: string): void {
    const subscribers = this.catching.get(topic)
    if (!subscribers?.delete(connection)) return
    if (subscribers.size === 0) this.catching.delete(topic)
  }

  /** Reads what the subscriber missed and writes it, then what was held; call it once the subscription is recorded. */
  async run(connection: Connection, topic: string, request: RecoveryRequest | Starting): Promise<void> {
    if ('start' in request) return this.start(connection, topic, await request.start)
    const { metrics } = this.parts
    let recent: WindowRead | undefined
    let read: HistoryRead | undefined
    // a resume inside the node's window is answered from memory; anything else reads the store
    if ('resume' in request) recent = await this.parts.recent?.(topic, request.resume)
    if ('resume' in request) metrics.resumes.inc({ source: recent ? 'window' : 'store' })
    if (!recent) {
      try {
        read = await this.parts.read(
          topic,
          'resume' in request ? { after: request.resume } : { last: request.rewind },
        )
      } catch {
        read = undefined
      }
    }
    const state = this.catching.get(topic)?.get(connection)
    if (!state || !('held' in state) || connection.closed) return // gone meanwhile
    const { held } = state
    let last: Position | undefined
    if (recent) {
      const from = 'resume' in request ? request.resume : undefined
      if (!(await this.replay(connection, topic, state, recent.frames))) return
      last = recent.frames.length > 0 ? { epoch: recent.epoch, offset: recent.latest } : from
      metrics.replayed.inc(recent.frames.length)
      metrics.recoveries.inc({ result: 'recovered' })
    } else if (!read) {
      // history unreachable: the subscriber is told, and goes on with what arrives live
      const first = held.find((h): h is { event: EncodedEvent } => 'event' in h)?.event.pos
      last = first
        ? { epoch: first.epoch, offset: first.offset - 1 }
        : 'resume' in request
          ? request.resume
          : undefined
      this.tell(connection, { topic, reason: 'unavailable', resumeAt: last })
      metrics.recoveries.inc({ result: 'gap' })
    } else if ('resume' in request && (read.epoch !== request.resume.epoch || !read.complete)) {
      last = { epoch: read.epoch, offset: read.latest }
      this.tell(connection, {
        topic,
        reason: read.epoch !== request.resume.epoch ? 'epoch' : 'expired',
        resumeAt: last,
      })
      metrics.recoveries.inc({ result: 'gap' })
    } else {
      const after = 'resume' in request ? request.resume.offset : 0
      const replay = read.events.filter((entry) => entry.offset > after)
      if ('resume' in request) last = request.resume
      else {
        // a fresh subscriber learns where it starts, so a reconnect before its first event still resumes
        last = { epoch: read.epoch, offset: (replay[0]?.offset ?? read.latest + 1) - 1 }
        this.parts.send(connection, positionFrame(topic, last))
      }
      const epoch = read.epoch
      const frames = replay.map((entry) => replayFrame(topic, epoch, entry))
      if (!(await this.replay(connection, topic, state, frames))) return
      if (replay.length > 0) last = { epoch, offset: replay.at(-1)!.offset }
      metrics.replayed.inc(replay.length)
      if ('resume' in request || request.rewind > 0) metrics.recoveries.inc({ result: 'recovered' })
    }
    this.finish(connection, topic, held, last)
  }

  /**
   * Writes a replay a slice at a time, each in a turn of its own when many replays are written at once,
   * and no further ahead of what the client took than the bound. False when the subscription or its
   * connection went meanwhile (a client too slow for its replay is dropped): nothing more is written.
   */
  private async replay(
    connection: Connection,
    topic: string,
    state: CatchUp,
    frames: readonly Buffer[],
  ): Promise<boolean> {
    const { turns } = this.parts
    const ahead = this.parts.replayAheadBytes ?? Number.POSITIVE_INFINITY
    const gone = () => connection.closed || this.catching.get(topic)?.get(connection) !== state
    // a slice never takes a connection past its bound: the backlog is looked at between slices
    const sliceBytes = Math.min(REPLAY_SLICE_BYTES, ahead / 2)
    let slice = sliceBytes
    for (const frame of frames) {
      if (slice >= sliceBytes) {
        slice = 0
        const wait = turns?.take(sliceBytes)
        if (wait) await wait
        if (connection.backlog > ahead) {
          const taken = await room(connection, ahead)
          if (!taken) this.parts.dropSlow(connection)
          if (!taken || connection.closed) {
            this.cancel(connection, topic)
            return false
          }
        }
        if (gone()) return false
      }
      this.parts.send(connection, frame)
      slice += frame.length
    }
    return !gone()
  }

  /**
   * A fresh subscriber (no resume, no rewind): told where it starts, the node's own order at the moment
   * it subscribed (every event after it reaches it), so a reconnect before its first event still resumes.
   */
  private start(connection: Connection, topic: string, start: Position | undefined): void {
    const state = this.catching.get(topic)?.get(connection)
    if (!state || !('held' in state) || connection.closed) return
    if (start) this.parts.send(connection, positionFrame(topic, start))
    this.finish(connection, topic, state.held, start)
  }

  /** What arrived live meanwhile, each offset once (the read may have covered some of it); then live. */
  private finish(connection: Connection, topic: string, held: Held[], last: Position | undefined): void {
    for (const item of held) {
      if ('gap' in item) {
        const at = item.gap.resumeAt
        if (!last || !at || at.epoch !== last.epoch || at.offset > last.offset) {
          this.tell(connection, item.gap)
          last = at ?? last
        }
        continue
      }
      const pos = item.event.pos!
      if (last && pos.epoch === last.epoch && pos.offset <= last.offset) continue
      if (last && pos.epoch !== last.epoch)
        this.tell(connection, {
          topic,
          reason: 'epoch',
          resumeAt: { epoch: pos.epoch, offset: pos.offset - 1 },
        })
      this.parts.send(connection, sharedDataFrame(item.event))
      last = pos
    }
    // live again; until the node's order passes what was written here, a floor keeps each offset once
    const subscribers = this.catching.get(topic)
    // a write above can drop the connection (a slow consumer): then nothing is left to filter
    if (last && !connection.closed && subscribers?.has(connection))
      subscribers.set(connection, { floor: last })
    else this.cancel(connection, topic)
  }

  private tell(connection: Connection, gap: SequenceGap): void {
    this.parts.metrics.gaps.inc({ reason: gap.reason })
    this.parts.send(connection, gapFrame(gap))
  }
}
