import { beforeAll, describe, expect, it } from 'vitest'
import { presenceSection } from './report/presence'
import { type PresenceResult, runPresence } from './scenarios/presence'

// The presence scenario's smoke run end to end: counts only, never timing (the benchmark's job).
describe('bench presence --quick', () => {
  let result: PresenceResult

  beforeAll(async () => {
    result = await runPresence({ quick: true, flushWindowMs: 0, baselines: false }, 'test')
  }, 240_000)

  it('is a smoke run: 50 identified members, 4 watchers (2 per member), 2 frontends, never judged', () => {
    expect(result).toMatchObject({ scenario: 'presence', quick: true, met: null, checks: {} })
    expect(result.plan).toMatchObject({ members: 50, watchers: 4, frontends: 2 })
  })

  it.each(['flap', 'leave'] as const)(
    '%s: every watcher got its snapshots, then exactly one online per member it watches as the members connected',
    (name) => {
      const phase = result[name]
      expect(phase.snapshotsMissing).toBe(0)
      expect(phase.arrival).toMatchObject({ expected: 100, delivered: 100, lost: 0, extra: 0 })
      expect(phase.errors).toMatchObject({ dropped: 0, rejected: 0, errors: 0, server: [] })
      expect(phase.churn.pendingAfter).toBe(0)
      expect(phase.churn.outOfOrder).toBe(0)
      expect(phase.churn.endOffline).toBe(0)
    },
  )

  it('flap (grace 60 s): members reconnect, the servers absorb the flaps, and watchers are told nothing', () => {
    const { churn } = result.flap
    expect(churn.flaps).toBeGreaterThan(0)
    expect(churn.flapsAbsorbed).toBeGreaterThan(0)
    expect(churn.flapsAbsorbed).toBeLessThanOrEqual(churn.flaps)
    expect(churn.published).toEqual({ online: 0, offline: 0 })
    expect(churn.delivered).toEqual({ online: 0, offline: 0 })
    expect(churn.duplicates).toBe(0)
  })

  it('leave (grace 2 s): each leave is one offline and one online to each of its 2 watchers, once; flaps still absorbed', () => {
    const { churn } = result.leave
    expect(churn.leaves).toBeGreaterThan(0)
    expect(churn.flapsAbsorbed).toBeGreaterThan(0)
    expect(churn.expected).toEqual({ online: 2 * churn.leaves, offline: 2 * churn.leaves })
    expect(churn.lost).toEqual({ online: 0, offline: 0 })
    expect(churn.extra).toEqual({ online: 0, offline: 0 })
    expect(churn.duplicates).toBe(0)
    expect(churn.flapOfflines).toBe(0)
    // published once per change (a flap longer than the grace is a change too)
    expect(churn.published.offline).toBeGreaterThanOrEqual(churn.leaves)
    expect(churn.published.offline).toBeLessThanOrEqual(churn.leaves + churn.slowFlaps)
    expect(churn.offlineLagMs.count).toBe(churn.delivered.offline)
  })

  it('reads Redis and the servers: commands per reconnect, CPU per frontend, memory of both kinds', () => {
    for (const phase of [result.flap, result.leave]) {
      expect(phase.redis.churn.commandsPerSec).toBeGreaterThan(phase.redis.idle.commandsPerSec)
      expect(phase.redis.commandsPerReconnect).toBeGreaterThan(0)
      expect(phase.redis.churn.top.evalsha).toBeGreaterThan(0)
      expect(Object.keys(phase.cpu.churn)).toEqual([
        'cluster-frontend0',
        'cluster-frontend1',
        'cluster-dispatcher0',
      ])
    }
    expect(result.memory.runs.map((run) => [run.kind, run.connections])).toEqual([
      ['anonymous', 50],
      ['identified', 50],
    ])
  })

  it('renders its section of docs/benchmarks.md', () => {
    const page = presenceSection(result).join('\n')
    expect(page).toContain('## Presence churn')
    expect(page).toContain('smoke run (`--quick`): not judged')
    expect(page).toMatch(/\| leaves \(all came back\) \| 0 \| \d+ \|/)
    expect(presenceSection(undefined).join('\n')).toContain('Not run yet: `npm run bench -- presence`')
  })
})
