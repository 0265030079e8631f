import { beforeAll, describe, expect, it } from 'vitest'
import { scenarios } from './scenarios/catalog'
import { runScenario } from './scenarios/run-scenario'
import { runTabs, type TabsResult } from './scenarios/tabs'

// The smoke test of the harness: tiny runs end to end, counts only. Timing is the benchmark's job, never a test's.
const quick = { quick: true, flushWindowMs: 0, baselines: true }
const scenario = (name: string) => scenarios.find((s) => s.name === name)!

describe('bench --quick', () => {
  it('talk-latency (cluster: Redis registry, dispatcher process): every publish reaches every subscriber', async () => {
    const result = await runScenario(scenario('talk-latency'), quick, 'test')
    expect(result.mode).toBe('cluster')
    expect(result.registry).toBe('redis')
    expect(result.connected).toBe(50)
    expect(result.published).toBeGreaterThan(0)
    expect(result.expected).toBe(result.published * 50)
    expect(result.delivered).toBe(result.expected)
    expect(result.lost).toBe(0)
    expect(result.loadErrors).toBe(0)
    expect(result.latencyMs.count).toBe(result.delivered)
  })

  it('capacity: two frontends and both baselines (hono, socket.io + redis adapter) count the same broadcast to all', async () => {
    const result = await runScenario(scenario('capacity'), quick, 'test')
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
