import { beforeAll, describe, expect, it } from 'vitest'
import { scenarios } from './scenarios/catalog'
import { type Http2Result, runHttp2 } from './scenarios/http2'
import { runScenario } from './scenarios/run-scenario'
import { runTabs, type TabsResult } from './scenarios/tabs'

// The smoke test of the harness: tiny runs end to end, counts only. Timing is the benchmark's job, never a test's.
const quick = { quick: true, flushWindowMs: 'auto' as const, baselines: true }
const scenario = (name: string) => scenarios.find((s) => s.name === name)!

describe('bench --quick', () => {
  it('talk-latency (cluster: Redis registry, dispatcher process): every publish reaches every subscriber', async () => {
    const result = await runScenario(scenario('talk-latency'), { ...quick, peers: [] }, 'test')
    expect(result.mode).toBe('cluster')
    expect(result.registry).toBe('redis')
    expect(result.connected).toBe(50)
    expect(result.published).toBeGreaterThan(0)
    expect(result.expected).toBe(result.published * 50)
    expect(result.delivered).toBe(result.expected)
    expect(result.lost).toBe(0)
    expect(result.loadErrors).toBe(0)
    expect(result.latencyMs.count).toBe(result.delivered)
    // the publisher is a process of its own: the servers' CPU per delivery is theirs alone
    expect(result.publisherCpuMs).toBeGreaterThan(0)
    expect(result.serverCpuUsPerDelivery).toBeGreaterThan(0)
    expect(result.loadCpuUsPerDelivery).toBeGreaterThan(0)
    // plain SSE is read by the native client by default (cc is on every machine the suite runs on)
    expect(result.loadClient).toBe('native')
  })

  it('light-latency beside nchan and better-sse: each peer gets the same publishes from the publisher process, each counted and timed', async () => {
    const peers = ['nchan', 'better-sse'] as const
    // 200 publishes/s: enough work that each peer's CPU, read from /proc in 10 ms ticks, is never 0
    const result = await runScenario(
      scenario('light-latency'),
      { ...quick, peers: [...peers], ratePerSec: 200 },
      'test',
    )
    expect(result.baselineFailures).toEqual({})
    expect(Object.keys(result.baselines)).toEqual(peers)
    for (const peer of peers) {
      const run = result.baselines[peer]!
      expect(run.loadClient).toBe('native')
      expect(run.kind).toBe(peer)
      expect(run.connected).toBe(50)
      expect(run.published).toBeGreaterThan(0)
      expect(run.publishFailed).toBe(0)
      expect(run.expected).toBe(run.published * 50)
      expect(run.delivered).toBe(run.expected)
      expect(run.lost).toBe(0)
      expect(run.loadErrors).toBe(0)
      // every frame carried the publisher's ts, read in place
      expect(run.latencyMs.count).toBe(run.delivered)
      expect(run.serverCpuUsPerDelivery).toBeGreaterThan(0)
      expect(result.ratios[peer]!.serverCpuUsPerDelivery).toBeGreaterThan(0)
      expect(run.frontendErrors).toEqual([])
    }
  })

  it('light-latency --workers 2: a Likewire node of 2 processes (the CLI), every publish counted and delivered', async () => {
    const result = await runScenario(
      scenario('light-latency'),
      { ...quick, peers: [], serverWorkers: 2 },
      'test',
    )
    expect(result.serverWorkers).toBe(2)
    // the node's /metrics answers for both processes
    expect(result.connected).toBe(50)
    // and says how the kernel spread them over its 2 workers (likewire_worker_connections)
    const spread = result.extra.workerConnections as number[][]
    expect(spread).toHaveLength(1)
    expect(spread[0]).toHaveLength(2)
    expect(spread[0]!.reduce((a, b) => a + b, 0)).toBe(50)
    expect(result.published).toBeGreaterThan(0)
    expect(result.expected).toBe(result.published * 50)
    expect(result.delivered).toBe(result.expected)
    expect(result.frontendErrors).toEqual([])
  })

  it('capacity: two frontends and both baselines (hono, socket.io + redis adapter) count the same broadcast to all', async () => {
    const result = await runScenario(scenario('capacity'), { ...quick, peers: ['hono', 'socketio'] }, 'test')
    expect(result.frontends).toBe(2)
    expect(result.connected).toBe(50)
    expect(result.delivered).toBe(result.expected)
    expect(result.expected).toBe(result.published * 25)
    expect(result.lost).toBe(0)
    const hono = result.baselines.hono!
    expect(hono.connected).toBe(50)
    expect(hono.delivered).toBe(hono.expected)
    expect(hono.lost).toBe(0)
    const socketio = result.baselines.socketio!
    expect(result.baselineFailures).toEqual({})
    expect(socketio.connected).toBe(50)
    expect(socketio.expected).toBe(socketio.published * 25)
    expect(socketio.delivered).toBe(socketio.expected)
    expect(socketio.lost).toBe(0)
    expect(socketio.loadErrors).toBe(0)
  })

  it('recovery-storm: every client cut resumes from its last position; per-client counts add up', async () => {
    const result = await runScenario(scenario('recovery-storm'), quick, 'test')
    const history = result.history!
    expect(history.rules).toBe('live:*=10000/300')
    expect(result.extra.reconnected).toBe(50)
    expect(result.extra.caughtUp).toBe(50)
    expect(result.extra.serverRecovered).toBe(50)
    // every resume answered from the frontend's window of recent events: no history read per client
    expect(result.extra.serverResumesFromWindow).toBe(50)
    expect(result.extra.serverResumesFromStore).toBe(0)
    expect(history.clients).toBe(50)
    expect(history.missing).toBe(0)
    expect(history.gaps).toBe(0)
    // exactly once across the storm: the server's catch-up never doubles what arrives live after it
    expect(history.duplicates).toBe(0)

    expect(result.delivered).toBe(result.expected - history.missing + history.duplicates)
  })

  it('dispatcher with --history: the same run on history topics, each client complete', async () => {
    const result = await runScenario(scenario('dispatcher'), { ...quick, history: 'live:*=100/300' }, 'test')
    expect(result.history).toMatchObject({ rules: 'live:*=100/300', clients: 50, complete: 50, missing: 0 })
    expect(result.delivered).toBe(result.expected)
    expect(result.baselines).toEqual({})
  })
})

describe('bench http2 --quick (TLS: HTTP/1.1, HTTP/2 sessions of 10 streams and of 1, cleartext)', () => {
  let result: Http2Result

  beforeAll(async () => {
    result = await runHttp2({ quick: true }, 'test')
  }, 180_000)

  it('runs the same fan-out once per protocol, every delivery arriving', () => {
    expect(result).toMatchObject({ scenario: 'http2', quick: true, met: null, checks: {} })
    expect(result.runs.map((run) => [run.mode, run.tls, run.streamsPerSession])).toEqual([
      ['http1-tls', true, 1],
      ['h2', true, 10],
      ['h2-single', true, 1],
      ['http1', false, 1],
    ])
    for (const run of result.runs) {
      expect(run.connected).toBe(50)
      expect(run.published).toBeGreaterThan(0)
      expect(run.expected).toBe(run.published * 50)
      expect(run.delivered).toBe(run.expected)
      expect(run.lost).toBe(0)
      expect(run.loadErrors).toBe(0)
      expect(run.latencyMs.count).toBe(run.delivered)
      expect(run.frontendErrors).toEqual([])
    }
    expect(Object.keys(result.ratios)).toEqual(['h2', 'h2-single', 'http1'])
  })

  it('HTTP/2 multiplexes: 50 streams on 5 TLS connections, or on 50 with one stream each', () => {
    const sockets = Object.fromEntries(result.runs.map((run) => [run.mode, run.serverSockets]))
    expect(sockets).toEqual({ 'http1-tls': 50, h2: 5, 'h2-single': 50, http1: 50 })
  })

  it('one stream write per stream per flush on every protocol, each write carrying a batch of events', () => {
    for (const run of result.runs) {
      // the sinks write once per flush: a batch (5 events) on every stream, or a heartbeat
      expect(run.streamWrites).not.toBeNull()
      // publishes come over HTTP: requests the server reads in one turn of its loop flush together (on a busy
      // box, many), so a batch is at most one write per stream, and every stream got its writes counted
      expect(run.streamWrites!).toBeGreaterThanOrEqual(run.connected)
      expect(run.streamWrites!).toBeLessThanOrEqual(run.flushes)
      // a sink writing each frame on its own would make as many writes as deliveries
      expect(run.delivered).toBeGreaterThan(2 * run.streamWrites!)
    }
  })

  it('an HTTP/2 session writes its streams to the socket together: fewer write syscalls than stream writes', () => {
    const h2 = result.runs.find((run) => run.mode === 'h2')!
    const http1 = result.runs.find((run) => run.mode === 'http1-tls')!
    expect(h2.writeSyscalls).not.toBeNull()
    // 10 streams per session: one socket write per session per flush, not one per stream
    expect(h2.writeSyscalls!).toBeLessThan(h2.streamWrites! / 2)
    // HTTP/1.1 writes each stream's flush to its own socket
    expect(http1.writeSyscalls!).toBeGreaterThanOrEqual(http1.streamWrites!)
  })
})

describe('bench tabs --quick (headless Chromium)', () => {
  let result: TabsResult

  beforeAll(async () => {
    result = await runTabs({ quick: true }, 'test')
  }, 180_000)

  it('N tabs of one profile hold one stream with sharing on, one per tab with it off; every tab gets its topics', () => {
    expect(result).toMatchObject({ scenario: 'tabs', quick: true, met: null, checks: {}, publishFailed: 0 })
    expect(result.runs.map((run) => [run.tabs, run.share])).toEqual([
      [1, true],
      [1, false],
      [3, true],
      [3, false],
    ])
    for (const run of result.runs) {
      expect(run.connected).toBe(run.tabs)
      expect(run.sseConnections).toBe(run.share ? 1 : run.tabs)
      expect(run.sseConnectionsPeak).toBe(run.share ? 1 : run.tabs)
      expect(run.streamsOpened).toBe(run.share ? 1 : run.tabs)
      expect(run.streamHolders).toBe(run.share ? 1 : run.tabs)
      expect(run.tcpConnections).toBeGreaterThanOrEqual(1)
      expect(run.topicsWithoutEvents).toBe(0)
      expect(run.missing).toBe(0)
      expect(run.duplicates).toBe(0)
    }
  })

  it.each(['crash', 'close'] as const)(
    'the leader tab goes (%s): another tab takes over, every remaining tab catches up, nothing lost or doubled',
    (how) => {
      const handover = result.handover[how]
      expect(handover.rounds).toHaveLength(2)
      for (const round of handover.rounds) {
        expect(round).toMatchObject({ streamHolders: 1, tabsGone: 1, remaining: 2, notCaughtUp: 0 })
        expect(round.streams).toBeGreaterThanOrEqual(1)
        expect(round.caughtUpMs).not.toBeNull()
        expect(round.missing).toBe(0)
        expect(round.duplicates).toBe(0)
      }
      // up to the history topic's last offset, once publishing paused: a tab left without events shows here
      expect(handover).toMatchObject({ missing: 0, duplicates: 0, gaps: 0 })
    },
  )
})
