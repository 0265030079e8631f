// The demo app in-process for tests: routes alone (a publisher that records), or served with Likewire embedded.
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { GuestSession } from '../shared/api.js'
import { createDemoApp, type Publisher } from './app.js'
import { createGuests, type GuestsOptions } from './guest.js'
import { createRealtime } from './realtime.js'
import { createMemoryStore } from './store.js'
import { defaultVideos } from './videos.js'

/** The secret the test app signs guest tokens with: tests sign their own (expired, forged) tokens with it. */
export const TEST_SECRET = 'a test secret of at least thirty-two bytes'

export interface Published {
  topic: string
  data: unknown
}

export const postInit = (body?: string, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  body,
  headers: { 'Content-Type': 'application/json', ...headers },
})

/** The app with `guests` options on top of the test secret; `close` stops its crowd timers. */
export function testApp(options: { failPublish?: boolean; guests?: Partial<GuestsOptions> } = {}) {
  const published: Published[] = []
  const publisher: Publisher = {
    async publish(topic, data) {
      if (options.failPublish) throw new Error('registry down')
      published.push({ topic, data })
      return { id: String(published.length) }
    },
  }
  const demo = createDemoApp({
    videos: defaultVideos(),
    store: createMemoryStore({ seedLikes: { red: 10 } }),
    publisher,
    guests: createGuests({ secret: TEST_SECRET, ...options.guests }),
    crowd: { likesPerSecond: 200, tickMs: 10, durationMs: 60_000 },
  })
  const request = (path: string, init?: RequestInit) => demo.app.request(path, init)
  /** `POST /api/guest` with `body`: the answer, read as a session, and its error code if any. */
  const guest = async (body?: unknown) => {
    const response = await request(
      '/api/guest',
      postInit(body === undefined ? undefined : JSON.stringify(body)),
    )
    const read = (await response.json()) as GuestSession & { error?: { code: string } }
    return { response, session: read as GuestSession, error: read.error?.code }
  }
  let ann: GuestSession | undefined
  /** POSTs as the test's guest, Ann (made on first use). */
  const post = async (path: string, body?: string) => {
    ann ??= (await guest({ name: 'Ann' })).session
    return request(path, postInit(body, { Authorization: `Bearer ${ann.token}` }))
  }
  return { published, request, guest, post, close: () => demo.close() }
}

/**
 * The embedded demo as `main.ts` wires it (Likewire verifying guest tokens, presence with `presenceGraceMs`),
 * served on a free port; `guests` options go on top of the test secret.
 */
export async function serveDemo(options: { guests?: Partial<GuestsOptions>; presenceGraceMs?: number } = {}) {
  const realtime = await createRealtime(
    {},
    { port: 0 },
    { guestSecret: TEST_SECRET, presenceGraceMs: options.presenceGraceMs },
  )
  const demo = createDemoApp({
    videos: defaultVideos(),
    store: createMemoryStore(),
    publisher: realtime.publisher,
    guests: createGuests({ secret: TEST_SECRET, ...options.guests }),
    realtime: realtime.app,
  })
  const server = serve({
    fetch: demo.app.fetch,
    port: 0,
    hostname: '127.0.0.1',
    overrideGlobalObjects: false,
  })
  await new Promise((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, postInit(body === undefined ? undefined : JSON.stringify(body), headers))
  return {
    base,
    post,
    /** A new guest's session. */
    guest: async (name?: string) =>
      (await (await post('/api/guest', name === undefined ? {} : { name })).json()) as GuestSession,
    async close() {
      // Likewire first (its streams end), then the server with its idle keep-alive connections
      await realtime.close()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
      demo.close()
    },
  }
}
