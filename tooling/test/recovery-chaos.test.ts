// History topics under failure, with real processes: two `likewire frontend`s behind a round-robin TCP
// balancer, two `likewire dispatcher`s, one Redis, SDK clients on three history topics while a publisher
// runs. A frontend is killed, another frozen (SIGSTOP) past the heartbeat watchdog, a dispatcher killed
// mid-publish: every client still gets every acknowledged event exactly once and in order, or a gap.
import { createClient, type LikewireClient } from '@likewire/client'
import { createPublisher } from '@likewire/server'
import {
  freePort,
  type LikewireProcess,
  type RedisProcess,
  spawnLikewire,
  startBalancer,
  startRedis,
  type TcpBalancer,
} from '@likewire/testkit'
import { afterAll, describe, expect, it, vi } from 'vitest'

const SECRET = 'chaos-secret'
const HISTORY = 'chat:*=5000/300'
const TOPICS = ['chat:0', 'chat:1', 'chat:2']
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
    ],
    { port },
  )
}

describe('history topics under failure (real processes)', () => {
  it('kill -9 a frontend, SIGSTOP another for 8 s, kill -9 a dispatcher mid-publish: 0 silent loss, 0 duplicates', async () => {
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
})
