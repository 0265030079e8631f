import { startRedis } from '@likewire/testkit'
import { describe, expect, it } from 'vitest'
import { RedisRegistry } from '../../src/registry/redis-registry'
import { cleanups } from './cleanup'

describe('RedisRegistry', () => {
  it('prunes a node only while its lease is gone: a lease renewed in between keeps everything', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const registry = new RedisRegistry({ url: redis.url, leaseTtlMs: 60_000 })
    cleanups.push(() => registry.close())
    await registry.ready()
    const node = { nodeId: 'fe-1', url: 'http://127.0.0.1:1' }
    await registry.registerNode(node)
    await registry.addTopics('fe-1', ['a', 'b'])
    await registry.setViewerCounts('fe-1', [['a', 3]])

    expect(await registry.pruneNode('fe-1')).toBe(false) // alive
    expect(await registry.nodesFor(['a', 'b'])).toEqual(
      new Map([
        ['a', ['fe-1']],
        ['b', ['fe-1']],
      ]),
    )

    await registry.redis.del('likewire:node:fe-1') // the lease expires
    expect(await registry.expiredNodes()).toEqual(['fe-1'])
    expect(await registry.renewLease(node)).toBe(true) // ... and comes back before the prune ran
    expect(await registry.pruneNode('fe-1')).toBe(false)
    expect(await registry.nodesFor(['a'])).toEqual(new Map([['a', ['fe-1']]]))

    await registry.redis.del('likewire:node:fe-1')
    expect(await registry.pruneNode('fe-1')).toBe(true)
    expect(await registry.nodesFor(['a', 'b'])).toEqual(new Map())
    expect(await registry.viewerCounts(['a'])).toEqual([0])
    expect(await registry.expiredNodes()).toEqual([])
  })
})
