import { post, type RedisProcess, type Stream, startRedis } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { resolveRules } from '../../src/history/rules'
import { createPublisher } from '../../src/publisher/publisher'
import { connectHistoryStore } from '../../src/registry/redis-history'
import { metric } from '../helpers'
import { cleanups, stream } from './cleanup'
import { dispatcherNode, frontendNode, SECRET } from './nodes'

const history = [{ match: 'chat:*', size: 100, ttlMs: 60_000 }]
type Positioned = { data: unknown; pos?: { epoch: string; offset: number } }
const events = (s: Stream) => s.data() as Positioned[]
const gaps = (s: Stream) => s.events.filter((e) => e.event === 'likewire.gap').map((e) => JSON.parse(e.data))

async function cluster(options: { historyRedis?: string } = {}) {
  const redis = await startRedis()
  cleanups.push(() => redis.stop())
  const fe1 = await frontendNode(redis.url, { history, ...options })
  const fe2 = await frontendNode(redis.url, { history, ...options })
  const d1 = await dispatcherNode(redis.url, { history, ...options })
  const d2 = await dispatcherNode(redis.url, { history, ...options })
  cleanups.push(fe1.close, fe2.close, d1.close, d2.close)
  return { redis, fe1, fe2, d1, d2 }
}

describe('cluster history (Redis Streams)', () => {
  it('positions are agreed by every dispatcher: a subscriber gets consecutive offsets, once, in order', async () => {
    const { fe1, d1, d2 } = await cluster()
    const s = await stream(`${fe1.url}/v1/connect?topics=chat:1`)
    for (let i = 1; i <= 20; i++) {
      const res = await post(`${(i % 2 ? d1 : d2).url}/v1/publish`, { topic: 'chat:1', data: i })
      expect(res.status).toBe(202)
    }
    await vi.waitFor(() => expect(events(s)).toHaveLength(20))
    expect(events(s).map((e) => e.data)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(events(s).map((e) => e.pos!.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(new Set(events(s).map((e) => e.pos!.epoch)).size).toBe(1)
  })

  it('resumes on another frontend: what was missed, then live, each once', async () => {
    const { fe1, fe2, d1 } = await cluster()
    const first = await stream(`${fe1.url}/v1/connect?topics=chat:1`)
    for (const data of [1, 2]) await post(`${d1.url}/v1/publish`, { topic: 'chat:1', data })
    await vi.waitFor(() => expect(events(first)).toHaveLength(2))
    const { epoch, offset } = events(first)[1]!.pos!
    first.close()
    for (const data of [3, 4]) await post(`${d1.url}/v1/publish`, { topic: 'chat:1', data })
    const back = await stream(`${fe2.url}/v1/connect?topics=chat:1&resume=chat:1~${epoch}~${offset}`)
    await post(`${d1.url}/v1/publish`, { topic: 'chat:1', data: 5 })
    await vi.waitFor(() => expect(events(back).map((e) => e.data)).toEqual([3, 4, 5]))
  })

  it('a frontend repairs a hole in the live sequence from history (a delivery that never came)', async () => {
    const { redis, fe1 } = await cluster()
    const s = await stream(`${fe1.url}/v1/connect?topics=chat:1`)
    // three events recorded in history, only the first and third delivered: the second delivery was lost
    const store = connectHistoryStore({ url: redis.url })
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
    const auth = { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/x-ndjson' }
    expect((await post(`${fe1.url}/internal/v1/deliver`, recorded[0]!.json, auth)).status).toBe(204)
    expect((await post(`${fe1.url}/internal/v1/deliver`, recorded[2]!.json, auth)).status).toBe(204)
    await vi.waitFor(() => expect(events(s).map((e) => e.data)).toEqual([1, 2, 3]))
    expect(gaps(s)).toEqual([])
  })

  it('Redis restarted empty: a new epoch, told to live subscribers and to a resuming one', async () => {
    const { redis, fe1, d1 } = await cluster()
    const s = await stream(`${fe1.url}/v1/connect?topics=chat:1`)
    await post(`${d1.url}/v1/publish`, { topic: 'chat:1', data: 'before' })
    await vi.waitFor(() => expect(events(s)).toHaveLength(1))
    const old = events(s)[0]!.pos!
    await redis.restart()
    // the frontend re-records itself by itself: until it has, a publish is recorded but reaches nobody
    await vi.waitFor(
      async () => {
        if (events(s).at(-1)?.data === 'after') return
        const res = await post(`${d1.url}/v1/publish`, { topic: 'chat:1', data: 'after' })
        expect(res.status).toBe(202)
        await new Promise((resolve) => setTimeout(resolve, 100))
        expect(events(s).at(-1)?.data).toBe('after')
      },
      { timeout: 15_000, interval: 200 },
    )
    // the first event of the new epoch the stream got: the gap before it says where it goes on
    const fresh = events(s).find((e) => e.data === 'after')!.pos!
    expect(fresh.epoch).not.toBe(old.epoch)
    expect(gaps(s)).toEqual([
      { topic: 'chat:1', reason: 'epoch', epoch: fresh.epoch, offset: fresh.offset - 1 },
    ])
    const resumed = await stream(
      `${fe1.url}/v1/connect?topics=chat:1&resume=chat:1~${old.epoch}~${old.offset}`,
    )
    await vi.waitFor(() =>
      expect(gaps(resumed)).toEqual([expect.objectContaining({ reason: 'epoch', epoch: fresh.epoch })]),
    )
  })

  it('history store unreachable: history publishes answer 503, fire-and-forget topics keep flowing', async () => {
    const historyRedis: RedisProcess = await startRedis()
    cleanups.push(() => historyRedis.stop())
    const { fe1, d1 } = await cluster({ historyRedis: historyRedis.url })
    const s = await stream(`${fe1.url}/v1/connect?topics=chat:1,likes:1`)
    expect((await post(`${d1.url}/v1/publish`, { topic: 'chat:1', data: 1 })).status).toBe(202)
    await historyRedis.stop()
    const refused = await post(`${d1.url}/v1/publish`, { topic: 'chat:1', data: 2 })
    expect([refused.status, refused.body.error.code]).toEqual([503, 'unavailable'])
    const like = await post(`${d1.url}/v1/publish`, { topic: 'likes:1', data: 'like' })
    expect(like.status).toBe(202)
    await vi.waitFor(() => expect(events(s).map((e) => e.data)).toEqual([1, 'like']))
    const health = await fetch(`${d1.url}/healthz`)
    expect(health.status).toBe(503)
  })

  it('a publish retried with the same key through another dispatcher is delivered once', async () => {
    const { fe1, d1, d2 } = await cluster()
    const s = await stream(`${fe1.url}/v1/connect?topics=chat:1`)
    const first = await post(`${d1.url}/v1/publish`, { topic: 'chat:1', data: 'x', key: 'retry-1' })
    const retry = await post(`${d2.url}/v1/publish`, { topic: 'chat:1', data: 'x', key: 'retry-1' })
    expect(retry.body.ids).toEqual(first.body.ids)
    await post(`${d2.url}/v1/publish`, { topic: 'chat:1', data: 'y' })
    await vi.waitFor(() => expect(events(s).map((e) => e.data)).toEqual(['x', 'y']))
  })

  it("createPublisher's keys make a retry after a lost answer count once (the first dispatcher did record it)", async () => {
    const { fe1, d1, d2 } = await cluster()
    const s = await stream(`${fe1.url}/v1/connect?topics=chat:1`)
    let calls = 0
    const publisher = createPublisher({
      dispatchers: [d1.url, d2.url],
      // the first attempt reaches d1, which records and delivers, but its answer is lost on the way back
      fetch: async (input, init) => {
        const res = await fetch(input, init)
        if (calls++ === 0) throw new Error('answer lost')
        return res
      },
    })
    await publisher.publish('chat:1', 'once')
    await publisher.publish('chat:1', 'next')
    await vi.waitFor(() => expect(events(s).map((e) => e.data)).toEqual(['once', 'next']))
    expect(calls).toBe(3)
    await publisher.close()
  })

  it('a dispatcher without the rule is never silent: its events are counted and logged on the frontend', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe = await frontendNode(redis.url, { history })
    const bare = await dispatcherNode(redis.url) // misconfigured: no --history
    cleanups.push(fe.close, bare.close)
    const s = await stream(`${fe.url}/v1/connect?topics=chat:1`)
    await post(`${bare.url}/v1/publish`, { topic: 'chat:1', data: 'unrecorded' })
    await vi.waitFor(() => expect(events(s).map((e) => e.data)).toEqual(['unrecorded']))
    expect(events(s)[0]!.pos).toBeUndefined()
    expect(await metric(fe.node, 'likewire_unpositioned_events_total')).toBe(1)
  })

  it('rewind in a cluster: a late joiner on another frontend gets the last n from Redis, then live', async () => {
    const { fe1, fe2, d1, d2 } = await cluster()
    const early = await stream(`${fe1.url}/v1/connect?topics=chat:1`)
    for (let i = 1; i <= 5; i++)
      await post(`${(i % 2 ? d1 : d2).url}/v1/publish`, { topic: 'chat:1', data: i })
    await vi.waitFor(() => expect(events(early)).toHaveLength(5))
    const late = await stream(`${fe2.url}/v1/connect?topics=chat:1&rewind=chat:1~3`)
    await vi.waitFor(() => expect(events(late).map((e) => e.data)).toEqual([3, 4, 5]))
    await post(`${d2.url}/v1/publish`, { topic: 'chat:1', data: 6 })
    await vi.waitFor(() => expect(events(late).map((e) => e.data)).toEqual([3, 4, 5, 6]))
    expect(events(late).map((e) => e.pos!.offset)).toEqual([3, 4, 5, 6])
    expect(gaps(late)).toEqual([])
  })

  it('a client away for more events than Redis keeps resumes with an expired gap, then live', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const small = [{ match: 'chat:*', size: 3, ttlMs: 60_000 }]
    const fe = await frontendNode(redis.url, { history: small })
    const d = await dispatcherNode(redis.url, { history: small })
    cleanups.push(fe.close, d.close)
    const first = await stream(`${fe.url}/v1/connect?topics=chat:1`)
    await post(`${d.url}/v1/publish`, { topic: 'chat:1', data: 1 })
    await vi.waitFor(() => expect(events(first)).toHaveLength(1))
    const { epoch, offset } = events(first)[0]!.pos!
    first.close()
    for (let i = 2; i <= 7; i++) await post(`${d.url}/v1/publish`, { topic: 'chat:1', data: i }) // 2-4 trimmed
    const back = await stream(`${fe.url}/v1/connect?topics=chat:1&resume=chat:1~${epoch}~${offset}`)
    await vi.waitFor(() =>
      expect(gaps(back)).toEqual([{ topic: 'chat:1', reason: 'expired', epoch, offset: 7 }]),
    )
    await post(`${d.url}/v1/publish`, { topic: 'chat:1', data: 8 })
    await vi.waitFor(() => expect(events(back).map((e) => e.data)).toEqual([8]))
  })
})
