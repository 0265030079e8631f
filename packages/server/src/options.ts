import type { Logger } from 'pino'
import type { JwtOptions } from './auth/jwt'
import type { HistoryRule } from './history/rules'
import type { HistoryStore } from './history/store'
import type { Registry } from './registry/registry'
import type { FrontendTransport } from './transport/transport'

/** Who a connection belongs to, as returned by `authenticate`; opaque to Likewire. */
export type Identity = unknown

export interface CorsOptions {
  /**
   * Origins allowed to connect and subscribe from a browser: a list, or `'*'` for any.
   * @default '*'
   */
  origins?: string[] | '*' | undefined
  /**
   * Allow credentials (cookies). Only ever granted to origins in the `origins` list, never to `'*'`.
   * @default false
   */
  credentials?: boolean | undefined
  /**
   * How long browsers may cache a preflight answer, in seconds.
   * @default 600
   */
  maxAgeSeconds?: number | undefined
}

/** Built-in authentication of connects. */
export interface AuthOptions {
  /**
   * Verify a JWT at connect (`Authorization: Bearer <token>` or `?access_token=<token>`): `sub` names the
   * member, an optional `topics` claim lists the topic patterns it may subscribe to, and the stream is
   * ended at `exp` with a `likewire.reconnect` hint (reason `token_expired`). Not with `authenticate`.
   * @default undefined (connects are judged by `authenticate`, or all accepted)
   */
  jwt?: JwtOptions | undefined
}

/** Member presence and topic members (identified connections only: see `auth.jwt` and `authenticate`). */
export interface PresenceOptions {
  /**
   * How long a member with no connection left anywhere still counts as online (and a topic's member as
   * a member): a reconnect within it is a flap absorbed, nothing is published. The same on every node.
   * @default 60000
   */
  graceMs?: number | undefined
  /** Most members in a `<topic>/$members` snapshot (the oldest first; `count` is always exact). @default 100 */
  membersLimit?: number | undefined
  /** Least time between two `<topic>/$members` change events of one topic. @default 500 */
  intervalMs?: number | undefined
  /**
   * Cluster with peer datacenters: how often one frontend of the datacenter sends every peer its online
   * members (a digest), so a member whose offline was lost on the way goes offline there anyway. A peer
   * keeps a member online for three intervals unless confirmed again. Costs one request per 1000 online
   * members per peer per interval; the same on every frontend of every datacenter.
   * @default 30000
   */
  digestIntervalMs?: number | undefined
}

export interface LikewireOptions {
  /**
   * This node's id in the registry and in `likewire.connected`.
   * @default a random id
   */
  nodeId?: string | undefined
  /**
   * Interval of `likewire.heartbeat` frames on every stream; clients reconnect after ~2.5 missed.
   * @default 15000
   */
  heartbeatMs?: number | undefined
  /**
   * The `retry:` value sent at connect: the client's base reconnect delay.
   * @default 2000
   */
  retryMs?: number | undefined
  /**
   * Largest JSON `data` of one event, in bytes (413 `payload_too_large` past it).
   * @default 65536
   */
  maxPayloadBytes?: number | undefined
  /**
   * Largest request body, in bytes (413 `payload_too_large` past it).
   * @default 1048576
   */
  maxRequestBytes?: number | undefined
  /**
   * Most events in one batch publish.
   * @default 1000
   */
  maxBatchSize?: number | undefined
  /**
   * Most topics one connection may subscribe to (400 `too_many_subscriptions` past it).
   * @default 100
   */
  maxSubscriptionsPerConnection?: number | undefined
  /**
   * Most connections this process holds (429 `too_many_connections` past it). Keep it under the
   * process's open-file limit.
   * @default 19000
   */
  maxConnections?: number | undefined
  /**
   * Bytes a connection may have queued but unsent before it is dropped as a slow consumer
   * (counted in `likewire_disconnects_total{reason="slow_consumer"}`).
   * @default 1048576
   */
  maxBufferedBytes?: number | undefined
  /**
   * When this node flushes its connections (each flush is one write per connection with frames queued).
   * `'auto'`: the window follows the load: 0 while the event loop has room (frames are written in the
   * tick they arrived), growing as the loop nears saturation to about twice a flush's duration (four
   * times while writes merge frames), never past `maxFlushWindowMs` (half of it while each write carries
   * one frame), so a saturated node writes each connection at most once per window. A number fixes the
   * window whatever the load: 0 flushes once per event-loop tick, `n` at most once per `n` ms. Either way
   * frames that arrive after a quiet spell leave at once (no added latency), and while writes merge
   * frames a window's writes are spread over it, each connection on its own turn.
   * Gauge: `likewire_flush_window_seconds`.
   * @default 'auto'
   */
  flushWindowMs?: number | 'auto' | undefined
  /**
   * With `flushWindowMs: 'auto'`: the longest window the node picks, so the most a frame may wait for
   * its write (saturated, a frame waits at most about this long before its write starts). It is reached
   * only while writes merge frames; while each write carries one, the window stays within half of it.
   * @default 200
   */
  maxFlushWindowMs?: number | undefined
  /**
   * On `close()`, clients are told to reconnect after a random delay in [0, drainJitterMs], so a
   * restart does not bring every client back in the same instant.
   * @default 5000
   */
  drainJitterMs?: number | undefined
  /**
   * How often changed viewer counts are published on `<topic>/$viewers`.
   * @default 500
   */
  viewerCountIntervalMs?: number | undefined
  /**
   * Member presence (`member:<id>/$presence`) and topic members (`<topic>/$members`) of the members that
   * `authenticate` names (an identity with a string `memberId`).
   * @default { graceMs: 60000, membersLimit: 100, intervalMs: 500, digestIntervalMs: 30000 }
   */
  presence?: PresenceOptions | undefined
  /**
   * When set, `POST /v1/publish` requires `Authorization: Bearer <apiKey>`.
   * @default undefined (publishing is open: keep the route internal)
   */
  apiKey?: string | undefined
  /**
   * Built-in authentication: `{ jwt: { secret | publicKey | jwksUrl, issuer?, audience? } }`.
   * @default undefined
   */
  auth?: AuthOptions | undefined
  /**
   * Called at connect with the request; return an identity, or null/undefined/false to answer 401. An
   * identity object with a string `memberId` names the member the connection belongs to (presence);
   * any other identity is anonymous. Not with `auth.jwt`.
   * @default every connection is accepted with identity `null`
   */
  authenticate?: ((request: Request) => Identity | Promise<Identity>) | undefined
  /**
   * Called for each topic a connection subscribes to, at connect and on every subscribe, with the
   * connection's identity (`{ memberId, claims }` with `auth.jwt`, after the token's `topics` claim
   * granted the topic); return false to answer 403 `forbidden`. `topic` is as subscribed, meta topics
   * included (`t/$viewers`, `t/$members`, `member:<escaped id>/$presence`): judge `baseTopic(topic)`
   * so that a rule for `t` also covers them.
   * @default every topic is allowed
   */
  authorize?: ((identity: Identity, topic: string) => boolean | Promise<boolean>) | undefined
  /** Cross-origin access for browsers. @default { origins: '*', credentials: false } */
  cors?: CorsOptions | false | undefined
  /**
   * The URL dispatchers use to reach this node's internal routes (cluster mode), including the path
   * the app is mounted at (`http://10.0.0.5:3000/realtime`).
   * @default '' (embedded: delivered in-process)
   */
  internalUrl?: string | undefined
  /** The topic -> node table. @default an in-memory registry (embedded mode) */
  registry?: Registry | undefined
  /** How the dispatcher reaches frontend nodes. @default in-process (embedded mode) */
  transport?: FrontendTransport | undefined
  /**
   * Topics that keep a history: every event exactly once and in order across reconnects, or an explicit
   * gap (`likewire.gap`), plus rewind for late joiners. The first rule whose pattern matches a topic
   * applies; other topics stay fire-and-forget at full speed. Meta topics (`/$viewers`) never have one.
   * @example [{ match: 'chat:*', size: 100, ttlMs: 300_000 }]
   * @default [] (no topic has history)
   */
  history?: HistoryRule[] | undefined
  /** Where history is kept. @default a bounded ring per topic in memory (embedded mode) */
  historyStore?: HistoryStore | undefined
  /**
   * Events a frontend keeps per history topic of what it delivered live (never more than the topic's
   * rule keeps): a resume from a position inside this window is answered from memory, without a history
   * read, so a cut that brings thousands of subscribers back at once costs the store one read per topic.
   * Older positions (or a hole in what the node delivered) are read from the store. 0 keeps none.
   * Counted in `likewire_resumes_total{source="window"|"store"}`.
   * @default 10000 (everything a rule keeps: rules keep at most 10,000; the byte bound is the limit)
   */
  historyWindow?: number | undefined
  /**
   * Most bytes of frames a frontend keeps in all its history windows together; past it the topics fed
   * least recently lose their oldest events first. Gauge: `likewire_history_window_bytes`.
   * @default 67108864 (64 MiB)
   */
  historyWindowBytes?: number | undefined
  /** A pino logger. @default pino at level `logLevel` */
  logger?: Logger | undefined
  /** Level of the default logger. @default 'warn' */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' | undefined
  /** Collect Node process metrics (CPU, memory, event loop) into `/metrics`. @default true */
  processMetrics?: boolean | undefined
}

export const defaultOptions = {
  heartbeatMs: 15_000,
  retryMs: 2_000,
  maxPayloadBytes: 64 * 1024,
  maxRequestBytes: 1024 * 1024,
  maxBatchSize: 1000,
  maxSubscriptionsPerConnection: 100,
  maxConnections: 19_000,
  maxBufferedBytes: 1024 * 1024,
  flushWindowMs: 'auto',
  maxFlushWindowMs: 200,
  drainJitterMs: 5_000,
  historyWindow: 10_000,
  historyWindowBytes: 64 * 1024 * 1024,
  viewerCountIntervalMs: 500,
  logLevel: 'warn',
  processMetrics: true,
} as const satisfies LikewireOptions

/** Options over their defaults; an option given as `undefined` (say `process.env.X`) keeps its default. */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O): D & O {
  const merged = { ...defaults } as Record<string, unknown>
  for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = value
  return merged as D & O
}
