// `likewire frontend --workers`: each worker is a frontend node of the cluster on its own internal port,
// all sharing the public port. Real processes: a redis-server, a dispatcher, the frontend and its workers.
import { createServer } from 'node:net'
import { freePort, openStream, post, type Stream, spawnLikewire, startRedis } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { RedisRegistry } from '../../src/registry/redis-registry'
import { cleanups } from './cleanup'
import { SECRET } from './nodes'

/** Two consecutive free ports (the first one's): what `--internal-port` takes for two workers. */
async function freePair(): Promise<number> {
  for (;;) {
    const port = await freePort()
    const next = createServer()
    const free = await new Promise<boolean>((resolve) => {
      next.once('error', () => resolve(false))
      next.listen(port + 1, '127.0.0.1', () => next.close(() => resolve(true)))
    })
    if (free) return port
  }
}

const nodeOf = (s: Stream): string =>
  JSON.parse(s.events.find((e) => e.event === 'likewire.connected')!.data).nodeId

describe('likewire frontend --workers 2', () => {
  it("each worker is a frontend node dispatchers reach: deliveries reach clients on both; a dead worker's topics go at once", async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const cluster = ['--redis', redis.url, '--secret', SECRET]
    // a lease far longer than the test: only the primary's clean-up can remove a dead worker meanwhile
    const internal = await freePair()
    const frontend = await spawnLikewire('frontend', [
      '--internal-port',
      String(internal),
      ...cluster,
      '--workers',
      '2',
      '--node-id',
      'fe',
      '--lease-ttl-ms',
      '600000',
    ])
    cleanups.push(() => frontend.stop())
    const dispatcher = await spawnLikewire('dispatcher', cluster)
    cleanups.push(() => dispatcher.stop())
    const registry = new RedisRegistry({ url: redis.url })
    cleanups.push(() => registry.close())
    await registry.ready()

    const streams: Stream[] = []
    while (new Set(streams.map(nodeOf)).size < 2 && streams.length < 40) {
      const s = await openStream(`${frontend.url}/v1/connect?topics=t`)
      cleanups.push(() => s.close())
      await vi.waitFor(() => s.connectionId())
      streams.push(s)
    }
    const workers = [...new Set(streams.map(nodeOf))].sort()
    expect(workers).toEqual(['fe-1', 'fe-2'])
    // each its own lease, on its own port (--internal-port + its slot): not the public one
    const urls = await Promise.all(workers.map(async (id) => (await registry.node(id))?.url))
    expect(urls).toEqual([`http://127.0.0.1:${internal}`, `http://127.0.0.1:${internal + 1}`])
    expect((await registry.nodesFor(['t'])).get('t')?.sort()).toEqual(workers)

    const res = await post(`${dispatcher.url}/v1/publish`, { topic: 't', data: 'via the dispatcher' })
    expect(res.status).toBe(202)
    for (const s of streams) await vi.waitFor(() => expect(s.data().map((e) => e.id)).toEqual(res.body.ids))

    const report = (await (await fetch(`${frontend.url}/healthz`)).json()) as {
      status: string
      workers: Array<{ nodeId: string; pid: number }>
    }
    expect(report.status).toBe('ok')
    expect(report.workers.map((w) => w.nodeId).sort()).toEqual(workers)

    process.kill(report.workers.find((w) => w.nodeId === 'fe-1')!.pid, 'SIGKILL')
    await vi.waitFor(async () => expect(await registry.node('fe-1')).toBeUndefined(), { timeout: 10_000 })
    expect((await registry.nodesFor(['t'])).get('t')).toEqual(['fe-2'])
    // its replacement is a node of its own, with a lease of its own, on the port of the worker it replaces
    await vi.waitFor(
      async () => expect((await registry.node('fe-3'))?.url).toBe(`http://127.0.0.1:${internal}`),
      {
        timeout: 20_000,
        interval: 200,
      },
    )
  }, 60_000)

  it('a worker whose event loop stops turning (SIGSTOP) past --max-stall-ms is killed and replaced', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const args = ['--redis', redis.url, '--secret', SECRET, '--workers', '2', '--node-id', 'fe']
    const frontend = await spawnLikewire('frontend', [...args, '--max-stall-ms', '1000'])
    cleanups.push(() => frontend.stop())
    // bounded: a connection the primary was handing to the worker as it stalled is never answered (operations.md)
    const report = async () =>
      (await (await fetch(`${frontend.url}/healthz`, { signal: AbortSignal.timeout(2000) })).json()) as {
        workers: Array<{ nodeId: string; pid: number }>
      }
    const stalled = (await report()).workers.find((w) => w.nodeId === 'fe-1')!
    process.kill(stalled.pid, 'SIGSTOP')
    cleanups.push(() => {
      try {
        process.kill(stalled.pid, 'SIGCONT')
      } catch {}
    })
    await frontend.waitForLine(/worker stalled.*killing it/, 20_000)
    await vi.waitFor(
      async () => expect((await report()).workers.map((w) => w.nodeId).sort()).toEqual(['fe-2', 'fe-3']),
      { timeout: 20_000, interval: 250 },
    )
  }, 60_000)
})
