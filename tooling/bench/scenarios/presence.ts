import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { progress } from '../lib/progress'
import { type ResultHead, resultHead } from '../lib/result-head'
import { presenceScenario } from './catalog'
import type { RunOptions } from './options'
import { runChurnPhase } from './presence-churn'
import { type MemoryResult, runMemory } from './presence-memory'
import { assertFits, type PresencePlan, presencePlan } from './presence-plan'
import type { PhaseResult } from './presence-result'
import { fromRoot } from './run-scenario'

/** What `results/presence.json` holds. */
export interface PresenceResult extends ResultHead<'presence'> {
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
    ...resultHead('presence', presenceScenario, { checks, quick: options.quick, command, loadAtStart }),
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
