import { post, type RedisProcess, startRedis } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { metric } from '../helpers'
import { cleanups, stream } from './cleanup'
import { dispatcherNode, frontendNode } from './nodes'

describe('cluster: two frontends, two dispatchers', () => {
  let redis: RedisProcess
  it('delivers each publish exactly once to subscribers on both frontends, and nothing to a frontend without subscribers', async () => {
    redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe1 = await frontendNode(redis.url)
    const fe2 = await frontendNode(redis.url)
    const d1 = await dispatcherNode(redis.url)
    const d2 = await dispatcherNode(redis.url)
    cleanups.push(fe1.close, fe2.close, d1.close, d2.close)

    const onFe1 = await stream(`${fe1.url}/v1/connect?topics=live:red`)
    const onFe2 = await stream(`${fe2.url}/v1/connect?topics=live:red,live:green`)
    const ids: string[] = []
    for (let i = 0; i < 10; i++) {
      const dispatcher = i % 2 === 0 ? d1 : d2
      const res = await post(`${dispatcher.url}/v1/publish`, { topic: 'live:red', data: i })
      expect(res.status).toBe(202)
      ids.push(...res.body.ids)
    }
    await vi.waitFor(() => expect(onFe1.data().map((e) => e.id)).toEqual(ids))
    await vi.waitFor(() => expect(onFe2.data().map((e) => e.id)).toEqual(ids))

    const green = await post(`${d2.url}/v1/publish`, { topic: 'live:green', data: 'g' })
    await vi.waitFor(() => expect(onFe2.data().at(-1)?.id).toBe(green.body.ids[0]))
    // fe1 holds no subscriber of live:green: the dispatcher never sent it that event
    expect(await metric(fe1.node, 'likewire_deliveries_received_total')).toBe(10)
    expect(await metric(fe2.node, 'likewire_deliveries_received_total')).toBe(11)
    expect(onFe1.data().map((e) => e.topic)).not.toContain('live:green')
  })

  it('routes a subscribe that reached another frontend (no sticky load balancer) to the owner of the connection', async () => {
    redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe1 = await frontendNode(redis.url)
    const fe2 = await frontendNode(redis.url)
    const d = await dispatcherNode(redis.url)
    cleanups.push(fe1.close, fe2.close, d.close)
    const s = await stream(`${fe1.url}/v1/connect`)
    const connectionId = s.connectionId()
    const viaFe2 = await post(`${fe2.url}/v1/subscribe`, { connectionId, topics: ['t'] })
    expect(viaFe2).toEqual({ status: 200, body: { topics: ['t'] } })
    const res = await post(`${d.url}/v1/publish`, { topic: 't', data: 'routed' })
    await vi.waitFor(() => expect(s.data().map((e) => e.id)).toEqual(res.body.ids))
    expect((await post(`${fe2.url}/v1/unsubscribe`, { connectionId, topics: ['t'] })).body).toEqual({
      topics: [],
    })
    const unknown = await post(`${fe2.url}/v1/subscribe`, { connectionId: 'node-gone.x', topics: ['t'] })
    expect(unknown.body.error.code).toBe('unknown_connection')
    const forged = await post(`${fe1.url}/internal/v1/subscribe`, { connectionId, topics: ['t'] })
    expect(forged.status).toBe(401)
  })

  it('publishes in-process from a frontend node to subscribers on the other frontend', async () => {
    redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe1 = await frontendNode(redis.url)
    const fe2 = await frontendNode(redis.url)
    cleanups.push(fe1.close, fe2.close)
    const onFe2 = await stream(`${fe2.url}/v1/connect?topics=t`)
    const { id } = await fe1.node.publish('t', 'from fe1')
    await vi.waitFor(() => expect(onFe2.data().map((e) => e.id)).toEqual([id]))
  })

  it('sums viewer counts across frontends', async () => {
    redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe1 = await frontendNode(redis.url, { viewerCountIntervalMs: 50 })
    const fe2 = await frontendNode(redis.url, { viewerCountIntervalMs: 50 })
    cleanups.push(fe1.close, fe2.close)
    const watcher = await stream(`${fe1.url}/v1/connect?topics=${encodeURIComponent('video:1/$viewers')}`)
    await stream(`${fe1.url}/v1/connect?topics=video:1`)
    await stream(`${fe2.url}/v1/connect?topics=video:1`)
    await stream(`${fe2.url}/v1/connect?topics=video:1`)
    await vi.waitFor(() => expect(watcher.data().at(-1)?.data).toEqual({ topic: 'video:1', count: 3 }))
  })
})

describe('cluster: Redis stops and comes back empty', () => {
  it('keeps streams and heartbeats, answers 503, reports degraded health, then heals by itself', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe = await frontendNode(redis.url, { heartbeatMs: 100 })
    const d = await dispatcherNode(redis.url)
    cleanups.push(fe.close, d.close)
    const s = await stream(`${fe.url}/v1/connect?topics=t`)
    expect((await post(`${d.url}/v1/publish`, { topic: 't', data: 'before' })).status).toBe(202)
    await vi.waitFor(() => expect(s.data().map((e) => e.data)).toEqual(['before']))

    await redis.stop()
    const publish = await post(`${d.url}/v1/publish`, { topic: 't', data: 'lost?' })
    expect(publish.status).toBe(503)
    expect(publish.body.error.code).toBe('unavailable')
    await vi.waitFor(async () => expect((await fetch(`${fe.url}/healthz`)).status).toBe(503))
    expect((await fetch(`${d.url}/healthz`)).status).toBe(503)
    const beats = s.events.filter((e) => e.event === 'likewire.heartbeat').length
    await vi.waitFor(() =>
      expect(s.events.filter((e) => e.event === 'likewire.heartbeat').length).toBeGreaterThan(beats + 2),
    )
    expect(s.ended).toBe(false)

    await redis.restart()
    await vi.waitFor(async () => expect((await fetch(`${fe.url}/healthz`)).status).toBe(200), {
      timeout: 10_000,
    })
    await vi.waitFor(async () => expect((await fetch(`${d.url}/healthz`)).status).toBe(200), {
      timeout: 10_000,
    })
    const after = await post(`${d.url}/v1/publish`, { topic: 't', data: 'after' })
    expect(after.status).toBe(202)
    await vi.waitFor(() => expect(s.data().map((e) => e.data)).toEqual(['before', 'after']))
  })
})
