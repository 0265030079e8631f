import { freePort, type LikewireProcess, spawnLikewire, startRedis } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { presenceTopic } from '../../src/protocol/topic'
import { cleanups } from './cleanup'
import { member, memberFrontend, sleep, statusesOf, watch } from './member-nodes'
import { SECRET } from './nodes'

// Anti-entropy of member presence between datacenters, with real processes (`likewire dispatcher`,
// `likewire frontend`, redis-servers): what one datacenter lost or never sent, the other one learns
// from its digests and the time to live of the states they refresh. Bounds are waited for, never measured.

const graceMs = 1000

async function redisServer() {
  const redis = await startRedis()
  cleanups.push(() => redis.stop())
  return redis
}

/** dc1 and dc2, each a Redis, a dispatcher and frontends; `digestMs` per datacenter (peers keep 3x it). */
async function datacenters(digestMs: { dc1: number; dc2: number }, dc2Frontends = 1) {
  const [redis1, redis2] = await Promise.all([redisServer(), redisServer()])
  const [port1, port2] = await Promise.all([freePort(), freePort()])
  const urls = { dc1: `http://127.0.0.1:${port1}`, dc2: `http://127.0.0.1:${port2}` }
  const dispatcher = async (redis: string, dc: string, peer: string, port: number) => {
    const args = ['--redis', redis, '--secret', SECRET, '--dc', dc, '--peers', peer]
    const d: LikewireProcess = await spawnLikewire('dispatcher', args, { port })
    cleanups.push(() => d.stop())
  }
  await Promise.all([
    dispatcher(redis1.url, 'dc1', `dc2=${urls.dc2}`, port1),
    dispatcher(redis2.url, 'dc2', `dc1=${urls.dc1}`, port2),
  ])
  const common = { graceMs, leaseTtlMs: 1000 }
  const [fe1, ...fe2] = await Promise.all([
    memberFrontend(redis1.url, {
      ...common,
      nodeId: 'dc1-fe',
      dc: 'dc1',
      peers: { dc2: [urls.dc2] },
      digestMs: digestMs.dc1,
    }),
    ...Array.from({ length: dc2Frontends }, (_, i) =>
      memberFrontend(redis2.url, {
        ...common,
        nodeId: `dc2-fe${i}`,
        dc: 'dc2',
        peers: { dc1: [urls.dc1] },
        digestMs: digestMs.dc2,
      }),
    ),
  ])
  return { redis1, redis2, fe1: fe1!, fe2 }
}

describe('cluster presence across datacenters: anti-entropy', () => {
  it('a peer whose Redis restarted empty after a frontend died: the members it lost go offline here within TTL + grace, the others stay', async () => {
    const digestMs = 1000 // dc1 keeps dc2's online states 3 s unless dc2 sends them again
    const { redis2, fe1, fe2 } = await datacenters({ dc1: digestMs, dc2: digestMs }, 2)
    const watcher = await watch(fe1, [presenceTopic('ann'), presenceTopic('bob')])
    await member(fe2[0]!, 'ann')
    await member(fe2[1]!, 'bob')
    await vi.waitFor(() => {
      expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online'])
      expect(statusesOf(watcher, 'bob')).toEqual(['offline', 'online'])
    })

    // ann's frontend dies and dc2's Redis restarts empty before anyone there releases her: dc2 forgot her
    await fe2[0]!.kill9()
    await redis2.restart()
    await vi.waitFor(() => expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online', 'offline']), {
      timeout: 3 * digestMs + graceMs + 4000,
    })
    // bob's frontend told dc2's new Redis about him again, and its digests keep him online here
    await sleep(3 * digestMs + 1000)
    expect(statusesOf(watcher, 'bob')).toEqual(['offline', 'online'])
    expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online', 'offline'])
  }, 60_000)

  it('every frontend of a peer dies: its members go offline here within TTL + grace', async () => {
    const digestMs = 1000
    const { fe1, fe2 } = await datacenters({ dc1: digestMs, dc2: digestMs })
    const watcher = await watch(fe1, [presenceTopic('ann')])
    await member(fe2[0]!, 'ann')
    await vi.waitFor(() => expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online']))
    await fe2[0]!.kill9() // dc2's dispatcher prunes it, but no frontend is left there to sweep or send
    await vi.waitFor(() => expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online', 'offline']), {
      timeout: 3 * digestMs + graceMs + 4000,
    })
  }, 60_000)

  it('a datacenter whose Redis restarted empty asks its peers for a digest: their online members are online again, and their offline still comes', async () => {
    // dc2's own digests come once a minute: only the digest dc1 asks for can bring ann back in time
    const { redis1, fe1, fe2 } = await datacenters({ dc1: 1000, dc2: 60_000 })
    const watcher = await watch(fe1, [presenceTopic('ann')])
    const ann = await member(fe2[0]!, 'ann')
    await vi.waitFor(() => expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online']))

    await redis1.restart()
    await vi.waitFor(async () => expect((await fetch(`${fe1.url}/healthz`)).status).toBe(200), {
      timeout: 5000,
    })
    const late = await watch(fe1, [presenceTopic('ann')])
    await vi.waitFor(() => expect(statusesOf(late, 'ann').at(-1)).toBe('online'), { timeout: 12000 })
    expect(statusesOf(watcher, 'ann').at(-1)).toBe('online')

    ann.close()
    for (const w of [watcher, late])
      await vi.waitFor(() => expect(statusesOf(w, 'ann').at(-1)).toBe('offline'), { timeout: graceMs + 3000 })
  }, 60_000)
})
