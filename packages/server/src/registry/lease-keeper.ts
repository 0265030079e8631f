import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

export interface LeaseKeeperOptions {
  /** Redis URL of the registry (credentials and TLS ride in it: the worker opens its own connection). */
  redis: string
  keyPrefix: string
  nodeId: string
  /** The lease's value: the node's NodeInfo as JSON. */
  leaseValue: string
  ttlMs: number
  /** A main event loop that has not turned for this long is hung: the lease is let go. */
  maxStallMs: number
  /** The worker found the lease gone (expired and pruned, or Redis restarted empty): topics must be re-recorded. */
  onLost: () => void
  onError: (error: Error) => void
}

/** What the worker thread is handed (lease-worker.ts). */
export type LeaseWorkerData = Omit<LeaseKeeperOptions, 'onLost' | 'onError'> & {
  /** A counter the main loop bumps while it turns. */
  beat: SharedArrayBuffer
}

export interface LeaseKeeper {
  /** Resolves once the worker's Redis connection is up (it renews from then on); rejects if the worker failed. */
  ready: Promise<void>
  close(): Promise<void>
}

/**
 * Renews a frontend's lease from a worker thread, so a main event loop busy fanning out (or paused by a
 * long GC) is not mistaken for a dead node and pruned while its clients are connected. The main loop
 * bumps a shared counter every quarter second; the worker renews only while that counter moves, so a
 * process that dies still loses its lease after one TTL, and one whose loop is stuck in synchronous code
 * after about maxStallMs + TTL (an await that never settles leaves the loop turning: not a hang here).
 */
export function startLeaseKeeper(options: LeaseKeeperOptions): LeaseKeeper {
  assertMaxStall(options.maxStallMs)
  const beat = new Int32Array(new SharedArrayBuffer(4))
  const beatTimer = setInterval(() => Atomics.add(beat, 0, 1), BEAT_MS)
  beatTimer.unref()
  const { onLost, onError, ...data } = options
  const workerData: LeaseWorkerData = { ...data, beat: beat.buffer as SharedArrayBuffer }
  let worker: Worker
  try {
    // none of the parent's flags: a loader or --input-type of the app must not apply to our module
    worker = new Worker(workerFile(), { execArgv: [], workerData })
  } catch (error) {
    // no worker (a bundle without our dist files, permission model): the main loop renews alone
    clearInterval(beatTimer)
    const failure = error instanceof Error ? error : new Error(String(error))
    onError(failure)
    const ready = Promise.reject(failure)
    ready.catch(() => {})
    return { ready, close: async () => {} }
  }
  worker.unref()
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (message) => {
      if (message === 'ready') resolve()
      if (message === 'lost') onLost()
    })
    worker.on('error', (error) => {
      reject(error)
      onError(error)
    })
  })
  ready.catch(() => {}) // reported through onError; awaiting ready is optional
  return {
    ready,
    close: async () => {
      clearInterval(beatTimer)
      await worker.terminate()
    },
  }
}

/** The built worker module beside this file (dist/lease-worker.js or .cjs), the built one when run from source. */
function workerFile(): URL {
  // from the file path in CommonJS: tsup's import.meta.url shim misreads a path with # or %
  const here = typeof __filename === 'string' ? pathToFileURL(__filename) : new URL(import.meta.url)
  const beside = new URL(here.pathname.endsWith('.cjs') ? './lease-worker.cjs' : './lease-worker.js', here)
  if (existsSync(beside)) return beside
  // src/registry/lease-keeper.ts under the package's own tests: the module `npm run build` made
  return new URL('../../dist/lease-worker.js', here)
}

const BEAT_MS = 250

/** Checked before anything starts: below two beats a healthy loop would look hung between its beats. */
export function assertMaxStall(maxStallMs: number): void {
  if (!(maxStallMs >= 2 * BEAT_MS))
    throw new RangeError(`maxStallMs (--max-stall-ms) must be at least ${2 * BEAT_MS}, got ${maxStallMs}`)
}
