import { post, type Stream, startProxy, startRedis } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { READ_RETRY_DELAYS_MS } from '../../src/frontend/history-reads'
import { resolveRules } from '../../src/history/rules'
import { connectHistoryStore } from '../../src/registry/redis-history'
import { metric } from '../helpers'
import { cleanups, stream } from './cleanup'
import { dispatcherNode, frontendNode, SECRET } from './nodes'

const history = [{ match: 'chat:*', size: 100, ttlMs: 60_000 }]
type Positioned = { topic: string; data: unknown; pos?: { epoch: string; offset: number } }
const events = (s: Stream, topic: string) => (s.data() as Positioned[]).filter((e) => e.topic === topic)
const control = (s: Stream, name: string) =>
  s.events.filter((e) => e.event === name).map((e) => JSON.parse(e.data))
/** The frontend retries a failed read for the sum of its delays: the gap comes after them, so wait past that. */
const PAST_RETRIES_MS = READ_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0) + 5_000

/** One frontend and one dispatcher whose history lives in a Redis of its own, which the test stops. */
async function cluster() {
  const redis = await startRedis()
  const historyRedis = await startRedis()
  cleanups.push(
    () => redis.stop(),
    () => historyRedis.stop(),
  )
  const fe = await frontendNode(redis.url, { history, historyRedis: historyRedis.url })
  const d = await dispatcherNode(redis.url, { history, historyRedis: historyRedis.url })
  cleanups.push(fe.close, d.close)
  return { historyRedis, fe, d }
}

describe('history Redis down (cluster, real redis-server processes)', () => {
  it('a client resuming while history is unreadable is told `unavailable`, fire-and-forget flows; history back, positions again', async () => {
    const { historyRedis, fe, d } = await cluster()
    // the client reaches the frontend through a proxy, so its stream can be lost as on a real network
    const proxy = await startProxy(Number(new URL(fe.url).port))
    cleanups.push(() => proxy.close())
    const first = await stream(`${proxy.url}/v1/connect?topics=chat:1,likes:1`)
    for (const data of [1, 2])
      expect((await post(`${d.url}/v1/publish`, { topic: 'chat:1', data })).status).toBe(202)
    await vi.waitFor(() => expect(events(first, 'chat:1').map((e) => e.data)).toEqual([1, 2]))
    const last = events(first, 'chat:1')[1]!.pos!
    proxy.cut()
    await vi.waitFor(() => expect(first.ended).toBe(true))

    await historyRedis.stop()
    const back = await stream(
      `${proxy.url}/v1/connect?topics=chat:1,likes:1&resume=chat:1~${last.epoch}~${last.offset}`,
    )
    // never silence: the catch-up that cannot read history ends in a gap at the client's own position
    await vi.waitFor(
      () =>
        expect(control(back, 'likewire.gap')).toEqual([
          { topic: 'chat:1', reason: 'unavailable', epoch: last.epoch, offset: last.offset },
        ]),
      { timeout: PAST_RETRIES_MS, interval: 100 },
    )
    expect(await metric(fe.node, 'likewire_gaps_total', '{reason="unavailable"}')).toBe(1)
    expect(await metric(fe.node, 'likewire_recoveries_total', '{result="gap"}')).toBe(1)
    // history publishes are refused meanwhile; the fire-and-forget topic on the same stream keeps flowing
    const refused = await post(`${d.url}/v1/publish`, { topic: 'chat:1', data: 'lost' })
    expect([refused.status, refused.body.error.code]).toEqual([503, 'unavailable'])
    for (const data of ['like-1', 'like-2'])
      expect((await post(`${d.url}/v1/publish`, { topic: 'likes:1', data })).status).toBe(202)
    await vi.waitFor(() => expect(events(back, 'likes:1').map((e) => e.data)).toEqual(['like-1', 'like-2']))
    expect(events(back, 'likes:1').every((e) => e.pos === undefined)).toBe(true)

    // history back (empty, as after a failover): publishes are recorded again, with positions
    await historyRedis.restart()
    await vi.waitFor(
      async () => expect((await post(`${d.url}/v1/publish`, { topic: 'chat:1', data: 3 })).status).toBe(202),
      { timeout: 15_000, interval: 200 },
    )
    expect((await post(`${d.url}/v1/publish`, { topic: 'chat:1', data: 4 })).status).toBe(202)
    await vi.waitFor(() => expect(events(back, 'chat:1').map((e) => e.data)).toEqual([3, 4]))
    const [three, four] = events(back, 'chat:1').map((e) => e.pos!)
    expect(three!.epoch).not.toBe(last.epoch) // the new Redis drew a new epoch
    expect([three, four]).toEqual([
      { epoch: three!.epoch, offset: 1 },
      { epoch: three!.epoch, offset: 2 },
    ])
    // the client stood at its old position: the new epoch is told before its first event, never silent
    expect(control(back, 'likewire.gap')).toEqual([
      { topic: 'chat:1', reason: 'unavailable', epoch: last.epoch, offset: last.offset },
      { topic: 'chat:1', reason: 'epoch', epoch: three!.epoch, offset: 0 },
    ])
    const order = back.events
      .filter((e) => e.event === 'likewire.gap' || e.id !== undefined)
      .map((e) => e.event ?? e.id)
    expect(order).toEqual(['likewire.gap', 'likewire.gap', `${three!.epoch}:1`, `${three!.epoch}:2`])
  }, 40_000)

  it('a live hole that cannot be repaired from history is an `unavailable` gap, then the stream goes on', async () => {
    const { historyRedis, fe } = await cluster()
    const s = await stream(`${fe.url}/v1/connect?topics=chat:1`)
    await vi.waitFor(() => expect(control(s, 'likewire.position')).toHaveLength(1))
    // three events recorded in history, as a dispatcher does; the frontend is handed only the first and third
    const store = connectHistoryStore({ url: historyRedis.url })
    cleanups.push(() => store.close())
    await store.ready()
    const [rule] = resolveRules(history)
    const recorded = await store.append(
      [1, 2, 3].map((n) => ({
        topic: 'chat:1',
        id: `e${n}`,
        rule: rule!,
        head: `{"topic":"chat:1","id":"e${n}","ts":${Date.now()},`,
        tail: `,"data":${n}}`,
      })),
    )
    const deliver = (json: string) =>
      post(`${fe.url}/internal/v1/deliver`, json, {
        Authorization: `Bearer ${SECRET}`,
        'Content-Type': 'application/x-ndjson',
      })
    expect((await deliver(recorded[0]!.json)).status).toBe(204)
    await vi.waitFor(() => expect(events(s, 'chat:1').map((e) => e.data)).toEqual([1]))
    // the delivery of 2 was lost, and history cannot be read when the frontend tries to repair the hole
    await historyRedis.stop()
    expect((await deliver(recorded[2]!.json)).status).toBe(204)
    const { epoch } = recorded[0]!
    await vi.waitFor(
      () =>
        expect(control(s, 'likewire.gap')).toEqual([
          { topic: 'chat:1', reason: 'unavailable', epoch, offset: 2 },
        ]),
      { timeout: PAST_RETRIES_MS, interval: 100 },
    )
    await vi.waitFor(() => expect(events(s, 'chat:1').map((e) => e.data)).toEqual([1, 3]))
    expect(await metric(fe.node, 'likewire_gaps_total', '{reason="unavailable"}')).toBe(1)
  }, 40_000)
})
