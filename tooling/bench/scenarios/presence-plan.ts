import { watchersFor } from '../load/presence-assign'
import { LOCAL_ADDRESSES, type RunOptions, workersFor } from './options'

/** Connections one frontend process holds at most: the box's ~20,000 open files per process, less its own. */
export const CONNECTIONS_PER_FRONTEND = 19_000
/** HS256 secret of the run (what `--jwt-secret` would be given): at least 32 bytes. */
export const JWT_SECRET = 'likewire-bench-presence-secret-0123456789'

/** One cluster run: its grace, then a churn of its members while watchers count what they are told. */
export interface ChurnPhase {
  name: 'flap' | 'leave'
  /** The frontends' `presence.graceMs` (`--presence-grace-ms`). */
  graceMs: number
  /** Quiet time before the churn: Redis commands and CPU with every member connected and nothing changing. */
  baselineSec: number
  durationSec: number
  /** Fraction of the members that close and reopen each second (a flap: back within `jitterMs`). */
  flapPerSec: number
  /** Fraction of the members that close each second and come back `awayMs` later (past the grace). */
  leavePerSec: number
  /** A flapping member reopens after a random delay up to this (the server's `retry:` is 2 s). */
  jitterMs: number
  awayMs: number
}

export interface PresencePlan {
  members: number
  /** Watcher connections, each subscribed to <= 100 presence topics; every member has two watchers. */
  watchers: number
  frontends: number
  workers: number
  localAddresses: string[]
  connectTimeoutMs: number
  /** After the churn: how long the watchers are still listened to once everything owed arrived. */
  tailMs: number
  phases: ChurnPhase[]
  /** Idle connections on one frontend, anonymous then identified, `rounds` times each. */
  memory: { connections: number; rounds: number }
}

/**
 * The run: 50K identified members, 1% reconnecting per second, 1K watchers. Phase `flap` keeps the
 * default grace (60 s): every reconnect is a flap to absorb, nothing may be published. Phase `leave` has a
 * 5 s grace, and 0.2% of the members a second also leave for 10 s: each is an offline then an online that
 * every watcher of the member must get, once. `--quick`: 50 members, a few seconds, higher rates.
 */
export function presencePlan(options: RunOptions): PresencePlan {
  const quick = options.quick
  const members = options.connections ?? (quick ? 50 : 50_000)
  const watchers = watchersFor(members)
  const durationSec = options.durationSec ?? (quick ? 5 : 60)
  const frontends =
    options.frontends ?? (quick ? 2 : Math.max(2, Math.ceil((members + watchers) / CONNECTIONS_PER_FRONTEND)))
  // with the slowest reconnects in, nothing a flap does may outlast the grace: the flap phase keeps the default
  const leaveGraceMs = quick ? 2000 : 5000
  return {
    members,
    watchers,
    frontends,
    workers: quick ? 1 : workersFor(members + watchers, 2),
    localAddresses: LOCAL_ADDRESSES,
    connectTimeoutMs: quick ? 20_000 : 240_000,
    tailMs: quick ? 2000 : 5000,
    phases: [
      {
        name: 'flap',
        graceMs: 60_000,
        baselineSec: quick ? 1 : 10,
        durationSec,
        flapPerSec: quick ? 0.1 : 0.01,
        leavePerSec: 0,
        jitterMs: 2000,
        awayMs: 0,
      },
      {
        name: 'leave',
        graceMs: leaveGraceMs,
        baselineSec: quick ? 1 : 10,
        durationSec,
        flapPerSec: quick ? 0.1 : 0.01,
        leavePerSec: quick ? 0.04 : 0.002,
        // flaps stay well inside the grace, leaves well past it (offline lands within a second of the grace)
        jitterMs: quick ? 500 : 2000,
        awayMs: leaveGraceMs + (quick ? 3000 : 5000),
      },
    ],
    // as many as one frontend holds: RSS per connection is read to a KiB, and moves less the more there are
    memory: { connections: quick ? 50 : Math.min(18_000, members), rounds: quick ? 1 : 3 },
  }
}

/** Refuses a plan the box cannot hold: each frontend under CONNECTIONS_PER_FRONTEND. */
export function assertFits(plan: PresencePlan): void {
  const perFrontend = Math.ceil((plan.members + plan.watchers) / plan.frontends)
  // members reconnect to random frontends: leave room for the drift
  if (perFrontend * 1.03 > CONNECTIONS_PER_FRONTEND)
    throw new Error(
      `${plan.members} members + ${plan.watchers} watchers over ${plan.frontends} frontends is ~${perFrontend} connections each; one process holds at most ${CONNECTIONS_PER_FRONTEND} here (~20,000 open files): use --frontends ${Math.ceil(((plan.members + plan.watchers) * 1.03) / CONNECTIONS_PER_FRONTEND)} or fewer --connections`,
    )
}
