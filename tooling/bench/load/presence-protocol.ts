/** IPC messages between the bench parent and its presence load-generator workers (load/presence-worker.ts). */

export interface Frontend {
  host: string
  port: number
}

/** Everything a worker needs to know its own members and watchers (index mod workers = its index). */
export interface PresenceSetup {
  worker: number
  workers: number
  members: number
  watchers: number
  frontends: Frontend[]
  /** HS256 secret the tokens are signed with; null: members connect anonymously (no token). */
  secret: string | null
  /** The servers' grace: an offline's lag is measured from `since` + grace. */
  graceMs: number
  localAddresses: string[]
}

export type ToPresenceWorker =
  | ({ type: 'setup' } & PresenceSetup)
  /** Opens this worker's watchers: each subscribes to its members' presence topics. */
  | { type: 'watch' }
  /**
   * Opens this worker's members: one SSE connection each, on frontend `index mod frontends`; `share`: only
   * that fraction of them (the next ones not opened yet), so memory can be read at two counts.
   */
  | { type: 'join'; share?: number }
  /**
   * Each second, `flapPerSec` of the members (a fraction) close and reopen after a random delay up to
   * `jitterMs`, and `leavePerSec` close and come back `awayMs` later; each reopens on a random frontend.
   */
  | { type: 'churn'; flapPerSec: number; leavePerSec: number; jitterMs: number; awayMs: number }
  /** No new flap or leave; those under way finish. */
  | { type: 'calm' }
  /** Answers a `tally`; `resetLag`: the lag histograms start over after it. */
  | { type: 'tally'; resetLag: boolean }
  | { type: 'close' }

export interface PresenceWorkerStats {
  type: 'stats'
  membersReady: number
  /** Members closed by a flap or a leave and not connected again yet. */
  membersAway: number
  watchersReady: number
  /** Presence frames: snapshots, then changes. */
  snapshots: number
  online: number
  offline: number
  duplicates: number
  unexpected: number
  flaps: number
  /** Flaps whose reopen landed on another frontend than the close. */
  flapsAcross: number
  leaves: number
  /** Leaves back (connected again after their time away). */
  returns: number
  /** Flaps whose stream took longer than the grace from close to connected again (an offline is then due). */
  slowFlaps: number
  /** The longest flap, close to connected again, ms. */
  maxFlapMs: number
  /** Connections the server ended or that failed, not closed by the load generator. */
  dropped: number
  rejected: number
  errors: number
  firstError?: string
  cpuUserMs: number
  cpuSystemMs: number
  rssBytes: number
  at: number
}

/** Cumulative per-member counts (base64 of Int32Array, one entry per member of the whole run). */
export interface PresenceTally {
  type: 'tally'
  /** Changes the watchers of this worker got, per member. */
  online: string
  offline: string
  duplicates: string
  /** Leaves of this worker's members that are back, per member. */
  returns: string
  /** Flaps of this worker's members that outlasted the grace, per member. */
  slowFlaps: string
  /** Changes a watcher got after a newer one (by `since`). */
  outOfOrder: number
  /** (watcher, member) pairs whose last status is offline. */
  endOffline: number
  onlineLag: string
  offlineLag: string
}
