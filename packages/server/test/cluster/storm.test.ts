import { openStream, post, type Stream, startProxy, startRedis, type TcpProxy } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { metric } from '../helpers'
import { cleanups } from './cleanup'
import { dispatcherNode, frontendNode } from './nodes'

const history = [{ match: 'chat:*', size: 1000, ttlMs: 60_000 }]
const CLIENTS = 200
type Positioned = { pos?: { epoch: string; offset: number } }
const offsets = (s: Stream) => (s.data() as Positioned[]).map((e) => e.pos!.offset)

async function open(url: string): Promise<Stream> {
  const s = await openStream(url)
  cleanups.push(() => s.close())
  return s
}

describe('recovery storm (cluster, real redis-server, 2 frontends)', () => {
  it(`${CLIENTS} clients cut at once while events flow each resume from their last position: every event once, in order, from the frontends' windows`, async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const frontends = [await frontendNode(redis.url, { history }), await frontendNode(redis.url, { history })]
    const d = await dispatcherNode(redis.url, { history })
    cleanups.push(...frontends.map((fe) => fe.close), d.close)
    // each frontend behind a proxy of its own, so every client socket can be cut at once
    const proxies: TcpProxy[] = []
    for (const fe of frontends) proxies.push(await startProxy(Number(new URL(fe.url).port)))
    cleanups.push(...proxies.map((p) => () => p.close()))
    const proxyOf = (i: number) => proxies[i % proxies.length]!

    const first: Stream[] = []
    for (let i = 0; i < CLIENTS; i++) first.push(await open(`${proxyOf(i).url}/v1/connect?topics=chat:1`))
    await vi.waitFor(() => expect(first.every((s) => s.events.length > 0)).toBe(true))

    // a publisher that keeps going through the cut and the way back
    let published = 0
    let publishing = true
    const publisher = (async () => {
      while (publishing) {
        const res = await post(`${d.url}/v1/publish`, { topic: 'chat:1', data: published + 1 })
        expect(res.status).toBe(202)
        published++
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()
    await vi.waitFor(() => expect(first.every((s) => offsets(s).length >= 5)).toBe(true), { timeout: 15_000 })

    for (const proxy of proxies) proxy.cut()
    await vi.waitFor(() => expect(first.every((s) => s.ended)).toBe(true))
    const epoch = (first[0]!.data() as Positioned[])[0]!.pos!.epoch
    // every client back at once, each from the last position it saw, while events flow
    const back = await Promise.all(
      first.map((s, i) =>
        open(`${proxyOf(i).url}/v1/connect?topics=chat:1&resume=chat:1~${epoch}~${offsets(s).at(-1)}`),
      ),
    )
    await new Promise((resolve) => setTimeout(resolve, 500))
    publishing = false
    await publisher
    const last = published

    await vi.waitFor(() => expect(back.every((s) => offsets(s).at(-1) === last)).toBe(true), {
      timeout: 20_000,
      interval: 100,
    })
    for (const [i, s] of first.entries()) {
      const seen = [...offsets(s), ...offsets(back[i]!)]
      // every offset from the client's first to the last published exactly once, in order
      expect(seen, `client ${i}`).toEqual(Array.from({ length: last - seen[0]! + 1 }, (_, k) => seen[0]! + k))
      expect(back[i]!.events.filter((e) => e.event === 'likewire.gap')).toEqual([])
    }
    let fromWindow = 0
    let fromStore = 0
    for (const fe of frontends) {
      fromWindow += await metric(fe.node, 'likewire_resumes_total', '{source="window"}')
      fromStore += await metric(fe.node, 'likewire_resumes_total', '{source="store"}')
    }
    // all answered from memory: each frontend read the store once to bring its window up to date
    expect({ fromWindow, fromStore }).toEqual({ fromWindow: CLIENTS, fromStore: 0 })
  })
})
