import { type EventPosition, isPosition, type LikewireEvent, type LikewireGap } from './event'

/** The most events a rewind may ask for (the server's bound, protocol v1). */
export const MAX_REWIND = 10_000

interface TopicState {
  /** The last position delivered to the topic's callbacks (or a gap moved past): what a new stream resumes. */
  position: EventPosition | undefined
  /** The server acknowledged a subscription of the topic: a rewind is asked only before that. */
  acked: boolean
  /** The rewind to ask of the server while the topic's subscription is not acknowledged yet. */
  pendingRewind: number
  /** The rewinds the topic's current callbacks asked for: the buffer keeps the largest. */
  rewinds: number[]
  /** The last history events delivered, for the rewind of a callback that joins later. */
  buffer: LikewireEvent[]
}

/** What a subscribe asks of the server besides the topics: resume after a position, or rewind the last n. */
export interface RecoveryRequest {
  resume: Map<string, EventPosition>
  rewind: Map<string, number>
}

/** What to do with an event: deliver it, drop it (delivered before), or deliver it after telling this gap. */
export type Verdict = 'deliver' | 'drop' | LikewireGap

/**
 * Per subscribed topic: the last position delivered (dedupe by offset, resume on every new stream), the
 * rewind asked of the server for a fresh subscription, and a small buffer of the last history events so
 * a callback that joins an already subscribed topic can rewind locally.
 */
/** What a callback joining a topic gets first: events it rewinds or resumes locally, or a gap to tell it. */
export interface Joined {
  backlog: LikewireEvent[]
  /** The callback's own starting position: it is handed nothing at or before it. */
  position?: EventPosition | undefined
  gap?: LikewireGap | undefined
}

export class Recovery {
  private readonly topics = new Map<string, TopicState>()

  /** `keep`: history events buffered per topic whatever the rewinds asked (a shared tab leader serves resumes from it). */
  constructor(private readonly keep = 0) {}

  /**
   * A callback subscribes to `topic`, asking for the last `rewind` events (0: none), or to resume after
   * `resumeFrom`. Returns what it gets locally first: buffered events, or the gap when the buffer no
   * longer has what followed its position.
   */
  add(topic: string, rewind: number, resumeFrom?: EventPosition): Joined {
    let state = this.topics.get(topic)
    if (!state) {
      state = { position: undefined, acked: false, pendingRewind: 0, rewinds: [], buffer: [] }
      this.topics.set(topic, state)
    }
    if (resumeFrom) return this.resume(topic, state, resumeFrom)
    // asked nothing: live from where the topic is (a gap before it is not its to hear)
    if (rewind <= 0) return { backlog: [], position: state.position && { ...state.position } }
    state.rewinds.push(rewind)
    // not acknowledged yet: the server's rewind (asked with the subscription) reaches this callback too
    if (!state.acked) state.pendingRewind = Math.max(state.pendingRewind, rewind)
    return { backlog: state.buffer.slice(-rewind) }
  }

  /**
   * A callback resuming after `from`: the server resumes from there when the topic is not asked yet (the
   * lowest position of its callbacks wins); otherwise the buffer serves what followed, or it is a gap.
   */
  private resume(topic: string, state: TopicState, from: EventPosition): Joined {
    const at = { epoch: from.epoch, offset: from.offset }
    const last = state.position
    if (!state.acked && (!last || (last.epoch === at.epoch && at.offset < last.offset))) {
      state.position = at
      return { backlog: [], position: at }
    }
    if (!last || (last.epoch === at.epoch && at.offset >= last.offset)) return { backlog: [], position: at }
    const after = state.buffer.filter((e) => e.position!.epoch === at.epoch && e.position!.offset > at.offset)
    const whole =
      last.epoch === at.epoch && (after.length > 0 ? after[0]!.position!.offset === at.offset + 1 : false)
    if (whole) return { backlog: after, position: at }
    const reason = last.epoch === at.epoch ? 'expired' : 'epoch'
    return { backlog: [], position: { ...last }, gap: { topic, reason, position: { ...last } } }
  }

  /** A callback that asked for `rewind` is gone: the buffer shrinks to what the others asked for. */
  remove(topic: string, rewind: number): void {
    const state = this.topics.get(topic)
    if (!state || rewind <= 0) return
    const at = state.rewinds.indexOf(rewind)
    if (at >= 0) state.rewinds.splice(at, 1)
    const limit = bufferLimit(state, this.keep)
    if (state.buffer.length > limit) state.buffer = state.buffer.slice(state.buffer.length - limit)
    if (!state.acked) state.pendingRewind = limit // not asked yet: only what the remaining callbacks want
  }

  /** The last position the client holds for a history topic: what its next stream resumes after. */
  positionOf(topic: string): EventPosition | undefined {
    const position = this.topics.get(topic)?.position
    return position ? { ...position } : undefined
  }

  /** The topic has no callback left: its position and buffer go (a later subscribe starts afresh). */
  forget(topic: string): void {
    this.topics.delete(topic)
  }

  /** The server acknowledged these topics: their rewind, if any, was asked. */
  acknowledged(topics: readonly string[]): void {
    for (const topic of topics) {
      const state = this.topics.get(topic)
      if (!state) continue
      state.acked = true
      state.pendingRewind = 0
    }
  }

  /** What to ask of the server for `topics`, taken now: a position to resume, else a pending rewind. */
  request(topics: readonly string[]): RecoveryRequest {
    const request: RecoveryRequest = { resume: new Map(), rewind: new Map() }
    for (const topic of topics) {
      const state = this.topics.get(topic)
      if (state?.position) request.resume.set(topic, { ...state.position })
      else if (state && state.pendingRewind > 0) request.rewind.set(topic, state.pendingRewind)
    }
    return request
  }

  /**
   * A history event arrived: one at or before the topic's last position is dropped (a resume or an
   * overlapping stream replayed it); one in another epoch than the last position, with no gap frame
   * before it, is delivered after an `epoch` gap (the history it followed on from was lost).
   */
  accept(event: LikewireEvent): Verdict {
    const position = event.position
    const state = this.topics.get(event.topic)
    if (!position || !state) return 'deliver'
    const last = state.position
    let verdict: Verdict = 'deliver'
    if (last?.epoch === position.epoch) {
      if (position.offset <= last.offset) return 'drop'
    } else if (last) {
      verdict = {
        topic: event.topic,
        reason: 'epoch',
        position: { epoch: position.epoch, offset: position.offset - 1 },
      }
      state.buffer = []
    }
    state.position = { epoch: position.epoch, offset: position.offset }
    const limit = bufferLimit(state, this.keep)
    if (limit > 0) {
      state.buffer.push(event)
      if (state.buffer.length > limit) state.buffer.shift()
    }
    return verdict
  }

  /**
   * Where a fresh subscription starts (`likewire.position`): the topic's position when it had none, so a
   * reconnect before its first event still resumes. Later than a position it had (a subscribe that went
   * without its resume), the events between are missing: a gap to tell.
   */
  start(topic: string, position: EventPosition): LikewireGap | null {
    const state = this.topics.get(topic)
    if (!state) return null
    const last = state.position
    if (!last) {
      state.position = { ...position }
      return null
    }
    if (last.epoch === position.epoch && position.offset <= last.offset) return null
    return this.gap({ topic, reason: last.epoch === position.epoch ? 'expired' : 'epoch', position })
  }

  /**
   * A gap frame: the stream goes on after its position, which becomes the topic's position. Null when
   * there is nothing to tell: the topic is not subscribed, or the events up to that position were
   * delivered already (another stream had them: a replacement's overlap).
   */
  gap(gap: LikewireGap): LikewireGap | null {
    const state = this.topics.get(gap.topic)
    if (!state) return null
    // a gap the server could not place: told, and the topic keeps resuming from its last position
    if (!gap.position) return gap
    const last = state.position
    if (last?.epoch === gap.position.epoch && gap.position.offset <= last.offset) return null
    // a position the server could not give whole (history unreachable) is told, not resumed from
    if (isPosition(gap.position)) state.position = { ...gap.position }
    state.buffer = [] // what came before the gap does not lead on to what follows
    return gap
  }
}

function bufferLimit(state: TopicState, keep = 0): number {
  return state.rewinds.length === 0 ? keep : Math.max(keep, ...state.rewinds)
}

/** A rewind option as a count: 0 for none; throws for anything but an integer from 0 to MAX_REWIND. */
export function rewindCount(rewind: number | undefined): number {
  if (rewind === undefined) return 0
  if (!Number.isInteger(rewind) || rewind < 0 || rewind > MAX_REWIND) {
    throw new TypeError(`likewire: rewind must be an integer from 0 to ${MAX_REWIND}, got ${rewind}`)
  }
  return rewind
}
