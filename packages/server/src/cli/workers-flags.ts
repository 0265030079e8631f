import { availableParallelism } from 'node:os'
import { type Command, Option } from 'commander'
import { intOption } from './common'

export interface WorkersFlags {
  workers?: string
}

/** Most workers one node forks: a typo (`--workers 4000`) must not fork-bomb the machine. */
export const MAX_WORKERS = 256

/** `--workers`, on the roles that hold streams (standalone, frontend). */
export function workersOptions(command: Command): Command {
  return command.addOption(
    new Option(
      '--workers <n|auto>',
      "processes sharing the port, one node to users and operators: 'auto' is one per core (default: 1, this process alone)",
    ).env('LIKEWIRE_WORKERS'),
  )
}

/** `--workers`, checked now: 'auto' is the machine's cores; a bad value refuses to start with one line. */
export function workersFlag(flags: WorkersFlags): number {
  const value = flags.workers?.trim()
  if (value === undefined || value === '') return 1
  if (value === 'auto') return Math.min(availableParallelism(), MAX_WORKERS)
  if (!/^\d+$/.test(value))
    throw new Error(`--workers must be a positive integer or "auto", got ${JSON.stringify(flags.workers)}`)
  return intOption(value, 'workers', { min: 1, max: MAX_WORKERS })
}
