import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type MachineInfo, machineInfo } from '../lib/machine'
import { progress } from '../lib/progress'
import type { Scenario } from './catalog'
import { type FanoutResult, runFanout } from './fanout'
import { parseHistory } from './history'
import type { RunOptions } from './options'

/** Full runs write here; quick runs into `results/quick/` (never over a full result). */
export const resultsDir = new URL('../results/', import.meta.url)

/** What `results/<scenario>.json` holds. */
export interface ScenarioResult extends Omit<FanoutResult, 'kind'> {
  scenario: string
  what: string
  target: string
  /** Every check met; null for a smoke run (`--quick`), which is never judged against the targets. */
  met: boolean | null
  /** Empty for a smoke run. */
  checks: Record<string, boolean>
  /** How the publish reaches the frontends: embedded (in-process dispatcher per frontend) or cluster. */
  mode: 'embedded' | 'cluster'
  registry: 'memory' | 'redis'
  quick: boolean
  flushWindowMs: number | 'auto'
  frontends: number
  /** Likewire's processes per node (`--workers`; 1: one process each). */
  serverWorkers: number
  /** Load-generator processes. */
  workers: number
  ratePerSec: number
  durationSec: number
  command: string
  ranAt: string
  machine: MachineInfo
  baselines: Record<string, Omit<FanoutResult, 'timeline'> & { checks: Record<string, boolean> }>
  /** Baselines that did not finish, with why. */
  baselineFailures: Record<string, string>
  /** Likewire / baseline, per figure (> 1 is better for Likewire on throughput, < 1 on latency, memory and CPU). */
  ratios: Record<
    string,
    {
      deliveriesPerSec: number
      p50: number
      p90: number
      p99: number
      rssPerConnection: number
      serverCpuMs: number
      serverCpuUsPerDelivery: number
    }
  >
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : 0)

export async function runScenario(
  scenario: Scenario,
  options: RunOptions,
  command: string,
): Promise<ScenarioResult> {
  // a scenario with its own rule (recovery-storm) keeps it: `all --history` must not shrink it
  const historyText = scenario.history ?? options.history
  const plan = {
    ...scenario.plan(options),
    ...(options.frontends ? { frontends: options.frontends } : {}),
    ...(options.serverWorkers && options.serverWorkers > 1 ? { serverWorkers: options.serverWorkers } : {}),
    ...(historyText ? { history: parseHistory(historyText), historyText } : {}),
  }
  // history on a fire-and-forget scenario is a variant (`<scenario>-history.json`); the baselines have none
  const historyVariant = options.history !== undefined && scenario.history === undefined
  progress(scenario.name, {
    phase: 'likewire',
    ...(historyText ? { history: historyText } : {}),
    connections: plan.connections,
    frontends: plan.frontends,
    workers: plan.workers,
  })
  const likewire = await runFanout({
    ...plan,
    kind: 'likewire',
    mode: scenario.mode,
    label: plan.serverWorkers ? `${scenario.name}:workers${plan.serverWorkers}` : scenario.name,
  })
  // a smoke run (50 connections, 2 s) checks the harness: its figures say nothing about the targets
  const judge: Scenario['judge'] = options.quick ? () => ({}) : scenario.judge
  const checks = judge(likewire)
  const baselines: ScenarioResult['baselines'] = {}
  const ratios: ScenarioResult['ratios'] = {}
  const failures: Record<string, string> = {}
  const { kind: _kind, ...figures } = likewire
  const result: ScenarioResult = {
    scenario: scenario.name,
    what: scenario.what,
    target: scenario.target,
    met: options.quick ? null : Object.values(checks).every(Boolean),
    checks,
    mode: scenario.mode,
    registry: scenario.mode === 'cluster' ? 'redis' : 'memory',
    quick: options.quick,
    flushWindowMs: plan.flushWindowMs,
    frontends: plan.frontends,
    serverWorkers: plan.serverWorkers ?? 1,
    workers: plan.workers,
    ratePerSec: plan.ratePerSec,
    durationSec: plan.durationMs / 1000,
    command,
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    ...figures,
    baselines,
    ratios,
    baselineFailures: failures,
  }
  // a run with another rate, a flush window or history is a variant: it never replaces the default run
  const variant = resultVariant({
    serverWorkers: plan.serverWorkers,
    ratePerSec: options.ratePerSec,
    flushWindowMs: plan.flushWindowMs,
    history: historyVariant,
  })
  const outFile = options.outDir && new URL(`${scenario.name}${variant}.json`, options.outDir)
  // written before the baselines run, and again after: a baseline that hangs never costs Likewire's figures
  const save = () => {
    if (!options.outDir || !outFile) return
    mkdirSync(options.outDir, { recursive: true })
    writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`)
  }
  save()
  const peers = scenario.baselines.filter((peer) => options.peers?.includes(peer) ?? true)
  if (options.baselines && !historyVariant) {
    for (const kind of peers) {
      progress(scenario.name, { phase: kind })
      const run = await runFanout({
        ...plan,
        kind,
        mode: 'embedded',
        label: `${scenario.name}:${kind}`,
        // Socket.IO clients are read by Node: as many processes as Node's client takes
        workers:
          kind === 'socketio' && !options.loadWorkers ? (plan.nodeWorkers ?? plan.workers) : plan.workers,
        cpuProfDir: undefined,
        history: undefined,
        historyText: undefined,
      }).catch((error: Error) => error)
      if (run instanceof Error) {
        // a baseline that falls over is a result too; it must not take Likewire's figures with it
        failures[kind] = run.message
        save()
        continue
      }
      const { timeline: _timeline, ...baseline } = run
      baselines[kind] = { ...baseline, checks: judge({ ...baseline, timeline: [] }) }
      ratios[kind] = {
        deliveriesPerSec: ratio(likewire.deliveriesPerSec, baseline.deliveriesPerSec),
        p50: ratio(likewire.latencyMs.p50, baseline.latencyMs.p50),
        p90: ratio(likewire.latencyMs.p90, baseline.latencyMs.p90),
        p99: ratio(likewire.latencyMs.p99, baseline.latencyMs.p99),
        rssPerConnection: ratio(likewire.serverRssPerConnectionKiB, baseline.serverRssPerConnectionKiB),
        serverCpuMs: ratio(likewire.serverCpuMs, baseline.serverCpuMs),
        serverCpuUsPerDelivery: ratio(likewire.serverCpuUsPerDelivery, baseline.serverCpuUsPerDelivery),
      }
      save()
    }
  }
  const summary = {
    deliveriesPerSec: result.deliveriesPerSec,
    lost: result.lost,
    p50: result.latencyMs.p50,
    p90: result.latencyMs.p90,
    p99: result.latencyMs.p99,
    max: result.latencyMs.max,
    ...(result.history
      ? { duplicates: result.history.duplicates, missing: result.history.missing, gaps: result.history.gaps }
      : {}),
    ...(result.extra.recoverySeconds !== undefined
      ? { recoverySeconds: result.extra.recoverySeconds as number }
      : {}),
  }
  if (result.met === null) progress(scenario.name, summary, 'smoke run (--quick), not judged against targets')
  else progress(scenario.name, { met: String(result.met), ...summary })
  if (outFile) process.stderr.write(`[${scenario.name}] wrote ${fromRoot(outFile)}\n`)
  return result
}

const root = fileURLToPath(new URL('../../../', import.meta.url))

/** A file's path from the repository root, as a person finds it in the tree. */
export const fromRoot = (file: URL) => fileURLToPath(file).slice(root.length)

/**
 * The suffix of a variant run's result file: `-workers<n>` (Likewire nodes of n processes), `-rate<n>`,
 * `-flush<ms>` (a fixed window), `-history`, in that order.
 */
export function resultVariant(v: {
  serverWorkers?: number | undefined
  ratePerSec?: number | undefined
  flushWindowMs: number | 'auto'
  history: boolean
}): string {
  return `${v.serverWorkers && v.serverWorkers > 1 ? `-workers${v.serverWorkers}` : ''}${v.ratePerSec !== undefined ? `-rate${v.ratePerSec}` : ''}${v.flushWindowMs !== 'auto' ? `-flush${v.flushWindowMs}` : ''}${v.history ? '-history' : ''}`
}
