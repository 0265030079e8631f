import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createClient, type LikewireEvent, viewersTopic } from '@likewire/client'
import { createLikewire } from '@likewire/server'
import { afterEach, expect, it } from 'vitest'
import { createDemoApp } from './app.js'
import { createGuests } from './guest.js'
import { COMMENTS_HISTORY } from './realtime.js'
import { createMemoryStore } from './store.js'
import { serveDemo, TEST_SECRET } from './test-app.js'
import { defaultVideos } from './videos.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

it('a like POSTed to the demo reaches a subscriber of that video (only) through Likewire at /realtime', async () => {
  const lw = createLikewire({ logLevel: 'silent', processMetrics: false })
  const demo = createDemoApp({
    videos: defaultVideos(),
    store: createMemoryStore(),
    publisher: lw,
    guests: createGuests({ secret: TEST_SECRET }),
    realtime: lw.app,
  })
  const server = serve({
    fetch: demo.app.fetch,
    port: 0,
    hostname: '127.0.0.1',
    overrideGlobalObjects: false,
  })
  await new Promise((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  cleanups.push(
    () => new Promise<void>((resolve) => server.close(() => resolve())),
    () => lw.close(),
    () => demo.close(),
  )

  const client = createClient({ url: `${base}/realtime` })
  cleanups.push(() => client.close())
  const received: LikewireEvent[] = []
  client.subscribe('video:red:likes', (event) => received.push(event))
  // the count of this topic's subscribers includes us once our subscription is live
  await new Promise<void>((resolve) => {
    client.subscribe<{ count: number }>(viewersTopic('video:red:likes'), (event) => {
      if (event.data.count > 0) resolve()
    })
  })

  const like = await fetch(`${base}/api/videos/red/likes`, { method: 'POST' })
  expect(like.status).toBe(201)
  await fetch(`${base}/api/videos/green/likes`, { method: 'POST' })

  await expect
    .poll(() => received.map(({ topic, data }) => ({ topic, data })))
    .toEqual([{ topic: 'video:red:likes', data: { videoId: 'red', likeCount: 1, delta: 1 } }])
})

it('embedded, comments are a history topic (a late joiner gets them by rewind, with positions) and likes are not', async () => {
  const demo = await serveDemo()
  cleanups.push(() => demo.close())
  expect(COMMENTS_HISTORY.match).toBe('video:*:comments')

  const ann = await demo.guest('Ann')
  for (const text of ['one', 'two', 'three']) {
    const posted = await demo.post(
      '/api/videos/red/comments',
      { text },
      { Authorization: `Bearer ${ann.token}` },
    )
    expect(posted.status).toBe(201)
  }

  const client = createClient({
    url: `${demo.base}/realtime`,
    getToken: async () => (await demo.guest()).token,
  })
  cleanups.push(() => client.close())
  const comments: LikewireEvent<{ text: string }>[] = []
  const likes: LikewireEvent[] = []
  client.subscribe<{ text: string }>('video:red:comments', (event) => comments.push(event), { rewind: 2 })
  client.subscribe('video:red:likes', (event) => likes.push(event), {
    onSubscribed: () => void demo.post('/api/videos/red/likes'),
  })

  await expect
    .poll(() => comments.map((event) => [event.data.text, event.position?.offset]))
    .toEqual([
      ['two', 2],
      ['three', 3],
    ])
  await expect.poll(() => likes.length).toBe(1)
  expect(likes[0]).not.toHaveProperty('position')
})
