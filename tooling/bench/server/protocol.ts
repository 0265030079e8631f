import type { LikewireOptions } from '@likewire/server'

/** History rules of the Likewire servers under test (`--history`); the baselines have none. */
export type HistoryRules = NonNullable<LikewireOptions['history']>

/** IPC messages between the bench parent and a server-under-test process. */

/**
 * Embedded Likewire, a baseline (hono streamSSE, better-sse, socket.io + redis adapter, nchan), or one
 * cluster role (Redis registry, HTTP transport).
 */
export type ServerKind =
  | 'likewire'
  | 'hono'
  | 'better-sse'
  | 'socketio'
  | 'nchan'
  | 'cluster-frontend'
  | 'cluster-dispatcher'

/** The peers the bench runs beside Likewire (`--peers`), in the report's order. */
export const PEERS = ['nchan', 'better-sse', 'hono', 'socketio'] as const
export type Peer = (typeof PEERS)[number]

export interface ServerSettings {
  kind: ServerKind
  /** Likewire's `flushWindowMs` ('auto' = follows the load, 0 = flush once per tick). */
  flushWindowMs: number | 'auto'
  maxConnections: number
  /** Cluster roles: the registry and the shared secret; socketio: its redis adapter's Redis. */
  redis?: string
  secret?: string
  /** Likewire kinds (embedded, both cluster roles): topics with a history. Absent: all fire-and-forget. */
  history?: HistoryRules
  /** Serve HTTPS with this certificate (`listen({ tls })`: HTTP/2 with HTTP/1.1 fallback). Absent: plain HTTP. */
  tls?: { cert: string; key: string }
  /** Count the process's stream writes (`server/write-count.ts`), reported in its stats. */
  countWrites?: boolean
  /** Cluster frontends of the presence scenario: `auth.jwt.secret` (HS256, what `--jwt-secret` sets). */
  jwtSecret?: string
  /** Cluster frontends of the presence scenario: `presence.graceMs` (what `--presence-grace-ms` sets). */
  presenceGraceMs?: number
}

export type ToServer = { type: 'stats'; collect: boolean } | { type: 'close' }

export type FromServer = { type: 'listening'; port: number } | ServerStats

export interface ServerStats {
  type: 'stats'
  connections: number
  rssBytes: number
  heapUsedBytes: number
  /** The V8 heap's committed size: what of RSS is heap kept for reuse, not objects (the presence memory run). */
  heapTotalBytes: number
  cpuUserMs: number
  cpuSystemMs: number
  /** Local subscribers per topic (Likewire kinds): what a cluster publish owes this node. */
  topics: Record<string, number>
  /** TCP connections the HTTP server holds (an HTTP/2 session is one, whatever its streams). */
  sockets: number
  /** write(2)/writev(2) calls of the process so far (`syscw` of /proc/self/io); null where unreadable. */
  writeSyscalls: number | null
  /** Stream writes in JS so far (a sink's one write per flush), with `countWrites`; else null. */
  streamWrites: number | null
  /** A `--workers` node's connections on each worker, by slot (`likewire_worker_connections`). */
  workerConnections?: number[]
}
