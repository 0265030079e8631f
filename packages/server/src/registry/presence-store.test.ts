import { type RedisProcess, startRedis } from '@likewire/testkit'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryRegistry } from './memory-registry'
import type { PresenceStore } from './presence-store'
import { RedisRegistry } from './redis-registry'

// One contract, two stores: the in-memory one of embedded mode and the Redis one of a cluster. Times are
// given explicitly (the store never reads the clock for presence), so no test waits for a grace.

interface Subject {
  store: PresenceStore
  /** The node's lease expired and the registry pruned it. */
  prune(nodeId: string): Promise<void>
  /** Redis only: a plain client on the same Redis, to look at what the store left behind. */
  keys?(): Promise<string[]>
}

let redis: RedisProcess
const clients: Array<{ close(): Promise<void> | void }> = []
let prefixes = 0
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  for (const client of clients.splice(0)) await client.close()
  await redis?.stop()
})

const subjects: Record<string, () => Promise<Subject>> = {
  memory: async () => {
    const registry = new MemoryRegistry()
    return {
      store: registry.presenceStore(),
      prune: async (nodeId) => void (await registry.pruneNode(nodeId)),
    }
  },
  redis: async () => {
    const keyPrefix = `t${++prefixes}:` // a fresh key space per test on the file's Redis
    const registry = new RedisRegistry({ url: redis.url, keyPrefix })
    const plain = new Redis(redis.url)
    clients.push(registry, { close: () => plain.disconnect() })
    await registry.ready()
    return {
      store: registry.presenceStore(),
      prune: async (nodeId) => {
        await registry.registerNode({ nodeId, url: 'http://127.0.0.1:1' })
        await plain.del(`${keyPrefix}node:${nodeId}`) // the lease expires
        expect(await registry.pruneNode(nodeId)).toBe(true)
      },
      keys: () => plain.keys(`${keyPrefix}presence*`),
    }
  },
}

const ann = { topic: null, memberId: 'ann' }
const annOn = (topic: string) => ({ topic, memberId: 'ann' })

describe.each(Object.keys(subjects))('PresenceStore (%s)', (kind) => {
  const make = subjects[kind]!

  it('a member is online from its first connection on any node, once; a node reports only transitions', async () => {
    const { store } = await make()
    expect(await store.presence(['ann'])).toEqual([{ memberId: 'ann', status: 'offline', since: null }])
    expect(await store.join('fe1', [ann], 1000)).toEqual(['joined'])
    expect(await store.join('fe1', [ann], 1001)).toEqual(['none']) // a retry is harmless
    expect(await store.join('fe2', [ann], 1002)).toEqual(['none']) // already online elsewhere
    expect(await store.presence(['ann'])).toEqual([{ memberId: 'ann', status: 'online', since: 1000 }])
    await store.leave('fe1', [ann], 1100) // fe2 still holds ann
    expect(await store.sweep(10_000, 100, 10_000)).toEqual([])
    expect(await store.presence(['ann'])).toEqual([{ memberId: 'ann', status: 'online', since: 1000 }])
  })

  it('leaving starts the grace; the sweep past it takes the member offline exactly once', async () => {
    const { store, keys } = await make()
    await store.join('fe1', [ann], 1000)
    await store.leave('fe1', [ann], 2000)
    expect(await store.presence(['ann'])).toMatchObject([{ status: 'online' }]) // within the grace
    expect(await store.sweep(1999, 100, 1999)).toEqual([])
    const [a, b] = await Promise.all([store.sweep(2000, 100, 2000), store.sweep(2000, 100, 2000)]) // two nodes sweep
    expect([...a, ...b]).toEqual([{ topic: null, memberId: 'ann', since: 2000, global: true, remote: false }])
    expect(await store.sweep(99_999, 100, 99_999)).toEqual([])
    expect(await store.presence(['ann'])).toEqual([{ memberId: 'ann', status: 'offline', since: 2000 }])
    // only the last-seen time is left of ann
    if (keys) expect(await keys()).toEqual([expect.stringContaining('presence-seen:{p:ann}')])
  })

  it('a rejoin within the grace cancels the pending offline: a flap absorbed, nothing to publish', async () => {
    const { store } = await make()
    await store.join('fe1', [ann, annOn('t')], 1000)
    await store.leave('fe1', [ann, annOn('t')], 2000)
    expect(await store.join('fe2', [ann, annOn('t')], 2500)).toEqual(['absorbed', 'absorbed'])
    expect(await store.sweep(99_999, 100, 99_999)).toEqual([])
    expect(await store.presence(['ann'])).toEqual([{ memberId: 'ann', status: 'online', since: 1000 }])
    expect(await store.members('t', 10)).toEqual({ count: 1, members: [{ memberId: 'ann', since: 1000 }] })
  })

  it('a pruned node (lease expired) has its members left then: offline a grace after the prune', async () => {
    const { store, prune } = await make()
    await store.join('fe1', [ann, annOn('t'), { topic: null, memberId: 'bob' }], 1000)
    await store.join('fe2', [{ topic: null, memberId: 'bob' }], 1000) // bob is on a live node too
    const before = Date.now()
    await prune('fe1')
    expect(await store.sweep(before - 1, 100, before - 1)).toEqual([]) // not before the grace
    const swept = await store.sweep(Date.now(), 100, Date.now())
    expect(swept.map(({ topic, memberId }) => ({ topic, memberId }))).toEqual(
      expect.arrayContaining([ann, annOn('t')]),
    )
    expect(swept).toHaveLength(2)
    expect(swept[0]!.since).toBeGreaterThanOrEqual(before)
    expect(await store.presence(['ann', 'bob'])).toMatchObject([{ status: 'offline' }, { status: 'online' }])
    // the node's holdings are gone: its later release (a clean close) changes nothing
    await store.release('fe1', Date.now())
    expect(await store.sweep(Date.now() + 1, 100, Date.now() + 1)).toEqual([])
  })

  it('topic members: first N oldest first with the exact count, changes drained once per window', async () => {
    const { store } = await make()
    const m = (memberId: string) => ({ topic: 'live', memberId })
    await store.join('fe1', [m('priya')], 1)
    await store.join('fe2', [m('marco')], 2)
    await store.join('fe1', [m('zoe')], 3)
    expect(await store.members('live', 2)).toEqual({
      count: 3,
      members: [
        { memberId: 'priya', since: 1 },
        { memberId: 'marco', since: 2 },
      ],
    })
    expect(await store.members('live', 0)).toEqual({ count: 3, members: [] })
    const first = await store.drainMembers('live', 60_000, 10)
    expect(first).toEqual({
      count: 3,
      joined: [
        { memberId: 'priya', since: 1 },
        { memberId: 'marco', since: 2 },
        { memberId: 'zoe', since: 3 },
      ],
      left: [],
    })
    expect(await store.drainMembers('live', 60_000, 10)).toBeNull() // nothing new
    await store.leave('fe2', [m('marco')], 10)
    await store.sweep(10, 100, 10)
    expect(await store.drainMembers('live', 60_000, 10)).toBe('busy') // another publish holds the window
    expect(await store.drainMembers('other', 60_000, 10)).toBeNull()
  })

  it('topic members: a left is drained with the count; past the limit, a snapshot stands for the changes', async () => {
    const { store } = await make()
    const m = (memberId: string) => ({ topic: 'live', memberId })
    await store.join('fe1', [m('a'), m('b'), m('c')], 5)
    await store.leave('fe1', [m('b')], 6)
    await store.sweep(6, 100, 6)
    // b joined and left before any publish: the latest change of each member counts
    expect(await store.drainMembers('live', 1, 10)).toEqual({
      count: 2,
      joined: expect.arrayContaining([
        { memberId: 'a', since: 5 },
        { memberId: 'c', since: 5 },
      ]),
      left: ['b'],
    })
    await new Promise((resolve) => setTimeout(resolve, 5)) // past the 1 ms window
    await store.join('fe1', [m('d'), m('e'), m('f')], 7)
    expect(await store.drainMembers('live', 1, 2)).toEqual({
      snapshot: true,
      count: 5,
      members: [
        { memberId: 'a', since: 5 },
        { memberId: 'c', since: 5 },
      ],
    })
  })

  it('other datacenters: online anywhere is online; only changes of the global state are answered', async () => {
    const { store } = await make()
    expect(await store.applyRemote('dc2', [{ memberId: 'ann', status: 'online', since: 100 }], 0, 0)).toEqual(
      [{ memberId: 'ann', status: 'online', since: 100 }],
    )
    expect(await store.presence(['ann'])).toEqual([{ memberId: 'ann', status: 'online', since: 100 }])
    expect(await store.join('fe1', [ann], 200)).toEqual(['joined-here']) // already online in dc2
    expect(
      await store.applyRemote('dc2', [{ memberId: 'ann', status: 'offline', since: 300 }], 0, 0),
    ).toEqual([])
    // a late copy of dc2's online is older than its offline: ignored
    expect(await store.applyRemote('dc2', [{ memberId: 'ann', status: 'online', since: 100 }], 0, 0)).toEqual(
      [],
    )
    await store.leave('fe1', [ann], 400)
    expect(await store.sweep(400, 10, 400)).toEqual([
      { topic: null, memberId: 'ann', since: 400, global: true, remote: false },
    ])
    // online in dc3 and dc2 at once: one global change, the second is not
    expect(
      await store.applyRemote('dc3', [{ memberId: 'ann', status: 'online', since: 500 }], 0, 0),
    ).toHaveLength(1)
    expect(await store.applyRemote('dc2', [{ memberId: 'ann', status: 'online', since: 501 }], 0, 0)).toEqual(
      [],
    )
    expect(await store.join('fe1', [ann], 600)).toEqual(['joined-here'])
    await store.leave('fe1', [ann], 700)
    expect(await store.sweep(700, 10, 700)).toEqual([
      { topic: null, memberId: 'ann', since: 700, global: false, remote: false },
    ])
    expect(
      await store.applyRemote('dc3', [{ memberId: 'ann', status: 'offline', since: 800 }], 0, 0),
    ).toEqual([])
    expect(
      await store.applyRemote('dc2', [{ memberId: 'ann', status: 'offline', since: 900 }], 0, 0),
    ).toEqual([{ memberId: 'ann', status: 'offline', since: 900 }])
    expect(await store.presence(['ann'])).toEqual([{ memberId: 'ann', status: 'offline', since: 900 }])
  })

  it('changes to publish stay recorded until confirmed; unconfirmed ones are taken again after their time', async () => {
    const { store } = await make()
    const record = (token: string, replayAt: number) => ({ token, replayAt })
    const topicT = { topic: 't', memberId: '' }
    const due = async (now: number) =>
      (await store.unpublished(now, 3000, 10))
        .map((e) => `${e.token} ${e.scope.topic}/${e.scope.memberId}`)
        .sort()
    expect(await store.join('fe1', [ann, annOn('t')], 1000, record('j', 5000))).toEqual(['joined', 'joined'])
    await store.leave('fe1', [{ topic: null, memberId: 'ann' }], 2000)
    expect(await store.sweep(2000, 10, 2000, record('s', 6000))).toHaveLength(1)
    expect(await store.drainMembers('t', 1, 10, record('d', 7000))).toMatchObject({ count: 1 })
    const bob = [{ memberId: 'bob', status: 'online' as const, since: 1 }]
    expect(await store.applyRemote('dc2', bob, 0, 0, record('r', 8000))).toHaveLength(1)
    await store.join('fe1', [{ topic: null, memberId: 'bob' }], 2100, record('x', 8000)) // no change
    expect(await due(4999)).toEqual([])
    // ann online, and the topic she joined (its change waits for a drain)
    expect(await due(5000)).toEqual(['j null/ann', 'j t/'])
    await store.published([{ token: 'j', scope: topicT }])
    // ann offline, and the drain; ann online again, taken 3000 ms after it was last
    expect(await due(7000)).toEqual(['d t/', 's null/ann'])
    await store.published([{ token: 's', scope: ann }])
    expect(await due(8000)).toEqual(['j null/ann', 'r null/bob'])
    await store.published([
      { token: 'j', scope: ann },
      { token: 'r', scope: { topic: null, memberId: 'bob' } },
    ])
    expect(await due(10_000)).toEqual(['d t/'])
    await store.published([{ token: 'd', scope: topicT }])
    expect(await due(99_999)).toEqual([])
  })

  it('members left within the grace, restored after the store lost them, leave once after the grace', async () => {
    const { store } = await make()
    await store.join('fe2', [{ topic: null, memberId: 'bob' }], 500)
    await store.restore([
      { ...ann, leftAt: 2000 },
      { ...annOn('t'), leftAt: 2000 },
      { topic: null, memberId: 'bob', leftAt: 400 }, // present already: left as it is
    ])
    expect(await store.presence(['ann', 'bob'])).toEqual([
      { memberId: 'ann', status: 'online', since: 2000 },
      { memberId: 'bob', status: 'online', since: 500 },
    ])
    expect(await store.members('t', 10)).toEqual({ count: 1, members: [{ memberId: 'ann', since: 2000 }] })
    expect(await store.sweep(1999, 10, 1999)).toEqual([])
    const swept = await store.sweep(2000, 10, 2000)
    expect(swept).toHaveLength(2)
    expect(swept).toEqual(
      expect.arrayContaining([
        { topic: null, memberId: 'ann', since: 2000, global: true, remote: false },
        { topic: 't', memberId: 'ann', since: 2000, global: true, remote: false },
      ]),
    )
    expect(await store.sweep(99_999, 10, 99_999)).toEqual([])
    expect(await store.presence(['ann', 'bob'])).toMatchObject([{ status: 'offline' }, { status: 'online' }])
    // a member back on a node within the grace of its restored leave is a flap absorbed
    await store.restore([{ topic: null, memberId: 'cy', leftAt: 3000 }])
    expect(await store.join('fe1', [{ topic: null, memberId: 'cy' }], 3100)).toEqual(['absorbed'])
  })

  it("a peer datacenter's online state lives its time to live unless sent again (a digest); then offline", async () => {
    const { store } = await make()
    const annIn = (status: 'online' | 'offline', since: number) => [{ memberId: 'ann', status, since }]
    expect(await store.applyRemote('dc2', annIn('online', 100), 1000, 500)).toHaveLength(1)
    expect(await store.sweep(0, 10, 1499)).toEqual([])
    expect(await store.applyRemote('dc2', annIn('online', 100), 1400, 500)).toEqual([]) // the digest
    expect(await store.sweep(0, 10, 1899)).toEqual([])
    expect(await store.sweep(0, 10, 1900)).toEqual([
      { topic: null, memberId: 'ann', since: 1900, global: true, remote: true },
    ])
    expect(await store.sweep(0, 10, 99_999)).toEqual([])
    expect(await store.presence(['ann'])).toEqual([{ memberId: 'ann', status: 'offline', since: 1900 }])
    // dc2 confirms her again (it was only late): online again
    expect(await store.applyRemote('dc2', annIn('online', 100), 2000, 500)).toEqual(annIn('online', 100))
    // online here too, or in another datacenter: its expiry is no change
    await store.join('fe1', [ann], 2100)
    await store.applyRemote('dc3', [{ memberId: 'bob', status: 'online', since: 5 }], 2000, 500)
    await store.applyRemote('dc2', [{ memberId: 'bob', status: 'online', since: 6 }], 2000, 60_000)
    expect(await store.sweep(0, 10, 2500)).toEqual([])
    expect(await store.presence(['ann', 'bob'])).toMatchObject([{ status: 'online' }, { status: 'online' }])
    // an offline or a state without a time to live never expires
    await store.applyRemote('dc4', [{ memberId: 'cy', status: 'online', since: 7 }], 2000, 0)
    expect(await store.sweep(0, 10, 99_999_999)).toEqual([
      { topic: null, memberId: 'bob', since: 99_999_999, global: true, remote: true },
    ])
    expect(await store.presence(['cy'])).toMatchObject([{ status: 'online' }])
  })

  it("a digest pages this datacenter's own online members; one node claims each interval", async () => {
    const { store } = await make()
    const ids = Array.from({ length: 7 }, (_, i) => `m${i}`)
    await store.join(
      'fe1',
      ids.map((memberId) => ({ topic: null, memberId })),
      1000,
    )
    await store.applyRemote('dc2', [{ memberId: 'remote', status: 'online', since: 1 }], 0, 0)
    await store.join('fe1', [annOn('t')], 1000) // topic members are not presence
    const seen: string[] = []
    let cursor = '0'
    do {
      const page = await store.digest(cursor, 3)
      for (const { memberId, status, since } of page.online) {
        expect({ status, since }).toEqual({ status: 'online', since: 1000 })
        seen.push(memberId)
      }
      cursor = page.cursor
    } while (cursor !== '0')
    expect([...new Set(seen)].sort()).toEqual(ids)
    const now = Date.now()
    expect(await store.claimDigest('fe1', 100, now)).toBe(true)
    expect(await store.claimDigest('fe2', 100, now)).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(await store.claimDigest('fe2', 100, now + 150)).toBe(true)
  })

  it('member ids with any characters stay apart (escaped in keys)', async () => {
    const { store } = await make()
    const odd = ['a}b', 'a{b', 'ä ö', 'a\nb'.replace('\n', '='), 'x'.repeat(128)]
    expect(
      await store.join(
        'fe1',
        odd.map((memberId) => ({ topic: null, memberId })),
        1,
      ),
    ).toEqual(odd.map(() => 'joined'))
    expect((await store.presence(odd)).map((s) => s.status)).toEqual(odd.map(() => 'online'))
    expect(await store.presence(['a'])).toMatchObject([{ status: 'offline' }])
  })
})
