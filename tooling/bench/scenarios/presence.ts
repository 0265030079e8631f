import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { type MachineInfo, machineInfo } from '../lib/machine'
import { progress } from '../lib/progress'
import { presenceScenario } from './catalog'
import type { RunOptions } from './options'
import { runChurnPhase } from './presence-churn'
import { type MemoryResult, runMemory } from './presence-memory'
import { assertFits, type PresencePlan, presencePlan } from './presence-plan'
import type { PhaseResult } from './presence-result'
import { fromRoot } from './run-scenario'

/** What `results/presence.json` holds. */
export interface PresenceResult {
  scenario: 'presence'
  what: string
  target: string
  /** Every check met; null for a smoke run (`--quick`), never judged. */
  met: boolean | null
  checks: Record<string, boolean>
  quick: boolean
  command: string
  ranAt: string
  machine: MachineInfo
  /** The box's 1-minute load average when the run started and ended (other work shares the box). */
  loadAverage: [number, number]
  plan: PresencePlan
  /** Default grace (60 s): every reconnect is a flap, nothing may be published. */
  flap: PhaseResult
  /** Grace 5 s: flaps as before, and members leaving past the grace and coming back. */
  leave: PhaseResult
  memory: MemoryResult
}

/**
 * The presence churn scenario: two cluster runs (one per grace) of members churning under watchers, then
 * the memory of identified against anonymous connections. Writes `<outDir>/presence.json`.
 */
export async function runPresence(options: RunOptions, command: string): Promise<PresenceResult> {
  const label = 'presence'
  const plan = presencePlan(options)
  assertFits(plan)
  const loadAtStart = loadavg()[0]!
  progress(label, {
    members: plan.members,
    watchers: plan.watchers,
    frontends: plan.frontends,
    workers: plan.workers,
    loadAverage: loadAtStart,
  })
  const [flapPhase, leavePhase] = plan.phases
  const flap = await runChurnPhase(plan, flapPhase!)
  const leave = await runChurnPhase(plan, leavePhase!)
  const memory = await runMemory(plan)
  const checks = options.quick ? {} : presenceScenario.judge({ plan, flap, leave, memory })
  const result: PresenceResult = {
    scenario: 'presence',
    what: presenceScenario.what,
    target: presenceScenario.target,
    met: options.quick ? null : Object.values(checks).every(Boolean),
    checks,
    quick: options.quick,
    command,
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    loadAverage: [loadAtStart, loadavg()[0]!].map((load) => Math.round(load * 100) / 100) as [number, number],
    plan,
    flap,
    leave,
    memory,
  }
  const summary = {
    flapDelivered: flap.churn.delivered.online + flap.churn.delivered.offline,
    flapsAbsorbed: flap.churn.flapsAbsorbed,
    leaveLost: leave.churn.lost.online + leave.churn.lost.offline,
    leaveDelivered: leave.churn.delivered.online + leave.churn.delivered.offline,
    redisPerReconnect: flap.redis.commandsPerReconnect,
    identifiedMinusAnonymousKiB: memory.rssDifferenceKiB,
  }
  if (result.met === null) progress(label, summary, 'smoke run (--quick), not judged against targets')
  else progress(label, { met: String(result.met), ...summary })
  if (options.outDir) {
    mkdirSync(options.outDir, { recursive: true })
    const file = new URL('presence.json', options.outDir)
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
    process.stderr.write(`[${label}] wrote ${fromRoot(file)}\n`)
  }
  return result
}
