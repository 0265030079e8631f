import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import type { ServerType } from '@hono/node-server'
import { createLikewire, createPublisher, type HistoryRule, type LikewireApp } from '@likewire/server'
import { topics } from '../shared/api.js'
import type { Publisher } from './app.js'
import { guestJwt } from './guest.js'

/**
 * Comments are a Likewire **history topic**: Likewire keeps the last `size` comment events of each video
 * for `ttlMs`, so a page that was offline gets what it missed when it comes back (resume) and a new viewer
 * starts with the last ones (rewind). Likes, the crowd switch and viewer counts stay fire-and-forget, as
 * in the talk. `size` is twice what a page shows, so a viewer away for up to 100 comments catches up from
 * the stream alone; `ttlMs` is the longest Likewire allows (24 h), so a newcomer still sees the last
 * comments of a quiet video.
 */
export const COMMENTS_HISTORY = {
  match: topics.comments('*'),
  size: 100,
  ttlMs: 24 * 60 * 60 * 1000,
} as const satisfies HistoryRule

/** The same rule as the CLI takes it (`--history 'video:*:comments=100/86400'`): a demo cluster's dispatchers need it. */
export const COMMENTS_HISTORY_FLAG = `${COMMENTS_HISTORY.match}=${COMMENTS_HISTORY.size}/${COMMENTS_HISTORY.ttlMs / 1000}`

/** Likewire as the demo uses it: the app mounted at `/realtime` and where likes and comments are published. */
export interface Realtime {
  /** `embedded`, or `cluster` when this process is a frontend node registered in `REDIS_URL`. */
  mode: 'embedded' | 'cluster'
  /** The port to listen on: in cluster mode it is known before listening (never 0). */
  port: number
  app: LikewireApp
  publisher: Publisher
  /** Gives the demo's HTTP server Likewire's timeouts, refusal counts and per-stream memory saving. */
  attach(server: ServerType): void
  /** One line for the startup log. */
  describe: string
  /** Closes Likewire first: every stream gets a reconnect hint, the node leaves the registry. */
  close(): Promise<void>
}

export interface RealtimeEnv {
  REDIS_URL?: string
  LIKEWIRE_SECRET?: string
  LIKEWIRE_API_KEY?: string
  DISPATCHER_URLS?: string
  PUBLIC_URL?: string
}

/** Who connects: every stream carries a guest token, and presence is smoothed by this grace. */
export interface RealtimeIdentity {
  /** The secret guest tokens are signed with (`guestSecret`): the same on every demo process of a cluster. */
  guestSecret: string
  /** Likewire's `presence.graceMs`; undefined keeps its default (60 s). */
  presenceGraceMs?: number | undefined
}

/** The mount path of Likewire in the demo app; the cluster reaches this node's internal routes below it. */
export const REALTIME_PATH = '/realtime'

/**
 * Embedded by default (frontend and dispatcher in-process, no Redis); with `REDIS_URL` the process is a
 * cluster frontend node, publishing through `DISPATCHER_URLS` when set, else through its own dispatcher.
 */
export async function createRealtime(
  env: RealtimeEnv,
  listenOn: { port: number; host?: string | undefined; secure?: boolean },
  identity: RealtimeIdentity,
): Promise<Realtime> {
  // a stream without a valid guest token is refused (401): every viewer is a guest, and a member
  const guests = {
    auth: { jwt: guestJwt(identity.guestSecret) },
    presence: { graceMs: identity.presenceGraceMs },
  }
  if (!env.REDIS_URL) {
    // the demo's backend publishes in-process; a key nobody knows keeps /realtime/v1/publish closed to browsers
    const lw = createLikewire({
      ...guests,
      history: [COMMENTS_HISTORY],
      drainJitterMs: 2_000,
      apiKey: env.LIKEWIRE_API_KEY || randomBytes(24).toString('hex'),
    })
    return {
      mode: 'embedded',
      port: listenOn.port,
      app: lw.app,
      publisher: lw,
      attach: (server) => lw.attach(server),
      describe: 'Likewire embedded (no Redis)',
      close: () => lw.close(),
    }
  }

  const secret = env.LIKEWIRE_SECRET
  if (!secret) {
    throw new Error(
      'LIKEWIRE_SECRET is required when REDIS_URL is set: the shared secret of the cluster (the same on every node)',
    )
  }
  const dispatchers = (env.DISPATCHER_URLS ?? '')
    .split(',')
    .map((url) => url.trim().replace(/\/$/, ''))
    .filter(Boolean)
  for (const url of dispatchers) {
    if (!URL.canParse(url)) throw new Error(`DISPATCHER_URLS: not a URL: ${JSON.stringify(url)}`)
  }
  // dispatchers deliver to `<internalUrl>/internal/v1/deliver`, so the URL must be known before listening
  const port = listenOn.port === 0 ? await freePort(listenOn.host) : listenOn.port
  // over HTTPS the dispatchers must trust this node's certificate (NODE_EXTRA_CA_CERTS, README)
  const scheme = listenOn.secure ? 'https' : 'http'
  const internalUrl = `${(env.PUBLIC_URL ?? `${scheme}://${loopbackOf(listenOn.host)}:${port}`).replace(/\/$/, '')}${REALTIME_PATH}`
  // loaded only here: the embedded demo never loads a Redis client
  const { createFrontendNode } = await import('@likewire/server/cluster')
  const node = await createFrontendNode({
    ...guests,
    redis: env.REDIS_URL,
    secret,
    internalUrl,
    apiKey: env.LIKEWIRE_API_KEY || randomBytes(24).toString('hex'),
    // the same rule as the cluster's dispatchers (`--history`): this node records what it publishes
    // itself, and resumes and rewinds its viewers' comments from the datacenter's Redis
    history: [COMMENTS_HISTORY],
    drainJitterMs: 2_000,
  })
  const publisher =
    dispatchers.length > 0
      ? createPublisher({ dispatchers, apiKey: env.LIKEWIRE_API_KEY || undefined })
      : undefined
  return {
    mode: 'cluster',
    port,
    app: node.app,
    publisher: publisher ?? node,
    attach: (server) => node.attach(server),
    describe: `Likewire frontend node ${node.frontend.nodeId} (registry ${redact(env.REDIS_URL)}, reached at ${internalUrl}); publishing through ${
      publisher ? dispatchers.join(', ') : 'this node'
    }`,
    async close() {
      await publisher?.close().catch(() => {})
      await node.close()
    },
  }
}

/** The address other nodes on this machine use for us: loopback unless bound to one address. */
function loopbackOf(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

/** A port free on `host` right now (bound, then released). */
function freePort(host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

/** A Redis URL without its password, for logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'redis'
  }
}
