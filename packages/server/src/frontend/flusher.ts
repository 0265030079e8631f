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
/** Writes carrying this many arrivals on average (frames come faster than the window): windows are spread. */
const SPREAD_FROM_ARRIVALS = 1.5
/** ...and stay spread until writes carry fewer than this: no flapping between the two on the line. */
const SPREAD_UNTIL_ARRIVALS = 1.25
/** Weight of the latest window in the arrivals-per-write average. */
const MERGE_WEIGHT = 0.25

/**
 * Coalesces writes: connections with queued frames are flushed with one write each, at most once per
 * window (the cadence's, fixed or following the load). Leading edge: frames that arrive after a quiet
 * spell leave in the tick they arrived.
 *
 * While frames come further apart than the window (each write carries one arrival), a window's flush
 * writes every connection at once, the moment the window allows: holding them longer would merge
 * nothing. While writes merge arrivals, the window is spread: cut into FLUSH_SLOTS turns, each connection
 * written on its slot's turn, a slot never twice within a window. A burst of every connection at the
 * window's end made the last one wait the window plus the whole flush, and its readers read in bursts too.
 */
export class Flusher {
  /** Connections with frames queued, in the order they were marked. */
  private readonly dirty = new Set<Connection>()
  private scheduled = false
  /** When each slot was last written (ms): none is written again within a window. */
  private readonly writtenAt = new Float64Array(FLUSH_SLOTS).fill(Number.NEGATIVE_INFINITY)
  /** The slot whose turn comes next, and when its turn is (ms): turns are window / FLUSH_SLOTS apart. */
  private cursor = 0
  private nextTurnAt = Number.NEGATIVE_INFINITY
  /** Slots handed out so far: connections take them in turn, so each slot has its share. */
  private assigned = 0
  /** The cost (ms), writes and arrivals of the current window's turns: what the cadence and the spread go by. */
  private roundCost = 0
  private turnsInRound = 0
  private roundWrites = 0
  private roundArrivals = 0
  /** Arrivals per write, averaged over recent windows, and whether windows are spread now. */
  private merged = 1
  private spreading = false
  /** Bytes built once per frames for the connections after: one per slot, as a turn's slots interleave. */
  private readonly shared = Array.from({ length: FLUSH_SLOTS }, () => new SharedChunks())

  constructor(
    private readonly cadence: FlushCadence,
    /** Told how long each flush (each turn, while spread) took (ms): the flush-duration histogram. */
    private readonly onFlush: (durationMs: number) => void = () => {},
    /** A monotonic clock in ms; tests give one that a flush's writes move. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether windows are spread now (writes merge arrivals). */
  get spread(): boolean {
    return this.spreading
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

  /** When the next write may start: the cursor's turn (spread), or a window after the last write. */
  private dueAt(window: number): number {
    if (!this.spreading) return Math.max(...this.writtenAt) + window
    return Math.max(this.nextTurnAt, this.writtenAt[this.cursor]! + window)
  }

  private schedule(): void {
    this.scheduled = true
    const now = this.now()
    const window = this.cadence.windowMs
    // a clock that jumped back (fake timers in a user's test) holds frames a window at most
    if (window > 0) this.clamp(now, window)
    const wait = window > 0 ? this.dueAt(window) - now : 0
    // whole ms up: a timer may fire at the truncated delay, a turn early would break the window
    if (wait > 0) setTimeout(this.tick, Math.max(LEAST_TICK_MS, Math.ceil(wait)))
    else setImmediate(this.tick)
  }

  private clamp(now: number, window: number): void {
    for (let slot = 0; slot < FLUSH_SLOTS; slot++) if (this.writtenAt[slot]! > now) this.writtenAt[slot] = now
    if (this.nextTurnAt > now + window) this.nextTurnAt = now + window
  }

  private readonly tick = (): void => {
    this.scheduled = false
    const startedAt = this.now()
    const window = this.cadence.windowMs
    if (window > 0) this.clamp(startedAt, window)
    const turns = window > 0 ? this.dueTurns(startedAt, window) : FLUSH_SLOTS
    if (turns === 0) {
      this.schedule()
      return
    }
    if (turns === FLUSH_SLOTS) {
      for (const connection of this.dirty) this.write(connection, this.shared[0]!)
      this.dirty.clear()
      this.writtenAt.fill(startedAt)
      // after every slot at once, the next turn is a window away, and the turns after it spread again
      this.nextTurnAt = startedAt + window
    } else {
      // the slots whose turns these are: the next `turns` from the cursor
      const first = this.cursor
      for (const connection of this.dirty) {
        if ((connection.flushSlot - first + FLUSH_SLOTS) % FLUSH_SLOTS >= turns) continue
        this.write(connection, this.shared[connection.flushSlot]!)
        this.dirty.delete(connection)
      }
      for (let i = 0; i < turns; i++) this.writtenAt[(first + i) % FLUSH_SLOTS] = startedAt
      // a late tick lets the turns after it slip rather than bunch: the next is a turn after this one at least
      const turn = window / FLUSH_SLOTS
      this.nextTurnAt = Math.max(this.nextTurnAt + turns * turn, startedAt + turn)
    }
    this.cursor = (this.cursor + turns) % FLUSH_SLOTS
    for (const shared of this.shared) shared.clear()
    const endedAt = this.now()
    this.onFlush(endedAt - startedAt)
    this.roundCost += Math.max(0, endedAt - startedAt)
    this.turnsInRound += turns
    if (this.turnsInRound >= FLUSH_SLOTS) this.endRound(endedAt)
    if (this.dirty.size > 0 && !this.scheduled) this.schedule()
  }

  /** Turns due now: every slot at once (not spread, or a whole window late), or the cursor's run of due slots. */
  private dueTurns(now: number, window: number): number {
    if (!this.spreading) return now >= this.dueAt(window) ? FLUSH_SLOTS : 0
    if (now >= this.nextTurnAt + window - window / FLUSH_SLOTS && now >= Math.max(...this.writtenAt) + window)
      return FLUSH_SLOTS
    const turn = window / FLUSH_SLOTS
    let turns = 0
    while (turns < FLUSH_SLOTS - 1) {
      const slot = (this.cursor + turns) % FLUSH_SLOTS
      if (now < Math.max(this.nextTurnAt + turns * turn, this.writtenAt[slot]! + window)) break
      turns++
    }
    return turns
  }

  /** Once every slot has had its turn: what a whole window cost, and how much its writes merged. */
  private endRound(endedAt: number): void {
    if (this.roundWrites > 0)
      this.merged += MERGE_WEIGHT * (this.roundArrivals / this.roundWrites - this.merged)
    this.spreading = this.merged >= (this.spreading ? SPREAD_UNTIL_ARRIVALS : SPREAD_FROM_ARRIVALS)
    this.cadence.flushed(endedAt - this.roundCost, endedAt, this.spreading)
    this.roundCost = 0
    this.turnsInRound = 0
    this.roundWrites = 0
    this.roundArrivals = 0
  }

  private write(connection: Connection, shared: SharedChunks): void {
    const arrivals = connection.flush(shared)
    if (arrivals === 0) return
    this.roundWrites++
    this.roundArrivals += arrivals
  }
}
