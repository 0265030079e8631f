import type { Percentiles } from '../lib/histogram'
import type { RedisRates } from '../lib/redis-stats'
import { WATCHERS_PER_MEMBER } from '../load/presence-assign'
import type { FleetTally } from '../load/presence-fleet'
import type { ChurnPhase } from './presence-plan'

// What one cluster run of the presence scenario measured, and how the watchers' counts are judged.

/** Online and offline counts side by side. */
export interface Statuses {
  online: number
  offline: number
}

/** What one cluster run (one grace) measured. */
export interface PhaseResult extends ChurnPhase {
  connectSeconds: number
  /** Watchers' snapshots on subscribe (one per watched member) that never came: the server drops a failed one. */
  snapshotsMissing: number
  /** Members connecting while every watcher listens: one online per member to each of its watchers. */
  arrival: { expected: number; delivered: number; lost: number; extra: number; seconds: number }
  churn: {
    flaps: number
    /** Flaps whose reopen landed on another frontend. */
    flapsAcross: number
    /** Flaps whose stream took longer than the grace to be back (an offline is then right). */
    slowFlaps: number
    maxFlapMs: number
    leaves: number
    /** The servers' likewire_presence_flaps_absorbed_total over the churn. */
    flapsAbsorbed: number
    /** The servers' likewire_presence_changes_total over the churn: each change published once. */
    published: Statuses
    /** What the watchers were owed: per leave that came back, an offline and an online to each watcher. */
    expected: Statuses
    delivered: Statuses
    lost: Statuses
    extra: Statuses
    /** A change a watcher got twice in a row (the same status again). */
    duplicates: number
    /** Offlines delivered for members that only flapped (none of their flaps outlasted the grace). */
    flapOfflines: number
    /** Changes a watcher got after a newer one of the same member (by `since`): published by two nodes, reordered. */
    outOfOrder: number
    /** Watchers left showing a member offline once every member was connected again (should be 0). */
    endOffline: number
    /** Members still within the grace once the churn was over and everyone was back (should be 0). */
    pendingAfter: number
    /** Changes delivered to watchers per second of churn. */
    deliveredPerSec: number
    /** Online: from the join (`since`) to the watcher; offline: from when it was due (`since` + grace). */
    onlineLagMs: Percentiles
    offlineLagMs: Percentiles
  }
  redis: {
    /** Everything connected, nothing changing. */
    idle: RedisRates
    churn: RedisRates
    /**
     * Redis commands (in-script ones included) per reconnect (a flap, or a leave and its return), over the
     * idle rate, from the churn's start until every member was back.
     */
    commandsPerReconnect: number
    scriptsPerReconnect: number
    /** Redis memory once everyone connected, over the empty server, per member. */
    bytesPerMember: number
  }
  /**
   * CPU per process, % of one core: frontends, then the dispatcher; the load generator's; and the whole
   * box's, % of all its cores (whatever else ran on it too).
   */
  cpu: {
    idle: Record<string, number>
    churn: Record<string, number>
    loadGenerator: number
    boxIdle: number
    boxChurn: number
  }
  /** Each second from the churn's start until everyone was back and counted. */
  timeline: TimelineSample[]
  errors: { dropped: number; rejected: number; errors: number; firstError: string | null; server: string[] }
}

export interface TimelineSample {
  t: number
  /** Members whose stream is closed (a flap or a leave under way). */
  away: number
  flaps: number
  leaves: number
  /** Flaps so far that outlasted the grace. */
  slowFlaps: number
  /** Changes the watchers got in that second. */
  delivered: number
  redisCommandsPerSec: number
  /** The whole box, % of all cores. */
  boxCpu: number
}

/**
 * Member by member, what the watchers got between two tallies against what was owed: each leave that came
 * back owes an offline and an online to each of the member's watchers; a member that only flapped owes
 * nothing. Without `before`: the arrival, which owes one online per watcher.
 */
export function compare(after: FleetTally, before: FleetTally | undefined) {
  const expected: Statuses = { online: 0, offline: 0 }
  const delivered: Statuses = { online: 0, offline: 0 }
  const lost: Statuses = { online: 0, offline: 0 }
  const extra: Statuses = { online: 0, offline: 0 }
  let duplicates = 0
  let flapOfflines = 0
  for (let m = 0; m < after.online.length; m++) {
    const was = (key: 'online' | 'offline' | 'duplicates' | 'returns' | 'slowFlaps') =>
      before ? before[key][m]! : 0
    const returns = after.returns[m]! - was('returns')
    const owed = before ? returns * WATCHERS_PER_MEMBER : 0
    const got = { online: after.online[m]! - was('online'), offline: after.offline[m]! - was('offline') }
    const want = { online: before ? owed : WATCHERS_PER_MEMBER, offline: owed }
    // a flap that outlasted the grace was a real absence: its offline and online are right, not owed
    const slow = after.slowFlaps[m]! - was('slowFlaps')
    const allowed = slow * WATCHERS_PER_MEMBER
    for (const status of ['online', 'offline'] as const) {
      expected[status] += want[status]
      delivered[status] += got[status]
      lost[status] += Math.max(0, want[status] - got[status])
      extra[status] += Math.max(0, got[status] - want[status] - allowed)
    }
    duplicates += after.duplicates[m]! - was('duplicates')
    if (returns === 0 && slow === 0) flapOfflines += got.offline
  }
  return { expected, delivered, lost, extra, duplicates, flapOfflines }
}
