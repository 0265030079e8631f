/**
 * What one load-generator client saw of its history topic, across its reconnects: its last position, and
 * the offsets that came twice or never. Offsets of a topic are consecutive (1, 2, 3, ...) per epoch, so a
 * client that got every event exactly once saw them one after the other.
 */
export class Sequence {
  /** The epoch of the offsets; undefined until the first event of a history topic. */
  epoch: string | undefined = undefined
  /** The last offset seen; 0 before any (a topic's first event is offset 1). */
  last = 0
  /**
   * Events seen again: an offset at or below the last one. One that comes out of order (after a later one)
   * counts as missing, then as a duplicate: either way delivered = owed - missing + duplicates.
   */
  duplicates = 0
  /** Events skipped over: offsets between the last one and a later one that came next. */
  missing = 0
  /** Epoch changes (history lost; the server sends a gap `epoch`): offsets start over, nothing counts across. */
  epochChanges = 0
  private fresh = false

  /** The epoch a stream reports (its parser calls this once per stream, and on a change). */
  onEpoch(epoch: string): void {
    if (this.epoch === epoch) return
    if (this.epoch !== undefined) {
      this.epochChanges++
      this.fresh = true
    }
    this.epoch = epoch
  }

  /** One event's offset; NaN (a fire-and-forget event) is not counted. */
  see(offset: number): void {
    if (offset === this.last + 1 && !this.fresh) {
      this.last = offset
    } else if (Number.isNaN(offset)) {
      // no position
    } else if (this.fresh) {
      this.fresh = false
      this.last = offset
    } else if (offset <= this.last) {
      this.duplicates++
    } else {
      this.missing += offset - this.last - 1
      this.last = offset
    }
  }

  /** Events up to `head` (the topic's last offset) this client never got past its last one. */
  tail(head: number): number {
    return Math.max(0, head - this.last)
  }

  /** The `resume` query value for a reconnect (`topic~epoch~offset`); undefined before any position. */
  resume(topic: string): string | undefined {
    return this.epoch === undefined ? undefined : `${topic}~${this.epoch}~${this.last}`
  }
}

/**
 * One client of a recovery storm: its sequence, and whether it has caught up since it was cut. It has
 * caught up when an event published after its last reconnect began arrives: events come in order, so
 * every event it missed came before that one.
 */
export class ClientState {
  readonly seq = new Sequence()
  /** When it was first counted as caught up after the cut (epoch ms); 0 before. */
  caughtUpAt = 0
  /** From its last reconnect's start to caught up, ms: the replay's own time, without the reconnect jitter. */
  catchUpMs = 0
  /** -1: cut, not reconnecting yet; > 0: reconnecting since then; 0: not behind. */
  private behindSince = 0

  get behind(): boolean {
    return this.behindSince !== 0
  }

  cut(): void {
    this.behindSince = -1
    this.caughtUpAt = 0
    this.catchUpMs = 0
  }

  /** A new socket is opened for it; a later one (the first failed) moves the mark. */
  reopened(now: number): void {
    if (this.behindSince !== 0) this.behindSince = now
  }

  /** Sees an event's `ts`; true when this is the event that catches it up. */
  arrived(ts: number, now: number): boolean {
    if (this.behindSince <= 0 || !(ts >= this.behindSince)) return false
    this.catchUpMs = now - this.behindSince
    this.behindSince = 0
    this.caughtUpAt = now
    return true
  }
}

/** Totals over a worker's clients, what it reports each second. */
export function tallyClients(clients: readonly ClientState[]) {
  const totals = {
    positioned: 0,
    duplicates: 0,
    missing: 0,
    epochChanges: 0,
    behind: 0,
    lastCaughtUpAt: 0,
    maxCatchUpMs: 0,
  }
  for (const client of clients) {
    const { seq } = client
    if (seq.epoch !== undefined) totals.positioned++
    totals.duplicates += seq.duplicates
    totals.missing += seq.missing
    totals.epochChanges += seq.epochChanges
    if (client.behind) totals.behind++
    else {
      if (client.caughtUpAt > totals.lastCaughtUpAt) totals.lastCaughtUpAt = client.caughtUpAt
      if (client.catchUpMs > totals.maxCatchUpMs) totals.maxCatchUpMs = client.catchUpMs
    }
  }
  return totals
}
