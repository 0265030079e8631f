import { post, startRedis } from '@likewire/testkit'
import { Redis } from 'ioredis'
import { describe, expect, it, vi } from 'vitest'
import { DEFAULT_KEY_PREFIX, redisKeys } from '../../src/registry/redis-keys'
import { cleanups, stream } from './cleanup'
import { dispatcherNode, frontendNode } from './nodes'

// the registry's own key names: the test reads what the lease keeper wrote
const keys = redisKeys(DEFAULT_KEY_PREFIX)

/** Holds this thread (the frontend's event loop) the way a huge synchronous fan-out or a long GC would. */
function blockEventLoop(ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) {}
}

describe('lease keeper (the lease is renewed off the event loop)', () => {
  it('keeps the lease and the topics of a frontend whose event loop is busy for longer than the lease', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe = await frontendNode(redis.url, { leaseTtlMs: 1000 })
    const d = await dispatcherNode(redis.url, { pruneIntervalMs: 100 })
    cleanups.push(fe.close, d.close)
    const s = await stream(`${fe.url}/v1/connect?topics=busy`)
    const watcher = new Redis(redis.url)
    cleanups.push(() => void watcher.disconnect())
    await watcher.ping()

    blockEventLoop(2500) // 2.5 leases: renewed only by the keeper thread meanwhile
    // sent before any timer of this thread runs: Redis answers with what the keeper alone kept
    const [ttl, held] = await Promise.all([
      watcher.pttl(keys.node(fe.node.frontend.nodeId)),
      watcher.smembers(keys.topic('busy')),
    ])
    expect(ttl).toBeGreaterThan(0)
    expect(held).toEqual([fe.node.frontend.nodeId])

    const res = await post(`${d.url}/v1/publish`, { topic: 'busy', data: 'after the stall' })
    expect(res.status).toBe(202)
    await vi.waitFor(() => expect(s.data().map((e) => e.id)).toEqual(res.body.ids))
  })

  it('lets the lease go when the event loop has not turned for maxStallMs (a hung node is pruned)', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe = await frontendNode(redis.url, { leaseTtlMs: 1000, maxStallMs: 500 })
    cleanups.push(fe.close)
    const watcher = new Redis(redis.url)
    cleanups.push(() => void watcher.disconnect())
    await watcher.ping()

    blockEventLoop(2500) // the keeper stops renewing after 500 ms; the lease ends 1 s after its last renewal
    expect(await watcher.pttl(keys.node(fe.node.frontend.nodeId))).toBe(-2)
    // once the loop turns again the node records itself by itself
    await vi.waitFor(async () =>
      expect(await watcher.pttl(keys.node(fe.node.frontend.nodeId))).toBeGreaterThan(0),
    )
  })
})
