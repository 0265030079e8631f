import { progress, waitUntil } from '../lib/progress'
import type { FanoutPlan, FanoutResult } from './fanout'
import { common, type RunOptions } from './options'
import { recoveryStorm } from './recovery-storm'

/** A benchmark scenario: its plan, its target, and how the target is judged. */
export interface Scenario {
  name: string
  what: string
  target: string
  /** Which baselines serve the same scenario. */
  baselines: Array<'hono' | 'socketio'>
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

export const scenarios: Scenario[] = [
  {
    name: 'capacity',
    mode: 'embedded',
    what: 'N idle connections over several frontend processes; a broadcast reaches all',
    target: '100,000 connections held; <= 8 KiB server RSS per connection; 100% receive',
    baselines: ['hono', 'socketio'],
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
    baselines: ['hono', 'socketio'],
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
    baselines: [],
    plan: (options) => ({
      ...common(options, { connections: 10_000, durationSec: 30, minWorkers: 2 }),
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
    baselines: [],
    plan: (options) => ({
      ...common(options, { connections: 1_000, durationSec: 30 }),
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
    baselines: [],
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
    baselines: [],
    plan: (options) => ({
      ...common(options, { connections: 20_000, durationSec: 3, minWorkers: 2 }),
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
