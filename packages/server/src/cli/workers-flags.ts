import { availableParallelism } from 'node:os'
import { type Command, Option } from 'commander'
import type { WorkersPlan } from '../workers/supervisor'
import { intOption } from './common'

export interface WorkersFlags {
  workers?: string
  balance?: string
}

/** Most workers one node forks: a typo (`--workers 4000`) must not fork-bomb the machine. */
export const MAX_WORKERS = 256

/** `--workers`, on the roles that hold streams (standalone, frontend). */
export function workersOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--workers <n|auto>',
        "processes sharing the port, one node to users and operators: 'auto' is one per core (default: 1, this process alone)",
      ).env('LIKEWIRE_WORKERS'),
    )
    .addOption(
      new Option(
        '--balance <kernel|round-robin>',
        "with --workers, how new connections spread: 'kernel', each worker accepts from the shared socket (no handoff through the primary); 'round-robin', the primary accepts each and hands it to the next worker (in turn, at the primary's CPU and ~3 KiB of its memory per connection)",
      )
        .choices(['kernel', 'round-robin'])
        .default('kernel')
        .env('LIKEWIRE_BALANCE'),
    )
}

/** `--workers` and `--balance`, checked now. */
export function workersPlan(flags: WorkersFlags): WorkersPlan {
  return { count: workersFlag(flags), balance: flags.balance === 'round-robin' ? 'round-robin' : 'kernel' }
}

/** `--workers`, checked now: 'auto' is the machine's cores; a bad value refuses to start with one line. */
function workersFlag(flags: WorkersFlags): number {
  const value = flags.workers?.trim()
  if (value === undefined || value === '') return 1
  if (value === 'auto') return Math.min(availableParallelism(), MAX_WORKERS)
  if (!/^\d+$/.test(value))
    throw new Error(`--workers must be a positive integer or "auto", got ${JSON.stringify(flags.workers)}`)
  return intOption(value, 'workers', { min: 1, max: MAX_WORKERS })
}
