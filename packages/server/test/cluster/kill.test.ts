import { type LikewireProcess, post, type RedisProcess, spawnLikewire, startRedis } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient } from '../../../client/src/index'
import { createPublisher } from '../../src/publisher/publisher'
import { RedisRegistry } from '../../src/registry/redis-registry'
import { cleanups } from './cleanup'
import { SECRET } from './nodes'

async function cluster(frontends: number, dispatchers: number) {
  const redis: RedisProcess = await startRedis()
  cleanups.push(() => redis.stop())
  const args = ['--redis', redis.url, '--secret', SECRET]
  const spawnAll = (role: 'frontend' | 'dispatcher', n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) => spawnLikewire(role, [...args, '--node-id', `${role}-${i + 1}`])),
    )
  const fes: LikewireProcess[] = await spawnAll('frontend', frontends)
  const ds: LikewireProcess[] = await spawnAll('dispatcher', dispatchers)
  for (const p of [...fes, ...ds]) cleanups.push(() => p.stop())
  const registry = new RedisRegistry({ url: redis.url })
  cleanups.push(() => registry.close())
  await registry.ready()
  return { redis, fes, ds, registry }
}

function client(urls: string[]): LikewireClient {
  const c = createClient({ url: urls, backoff: { baseMs: 50, maxMs: 300 } })
  cleanups.push(() => c.close())
  return c
}

describe('cluster: processes die', () => {
  it('kill -9 a frontend: its lease expires within the bound, publishes succeed, the client moves to the live frontend', async () => {
    const { fes, ds, registry } = await cluster(2, 1)
    const [fe1, fe2] = fes as [LikewireProcess, LikewireProcess]
    // the built CLI runs its lease keeper thread (it logs a warning when it cannot)
    for (const fe of fes) expect(fe.output()).not.toMatch(/lease keeper/)
    const c = client([fe1.url, fe2.url])
    const got: unknown[] = []
    c.subscribe('t', (event) => got.push(event.data))
    await vi.waitFor(() => expect(c.state.status).toBe('connected'))
    expect(await registry.nodesFor(['t'])).toEqual(new Map([['t', ['frontend-1']]]))

    await fe1.kill9()
    // bound: lease TTL (5 s) + one prune interval (1 s), see docs/operations.md
    await vi.waitFor(async () => expect(await registry.node('frontend-1')).toBeUndefined(), {
      timeout: 7000,
      interval: 200,
    })
    await vi.waitFor(
      async () => expect((await registry.nodesFor(['t'])).get('t') ?? []).not.toContain('frontend-1'),
      {
        timeout: 7000,
      },
    )
    await vi.waitFor(() => expect(c.state.status === 'connected' && c.state.connectionId !== null).toBe(true))
    await vi.waitFor(async () =>
      expect(await registry.nodesFor(['t'])).toEqual(new Map([['t', ['frontend-2']]])),
    )
    const res = await post(`${ds[0]!.url}/v1/publish`, { topic: 't', data: 'after' })
    expect(res.status).toBe(202)
    await vi.waitFor(() => expect(got).toEqual(['after']))
  })

  it('kill -9 a dispatcher: the publisher fails over, and every publish reported done was delivered', async () => {
    const { fes, ds } = await cluster(1, 2)
    const c = client([fes[0]!.url])
    const got: string[] = []
    c.subscribe('t', (event) => got.push(event.id))
    await vi.waitFor(() => expect(c.state.status).toBe('connected'))
    const publisher = createPublisher({ dispatchers: ds.map((d) => d.url), timeoutMs: 1000 })
    cleanups.push(() => publisher.close())

    const before = await Promise.all([1, 2, 3].map((n) => publisher.publish('t', n)))
    await ds[0]!.kill9()
    const after = await Promise.allSettled(Array.from({ length: 20 }, (_, n) => publisher.publish('t', n)))
    const ids = [
      ...before.map((r) => r.id),
      ...after.map((r) => (r.status === 'fulfilled' ? r.value.id : null)),
    ]
    expect(after.every((r) => r.status === 'fulfilled')).toBe(true)
    await vi.waitFor(() => expect(got.sort()).toEqual((ids as string[]).sort()))

    await ds[1]!.kill9()
    await expect(publisher.publish('t', 'nobody takes it')).rejects.toMatchObject({ code: 'unavailable' })
  })

  it('refuses to start with a clear message when Redis is unreachable or the secret is missing', async () => {
    await expect(
      spawnLikewire('frontend', ['--redis', 'redis://127.0.0.1:1', '--secret', 's']),
    ).rejects.toThrow(/Cannot reach Redis at 127.0.0.1:1/)
    await expect(spawnLikewire('dispatcher', ['--redis', 'redis://127.0.0.1:1'])).rejects.toThrow(
      /secret is required/,
    )
    await expect(
      spawnLikewire('frontend', ['--redis', 'redis://127.0.0.1:1', '--secret', 's', '--lease-ttl-ms', '10']),
    ).rejects.toThrow(/leaseTtlMs must be at least 1000/)
  })
})
