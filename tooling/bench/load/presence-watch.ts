import { createHistogram, type Histogram } from '../lib/histogram'

/** One presence frame as a watcher reads it: `{"memberId","status","since"}` of the event's data. */
export interface PresenceFrame {
  member: number
  status: 'online' | 'offline'
  since: number | null
}

/**
 * What the watchers of one worker saw, per member: frames before `live()` (the members start connecting)
 * are the snapshots sent on subscribe; every later one is a change, counted as online or offline, and as
 * a duplicate when it repeats the status the watcher already had (a change published twice). Lags: an
 * online from its `since` (the join), an offline from its `since` plus the grace (when it was due).
 */
export class WatchCounts {
  readonly online: Int32Array
  readonly offline: Int32Array
  readonly duplicates: Int32Array
  snapshots = 0
  /** Frames for a member this watcher does not watch, or not a member at all. */
  unexpected = 0
  onlineLag: Histogram = createHistogram()
  offlineLag: Histogram = createHistogram()
  /** Changes older (by `since`) than the one the watcher had: delivered out of order. */
  outOfOrder = 0
  /** Last status per (watcher, member): 1 online, 0 offline. */
  private readonly last = new Map<number, number>()
  /** `since` of the last change per (watcher, member). */
  private readonly lastSince = new Map<number, number>()
  private changes = false

  constructor(
    private readonly members: number,
    private readonly graceMs: number,
  ) {
    this.online = new Int32Array(members)
    this.offline = new Int32Array(members)
    this.duplicates = new Int32Array(members)
  }

  see(watcher: number, watched: ReadonlySet<number>, frame: PresenceFrame, now: number): void {
    const { member, status, since } = frame
    if (!watched.has(member) || member >= this.members) {
      this.unexpected++
      return
    }
    const key = watcher * this.members + member
    const value = status === 'online' ? 1 : 0
    const before = this.last.get(key)
    this.last.set(key, value)
    if (!this.changes) {
      this.snapshots++
      return
    }
    if (before === value) this.duplicates[member]!++
    const previousSince = this.lastSince.get(key)
    if (since !== null) {
      if (previousSince !== undefined && since < previousSince) this.outOfOrder++
      this.lastSince.set(key, since)
    }
    if (value === 1) {
      this.online[member]!++
      if (since !== null) this.onlineLag.recordValue(Math.max(0, now - since) * 1000)
    } else {
      this.offline[member]!++
      if (since !== null) this.offlineLag.recordValue(Math.max(0, now - since - this.graceMs) * 1000)
    }
  }

  /** (watcher, member) pairs whose last status is offline: wrong once every member is connected again. */
  endOffline(): number {
    let count = 0
    for (const value of this.last.values()) if (value === 0) count++
    return count
  }

  /** From now on frames are changes: the snapshots were all sent before the members connect. */
  live(): void {
    this.changes = true
  }

  resetLag(): void {
    this.onlineLag = createHistogram()
    this.offlineLag = createHistogram()
  }
}

/** Reads a presence event frame's data (`{"topic","id","ts","data":{...}}`); null if it is not one. */
export function parsePresenceFrame(data: string, memberIndex: (id: string) => number): PresenceFrame | null {
  try {
    const event = JSON.parse(data) as { data?: { memberId?: unknown; status?: unknown; since?: unknown } }
    const body = event.data
    if (typeof body?.memberId !== 'string' || (body.status !== 'online' && body.status !== 'offline'))
      return null
    return {
      member: memberIndex(body.memberId),
      status: body.status,
      since: typeof body.since === 'number' ? body.since : null,
    }
  } catch {
    return null
  }
}
