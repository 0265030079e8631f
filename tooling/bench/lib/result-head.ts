import { loadavg } from 'node:os'
import { type MachineInfo, machineInfo } from './machine'

/** The box's 1-minute load average, to 2 decimals: what else runs on the box changes every timing. */
export const loadAverageNow = (): number => Math.round(loadavg()[0]! * 100) / 100

/** How the result of a scenario with a runner of its own (tabs, http2, presence, demo-frames) begins. */
export interface ResultHead<Name extends string> {
  scenario: Name
  what: string
  target: string
  /** Every check met; null for a smoke run (`--quick`), never judged. */
  met: boolean | null
  checks: Record<string, boolean>
  quick: boolean
  command: string
  ranAt: string
  machine: MachineInfo
  /** The box's 1-minute load average when the run started and ended: timings depend on what else ran. */
  loadAverage: [number, number]
}

/** A result's head, taken when the run ends: what was asked, the verdict, and the box it ran on. */
export function resultHead<Name extends string>(
  scenario: Name,
  asked: { what: string; target: string },
  run: { checks: Record<string, boolean>; quick: boolean; command: string; loadAtStart: number },
): ResultHead<Name> {
  return {
    scenario,
    what: asked.what,
    target: asked.target,
    met: run.quick ? null : Object.values(run.checks).every(Boolean),
    checks: run.checks,
    quick: run.quick,
    command: run.command,
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    loadAverage: [Math.round(run.loadAtStart * 100) / 100, loadAverageNow()],
  }
}
