/** Bytes of replay one catch-up writes before it lets the others (and the event loop) have a turn. */
export const REPLAY_SLICE_BYTES = 64 * 1024

/** Bytes of replay all catch-ups together write in one turn of the event loop. */
export const REPLAY_TURN_BYTES = 4 * 1024 * 1024

/**
 * Shares the event loop between catch-ups: each writes its replay a slice at a time, and all of them
 * together at most `turnBytes` per turn of the loop; the others wait for the next turn, in order. After a
 * cut thousands of replays would otherwise be written in one go, holding the loop (live delivery, the
 * flush, the store's answers: a read timing out there is a gap) for as long as that takes.
 */
export class ReplayTurns {
  private used = 0
  private waiting: Array<() => void> = []
  /** The next waiter to go (a shift per waiter would be quadratic in a storm's thousands). */
  private head = 0
  private scheduled = false

  constructor(private readonly turnBytes = REPLAY_TURN_BYTES) {}

  /**
   * Undefined when `bytes` more may be written in this turn (counted now); else a promise that resolves
   * in a later turn, the bytes then counted in it.
   */
  take(bytes: number): Promise<void> | undefined {
    this.schedule()
    if (this.head === this.waiting.length && this.used < this.turnBytes) {
      this.used += bytes
      return undefined
    }
    return new Promise((resolve) => {
      this.waiting.push(() => {
        this.used += bytes
        resolve()
      })
    })
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    // the check phase: I/O (deliveries, store answers, client reads) was polled since the last turn
    setImmediate(this.turn)
  }

  private readonly turn = (): void => {
    this.scheduled = false
    this.used = 0
    while (this.head < this.waiting.length && this.used < this.turnBytes) this.waiting[this.head++]!()
    if (this.head === this.waiting.length || this.head >= 1024) {
      this.waiting = this.waiting.slice(this.head)
      this.head = 0
    }
    if (this.waiting.length > 0 || this.used > 0) this.schedule()
  }
}
