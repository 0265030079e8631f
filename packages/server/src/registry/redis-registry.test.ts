import { startRedis } from '@likewire/testkit'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveRules } from '../history/rules'
import { connectHistoryStore, RedisHistoryStore } from './redis-history'
import { DEFAULT_KEY_PREFIX, redisKeys } from './redis-keys'
import { RedisRegistry } from './redis-registry'
import { BEGIN_UNHOLD_LUA, UNHOLD_STEP, UNHOLD_STEP_SCRIPT } from './redis-unhold'

/** Only the set-aside part of a prune, so a test can take its steps one at a time. */
const PRUNE_ONLY = `local p = ARGV[1]\n${BEGIN_UNHOLD_LUA}\nbeginUnhold(ARGV[2])\nreturn 0`

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A registry on a Redis of the test's own, and a plain client to look at (and break) what it wrote. */
async function registryOnRedis(options: { leaseTtlMs?: number; keyPrefix?: string } = {}) {
  const redis = await startRedis()
  cleanups.push(() => redis.stop())
  const registry = new RedisRegistry({ url: redis.url, leaseTtlMs: 60_000, ...options })
  cleanups.push(() => registry.close())
  await registry.ready()
  const watcher = new Redis(redis.url)
  cleanups.push(() => watcher.disconnect())
  return { registry, watcher, redis }
}

describe('RedisRegistry', () => {
  it('prunes a node only while its lease is gone: a lease renewed in between keeps everything', async () => {
    const { registry, watcher } = await registryOnRedis()
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

    await watcher.del('likewire:node:fe-1') // the lease expires
    expect(await registry.expiredNodes()).toEqual(['fe-1'])
    expect(await registry.renewLease(node)).toBe(true) // ... and comes back before the prune ran
    expect(await registry.pruneNode('fe-1')).toBe(false)
    expect(await registry.nodesFor(['a'])).toEqual(new Map([['a', ['fe-1']]]))

    await watcher.del('likewire:node:fe-1')
    expect(await registry.pruneNode('fe-1')).toBe(true)
    expect(await registry.nodesFor(['a', 'b'])).toEqual(new Map())
    expect(await registry.viewerCounts(['a'])).toEqual([0])
    expect(await registry.expiredNodes()).toEqual([])
  })

  it('records topics per node with their reverse index, and what it holds for a node', async () => {
    const { registry, watcher } = await registryOnRedis({ keyPrefix: 'app1:' })
    await registry.registerNode({ nodeId: 'a', url: 'http://a' })
    await registry.registerNode({ nodeId: 'b', url: 'http://b' })
    await registry.addTopics('a', ['t1', 't2'])
    await registry.addTopics('b', ['t2'])
    expect(await registry.nodesFor(['t1', 't2', 't3'])).toEqual(
      new Map([
        ['t1', ['a']],
        ['t2', expect.arrayContaining(['a', 'b'])],
      ]),
    )
    expect(await registry.registration('a')).toEqual({ lease: true, heldTopics: 2 })
    await registry.setViewerCounts('a', [['t2', 4]])
    await registry.setViewerCounts('b', [['t2', 1]])
    await registry.removeTopics('a', ['t2'])
    expect(await registry.registration('a')).toEqual({ lease: true, heldTopics: 1 })
    // its viewers go with the topic: a drained node leaves no count behind
    expect(await registry.viewerCounts(['t2'])).toEqual([1])
    await registry.replaceTopics('a', ['t3'])
    expect(await registry.nodesFor(['t1', 't2', 't3'])).toEqual(
      new Map([
        ['t2', ['b']],
        ['t3', ['a']],
      ]),
    )
    expect(await registry.node('a')).toEqual({ nodeId: 'a', url: 'http://a' })
    // every key under the prefix: several clusters can share one Redis
    expect((await watcher.keys('*')).every((key) => key.startsWith('app1:'))).toBe(true)
    await registry.removeNode('a')
    expect(await registry.registration('a')).toEqual({ lease: false, heldTopics: 0 })
    expect(await registry.node('a')).toBeUndefined()
  })

  it('sums viewer counts over nodes and lets one node claim a publish window', async () => {
    const { registry } = await registryOnRedis()
    await registry.setViewerCounts('a', [['t', 3]])
    await registry.setViewerCounts('b', [['t', 4]])
    expect(await registry.viewerCounts(['t', 'none'])).toEqual([7, 0])
    await registry.setViewerCounts('a', [['t', 0]])
    expect(await registry.viewerCounts(['t'])).toEqual([4])
    expect(await registry.claimViewerPublish('t', 10_000)).toBe(true)
    expect(await registry.claimViewerPublish('t', 10_000)).toBe(false)
  })

  it('tells a lost lease (Redis restarted empty) and fails fast while Redis is down', async () => {
    const { registry, redis } = await registryOnRedis()
    const node = { nodeId: 'a', url: 'http://a' }
    expect(await registry.renewLease(node)).toBe(true) // first time: nothing was there
    expect(await registry.renewLease(node)).toBe(false)
    await redis.stop()
    await expect(registry.nodesFor(['t'])).rejects.toThrow()
    expect((await registry.health()).ok).toBe(false)
    await redis.restart()
    await registry.ready()
    expect(await registry.renewLease(node)).toBe(true) // the restarted Redis lost it
  })

  it("keeps history on the registry's connection: appends, then the lookup, answered in one round trip", async () => {
    const { registry } = await registryOnRedis()
    const [rule] = resolveRules([{ match: 'chat:*', size: 10 }])
    await registry.addTopics('fe-1', ['chat:1'])
    const store = registry.historyStore()
    const request = (n: number) => ({
      topic: 'chat:1',
      id: `e${n}`,
      rule: rule!,
      head: `{"topic":"chat:1","id":"e${n}","ts":1,`,
      tail: `,"data":${n}}`,
    })
    const { appended, routes } = await store.appendThenLookup!([request(1), request(2)], ['chat:1', 'chat:2'])
    expect(appended.map((a) => a.offset)).toEqual([1, 2])
    expect(routes).toEqual(new Map([['chat:1', ['fe-1']]]))
    const read = await store.read('chat:1', rule!, { after: { epoch: appended[0]!.epoch, offset: 0 } })
    expect(read).toMatchObject({ latest: 2, complete: true })
    expect(read.events.map((e) => JSON.parse(e.json).data)).toEqual([1, 2])
    // a store on a Redis of its own cannot look up the registry with its appends
    const own = connectHistoryStore({ url: 'redis://127.0.0.1:1' })
    expect(own.appendThenLookup).toBeUndefined()
    await own.close()
  })

  it('trims a stream by age as it appends (not only by size), and reads what is left', async () => {
    const { watcher, redis } = await registryOnRedis()
    const client = new Redis(redis.url)
    cleanups.push(() => client.disconnect())
    let now = 1_000_000
    const keys = redisKeys(DEFAULT_KEY_PREFIX)
    const store = new RedisHistoryStore(client, keys, () => now)
    const [rule] = resolveRules([{ match: '*', size: 100, ttlMs: 10_000 }])
    const append = (n: number) =>
      store.append([
        {
          topic: 't',
          id: `e${n}`,
          rule: rule!,
          head: `{"topic":"t","id":"e${n}","ts":1,`,
          tail: `,"data":${n}}`,
        },
      ])
    for (let n = 1; n <= 12; n++) await append(n) // at t = 1,000 s
    now += 5_000
    await append(13) // 5 s later: nothing is past its age
    expect(await watcher.xlen(keys.history('t'))).toBe(13)
    now += 6_000
    // 11 s after the first 12: every 8th append trims up to 16 of those past their age, never the 13th (6 s old)
    await append(14)
    await append(15)
    expect(await watcher.xlen(keys.history('t'))).toBe(15)
    const [first] = await append(16)
    const ids = (await watcher.xrange(keys.history('t'), '-', '+')).map(([id]) => id)
    expect(ids).toEqual(['0-13', '0-14', '0-15', '0-16'])
    const read = await store.read('t', rule!, { after: { epoch: first!.epoch, offset: 12 } })
    expect(read).toMatchObject({ complete: true, latest: 16 })
    expect(read.events.map((e) => e.offset)).toEqual([13, 14, 15, 16])
  })

  it("takes a pruned or closed node's topics back in bounded steps; a topic it records again stays", async () => {
    const { registry, watcher } = await registryOnRedis()
    const topics = Array.from({ length: UNHOLD_STEP * 2 + 7 }, (_, i) => `t${i}`)
    await registry.registerNode({ nodeId: 'fe-1', url: 'http://a' })
    await registry.addTopics('fe-1', topics)
    await registry.setViewerCounts('fe-1', [['t0', 2]])
    await watcher.del('likewire:node:fe-1')

    // the prune itself only sets the topics aside; one step takes back at most UNHOLD_STEP of them
    await watcher.eval(PRUNE_ONLY, 0, 'likewire:', 'fe-1')
    const [id] = await watcher.hkeys('likewire:unholds')
    expect(id).toBeDefined()
    await registry.addTopics('fe-1', ['t1']) // pruned, and back: records t1 again meanwhile
    const left = Number(await watcher.eval(UNHOLD_STEP_SCRIPT, 0, 'likewire:', id!, UNHOLD_STEP))
    expect(left).toBe(UNHOLD_STEP + 7)

    await registry.finishReleases()
    expect(await watcher.hlen('likewire:unholds')).toBe(0)
    expect(await registry.nodesFor(topics)).toEqual(new Map([['t1', ['fe-1']]]))
    expect(await registry.viewerCounts(['t0'])).toEqual([0])

    await registry.removeNode('fe-1')
    expect(await registry.nodesFor(topics)).toEqual(new Map())
    expect(await watcher.keys('likewire:unholding:*')).toEqual([])
    expect(await registry.expiredNodes()).toEqual([])
  })
})
