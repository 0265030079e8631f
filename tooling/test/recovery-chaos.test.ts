// History topics under failure, with real processes: two `likewire frontend`s behind a round-robin TCP
// balancer, two `likewire dispatcher`s, one Redis, SDK clients on three history topics while a publisher
// runs. A frontend is killed, another frozen (SIGSTOP) past the heartbeat watchdog, a dispatcher killed
// mid-publish, a client stalled until it is dropped as a slow consumer: every client still gets every
// acknowledged event exactly once and in order, or a gap. And a plain EventSource resumes by Last-Event-ID.
import { createClient, type LikewireClient } from '@likewire/client'
import { createPublisher } from '@likewire/server'
import {
  freePort,
  type LikewireProcess,
  post,
  type RedisProcess,
  spawnLikewire,
  startBalancer,
  startProxy,
  startRedis,
  type TcpBalancer,
} from '@likewire/testkit'
import { EventSource } from 'eventsource'
import { afterAll, describe, expect, it, vi } from 'vitest'

const SECRET = 'chaos-secret'
const HISTORY = 'chat:*=5000/300'
const TOPICS = ['chat:0', 'chat:1', 'chat:2']
/** Where the stalled client's backlog piles up: only it is subscribed, so only it is dropped. */
const BIG = 'chat:big'
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const started: Array<{ stop(): Promise<void> }> = []
const clients: LikewireClient[] = []
afterAll(async () => {
  for (const c of clients) c.close()
  // every part is stopped whatever another's stop does: none may outlive the run
  for (const part of started.reverse())
    await Promise.resolve()
      .then(() => part.stop())
      .catch(() => {})
})

/** One client's record of one topic: what its callback got, and the gaps it was told. */
interface Seen {
  data: number[]
  gaps: string[]
}

function frontend(redis: RedisProcess, port: number): Promise<LikewireProcess> {
  // a 1 s heartbeat: the clients' watchdog (2.5 beats) moves them off a frozen frontend quickly
  return spawnLikewire(
    'frontend',
    [
      '--redis',
      redis.url,
      '--secret',
      SECRET,
      '--history',
      HISTORY,
      '--heartbeat-ms',
      '1000',
      '--lease-ttl-ms',
      '2000',
      // a small slow-consumer bound: a stalled client is dropped after 64 KiB queued
      '--max-buffered-bytes',
      '65536',
    ],
    { port },
  )
}

describe('history topics under failure (real processes)', () => {
  it('kill -9 a frontend, SIGSTOP another for 8 s, kill -9 a dispatcher mid-publish, drop a slow consumer: 0 silent loss, 0 duplicates', async () => {
    const redis = await startRedis()
    started.push(redis)
    const ports = [await freePort(), await freePort()]
    const frontends = [await frontend(redis, ports[0]!), await frontend(redis, ports[1]!)]
    started.push({ stop: async () => void (await Promise.all(frontends.map((f) => f.stop()))) })
    const dispatchers = await Promise.all(
      [0, 1].map(() =>
        spawnLikewire('dispatcher', ['--redis', redis.url, '--secret', SECRET, '--history', HISTORY]),
      ),
    )
    started.push({ stop: async () => void (await Promise.all(dispatchers.map((d) => d.stop()))) })
    const balancer: TcpBalancer = await startBalancer(ports)
    started.push({ stop: () => balancer.close() })

    // six clients behind the balancer, each on the three topics, waiting until the server acknowledged them
    const seen: Seen[][] = []
    for (let i = 0; i < 6; i++) {
      const client = createClient({
        url: balancer.url,
        backoff: { baseMs: 100, maxMs: 1000 },
        onError: () => {},
      })
      clients.push(client)
      const mine: Seen[] = []
      seen.push(mine)
      for (const topic of TOPICS) {
        const record: Seen = { data: [], gaps: [] }
        mine.push(record)
        let acked = false
        client.subscribe<{ n: number }>(topic, (event) => record.data.push(event.data.n), {
          onGap: (gap) => record.gaps.push(gap.reason),
          onSubscribed: () => {
            acked = true
          },
        })
        await vi.waitFor(() => expect(acked).toBe(true), { timeout: 20_000 })
      }
    }

    // a seventh client, behind a proxy that can stop reading for it, on the topics and on BIG
    const proxy = await startProxy(Number(new URL(balancer.url).port))
    started.push({ stop: () => proxy.close() })
    const slow = createClient({ url: proxy.url, backoff: { baseMs: 100, maxMs: 1000 }, onError: () => {} })
    clients.push(slow)
    const slowSeen: Seen[] = []
    seen.push(slowSeen)
    const slowBig: Seen = { data: [], gaps: [] }
    for (const topic of [...TOPICS, BIG]) {
      const record: Seen = topic === BIG ? slowBig : { data: [], gaps: [] }
      if (topic !== BIG) slowSeen.push(record)
      let acked = false
      slow.subscribe<{ n: number }>(topic, (event) => record.data.push(event.data.n), {
        onGap: (gap) => record.gaps.push(gap.reason),
        onSubscribed: () => {
          acked = true
        },
      })
      await vi.waitFor(() => expect(acked).toBe(true), { timeout: 20_000 })
    }

    // the publisher: one event after another, round robin over the topics, each numbered per topic
    const publisher = createPublisher({ dispatchers: dispatchers.map((d) => d.url), timeoutMs: 5000 })
    const acked: number[][] = TOPICS.map(() => [])
    const attempted: number[][] = TOPICS.map(() => [])
    let publishing = true
    const loop = (async () => {
      for (let i = 0; publishing; i++) {
        const t = i % TOPICS.length
        const n = attempted[t]!.length + 1
        attempted[t]!.push(n)
        await publisher.publish(TOPICS[t]!, { n }).then(
          () => acked[t]!.push(n),
          () => {}, // not acknowledged: may or may not have been recorded
        )
        await pause(10)
      }
    })()
    const publishedSoFar = () => acked.reduce((sum, list) => sum + list.length, 0)

    await vi.waitFor(() => expect(publishedSoFar()).toBeGreaterThan(100), { timeout: 20_000 })
    await frontends[0]!.kill9() // its clients reconnect through the balancer to the other frontend
    await pause(3000)
    frontends[0] = await frontend(redis, ports[0]!) // back on its port: the balancer sends clients to it again
    await pause(1000)
    frontends[1]!.child.kill('SIGSTOP') // frozen: its clients' watchdog moves them to the first
    await pause(8000)
    frontends[1]!.child.kill('SIGCONT')
    await pause(2000)
    const before = publishedSoFar()
    await vi.waitFor(() => expect(publishedSoFar()).toBeGreaterThan(before + 10), { timeout: 20_000 })
    await dispatchers[0]!.kill9() // mid-publish: the publisher retries on the other, with the same key
    await vi.waitFor(() => expect(publishedSoFar()).toBeGreaterThan(before + 60), { timeout: 20_000 })

    // the seventh client stops reading; BIG is published until its backlog passes the kernel's buffers
    // (loopback receive buffers grow to tens of MB here) and the 64 KiB bound, and it is dropped
    proxy.stall()
    const text = 'x'.repeat(8000)
    const slowDrops = async () => {
      let drops = 0
      for (const f of frontends) {
        const text = await fetch(`${f.url}/metrics`).then(
          (r) => r.text(),
          () => '',
        )
        drops += Number(/likewire_disconnects_total\{reason="slow_consumer"\} (\d+)/.exec(text)?.[1] ?? 0)
      }
      return drops
    }
    // at most 4,500 (36 MB): the history keeps 5,000, so what piled up is still there when it resumes
    let bigCount = 0
    while (bigCount < 4500 && (await slowDrops()) === 0) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => publisher.publish(BIG, { n: bigCount + i + 1, text })),
      )
      bigCount += 50
    }
    await vi.waitFor(async () => expect(await slowDrops()).toBeGreaterThan(0), { timeout: 30_000 })
    proxy.unstall() // it comes back resuming from its positions: nothing lost on any topic
    const resumed = publishedSoFar()
    await vi.waitFor(() => expect(publishedSoFar()).toBeGreaterThan(resumed + 30), { timeout: 20_000 })
    publishing = false
    await loop
    await publisher.close()

    // every client gets up to the last acknowledged event of every topic
    await vi.waitFor(
      () => {
        for (const mine of seen)
          for (const [t, record] of mine.entries()) expect(record.data.at(-1)).toBe(acked[t]!.at(-1))
      },
      { timeout: 30_000, interval: 200 },
    )
    // what piled up while it stalled came after it resumed, each once (publishes in flight together may
    // be recorded in any order between them)
    await vi.waitFor(() => expect(slowBig.data.length).toBeGreaterThanOrEqual(bigCount), { timeout: 30_000 })
    expect([...slowBig.data].sort((a, b) => a - b)).toEqual(Array.from({ length: bigCount }, (_, i) => i + 1))
    expect(slowBig.gaps).toEqual([])
    for (const [c, mine] of seen.entries()) {
      for (const [t, record] of mine.entries()) {
        const label = `client ${c} ${TOPICS[t]}`
        // nothing expired and Redis kept its data: no gap is expected, so none may hide a loss
        expect({ label, gaps: record.gaps }).toEqual({ label, gaps: [] })
        // exactly once, in order: strictly increasing, nothing but what was attempted
        expect({ label, ordered: record.data.every((n, i) => i === 0 || n > record.data[i - 1]!) }).toEqual({
          label,
          ordered: true,
        })
        const attemptedSet = new Set(attempted[t])
        expect(record.data.filter((n) => !attemptedSet.has(n))).toEqual([])
        // every acknowledged publish after the subscription (all of them: clients subscribed first)
        const got = new Set(record.data)
        expect({ label, missing: acked[t]!.filter((n) => !got.has(n)) }).toEqual({ label, missing: [] })
      }
    }
  }, 180_000)

  it('a plain EventSource on one history topic, its frontend killed -9, resumes through Last-Event-ID with nothing missed', async () => {
    const redis = await startRedis()
    started.push(redis)
    const port = await freePort()
    let fe = await frontend(redis, port)
    started.push({ stop: () => fe.stop() })
    const dispatcher = await spawnLikewire('dispatcher', [
      '--redis',
      redis.url,
      '--secret',
      SECRET,
      '--history',
      HISTORY,
    ])
    started.push(dispatcher)
    const got: Array<{ n: number; lastEventId: string }> = []
    // the eventsource package: the browser's EventSource, reconnecting with Last-Event-ID by itself
    const source = new EventSource(`${fe.url}/v1/connect?topics=chat:plain`)
    started.push({ stop: async () => source.close() })
    source.onmessage = (message) =>
      got.push({ n: JSON.parse(message.data).data.n, lastEventId: message.lastEventId })
    await new Promise<void>((resolve) => source.addEventListener('likewire.connected', () => resolve()))
    const publish = async (from: number, to: number) => {
      for (let n = from; n <= to; n++)
        expect(
          (await post(`${dispatcher.url}/v1/publish`, { topic: 'chat:plain', data: { n } })).status,
        ).toBe(202)
    }
    await vi.waitFor(async () => {
      await publish(got.length + 1, got.length + 1) // until the subscription is recorded, a publish finds nobody
      expect(got.length).toBeGreaterThan(0)
    })
    const first = got.length
    await publish(first + 1, first + 5)
    await vi.waitFor(() => expect(got).toHaveLength(first + 5))
    await fe.kill9()
    await publish(first + 6, first + 15) // recorded in Redis while no frontend holds the stream
    fe = await frontend(redis, port) // back on its port: the EventSource's retry finds it
    await vi.waitFor(() => expect(got.length).toBeGreaterThanOrEqual(first + 15), { timeout: 30_000 })
    await publish(first + 16, first + 20)
    // what came before `first` may hold a retried n twice (a retry can land after the stream's start
    // position): the events from first + 1 on are the ones under test
    const before = got.slice(0, first).map((e) => e.n)
    await vi.waitFor(() =>
      expect(got.map((e) => e.n)).toEqual([
        ...before,
        ...Array.from({ length: 20 }, (_, i) => first + i + 1),
      ]),
    )
    // every event carried its position as its SSE id: that is what the EventSource sent back
    expect(got.every((e) => /^[\w-]+:\d+$/.test(e.lastEventId))).toBe(true)
  }, 90_000)
})
