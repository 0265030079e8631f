import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

export interface LeaseKeeperOptions {
  /** Redis URL of the registry (credentials and TLS ride in it: the worker opens its own connection). */
  redis: string
  /** The lease key and the value it holds (the node's JSON record). */
  leaseKey: string
  leaseValue: string
  /** The set of node ids dispatchers scan for expired leases, and this node's id in it. */
  nodesKey: string
  nodeId: string
  ttlMs: number
  /** A main event loop that has not turned for this long is hung: the lease is let go. */
  maxStallMs: number
  /** The worker found the lease gone (expired and pruned, or Redis restarted empty): topics must be re-recorded. */
  onLost: () => void
  onError: (error: Error) => void
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
  const beat = new Int32Array(new SharedArrayBuffer(4))
  const beatTimer = setInterval(() => Atomics.add(beat, 0, 1), BEAT_MS)
  beatTimer.unref()
  const { onLost, onError, ...data } = options
  let worker: Worker
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // none of the parent's flags: `--input-type=module` would make this CommonJS source an ES module
      execArgv: [],
      // resolved here: an eval'd worker would resolve modules from the process's cwd, not from this package
      workerData: { ...data, beat: beat.buffer, ioredis: ownRequire().resolve('ioredis') },
    })
  } catch (error) {
    // no worker (bundled app without node_modules, permission model): the main loop renews alone
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

// from the file path in CommonJS (tsup's import.meta.url shim misreads a path with # or %); `require`
// itself is not usable here: bundlers replace it in the ESM build with a stub that has no resolve()
function ownRequire(): NodeJS.Require {
  return createRequire(typeof __filename === 'string' ? __filename : import.meta.url)
}

const BEAT_MS = 250

/** Checked before anything starts: below two beats a healthy loop would look hung between its beats. */
export function assertMaxStall(maxStallMs: number): void {
  if (!(maxStallMs >= 2 * BEAT_MS))
    throw new RangeError(`maxStallMs (--max-stall-ms) must be at least ${2 * BEAT_MS}, got ${maxStallMs}`)
}

// plain CommonJS run by the worker: kept tiny, it only renews one key
const WORKER_SOURCE = `
const { parentPort, workerData: d } = require('node:worker_threads')
const { Redis } = require(d.ioredis)
const beat = new Int32Array(d.beat)
const redis = new Redis(d.redis, {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 1000,
  connectTimeout: 2000,
  retryStrategy: (times) => Math.min(100 * times, 1000),
})
redis.on('error', () => {})
redis.once('ready', () => parentPort.postMessage('ready'))
let seen = Atomics.load(beat, 0)
let movedAt = performance.now()
let renewing = false
setInterval(async () => {
  const now = performance.now()
  const current = Atomics.load(beat, 0)
  if (current !== seen) {
    seen = current
    movedAt = now
  }
  if (now - movedAt > d.maxStallMs || renewing) return
  renewing = true
  try {
    const previous = await redis.set(d.leaseKey, d.leaseValue, 'PX', d.ttlMs, 'GET')
    // told before SADD: a failure there must not hide that the topics need re-recording
    if (previous === null) parentPort.postMessage('lost')
    await redis.sadd(d.nodesKey, d.nodeId)
  } catch {
    // Redis down: the main loop's own tick reports it in health and re-registers when it is back
  } finally {
    renewing = false
  }
}, Math.max(100, Math.floor(d.ttlMs / 3)))
`
