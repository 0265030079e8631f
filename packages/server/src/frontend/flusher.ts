import type { Connection } from './connection'
import type { FlushCadence } from './flush-cadence'
import { SharedChunks } from './shared-chunks'

/**
 * Turns a spread window is cut into: each connection has a slot, and the turns of one window visit every
 * slot once, so its writes are spread over the window instead of leaving in one burst.
 */
export const FLUSH_SLOTS = 8
/** The shortest wait between two turns (a timer cannot do better than a ms anyway). */
const LEAST_TICK_MS = 1
/** Writes carrying this many frames on average (frames come faster than the window): turns are spread. */
export const SPREAD_FROM_FRAMES = 1.5
/** Weight of the latest window in the frames-per-write average. */
const MERGE_WEIGHT = 0.25

/**
 * Coalesces writes: connections with queued frames are flushed with one write each, at most once per
 * window (the cadence's, fixed or following the load). Leading edge: frames that arrive after a quiet
 * spell leave in the tick they arrived.
 *
 * While frames come further apart than the window (each write carries one), a window's flush writes
 * every connection at once, the moment the window allows: holding them longer would merge nothing.
 * While writes merge frames, the window is spread: cut into FLUSH_SLOTS turns, each connection written
 * on its slot's turn. A burst of every connection at the window's end made the last one wait the window
 * plus the whole flush, and its readers' reads came in the same burst.
 */
export class Flusher {
  /** Connections with frames queued, in the order they were marked. */
  private readonly dirty = new Set<Connection>()
  private scheduled = false
  /** The slot whose turn comes next, and when (ms): turns keep their phase, one every window / FLUSH_SLOTS. */
  private cursor = 0
  private nextTurnAt = Number.NEGATIVE_INFINITY
  /** Slots handed out so far: connections take them in turn, so each slot has its share. */
  private assigned = 0
  /** The cost (ms), writes and frames of the current window's turns: what the cadence and the spread go by. */
  private roundCost = 0
  private turnsInRound = 0
  private roundWrites = 0
  private roundFrames = 0
  /** Frames per write, averaged over recent windows. */
  private merged = 1
  /** Bytes built once per frames for the connections after: one per slot, as a spread turn's slots interleave. */
  private readonly shared = Array.from({ length: FLUSH_SLOTS }, () => new SharedChunks())

  constructor(
    private readonly cadence: FlushCadence,
    /** Told how long each flush took (ms): the flush-duration histogram. */
    private readonly onFlush: (durationMs: number) => void = () => {},
    /** A monotonic clock in ms; tests give one that a flush's writes move. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether windows are spread now (writes merge frames). */
  get spread(): boolean {
    return this.merged >= SPREAD_FROM_FRAMES
  }

  /** Marks a connection with queued frames for its next turn. */
  mark(connection: Connection): void {
    if (connection.flushSlot < 0) connection.flushSlot = this.assigned++ % FLUSH_SLOTS
    this.dirty.add(connection)
    if (!this.scheduled) this.schedule()
  }

  /** A connection that is gone is not flushed. */
  forget(connection: Connection): void {
    this.dirty.delete(connection)
  }

  private schedule(): void {
    this.scheduled = true
    // bounded by a window: a clock that jumped back (fake timers in a user's test) never holds frames longer
    const wait = Math.min(this.cadence.windowMs, this.nextTurnAt - this.now())
    // whole ms up: a timer may fire at the truncated delay, a turn early would break the window
    if (wait > 0) setTimeout(this.tick, Math.max(LEAST_TICK_MS, Math.ceil(wait)))
    else setImmediate(this.tick)
  }

  private readonly tick = (): void => {
    this.scheduled = false
    const startedAt = this.now()
    const window = this.cadence.windowMs
    const spread = this.spread
    const turn = spread ? window / FLUSH_SLOTS : window
    // every turn due by now; a whole window of them (a quiet spell, a window of 0, no spread) is every slot
    const due = window > 0 ? 1 + Math.floor((startedAt - this.nextTurnAt) / turn) : FLUSH_SLOTS
    if (due < 1) {
      this.schedule()
      return
    }
    const turns = spread ? Math.min(FLUSH_SLOTS, due) : FLUSH_SLOTS
    // after every slot at once, none may go again within the window; otherwise the turns keep their phase
    this.nextTurnAt = turns === FLUSH_SLOTS ? startedAt + window : this.nextTurnAt + turns * turn
    if (turns === FLUSH_SLOTS) {
      for (const connection of this.dirty) this.write(connection, this.shared[0]!)
      this.dirty.clear()
    } else {
      // the slots whose turns these are: the next `turns` from the cursor
      const first = this.cursor
      for (const connection of this.dirty) {
        if ((connection.flushSlot - first + FLUSH_SLOTS) % FLUSH_SLOTS >= turns) continue
        this.write(connection, this.shared[connection.flushSlot]!)
        this.dirty.delete(connection)
      }
    }
    this.cursor = (this.cursor + turns) % FLUSH_SLOTS
    for (const shared of this.shared) shared.clear()
    const endedAt = this.now()
    this.onFlush(endedAt - startedAt)
    this.roundCost += Math.max(0, endedAt - startedAt)
    this.turnsInRound += turns
    // once every slot has had its turn: what a whole window cost, and how much its writes merged
    if (this.turnsInRound >= FLUSH_SLOTS) {
      if (this.roundWrites > 0)
        this.merged += MERGE_WEIGHT * (this.roundFrames / this.roundWrites - this.merged)
      this.cadence.flushed(endedAt - this.roundCost, endedAt, this.spread)
      this.roundCost = 0
      this.turnsInRound = 0
      this.roundWrites = 0
      this.roundFrames = 0
    }
    if (this.dirty.size > 0) this.schedule()
  }

  private write(connection: Connection, shared: SharedChunks): void {
    const frames = connection.flush(shared)
    if (frames === 0) return
    this.roundWrites++
    this.roundFrames += frames
  }
}
