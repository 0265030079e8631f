/**
 * Things that expire at a given time, ended by one timer however many there are: slots of one second
 * (a JWT's `exp` is in seconds), and while any slot is pending one timeout to the next second boundary.
 * Adding and removing are O(1); a tick costs the items due plus one lookup per second elapsed.
 */
export class ExpiryWheel<T> {
  private readonly slots = new Map<number, Set<T>>()
  private readonly slotOf = new Map<T, number>()
  /** The last second whose slot was processed: anything added now goes after it. */
  private done: number
  private timer: ReturnType<typeof setTimeout> | undefined

  /**
   * @param expire ends one item whose time came
   * @param failed told when `expire` threw for an item: the wheel goes on with the others
   */
  constructor(
    private readonly expire: (item: T) => void,
    private readonly failed: (error: unknown, item: T) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.done = this.second() - 1
  }

  get size(): number {
    return this.slotOf.size
  }

  /** Ends `item` at `expiresAtMs` (epoch ms), at once on the next tick when that is past. */
  add(item: T, expiresAtMs: number): void {
    this.delete(item)
    // an idle wheel skips ahead: nothing is pending in the seconds it slept through
    if (this.slotOf.size === 0) this.done = Math.max(this.done, this.second() - 1)
    const slot = Math.max(Math.ceil(expiresAtMs / 1000), this.done + 1)
    const items = this.slots.get(slot)
    if (items) items.add(item)
    else this.slots.set(slot, new Set([item]))
    this.slotOf.set(item, slot)
    this.arm()
  }

  /** Forgets `item` (it ended for another reason); safe for one never added. */
  delete(item: T): void {
    const slot = this.slotOf.get(item)
    if (slot === undefined) return
    this.slotOf.delete(item)
    const items = this.slots.get(slot)
    items?.delete(item)
    if (items?.size === 0) this.slots.delete(slot)
    if (this.slotOf.size === 0) this.disarm()
  }

  /** Stops the timer and forgets everything (the node is closing). */
  close(): void {
    this.disarm()
    this.slots.clear()
    this.slotOf.clear()
  }

  private second(): number {
    return Math.floor(this.now() / 1000)
  }

  private tick(): void {
    this.timer = undefined
    const now = this.second()
    for (let second = this.done + 1; second <= now; second++) {
      const items = this.slots.get(second)
      if (!items) continue
      // each forgotten before it is ended: an expiry that throws or ends a sibling leaves the wheel whole
      for (const item of items) {
        items.delete(item)
        this.slotOf.delete(item)
        try {
          this.expire(item)
        } catch (error) {
          this.failed(error, item)
        }
      }
      this.slots.delete(second)
    }
    this.done = Math.max(this.done, now)
    this.arm()
  }

  private arm(): void {
    if (this.timer !== undefined || this.slotOf.size === 0) return
    const now = this.now()
    // just past the next second boundary, when that second's slot is due
    this.timer = setTimeout(() => this.tick(), (this.second() + 1) * 1000 - now + 1)
    this.timer.unref?.()
  }

  private disarm(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }
}
