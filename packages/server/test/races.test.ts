import { openStream, post, type Stream } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MemoryRegistry } from '../src/registry/memory-registry'
import { metric, type Running, startLikewire } from './helpers'

/** The real in-memory registry, with its writes slowed or failing on demand. */
class SlowRegistry extends MemoryRegistry {
  delayMs = 0
  fail = false
  override async addTopics(nodeId: string, topics: readonly string[]): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs))
    if (this.fail) throw new Error('registry down')
    return super.addTopics(nodeId, topics)
  }
}

let server: Running
const streams: Stream[] = []
afterEach(async () => {
  for (const s of streams.splice(0)) s.close()
  await server?.close()
})

describe('races between subscribes, closes and the registry', () => {
  it('a second subscriber is acknowledged only once the first one recorded the topic', async () => {
    const registry = new SlowRegistry()
    registry.delayMs = 300
    server = await startLikewire({ registry })
    // A's headers wait for its registry write: start it, do not wait for it
    const a = openStream(`${server.url}/v1/connect?topics=t`)
    void a.then((s) => streams.push(s))
    await new Promise((resolve) => setTimeout(resolve, 50))
    const b = await openStream(`${server.url}/v1/connect?topics=t`)
    streams.push(b)
    await vi.waitFor(() => b.connectionId(), { timeout: 5000 })
    // b was acknowledged (connected): the very next publish must reach it
    await server.lw.publish('t', 'next')
    await vi.waitFor(() => expect(b.data().map((e) => e.data)).toEqual(['next']))
  })

  it('a connection that closes while its subscribe awaits authorization leaves nothing behind', async () => {
    server = await startLikewire({
      authorize: async () => {
        await new Promise((resolve) => setTimeout(resolve, 200))
        return true
      },
    })
    const s = await openStream(`${server.url}/v1/connect`)
    await vi.waitFor(() => s.connectionId(), { timeout: 5000 })
    const subscribing = post(`${server.url}/v1/subscribe`, { connectionId: s.connectionId(), topics: ['z'] })
    await new Promise((resolve) => setTimeout(resolve, 50))
    s.close()
    const res = await subscribing
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('unknown_connection')
    await vi.waitFor(async () => expect(await metric(server.lw, 'likewire_connections')).toBe(0))
    expect(server.lw.frontend.localTopics()).toEqual([])
    expect(await metric(server.lw, 'likewire_subscriptions')).toBe(0)
  })

  it('connect while the registry fails answers 503 unavailable, and a retry succeeds once it is back', async () => {
    const registry = new SlowRegistry()
    registry.fail = true
    server = await startLikewire({ registry })
    const refused = await fetch(`${server.url}/v1/connect?topics=t`)
    expect(refused.status).toBe(503)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unavailable')
    expect(server.lw.frontend.localTopics()).toEqual([])

    registry.fail = false
    const s = await openStream(`${server.url}/v1/connect?topics=t`)
    streams.push(s)
    await vi.waitFor(() => s.connectionId())
    await server.lw.publish('t', 'ok')
    await vi.waitFor(() => expect(s.data().map((e) => e.data)).toEqual(['ok']))
  })

  it('a subscribe the registry refused is undone, so a retry records it again', async () => {
    const registry = new SlowRegistry()
    server = await startLikewire({ registry })
    const s = await openStream(`${server.url}/v1/connect`)
    streams.push(s)
    await vi.waitFor(() => s.connectionId())
    registry.fail = true
    const failed = await post(`${server.url}/v1/subscribe`, { connectionId: s.connectionId(), topics: ['t'] })
    expect(failed.status).toBe(503)
    registry.fail = false
    const retried = await post(`${server.url}/v1/subscribe`, {
      connectionId: s.connectionId(),
      topics: ['t'],
    })
    expect(retried).toEqual({ status: 200, body: { topics: ['t'] } })
    expect(await registry.nodesFor(['t'])).toEqual(new Map([['t', [server.lw.frontend.nodeId]]]))
  })
})
