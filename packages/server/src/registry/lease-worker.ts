// A worker thread's module (built to dist/lease-worker.js): renews one frontend's lease while the main
// event loop keeps bumping the shared beat counter. Started by lease-keeper.ts.
import { parentPort, workerData } from 'node:worker_threads'
import { Redis } from 'ioredis'
import { failFastOptions, renewLease } from './lease'
import type { LeaseWorkerData } from './lease-keeper'
import { redisKeys } from './redis-keys'

const data = workerData as LeaseWorkerData
const keys = redisKeys(data.keyPrefix)
const beat = new Int32Array(data.beat)
const redis = new Redis(data.redis, failFastOptions(1000))
redis.on('error', () => {}) // Redis down: the main loop's own tick reports it in health
redis.once('ready', () => parentPort?.postMessage('ready'))

let seen = Atomics.load(beat, 0)
let movedAt = performance.now()
let renewing = false
setInterval(
  async () => {
    const now = performance.now()
    const current = Atomics.load(beat, 0)
    if (current !== seen) {
      seen = current
      movedAt = now
    }
    // a main loop stuck this long is hung: its lease is let go, so dispatchers prune it
    if (now - movedAt > data.maxStallMs || renewing) return
    renewing = true
    try {
      if (await renewLease(redis, keys, data.nodeId, data.leaseValue, data.ttlMs))
        parentPort?.postMessage('lost')
    } catch {
      // Redis down: the main loop re-registers when it is back
    } finally {
      renewing = false
    }
  },
  Math.max(100, Math.floor(data.ttlMs / 3)),
)
