import { randomBytes } from 'node:crypto'
import {
  createClient,
  type LikewireClient,
  type LikewireEvent,
  type PresenceStatus,
  type TopicMembers,
  viewersTopic,
} from '@likewire/client'
import { type LikewireProcess, type RedisProcess, spawnLikewire, startRedis } from '@likewire/testkit'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { CommentEvent, CrowdState, GuestSession, LikeEvent, VideoState } from '../shared/api.js'
import { COMMENTS_HISTORY_FLAG } from './realtime.js'
import { type DemoProcess, startDemo } from './test-processes.js'

// Cluster mode for real: a redis-server, a `likewire dispatcher`, and two built demo processes in that
// Redis. A publishes through the dispatcher (DISPATCHER_URLS); B through its own frontend node. The
// dispatcher takes the demo's history rule for comments (`--history`), as its frontend nodes have it.
// Neither process is given GUEST_SECRET: both derive the same from LIKEWIRE_SECRET.
let redis: RedisProcess
let dispatcher: LikewireProcess
let a: DemoProcess
let b: DemoProcess
const clients: LikewireClient[] = []
/** Presence grace of both processes: a guest who left is offline within a second. */
const GRACE_MS = 500
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
  const cluster = {
    REDIS_URL: redis.url,
    LIKEWIRE_SECRET: secret,
    CROWD_LIKES_PER_SECOND: '100',
    PRESENCE_GRACE_MS: String(GRACE_MS),
  }
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

/** A new guest, made by `demo`. */
async function guestOf(demo: DemoProcess, name?: string): Promise<GuestSession> {
  const response = await post(demo, '/api/guest', name === undefined ? {} : { name })
  expect(response.status).toBe(201)
  return (await response.json()) as GuestSession
}

/** A client streaming from `demo` as `guest` (a new one by default), its token renewed on each connect. */
function clientOf(demo: DemoProcess, guest?: GuestSession): LikewireClient {
  const client = createClient({
    url: `${demo.url}/realtime`,
    getToken: async () =>
      guest
        ? (
            (await (
              await post(demo, '/api/guest', { id: guest.guest.id, key: guest.key })
            ).json()) as GuestSession
          ).token
        : (await guestOf(demo)).token,
  })
  clients.push(client)
  return client
}

/** A subscriber on one demo process; resolves once its subscription counts (so a publish reaches it). */
async function subscriber(demo: DemoProcess, topic: string, options: { rewind?: number } = {}) {
  const client = clientOf(demo)
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

const post = (demo: DemoProcess, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${demo.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
/** POSTs a comment to `demo` as `guest`. */
const comment = (demo: DemoProcess, guest: GuestSession, videoId: string, text: string) =>
  post(demo, `/api/videos/${videoId}/comments`, { text }, { Authorization: `Bearer ${guest.token}` })
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
  const posted = await comment(b, await guestOf(b, 'Ada'), 'blue', 'hello from B')
  expect(posted.status).toBe(201)

  await expect
    .poll(onA.data, eventually)
    .toMatchObject([{ videoId: 'blue', author: 'Ada', text: 'hello from B' }])
  expect((await state(a, 'blue')).comments).toMatchObject([{ author: 'Ada', text: 'hello from B' }])
})

it('comments are a history topic across the cluster: through the dispatcher (A) or B’s own node, each has a position, and a late joiner on either gets them by rewind; likes have none', async () => {
  const likes = await subscriber(b, 'video:red:likes')
  await post(a, '/api/videos/red/likes')
  expect((await comment(a, await guestOf(a, 'Ada'), 'red', 'via the dispatcher')).status).toBe(201)
  expect((await comment(b, await guestOf(b, 'Bo'), 'red', 'via B’s node')).status).toBe(201)

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

it('a guest made on one process is the same guest on the other: its token streams and comments there, its name is known there', async () => {
  const ada = await guestOf(a, 'Ada')
  const onB = clientOf(b, ada)
  const seen: CommentEvent[] = []
  await new Promise<void>((resolve) =>
    onB.subscribe<CommentEvent>('video:blue:comments', (event) => seen.push(event.data), {
      onSubscribed: resolve,
    }),
  )
  const posted = await comment(b, ada, 'blue', 'Ada’s token from A, on B')
  expect(posted.status).toBe(201)
  await expect
    .poll(() => seen.map((event) => [event.memberId, event.author]), eventually)
    .toContainEqual([ada.guest.id, 'Ada'])
  // renewed by B with the key A gave, and named on B (the names are in Redis)
  const renewed = await post(b, '/api/guest', { id: ada.guest.id, key: ada.key, name: 'Ada L.' })
  expect(renewed.status).toBe(200)
  const names = await fetch(`${a.url}/api/guests?id=${encodeURIComponent(ada.guest.id)}`)
  expect(await names.json()).toEqual({ guests: [{ id: ada.guest.id, name: 'Ada L.' }] })
})

it('a guest watching on B is online to a watcher on A and a member of the video on both; offline and gone after the grace', async () => {
  const bo = await guestOf(b, 'Bo')
  const bosClient = clientOf(b, bo)
  // a topic of its own: the subscribers of the other tests are still open
  const topic = 'video:presence:likes'
  await new Promise<void>((resolve) => bosClient.subscribe(topic, () => {}, { onSubscribed: resolve }))

  const watcher = clientOf(a)
  const statuses: PresenceStatus[] = []
  watcher.watchPresence(bo.guest.id, (presence) => statuses.push(presence.status))
  let members: TopicMembers | null = null
  watcher.members(topic, (current) => {
    members = current
  })
  await expect.poll(() => statuses, eventually).toEqual(['online'])
  await expect
    .poll(() => members, eventually)
    .toMatchObject({ count: 1, members: [{ memberId: bo.guest.id }] })

  bosClient.close()
  await expect.poll(() => statuses, eventually).toEqual(['online', 'offline'])
  await expect.poll(() => members, eventually).toMatchObject({ count: 0 })
})
