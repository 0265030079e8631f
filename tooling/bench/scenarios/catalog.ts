import { progress, waitUntil } from '../lib/progress'
import { PEERS, type Peer } from '../server/protocol'
import type { FanoutPlan, FanoutResult } from './fanout'
import { common, type RunOptions } from './options'
import type { PresenceResult } from './presence'
import { recoveryStorm } from './recovery-storm'

/** A benchmark scenario: its plan, its target, and how the target is judged. */
export interface Scenario {
  name: string
  what: string
  target: string
  /** The peers that serve the same scenario, run beside Likewire in it (`--peers` picks among them). */
  baselines: Peer[]
  /** Scenarios through a dispatcher run in cluster mode (Redis registry); the baselines always run embedded. */
  mode: 'embedded' | 'cluster'
  /** History rules the scenario always runs with (CLI form), whatever `--history` says. Absent: fire-and-forget. */
  history?: string
  plan(options: RunOptions): Omit<FanoutPlan, 'kind' | 'label' | 'mode'>
  /** Each check: name -> met. */
  judge(result: FanoutResult): Record<string, boolean>
}

/**
 * `http2`: the same fan-out served over HTTP/1.1 and HTTP/2 (its own runner, scenarios/http2.ts: several
 * runs, one result). A browser's streams to one origin share one HTTP/2 connection; what each delivery
 * costs the server must not grow much for it.
 */
export const http2Scenario = {
  name: 'http2',
  what: '10K SSE streams on one frontend, each subscribed to the same 2 topics, a batch of 2 events (one per topic) each second (20,000 deliveries/s), served four ways: HTTP/1.1 over TLS, HTTP/2 with 100 streams per session, HTTP/2 with 1 stream per session, and HTTP/1.1 cleartext for reference',
  /** HTTP/2's server CPU per delivery at most this many times HTTP/1.1-over-TLS's, each HTTP/2 shape judged. */
  cpuRatioTarget: 1.5,
  target:
    'HTTP/2 costs no more than 1.5x HTTP/1.1 (over TLS) server CPU per delivery, with 100 streams per session and with 1; one stream write per stream per flush on both; 0 lost',
} as const

/** A scenario every peer serves: all of them run beside Likewire, in the report's order. */
const EVERY_PEER: Peer[] = [...PEERS]

export const scenarios: Scenario[] = [
  {
    name: 'capacity',
    mode: 'embedded',
    what: 'N idle connections over several frontend processes; a broadcast reaches all',
    target: '100,000 connections held; <= 8 KiB server RSS per connection; 100% receive',
    baselines: EVERY_PEER,
    plan: (options) => {
      const base = common(options, { connections: 100_000, durationSec: 5 })
      return {
        ...base,
        frontends: options.quick ? 2 : Math.ceil(base.connections / 17_000),
        topics: 1,
        ratePerSec: options.ratePerSec ?? 1,
      }
    },
    judge: (r) => ({
      '100,000 connections held': r.connected >= 100_000,
      '<= 8 KiB RSS per connection': r.serverRssPerConnectionKiB <= 8,
      '100% receive': r.lost === 0 && r.delivered > 0,
    }),
  },
  {
    name: 'million-likes',
    mode: 'cluster',
    what: '10K viewers of one topic; 100 likes/s, 60 s',
    target: '>= 1,000,000 deliveries/s sustained, 0 lost, p99 <= 250 ms',
    baselines: EVERY_PEER,
    plan: (options) => ({
      ...common(options, { connections: 10_000, durationSec: 60, minWorkers: 2 }),
      frontends: options.quick ? 1 : 2,
      topics: 1,
      ratePerSec: options.ratePerSec ?? 100,
    }),
    judge: (r) => ({
      '>= 1,000,000 deliveries/s': r.deliveriesPerSec >= 1_000_000,
      '0 lost': r.lost === 0,
      'p99 <= 250 ms': r.latencyMs.p99 <= 250,
    }),
  },
  {
    name: 'talk-latency',
    mode: 'cluster',
    what: '10K viewers, 10 likes/s',
    target: 'p90 <= 75 ms, p99 <= 100 ms',
    baselines: EVERY_PEER,
    plan: (options) => ({
      ...common(options, { connections: 10_000, durationSec: 30, minWorkers: 2, socketsPerWorker: 1_500 }),
      frontends: options.quick ? 1 : 2,
      topics: 1,
      ratePerSec: options.ratePerSec ?? 10,
    }),
    judge: (r) => ({
      'p90 <= 75 ms': r.latencyMs.p90 <= 75,
      'p99 <= 100 ms': r.latencyMs.p99 <= 100,
      '0 lost': r.lost === 0,
    }),
  },
  {
    name: 'light-latency',
    mode: 'embedded',
    what: '1K viewers, 10 likes/s',
    target: 'p50 <= 5 ms, p99 <= 20 ms',
    baselines: EVERY_PEER,
    plan: (options) => ({
      ...common(options, { connections: 1_000, durationSec: 30, socketsPerWorker: 1_500 }),
      frontends: 1,
      topics: 1,
      ratePerSec: options.ratePerSec ?? 10,
    }),
    judge: (r) => ({
      'p50 <= 5 ms': r.latencyMs.p50 <= 5,
      'p99 <= 20 ms': r.latencyMs.p99 <= 20,
      '0 lost': r.lost === 0,
    }),
  },
  {
    name: 'dispatcher',
    mode: 'cluster',
    what: 'publishes/s one dispatcher sustains over 1,000 topics on 4 frontends',
    target: '>= 50,000 publishes/s, p99 dispatcher -> frontend <= 20 ms',
    // nchan publishes one message per HTTP request: 50,000/s would measure the publisher, not nchan
    baselines: ['better-sse', 'hono', 'socketio'],
    plan: (options) => ({
      ...common(options, { connections: 4_000, durationSec: 20 }),
      frontends: options.quick ? 2 : 4,
      topics: options.quick ? 10 : 1_000,
      ratePerSec: options.ratePerSec ?? (options.quick ? 200 : 50_000),
    }),
    judge: (r) => ({
      '>= 50,000 publishes/s': r.publishesPerSec >= 50_000,
      // measured to the client, which includes the frontend's write: stricter than dispatcher -> frontend
      'p99 <= 20 ms': r.latencyMs.p99 <= 20,
      '0 lost': r.lost === 0,
    }),
  },
  {
    name: 'reconnect-storm',
    mode: 'embedded',
    what: '20K clients cut at once reconnect and resubscribe',
    target: 'all back within 10 s, no frontend error',
    baselines: EVERY_PEER,
    plan: (options) => ({
      ...common(options, { connections: 20_000, durationSec: 3, minWorkers: 2 }),
      // its clients are cut and reconnect: Node's client does that, the native one holds its sockets to the end
      loadClient: 'node',
      frontends: options.quick ? 1 : 2,
      topics: 1,
      ratePerSec: options.ratePerSec ?? 2,
      beforePublish: async ({ fleet, plan, extra }) => {
        const cutAt = Date.now()
        // clients come back after a random delay up to the server's `retry:` (2 s), as EventSource would
        fleet.cut(2000)
        await waitUntil(() => fleet.ready < plan.connections, 5000)
        const back = await waitUntil(
          () => fleet.ready >= plan.connections && fleet.lastReadyAt > cutAt,
          60_000,
          250,
        )
        await fleet.settle()
        extra.reconnected = fleet.ready
        extra.reconnectSeconds = back ? (fleet.lastReadyAt - cutAt) / 1000 : Number.POSITIVE_INFINITY
        progress('reconnect-storm', { reconnected: fleet.ready, seconds: extra.reconnectSeconds as number })
      },
    }),
    judge: (r) => ({
      'all back within 10 s':
        (r.extra.reconnectSeconds as number) <= 10 && (r.extra.reconnected as number) >= r.connections,
      'no frontend error': r.frontendErrors.length === 0,
      '0 lost after': r.lost === 0,
    }),
  },
  recoveryStorm,
]

/** Redis commands (in-script calls included) a flap may cost: the leave script's 5 calls, the join's 4, each run. */
export const FLAP_COMMANDS = 12
/** A leave that comes back adds the sweep's calls and two publishes' lookups: allowed for the leave phase's mix. */
export const LEAVE_PHASE_COMMANDS = 20
/** Redis commands/s with everything connected and nothing changing, per server process: leases and sweeps. */
export const IDLE_COMMANDS_PER_NODE = 10
/** Identified connections may cost this much more than anonymous ones (RSS per connection). */
export const MEMBER_EXTRA_KIB = 1

type PresencePhase = PresenceResult['flap']

/**
 * Presence churn (issue 12): its own runner (scenarios/presence.ts), two cluster runs and a memory run.
 * Judged on what the watchers were told, Redis commands per reconnect, and memory per identified connection.
 */
export const presenceScenario = {
  name: 'presence',
  what: "Identified members (one stream each) over several frontends, 1% reconnecting per second, watchers of every member's presence (2 each); at the default 60 s grace, then at 5 s with 0.2%/s leaving for 10 s; then idle anonymous vs identified connections on one frontend",
  target: `presence changes delivered, 0 lost (during the churn, as the members connect, and every watcher's snapshot); no offline for a member that only flapped; Redis O(changes): <= ${FLAP_COMMANDS} commands per flap, <= ${LEAVE_PHASE_COMMANDS} per reconnect with leaves, idle <= ${IDLE_COMMANDS_PER_NODE} commands/s per server process whatever the members; an identified connection <= ${MEMBER_EXTRA_KIB} KiB RSS more than an anonymous one`,
  judge: ({ plan, flap, leave, memory }: Pick<PresenceResult, 'plan' | 'flap' | 'leave' | 'memory'>) => {
    const lost = (p: PresencePhase) => p.churn.lost.online + p.churn.lost.offline
    const extra = (p: PresencePhase) =>
      p.arrival.extra + p.churn.extra.online + p.churn.extra.offline + p.churn.duplicates
    const idle = Math.max(flap.redis.idle.commandsPerSec, leave.redis.idle.commandsPerSec)
    return {
      'presence changes delivered during the churn, 0 lost':
        lost(flap) === 0 && lost(leave) === 0 && leave.churn.delivered.offline > 0,
      // every member connecting at once (a cold start, a reconnect storm) owes each watcher an online too
      'every online delivered as the members connected': flap.arrival.lost === 0 && leave.arrival.lost === 0,
      'every watcher got its snapshots': flap.snapshotsMissing === 0 && leave.snapshotsMissing === 0,
      'no offline for a member that only flapped; nothing twice or out of order; every watcher ends right':
        flap.churn.delivered.offline + flap.churn.delivered.online === 0 &&
        leave.churn.flapOfflines === 0 &&
        extra(flap) === 0 &&
        extra(leave) === 0 &&
        flap.churn.outOfOrder + leave.churn.outOfOrder === 0 &&
        flap.churn.endOffline + leave.churn.endOffline === 0,
      [`<= ${FLAP_COMMANDS} Redis commands per flap`]:
        flap.churn.flaps > 0 && flap.redis.commandsPerReconnect <= FLAP_COMMANDS,
      [`<= ${LEAVE_PHASE_COMMANDS} Redis commands per reconnect with leaves`]:
        leave.redis.commandsPerReconnect <= LEAVE_PHASE_COMMANDS,
      // bookkeeping per member (a heartbeat each) would grow with the members; leases and sweeps do not
      [`idle <= ${IDLE_COMMANDS_PER_NODE} Redis commands/s per server process`]:
        idle <= IDLE_COMMANDS_PER_NODE * (plan.frontends + 1),
      [`identified <= anonymous + ${MEMBER_EXTRA_KIB} KiB RSS per connection`]:
        memory.rssDifferenceKiB <= MEMBER_EXTRA_KIB,
    }
  },
}
