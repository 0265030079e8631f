import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { serveStatic } from '@hono/node-server/serve-static'
import type { LikewireApp } from '@likewire/server'
import { type Context, Hono } from 'hono'
import {
  COMMENT_HISTORY,
  type Comment,
  type CommentEvent,
  type CrowdEvent,
  type LikeEvent,
  type LiveState,
  topics,
  type VideoState,
  type VideoSummary,
} from '../shared/api.js'
import { type CrowdOptions, createCrowd } from './crowd.js'
import type { Guests } from './guest.js'
import { guestRoutes } from './guest-routes.js'
import type { VideoStore } from './store.js'
import { ApiFailure, parseComment, parseCrowd, readJson } from './validate.js'
import type { Video } from './videos.js'

/** The one thing the backends need from Likewire: `lw.publish`. */
export interface Publisher {
  publish(topic: string, data: unknown): Promise<{ id: string }>
}

export interface DemoAppOptions {
  videos: Video[]
  store: VideoStore
  /** Usually the Likewire instance (`createLikewire(...)`). */
  publisher: Publisher
  /** Guest identities, signed with the secret Likewire verifies their tokens with (`createGuests`). */
  guests: Guests
  /** Likewire's Hono app, mounted at `/realtime`. */
  realtime?: LikewireApp
  /** The built page (`dist/web`); omitted in API-only tests. */
  webRoot?: string
  crowd?: Omit<CrowdOptions, 'like' | 'onChange' | 'store'>
}

/**
 * The demo server: the page, Likewire at `/realtime`, and the talk's likes and comments backends,
 * which validate, store, then publish to the video's topic.
 */
export function createDemoApp(options: DemoAppOptions) {
  const { store, publisher } = options
  const videos = new Map(options.videos.map((video) => [video.id, video]))

  const publishLikes = async (videoId: string, delta: number) => {
    const likeCount = await store.addLikes(videoId, delta)
    const event: LikeEvent = { videoId, likeCount, delta }
    await publisher.publish(topics.likes(videoId), event)
    return likeCount
  }

  const crowd = createCrowd({
    ...options.crowd,
    store,
    like: async (videoId, count) => void (await publishLikes(videoId, count)),
    onChange: (videoId, state: CrowdEvent) =>
      void publisher.publish(topics.crowd(videoId), state).catch(() => {}),
  })

  const videoOf = (c: Context) => {
    const video = videos.get(c.req.param('id') ?? '')
    if (!video) throw new ApiFailure(404, 'unknown_video', 'No live video with this id.')
    return video
  }

  const summary = async (video: Video): Promise<VideoSummary> => ({
    ...video,
    likeCount: await store.likeCount(video.id),
    commentCount: await store.commentCount(video.id),
  })

  /** Stored but not delivered: say so rather than pretend (e.g. the registry is down). */
  const published = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work
    } catch (error) {
      if (error instanceof ApiFailure) throw error
      throw new ApiFailure(503, 'unavailable', 'Saved, but live delivery is unavailable right now.')
    }
  }

  const api = new Hono()
    .get('/videos', async (c) => c.json({ videos: await Promise.all([...videos.values()].map(summary)) }))
    .get('/videos/:id', async (c) => {
      const video = videoOf(c)
      const live: LiveState = {
        video: await summary(video),
        likeCount: await store.likeCount(video.id),
        crowd: await crowd.state(video.id),
      }
      // the page takes comments from their history topic (rewind, resume): it asks without them
      if (c.req.query('comments') === 'false') return c.json(live)
      const state: VideoState = { ...live, comments: await store.recentComments(video.id, COMMENT_HISTORY) }
      return c.json(state)
    })
    .post('/videos/:id/likes', async (c) => {
      const video = videoOf(c)
      const likeCount = await published(publishLikes(video.id, 1))
      return c.json({ likeCount }, 201)
    })
    .post('/videos/:id/comments', async (c) => {
      const video = videoOf(c)
      // who comments is the token's guest, never what the body says
      const guest = await options.guests.verify(c.req.header('authorization'))
      const input = parseComment(await readJson(c), guest)
      const comment: Comment = {
        id: crypto.randomUUID(),
        videoId: video.id,
        memberId: guest.id,
        author: guest.name,
        text: input.text,
        createdAt: Date.now(),
      }
      await store.addComment(comment, COMMENT_HISTORY)
      await published(publisher.publish(topics.comments(video.id), comment satisfies CommentEvent))
      return c.json({ comment }, 201)
    })
    .post('/videos/:id/crowd', async (c) => {
      const video = videoOf(c)
      const { enabled } = parseCrowd(await readJson(c))
      return c.json({ crowd: await crowd.set(video.id, enabled) })
    })
    .route('/', guestRoutes(options.guests, store))
    .all('*', (c) => c.json(errorBody('not_found', 'No such API route.'), 404))

  const app = new Hono()
  app.onError((error, c) => {
    if (error instanceof ApiFailure) {
      return c.json(errorBody(error.code, error.message), error.status, error.headers)
    }
    console.error(JSON.stringify({ level: 'error', msg: 'demo request failed', error: String(error) }))
    return c.json(errorBody('internal', 'Something went wrong.'), 500)
  })
  app.route('/api', api)
  if (options.realtime) app.route('/realtime', options.realtime)
  if (options.webRoot) {
    const webRoot = options.webRoot
    app.use('/*', serveStatic({ root: webRoot }))
    // The page is a single-page app: any other GET gets index.html.
    app.get('*', async (c) => c.html(await readFile(join(webRoot, 'index.html'), 'utf8')))
  }

  return {
    app,
    /** Stops the crowd timers; the caller closes Likewire and the store. */
    close: () => crowd.close(),
  }
}

function errorBody(code: string, message: string) {
  return { error: { code, message } }
}
