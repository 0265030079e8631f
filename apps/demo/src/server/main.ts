import { createSecureServer } from 'node:http2'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { createDemoApp } from './app.js'
import { readDemoEnv } from './env.js'
import { createGuests, guestSecret } from './guest.js'
import { createRealtime } from './realtime.js'
import { createRedisStore } from './redis-store.js'
import { createMemoryStore, type VideoStore } from './store.js'
import { defaultVideos } from './videos.js'

/**
 * `node dist/server/main.js`: the demo, embedded by default (one process, no Redis).
 * Env: PORT (default 3000; 0 picks a free one), HOST (default all interfaces), REDIS_URL (likes and
 * comments kept in Redis, and this process a cluster frontend node: LIKEWIRE_SECRET, DISPATCHER_URLS,
 * PUBLIC_URL, LIKEWIRE_API_KEY; see realtime.ts), CROWD_LIKES_PER_SECOND, CROWD_DURATION_MS, TLS_CERT and
 * TLS_KEY (PEM files: HTTPS, HTTP/2 with HTTP/1.1 fallback), GUEST_SECRET (signs guest tokens; see
 * guest.ts), PRESENCE_GRACE_MS (how long a guest who left stays online).
 */
const config = (() => {
  try {
    return readDemoEnv(process.env)
  } catch (error) {
    return fail(error)
  }
})()
const { host, redisUrl, tls } = config

// in cluster mode every demo process needs the same: GUEST_SECRET, or the one derived from LIKEWIRE_SECRET
const secret = guestSecret({
  GUEST_SECRET: config.guestSecret,
  LIKEWIRE_SECRET: redisUrl ? config.realtime.LIKEWIRE_SECRET : undefined,
})
const realtime = await createRealtime(
  config.realtime,
  { port: config.port, host, secure: Boolean(tls) },
  { guestSecret: secret, presenceGraceMs: config.presenceGraceMs },
).catch(fail)
const store: VideoStore = redisUrl
  ? createRedisStore(redisUrl)
  : createMemoryStore({ seedLikes: { red: 1204, green: 389, blue: 2710 } })

const demo = createDemoApp({
  videos: defaultVideos(),
  store,
  publisher: realtime.publisher,
  guests: createGuests({ secret }),
  realtime: realtime.app,
  webRoot: fileURLToPath(new URL('../web', import.meta.url)),
  crowd: config.crowd,
})

// With TLS_CERT/TLS_KEY: HTTP/2, so a browser's streams and requests to the demo share one connection
// (over HTTP/1.1 it opens at most 6 per origin); clients without HTTP/2 get HTTP/1.1 (ALPN).
const secure = tls && {
  createServer: createSecureServer,
  // Likewire's header timeout bounds the handshake too; http.Server's noDelay, which a TLS server lacks
  serverOptions: { allowHTTP1: true, cert: tls.cert, key: tls.key, handshakeTimeout: 10_000, noDelay: true },
}

// overrideGlobalObjects: false keeps Likewire's "response already sent" marker intact through Hono's
// context (with the lightweight global Response, node-server writes the SSE headers a second time).
const server = serve(
  { fetch: demo.app.fetch, port: realtime.port, hostname: host, overrideGlobalObjects: false, ...secure },
  (info) => {
    const shown = !host || host === '0.0.0.0' || host === '::' ? 'localhost' : host
    if (realtime.mode === 'cluster') console.log(`likewire demo: ${realtime.describe}`)
    console.log(`likewire demo: ${tls ? 'https' : 'http'}://${shown}:${info.port}`)
  },
)

// Likewire's header/body timeouts, refusal counts and per-stream memory saving on the demo's own server
// (on HTTP/2: its session limits, and a closeAllConnections() that lets the reconnect hints out first)
realtime.attach(server)

// a new user's most likely stumble: something else already on port 3000
server.on('error', (error: NodeJS.ErrnoException) => {
  const reason =
    error.code === 'EADDRINUSE'
      ? `port ${realtime.port} is already in use; try PORT=3001 npm start`
      : error.code === 'ENOTFOUND' || error.code === 'EADDRNOTAVAIL'
        ? `cannot listen on HOST=${host}: ${error.message}`
        : error.message
  console.error(`likewire demo: ${reason}`)
  process.exit(1)
})

let closing = false
async function shutdown(signal: string) {
  if (closing) process.exit(1) // a second Ctrl-C means now
  closing = true
  console.log(`likewire demo: ${signal}, closing`)
  setTimeout(() => process.exit(1), 5_000).unref()
  demo.close()
  // Likewire first: it sends every stream a reconnect hint, so viewers come back by themselves.
  await realtime.close().catch(() => {})
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    if ('closeAllConnections' in server) server.closeAllConnections()
  })
  await store.close()
  process.exit(0)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))

/** A start that cannot go on: one line for a person, no stack, exit 1. */
function fail(error: unknown): never {
  console.error(`likewire demo: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
