import { type RedisProcess, startRedis } from '@likewire/testkit'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PresenceScope } from './presence-store'
import { RedisRegistry } from './redis-registry'

// How a node's presence is released in Redis: never in one long script run, and right when the node
// comes back in the middle of it. Against a redis-server of the test's own; MONITOR shows every command
// each script runs, so the work of each run is counted, not timed.

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

async function setup() {
  const keyPrefix = `r${++prefixes}:`
  const registry = new RedisRegistry({ url: redis.url, keyPrefix })
  const plain = new Redis(redis.url)
  clients.push(registry, { close: () => plain.disconnect() })
  await registry.ready()
  return { registry, store: registry.presenceStore(), plain, keyPrefix }
}

/** 600 members, each with its presence and its membership of `t`: 1200 scopes. */
const members = Array.from({ length: 600 }, (_, i) => `m${i}`)
const scopesOf = (ids: readonly string[]): PresenceScope[] =>
  ids.flatMap((memberId) => [
    { topic: null, memberId },
    { topic: 't', memberId },
  ])

/** The script runs between `start` and `stop`, each with the commands it ran inside Redis. */
async function monitor() {
  const client = new Redis(redis.url)
  const watcher = await client.monitor()
  const runs: Array<{ command: string; sha: string; inside: string[] }> = []
  watcher.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua') runs.at(-1)?.inside.push(args[0]!.toLowerCase())
    else runs.push({ command: args[0]!.toLowerCase(), sha: args[1] ?? '', inside: [] })
  })
  return {
    runs,
    stop: () => {
      watcher.disconnect()
      client.disconnect()
    },
  }
}

describe('RedisPresenceStore: a node released in bounded steps', () => {
  it('a pruned node holding 1200 scopes is left in several script runs of at most 500 scopes, the prune itself O(1)', async () => {
    const { registry, store, plain, keyPrefix } = await setup()
    await store.join('fe1', scopesOf(members), 1000)
    await registry.registerNode({ nodeId: 'fe1', url: 'http://127.0.0.1:1' })
    await plain.del(`${keyPrefix}node:fe1`) // the lease expires
    const watch = await monitor()
    await new Promise((resolve) => setTimeout(resolve, 50)) // MONITOR is on before the prune starts
    expect(await registry.pruneNode('fe1')).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 50))
    watch.stop()

    const prune = watch.runs.find((run) => run.command === 'eval')!
    expect(prune.inside.length).toBeLessThan(20) // the lease check and setting the holdings aside
    expect(prune.inside).toContain('rename')
    // the release steps: each takes its scopes with one SPOP (ioredis sends a script's text the first time)
    const steps = watch.runs.filter((run) => run.inside.includes('spop'))
    expect(steps.every((run) => run.command === 'eval' || run.command === 'evalsha')).toBe(true)
    expect(steps).toHaveLength(3) // 500 + 500 + 200
    for (const step of steps) {
      const left = step.inside.filter((command) => command === 'zadd').length // one per scope left
      expect(left).toBeLessThanOrEqual(500)
      expect(step.inside.length).toBeLessThan(500 * 6 + 20)
    }
    expect(steps.map((step) => step.inside.filter((c) => c === 'zadd').length)).toEqual([500, 500, 200])

    // the end state: every scope pending since the prune, nothing of the release left behind
    const swept = await store.sweep(Date.now(), 2000, Date.now())
    expect(swept).toHaveLength(1200)
    expect(new Set(swept.map((s) => `${s.topic}/${s.memberId}`)).size).toBe(1200)
    expect(await plain.keys(`${keyPrefix}presence-releas*`)).toEqual([`${keyPrefix}presence-release-seq`])
    expect(await plain.keys(`${keyPrefix}presence-held*`)).toEqual([])
  })

  it('a node back in the middle of its release keeps what it joins again; the rest is left once', async () => {
    const { store, plain, keyPrefix } = await setup()
    await store.join('fe1', scopesOf(members), 1000)
    await store.join('fe2', [{ topic: null, memberId: 'm5' }], 1000) // m5 is on another node too

    await store.beginRelease('fe1', 2000) // fe1 was pruned
    const [id] = await plain.hkeys(`${keyPrefix}presence-releases`)
    expect(await store.stepRelease(id!)).toBe(700) // one step done: 500 scopes left, 700 to go

    // fe1 is back: it holds all but m0-m99 again, and lets go of m100's presence meanwhile
    const back = members.slice(100)
    const outcomes = await store.join('fe1', scopesOf(back), 2100)
    expect(outcomes.filter((o) => o !== 'none' && o !== 'absorbed')).toEqual([])
    // taken back before the release reached them (none), or after it left them within the grace (absorbed)
    expect(outcomes.filter((o) => o === 'absorbed').length).toBeLessThanOrEqual(500)
    await store.leave('fe1', [{ topic: null, memberId: 'm100' }], 2500)
    await store.finishReleases()

    const gone = await store.sweep(2000, 2000, 2000)
    const expected = scopesOf(members.slice(0, 100)).filter((s) => !(s.topic === null && s.memberId === 'm5'))
    expect(gone.map(({ topic, memberId }) => ({ topic, memberId })).sort(byScope)).toEqual(
      expected.sort(byScope),
    )
    expect(gone.every((s) => s.since === 2000)).toBe(true)
    expect(await store.sweep(2500, 2000, 2500)).toMatchObject([
      { topic: null, memberId: 'm100', since: 2500 },
    ])
    expect(await store.presence(['m0', 'm5', 'm100', 'm101'])).toMatchObject([
      { status: 'offline' },
      { status: 'online' },
      { status: 'offline' },
      { status: 'online', since: 1000 },
    ])
    expect(await store.members('t', 0)).toEqual({ count: 500, members: [] })

    // what fe1 holds is held exactly once: its own leave of it now leaves every one of them, once
    const rest = scopesOf(back).filter((s) => !(s.topic === null && s.memberId === 'm100'))
    await store.leave('fe1', rest, 3000)
    await store.leave('fe2', [{ topic: null, memberId: 'm5' }], 3000)
    const last = await store.sweep(3000, 2000, 3000)
    expect(last).toHaveLength(rest.length + 1)
    expect(await store.sweep(99_999, 2000, 99_999)).toEqual([])
    expect(await plain.keys(`${keyPrefix}presence:*`)).toEqual([])
    expect(await plain.keys(`${keyPrefix}presence-held*`)).toEqual([])
    expect(await plain.keys(`${keyPrefix}presence-releasing*`)).toEqual([])
  })
})

const byScope = (a: PresenceScope, b: PresenceScope) =>
  `${a.topic}/${a.memberId}`.localeCompare(`${b.topic}/${b.memberId}`)
