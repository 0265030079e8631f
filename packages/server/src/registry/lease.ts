import type { Redis, RedisOptions } from 'ioredis'
import type { RedisKeys } from './redis-keys'

/**
 * Renews a frontend's lease (its NodeInfo JSON, with a TTL); true when it had expired or vanished (Redis
 * restarted empty), so its topics must be recorded again. Shared by the registry and the lease worker.
 */
export async function renewLease(
  redis: Redis,
  keys: RedisKeys,
  nodeId: string,
  leaseValue: string,
  ttlMs: number,
): Promise<boolean> {
  const previous = await redis.set(keys.node(nodeId), leaseValue, 'PX', ttlMs, 'GET')
  // told before SADD fails: a lost lease must never be hidden by a later error
  const lost = previous === null
  await redis.sadd(keys.nodes, nodeId).catch((error: unknown) => {
    if (!lost) throw error
  })
  return lost
}

/**
 * Connection settings of every registry client: commands fail fast while Redis is down rather than queue,
 * so a publish answers 503 instead of hanging, and reconnects are retried every second at most.
 */
export function failFastOptions(commandTimeoutMs: number): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(100 * times, 1000),
  }
}

/** Resolves once the client is connected; rejects with a clear message when Redis cannot be reached in time. */
export function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve()
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup()
      const { host, port } = redis.options
      reject(new Error(`Cannot reach Redis at ${host}:${port} within ${timeoutMs} ms`))
    }, timeoutMs)
    const onReady = () => {
      cleanup()
      resolve()
    }
    const cleanup = () => {
      clearTimeout(timer)
      redis.off('ready', onReady)
    }
    redis.on('ready', onReady)
  })
}
