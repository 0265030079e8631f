import { startRedis } from '@likewire/testkit'
import { Redis } from 'ioredis'
import { describe, expect, it, vi } from 'vitest'
import { presenceTopic } from '../../src/protocol/topic'
import { RedisRegistry } from '../../src/registry/redis-registry'
import { metric } from '../helpers'
import { cleanups, stream } from './cleanup'
import { statusesOf } from './member-nodes'
import { frontendNode } from './nodes'

const authenticate = (request: Request) => {
  const member = new URL(request.url).searchParams.get('member')
  return member === null ? {} : { memberId: member }
}
const watchAnn = (url: string) =>
  stream(`${url}/v1/connect?topics=${encodeURIComponent(presenceTopic('ann'))}`)

describe('cluster presence: the registry loses it', () => {
  it('Redis restarted empty: the frontend tells its members again, and they are online again', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe = await frontendNode(redis.url, { authenticate, leaseTtlMs: 1000, presence: { graceMs: 1000 } })
    cleanups.push(fe.close)
    const watcher = await watchAnn(fe.url)
    await stream(`${fe.url}/v1/connect?member=ann`)
    await vi.waitFor(() => expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online']))

    await redis.restart()
    // re-recorded with the topics (within a lease tick): announced online again, the one repeat
    await vi.waitFor(() => expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online', 'online']), {
      timeout: 5000,
    })
    const late = await watchAnn(fe.url)
    await vi.waitFor(() => expect(statusesOf(late, 'ann')).toEqual(['online']))
  })

  it('a member who left within the grace before Redis restarted empty still goes offline once after it', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const graceMs = 3000
    const fe = await frontendNode(redis.url, { authenticate, leaseTtlMs: 1000, presence: { graceMs } })
    cleanups.push(fe.close)
    const watcher = await watchAnn(fe.url)
    const ann = await stream(`${fe.url}/v1/connect?member=ann`)
    await vi.waitFor(() => expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online']))
    ann.close()
    await vi.waitFor(() => expect(fe.node.frontend.connectionCount).toBe(1))
    await fe.node.core.presence!.settled() // her leave reached Redis, pending for the grace

    await redis.restart() // within the grace: the pending leave is gone with everything else
    // the frontend tells Redis again what it holds, and what it let go of within the grace
    await vi.waitFor(() => expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online', 'offline']), {
      timeout: graceMs + 3000,
    })
    await new Promise((resolve) => setTimeout(resolve, 1500)) // more sweeps: once
    expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online', 'offline'])
    expect(await fe.node.registry.presenceStore().presence(['ann'])).toMatchObject([{ status: 'offline' }])
  })

  it('a frontend pruned while alive (its lease lapsed) is back within the grace: its members never went offline', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe = await frontendNode(redis.url, {
      authenticate,
      nodeId: 'fe-1',
      leaseTtlMs: 1000,
      presence: { graceMs: 3000 },
    })
    cleanups.push(fe.close)
    const watcher = await watchAnn(fe.url)
    await stream(`${fe.url}/v1/connect?member=ann`)
    await vi.waitFor(() => expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online']))

    // what a dispatcher does to a node whose lease expired
    const plain = new Redis(redis.url)
    const registry = new RedisRegistry({ url: redis.url })
    cleanups.push(
      () => plain.disconnect(),
      () => registry.close(),
    )
    await vi.waitFor(async () => {
      await plain.del('likewire:node:fe-1') // again if the node renewed it in between
      expect(await registry.pruneNode('fe-1')).toBe(true)
    })
    // the node finds its lease gone and tells its presence again: the pending offline is cancelled
    await vi.waitFor(async () =>
      expect(await metric(fe.node, 'likewire_presence_flaps_absorbed_total')).toBe(1),
    )
    expect(await registry.presenceStore().sweep(Date.now() + 3000, 100, Date.now())).toEqual([])
    expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online'])
  })
})
