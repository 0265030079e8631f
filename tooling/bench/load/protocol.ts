/** IPC messages between the bench parent and its load-generator workers. */

export interface Target {
  host: string
  port: number
  /** Request path with query, e.g. `/v1/connect?topics=live:1`. */
  path: string
  /**
   * The topic: Socket.IO clients join its room after connecting (SSE clients name it in `path` too); an SSE
   * client that resumes after a cut adds `&resume=<topic>~<epoch>~<offset>`.
   */
  topic?: string
  /** A server that sends no `likewire.connected` (nchan): the client is subscribed once the 200 head came. */
  readyOnHead?: boolean
}

/**
 * Which client each connection runs: raw SSE over TCP (HTTP/1.1, over TLS with `tls`), SSE streams on
 * `node:http2` sessions (`h2`, always TLS), or raw Socket.IO over a `ws` WebSocket.
 */
export type ClientKind = 'sse' | 'h2' | 'socketio'

/**
 * What reads plain SSE clients (HTTP/1.1 cleartext, no cut): `native`, the C client (epoll, one read per
 * ready socket), or `node`, sse-client.ts. TLS, HTTP/2, Socket.IO and cut clients are always Node's.
 */
export type LoadClient = 'native' | 'node'

/** How the SSE clients reach a TLS server: the certificate they trust (the bench's self-signed one). */
export interface ClientTls {
  ca: string
}

export type ToWorker =
  /** Opens `count` connections spread round robin over targets and local addresses. */
  | {
      type: 'open'
      client: ClientKind
      targets: Target[]
      count: number
      localAddresses: string[]
      concurrency: number
      /** This worker's index and the fleet size: each worker uses its own slice of source ports. */
      worker: number
      workers: number
      /** `sse` over TLS (HTTP/1.1 by ALPN); required for `h2`. */
      tls?: ClientTls | undefined
      /** `h2`: streams carried by each session (a new session opens when one is full). */
      streamsPerSession?: number | undefined
      /** The native load client's binary (load/native/sse-load.c): plain `sse` clients are its, not Node's. */
      native?: string | undefined
    }
  /**
   * Destroys every socket at once; each reconnects after a random delay in [0, jitterMs]. `resume`: an SSE
   * client reconnects from the last position it saw, and counts as behind until it has caught up.
   */
  | { type: 'cut'; jitterMs: number; resume?: boolean }
  /** Asks for the events past each client's last offset, given each topic's last offset (`heads`). */
  | { type: 'tally'; heads: Record<string, number> }
  | { type: 'close' }

/** A worker's answer to `tally`. */
export interface WorkerTally {
  type: 'tally'
  /** Sum over clients of events of their topic past their last offset (never received). */
  tailMissing: number
  /** Clients whose topic has a head (a history topic), and of them those that saw every offset up to it. */
  clients: number
  complete: number
}

export interface WorkerStats {
  type: 'stats'
  /** Connections that got a 200 and `likewire.connected`, currently open. */
  ready: number
  /** `h2`: sessions (TLS sockets) currently open; 0 for the other clients. */
  sessions: number
  opened: number
  closed: number
  errors: number
  /** Non-200 responses. */
  rejected: number
  dataFrames: number
  /** Data frames without a readable `ts`. */
  untimed: number
  // history topics (events with an `id: <epoch>:<offset>` line), summed over this worker's clients
  /** Clients that have seen a position. */
  positioned: number
  /** Offsets that came again (at or below the client's last one). */
  duplicates: number
  /** Offsets skipped (a later one came next); the tail past a client's last one is counted by `tally`. */
  missing: number
  /** Epoch changes seen by clients (offsets start over). */
  epochChanges: number
  /** `likewire.gap` frames. */
  gaps: number
  /** `likewire.heartbeat` frames (each one flush of its own on the server). */
  heartbeats: number
  /** Clients cut with `resume` that have not caught up yet. */
  behind: number
  /** When the last client that caught up did (epoch ms; 0 before any). */
  lastCaughtUpAt: number
  /** The longest a client took from the start of its reconnect to caught up, ms. */
  maxCatchUpMs: number
  /** Latency histogram (microseconds) of this interval only, compressed. */
  histogram: string
  cpuUserMs: number
  cpuSystemMs: number
  rssBytes: number
  /** When this report was taken (epoch ms): rates are computed between a worker's own reports. */
  at: number
  /** When the last connection became ready (epoch ms): the end of a reconnect storm. */
  lastReadyAt: number
  firstError?: string
}
