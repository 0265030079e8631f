import { randomBytes } from 'node:crypto'
import { createClient, type LikewireClient, type LikewireEvent, viewersTopic } from '@likewire/client'
import { type LikewireProcess, type RedisProcess, spawnLikewire, startRedis } from '@likewire/testkit'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { CommentEvent, CrowdState, LikeEvent, VideoState } from '../shared/api.js'
import { COMMENTS_HISTORY_FLAG } from './realtime.js'
import { type DemoProcess, startDemo } from './test-processes.js'

// Cluster mode for real: a redis-server, a `likewire dispatcher`, and two built demo processes in that
// Redis. A publishes through the dispatcher (DISPATCHER_URLS); B through its own frontend node. The
// dispatcher takes the demo's history rule for comments (`--history`), as its frontend nodes have it.
let redis: RedisProcess
let dispatcher: LikewireProcess
let a: DemoProcess
let b: DemoProcess
const clients: LikewireClient[] = []
/** Polls are about what arrives, not how fast: a generous bound only so a failure ends. */
const eventually = { timeout: 10_000 }

beforeAll(async () => {
  redis = await startRedis()
  const secret = randomBytes(16).toString('hex')
  dispatcher = await spawnLikewire('dispatcher', [
    '--redis',
    redis.url,
    '--secret',
    secret,
    '--history',
    COMMENTS_HISTORY_FLAG,
  ])
  const cluster = { REDIS_URL: redis.url, LIKEWIRE_SECRET: secret, CROWD_LIKES_PER_SECOND: '100' }
  ;[a, b] = await Promise.all([
    startDemo({ ...cluster, DISPATCHER_URLS: dispatcher.url }),
    startDemo(cluster),
  ])
}, 30_000)

afterAll(async () => {
  for (const client of clients.splice(0)) client.close()
  await Promise.all([a?.stop(), b?.stop()])
  await dispatcher?.stop()
  await redis?.stop()
}, 30_000)

/** A subscriber on one demo process; resolves once its subscription counts (so a publish reaches it). */
async function subscriber(demo: DemoProcess, topic: string, options: { rewind?: number } = {}) {
  const client = createClient({ url: `${demo.url}/realtime` })
  clients.push(client)
  const events: LikewireEvent[] = []
  let viewers = 0
  client.subscribe(topic, (event) => events.push(event), options)
  await new Promise<void>((resolve) => {
    client.subscribe<{ count: number }>(viewersTopic(topic), (event) => {
      viewers = event.data.count
      if (viewers > 0) resolve()
    })
  })
  return { events, data: () => events.map((event) => event.data), viewers: () => viewers }
}

const post = (demo: DemoProcess, path: string, body?: unknown) =>
  fetch(`${demo.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
const state = async (demo: DemoProcess, videoId: string) =>
  (await (await fetch(`${demo.url}/api/videos/${videoId}`)).json()) as VideoState

it('both demo processes say they are cluster frontend nodes', () => {
  expect(a.output()).toContain(`publishing through ${dispatcher.url}`)
  expect(b.output()).toContain('publishing through this node')
})

it('a like POSTed to process A (through the dispatcher) reaches a subscriber on process B, and B reads its count', async () => {
  const onB = await subscriber(b, 'video:red:likes')
  const other = await subscriber(b, 'video:green:likes')

  const like = await post(a, '/api/videos/red/likes')
  expect(like.status).toBe(201)
  expect(await like.json()).toEqual({ likeCount: 1 })

  await expect
    .poll(onB.data, eventually)
    .toEqual([{ videoId: 'red', likeCount: 1, delta: 1 } satisfies LikeEvent])
  expect(onB.events[0]?.topic).toBe('video:red:likes')
  expect((await state(b, 'red')).likeCount).toBe(1)
  expect(other.events).toEqual([])
})

it('a comment POSTed to process B (its own frontend node publishes) reaches a subscriber on process A', async () => {
  const onA = await subscriber(a, 'video:blue:comments')
  const posted = await post(b, '/api/videos/blue/comments', { author: 'Ada', text: 'hello from B' })
  expect(posted.status).toBe(201)

  await expect
    .poll(onA.data, eventually)
    .toMatchObject([{ videoId: 'blue', author: 'Ada', text: 'hello from B' }])
  expect((await state(a, 'blue')).comments).toMatchObject([{ author: 'Ada', text: 'hello from B' }])
})

it('comments are a history topic across the cluster: through the dispatcher (A) or B’s own node, each has a position, and a late joiner on either gets them by rewind; likes have none', async () => {
  const likes = await subscriber(b, 'video:red:likes')
  await post(a, '/api/videos/red/likes')
  expect(
    (await post(a, '/api/videos/red/comments', { author: 'Ada', text: 'via the dispatcher' })).status,
  ).toBe(201)
  expect((await post(b, '/api/videos/red/comments', { author: 'Bo', text: 'via B’s node' })).status).toBe(201)

  for (const demo of [a, b]) {
    const late = await subscriber(demo, 'video:red:comments', { rewind: 10 })
    await expect.poll(() => late.events.length, eventually).toBe(2)
    expect(late.events.map((event) => (event.data as CommentEvent).text)).toEqual([
      'via the dispatcher',
      'via B’s node',
    ])
    expect(late.events.map((event) => event.position?.offset)).toEqual([1, 2])
  }
  await expect.poll(() => likes.events.length, eventually).toBeGreaterThan(0)
  for (const event of likes.events) expect(event.position).toBeUndefined()
})

it('the viewer count of a video sums the viewers of both processes', async () => {
  const onA = await subscriber(a, 'video:green:comments')
  expect(onA.viewers()).toBeGreaterThanOrEqual(1)
  await subscriber(b, 'video:green:comments')
  await expect.poll(onA.viewers, eventually).toBe(2)
})

it('a crowd started on A shows on B, and B stops it: A stops liking', async () => {
  const onB = await subscriber(b, 'video:green:crowd')
  const likesOnB = await subscriber(b, 'video:green:likes')

  const on = await post(a, '/api/videos/green/crowd', { enabled: true })
  expect(on.status).toBe(200)
  const { crowd } = (await on.json()) as { crowd: CrowdState }
  expect(crowd.enabled).toBe(true)
  expect((await state(b, 'green')).crowd).toEqual(crowd)
  // a second start (on B) joins the running crowd rather than starting another
  expect(
    ((await (await post(b, '/api/videos/green/crowd', { enabled: true })).json()) as { crowd: CrowdState })
      .crowd,
  ).toEqual(crowd)
  await expect.poll(() => likesOnB.events.length, eventually).toBeGreaterThan(2)

  const off = await post(b, '/api/videos/green/crowd', { enabled: false })
  expect(((await off.json()) as { crowd: CrowdState }).crowd).toEqual({ enabled: false, endsAt: null })
  expect((await state(a, 'green')).crowd).toEqual({ enabled: false, endsAt: null })
  await expect.poll(onB.data, eventually).toEqual([crowd, { enabled: false, endsAt: null }])

  // A's timer stops: the count settles (it would grow every 100 ms while the crowd runs)
  await expect
    .poll(async () => {
      const before = (await state(a, 'green')).likeCount
      await new Promise((resolve) => setTimeout(resolve, 500))
      return (await state(a, 'green')).likeCount - before
    }, eventually)
    .toBe(0)
})
