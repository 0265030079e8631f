import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { freePort, post, startRedis } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import type { DispatcherNode } from '../../src/cluster/dispatcher-node'
import { createPublisher } from '../../src/publisher/publisher'
import { RedisRegistry } from '../../src/registry/redis-registry'
import { metric } from '../helpers'
import { cleanups, stream } from './cleanup'
import { dispatcherNode, frontendNode } from './nodes'

describe('cluster: three datacenters', () => {
  it('a publish in dc1 reaches dc3 once, not dc2 where nobody listens, and is never forwarded twice', async () => {
    const dcs = ['dc1', 'dc2', 'dc3']
    const redis = await Promise.all(dcs.map(() => startRedis()))
    for (const r of redis) cleanups.push(() => r.stop())
    const ports = await Promise.all(dcs.map(() => freePort()))
    const dispatcherUrl = (i: number) => `http://127.0.0.1:${ports[i]}`
    const frontends = await Promise.all(redis.map((r) => frontendNode(r.url)))
    const dispatchers = await Promise.all(
      dcs.map(async (dc, i) => {
        const peers = Object.fromEntries(
          dcs.flatMap((other, j) => (j === i ? [] : [[other, [dispatcherUrl(j)]]])),
        )
        const { createDispatcherNode } = await import('../../src/cluster/dispatcher-node')
        const { listen } = await import('../../src/http/listen')
        const node = await createDispatcherNode({
          redis: redis[i]!.url,
          secret: 'test-secret',
          dc,
          peers,
          logLevel: 'silent',
          processMetrics: false,
        })
        const listening = await listen(node.app, { port: ports[i] })
        return {
          node,
          close: async () => {
            await node.close()
            await listening.close()
          },
        }
      }),
    )
    for (const n of [...frontends, ...dispatchers]) cleanups.push(n.close)

    const inDc3 = await stream(`${frontends[2]!.url}/v1/connect?topics=live:red`)
    await stream(`${frontends[1]!.url}/v1/connect?topics=live:green`)
    const res = await post(`${dispatcherUrl(0)}/v1/publish`, { topic: 'live:red', data: 'like' })
    expect(res.status).toBe(202)
    await vi.waitFor(() => expect(inDc3.data().map((e) => e.id)).toEqual(res.body.ids))

    expect(await metric(frontends[0]!.node, 'likewire_deliveries_received_total')).toBe(0)
    expect(await metric(frontends[1]!.node, 'likewire_deliveries_received_total')).toBe(0)
    expect(await metric(frontends[2]!.node, 'likewire_deliveries_received_total')).toBe(1)
    const [d0, d1, d2] = dispatchers.map((x) => x.node) as [DispatcherNode, DispatcherNode, DispatcherNode]
    // peers are forwarded in the background: their counters settle just after the delivery
    await vi.waitFor(async () =>
      expect(await metric(d0, 'likewire_peer_forwarded_events_total', '{direction="out"}')).toBe(2),
    )
    for (const peer of [d1, d2]) {
      expect(await metric(peer, 'likewire_peer_forwarded_events_total', '{direction="in"}')).toBe(1)
      expect(await metric(peer, 'likewire_peer_forwarded_events_total', '{direction="out"}')).toBe(0)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(inDc3.data()).toHaveLength(1)
  })

  it('a peer datacenter that is down is retried on its other dispatchers, then counted, and local delivery goes on', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe = await frontendNode(redis.url)
    const dead = [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`]
    const d = await dispatcherNode(redis.url, { dc: 'dc1', peers: { dc2: dead } })
    cleanups.push(fe.close, d.close)
    const s = await stream(`${fe.url}/v1/connect?topics=t`)
    const res = await post(`${d.url}/v1/publish`, { topic: 't', data: 1 })
    expect(res.status).toBe(202)
    await vi.waitFor(() => expect(s.data()).toHaveLength(1))
    await vi.waitFor(async () =>
      expect(await metric(d.node, 'likewire_forward_failures_total', '{target="dc:dc2"}')).toBe(1),
    )
  })
})

describe('cluster: a slow or failing frontend', () => {
  it('a frontend that never answers: the dispatcher answers before the publisher would retry elsewhere, so nothing is delivered twice', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe = await frontendNode(redis.url)
    const d1 = await dispatcherNode(redis.url)
    const d2 = await dispatcherNode(redis.url)
    cleanups.push(fe.close, d1.close, d2.close)
    const silent = createServer(() => {}) // takes the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          silent.closeAllConnections()
          silent.close(() => resolve())
        }),
    )
    const registry = new RedisRegistry({ url: redis.url })
    cleanups.push(() => registry.close())
    await registry.ready()
    await registry.registerNode({
      nodeId: 'silent',
      url: `http://127.0.0.1:${(silent.address() as { port: number }).port}`,
    })
    await registry.addTopics('silent', ['t'])
    const s = await stream(`${fe.url}/v1/connect?topics=t`)

    const publisher = createPublisher({ dispatchers: [d1.url, d2.url] }) // default timeouts
    cleanups.push(() => publisher.close())
    const { id } = await publisher.publish('t', 'once')
    await vi.waitFor(() => expect(s.data().map((e) => e.id)).toEqual([id]))
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(s.data()).toHaveLength(1)
    const failures =
      (await metric(d1.node, 'likewire_forward_failures_total', '{target="frontend"}')) +
      (await metric(d2.node, 'likewire_forward_failures_total', '{target="frontend"}'))
    expect(failures).toBe(1)
  })

  it('does not hold back delivery to the other frontends; its failures are counted', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe = await frontendNode(redis.url)
    const d = await dispatcherNode(redis.url, { deliveryTimeoutMs: 30_000 })
    cleanups.push(fe.close, d.close)

    // a "frontend" that takes deliveries and answers only when the test lets it, and one that fails
    const held: ServerResponse[] = []
    const slow = createServer((_req: IncomingMessage, res) => held.push(res))
    const failing = createServer((_req, res) => res.writeHead(500).end())
    for (const server of [slow, failing]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections()
            server.close(() => resolve())
          }),
      )
    }
    const registry = new RedisRegistry({ url: redis.url })
    cleanups.push(() => registry.close())
    await registry.ready()
    for (const [nodeId, server] of [
      ['slow', slow],
      ['failing', failing],
    ] as const) {
      await registry.registerNode({
        nodeId,
        url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      })
      await registry.addTopics(nodeId, ['t'])
    }
    const s = await stream(`${fe.url}/v1/connect?topics=t`)

    const publishing = post(`${d.url}/v1/publish`, { topic: 't', data: 'x' })
    await vi.waitFor(() => expect(held).toHaveLength(1))
    // the slow node still holds its request, and the healthy frontend already delivered
    await vi.waitFor(() => expect(s.data().map((e) => e.data)).toEqual(['x']))
    expect(held[0]!.writableEnded).toBe(false)
    held[0]!.writeHead(204).end()
    expect((await publishing).status).toBe(202)
    expect(await metric(d.node, 'likewire_forward_failures_total', '{target="frontend"}')).toBe(1)
  })
})

describe('cluster: history across two datacenters', () => {
  it('each datacenter records forwarded events in its own history, with its own positions; a client that moves gets a gap', async () => {
    const history = [{ match: 'chat:*', size: 100, ttlMs: 60_000 }]
    const [r1, r2] = await Promise.all([startRedis(), startRedis()])
    cleanups.push(
      () => r1!.stop(),
      () => r2!.stop(),
    )
    const fe1 = await frontendNode(r1!.url, { history })
    const fe2 = await frontendNode(r2!.url, { history })
    const d2 = await dispatcherNode(r2!.url, { history, dc: 'dc2' })
    const d1 = await dispatcherNode(r1!.url, { history, dc: 'dc1', peers: { dc2: [d2.url] } })
    cleanups.push(fe1.close, fe2.close, d1.close, d2.close)
    type Positioned = { data: unknown; pos?: { epoch: string; offset: number } }
    const inDc1 = await stream(`${fe1.url}/v1/connect?topics=chat:1`)
    const inDc2 = await stream(`${fe2.url}/v1/connect?topics=chat:1`)
    // dc2's own publishes: its offsets run ahead of dc1's
    for (const data of ['dc2-a', 'dc2-b']) await post(`${d2.url}/v1/publish`, { topic: 'chat:1', data })
    await vi.waitFor(() => expect(inDc2.data()).toHaveLength(2))
    const away = (inDc2.data() as Positioned[])[1]!.pos!
    inDc2.close()
    expect((await post(`${d1.url}/v1/publish`, { topic: 'chat:1', data: 'from-dc1' })).status).toBe(202)
    await vi.waitFor(() => expect(inDc1.data()).toHaveLength(1))
    const seenInDc1 = (inDc1.data() as Positioned[])[0]!.pos!
    expect(seenInDc1.offset).toBe(1)
    // the forwarded event is in dc2's history, at dc2's next offset: a dc2 client resumes it
    const back = await stream(
      `${fe2.url}/v1/connect?topics=chat:1&resume=chat:1~${away.epoch}~${away.offset}`,
    )
    await vi.waitFor(() =>
      expect(back.data()).toEqual([
        expect.objectContaining({ data: 'from-dc1', pos: { epoch: away.epoch, offset: 3 } }),
      ]),
    )
    // a dc1 position means nothing in dc2 (another epoch): the client that moved is told, never silently
    const moved = await stream(
      `${fe2.url}/v1/connect?topics=chat:1&resume=chat:1~${seenInDc1.epoch}~${seenInDc1.offset}`,
    )
    await vi.waitFor(() =>
      expect(moved.events.filter((e) => e.event === 'likewire.gap').map((e) => JSON.parse(e.data))).toEqual([
        { topic: 'chat:1', reason: 'epoch', epoch: away.epoch, offset: 3 },
      ]),
    )
  })
})
