import { freePort, type LikewireProcess, spawnLikewire, startRedis } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { presenceTopic } from '../../src/protocol/topic'
import { cleanups } from './cleanup'
import { member, memberFrontend, scrape, sleep, statusesOf, watch } from './member-nodes'
import { SECRET } from './nodes'

// Member presence across real processes: `likewire frontend --jwt-secret` and `likewire dispatcher` as an
// operator runs them, redis-servers; members connect with tokens signed here. Bounds are waited for,
// never measured.

async function redisUrl(): Promise<string> {
  const redis = await startRedis()
  cleanups.push(() => redis.stop())
  return redis.url
}

async function dispatcher(redis: string, args: string[] = [], port?: number): Promise<LikewireProcess> {
  const d = await spawnLikewire('dispatcher', ['--redis', redis, '--secret', SECRET, ...args], { port })
  cleanups.push(() => d.stop())
  return d
}

describe('cluster presence: flapping', () => {
  // the 30 s of drops every 2 s against the 60 s default grace, scaled: 12 s against a 3 s grace
  it('a member whose only connection drops and comes back every 2 s is online once and never offline; offline once after the last close', async () => {
    const redis = await redisUrl()
    const graceMs = 3000
    const [fe1, fe2] = await Promise.all([
      memberFrontend(redis, { nodeId: 'fe1', graceMs }),
      memberFrontend(redis, { nodeId: 'fe2', graceMs }),
    ])
    const watchers = await Promise.all([fe2, fe1].map((fe) => watch(fe, [presenceTopic('ann')])))
    for (const w of watchers) await vi.waitFor(() => expect(statusesOf(w, 'ann')).toEqual(['offline']))

    for (let cycle = 0; cycle < 6; cycle++) {
      const ann = await member(fe1, 'ann')
      if (cycle === 0)
        for (const w of watchers)
          await vi.waitFor(() => expect(statusesOf(w, 'ann')).toEqual(['offline', 'online']))
      await sleep(1000)
      ann.close() // dropped, as a phone that loses its network
      await sleep(1000)
    }
    await vi.waitFor(
      () => expect(statusesOf(watchers[0]!, 'ann')).toEqual(['offline', 'online', 'offline']),
      {
        timeout: graceMs + 2000,
      },
    )
    await sleep(1500) // more sweeps on both nodes: still exactly one offline
    for (const w of watchers) expect(statusesOf(w, 'ann')).toEqual(['offline', 'online', 'offline'])
    // each of the 5 returns cancelled a pending offline
    expect(await scrape(fe1.url, 'likewire_presence_flaps_absorbed_total')).toBe(5)
    // online once each: ann, and the watchers' own member (a token makes every connection a member)
    const online =
      (await scrape(fe1.url, 'likewire_presence_changes_total', '{status="online"}')) +
      (await scrape(fe2.url, 'likewire_presence_changes_total', '{status="online"}'))
    expect(online).toBe(2)
    const offline =
      (await scrape(fe1.url, 'likewire_presence_changes_total', '{status="offline"}')) +
      (await scrape(fe2.url, 'likewire_presence_changes_total', '{status="offline"}'))
    expect(offline).toBe(1) // swept by one node only
  }, 60_000)
})

describe('cluster presence: a frontend killed -9', () => {
  it('a member with a connection on another frontend stays online; one only on the dead frontend goes offline after lease + grace; both gone: offline', async () => {
    const redis = await redisUrl()
    const graceMs = 2000
    await dispatcher(redis) // prunes frontends whose lease expired
    const [fe1, fe2] = await Promise.all([
      memberFrontend(redis, { nodeId: 'fe1', graceMs, leaseTtlMs: 2000 }),
      memberFrontend(redis, { nodeId: 'fe2', graceMs, leaseTtlMs: 2000 }),
    ])
    const watcher = await watch(fe2, [presenceTopic('ann'), presenceTopic('bob')])
    await member(fe1, 'ann')
    const annOnFe2 = await member(fe2, 'ann')
    await member(fe1, 'bob')
    await vi.waitFor(() => {
      expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online'])
      expect(statusesOf(watcher, 'bob')).toEqual(['offline', 'online'])
    })

    await fe1.kill9()
    // bob was only on fe1: offline after its lease (2 s), a prune round (1 s) and the grace (2 s)
    await vi.waitFor(() => expect(statusesOf(watcher, 'bob')).toEqual(['offline', 'online', 'offline']), {
      timeout: 2000 + 1000 + graceMs + 2000,
    })
    // by then ann's fe1 connection was left as long: she is still online through fe2
    expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online'])
    const late = await watch(fe2, [presenceTopic('ann')])
    await vi.waitFor(() => expect(statusesOf(late, 'ann')).toEqual(['online']))

    annOnFe2.close()
    await vi.waitFor(() => expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online', 'offline']), {
      timeout: graceMs + 2000,
    })
  }, 60_000)
})

describe('cluster presence: two datacenters', () => {
  it('online only in dc2 is online in dc1; offline propagates once; online in both and leaving one is no change', async () => {
    const [redis1, redis2] = await Promise.all([redisUrl(), redisUrl()])
    const [port1, port2] = await Promise.all([freePort(), freePort()])
    const d1 = `http://127.0.0.1:${port1}`
    const d2 = `http://127.0.0.1:${port2}`
    const graceMs = 2000
    await Promise.all([
      dispatcher(redis1, ['--dc', 'dc1', '--peers', `dc2=${d2}`], port1),
      dispatcher(redis2, ['--dc', 'dc2', '--peers', `dc1=${d1}`], port2),
    ])
    const [fe1, fe2] = await Promise.all([
      memberFrontend(redis1, { nodeId: 'dc1-fe', graceMs, dc: 'dc1', peers: { dc2: [d2] } }),
      memberFrontend(redis2, { nodeId: 'dc2-fe', graceMs, dc: 'dc2', peers: { dc1: [d1] } }),
    ])
    const topics = [presenceTopic('ann'), presenceTopic('bob')]
    const [inDc1, inDc2] = await Promise.all([watch(fe1, topics), watch(fe2, topics)])

    // ann: only in dc2
    const ann = await member(fe2, 'ann')
    for (const w of [inDc1, inDc2])
      await vi.waitFor(() => expect(statusesOf(w, 'ann')).toEqual(['offline', 'online']))
    ann.close()
    for (const w of [inDc1, inDc2])
      await vi.waitFor(() => expect(statusesOf(w, 'ann')).toEqual(['offline', 'online', 'offline']), {
        timeout: graceMs + 2000,
      })

    // bob: in dc1, then in dc2 too, then leaves dc1: still online everywhere
    const bobInDc1 = await member(fe1, 'bob')
    for (const w of [inDc1, inDc2])
      await vi.waitFor(() => expect(statusesOf(w, 'bob')).toEqual(['offline', 'online']))
    const bobInDc2 = await member(fe2, 'bob')
    bobInDc1.close()
    await sleep(graceMs + 1500) // dc1 swept bob locally; dc2 still has him
    const late = await watch(fe1, [presenceTopic('bob')])
    await vi.waitFor(() => expect(statusesOf(late, 'bob')).toEqual(['online']))
    bobInDc2.close()
    for (const w of [inDc1, inDc2])
      await vi.waitFor(() => expect(statusesOf(w, 'bob')).toEqual(['offline', 'online', 'offline']), {
        timeout: graceMs + 2000,
      })
    await sleep(1000) // nothing bounces back between the datacenters
    for (const w of [inDc1, inDc2]) {
      expect(statusesOf(w, 'ann')).toEqual(['offline', 'online', 'offline'])
      expect(statusesOf(w, 'bob')).toEqual(['offline', 'online', 'offline'])
    }
  }, 60_000)
})
