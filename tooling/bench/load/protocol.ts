/** IPC messages between the bench parent and its load-generator workers. */

export interface Target {
  host: string
  port: number
  /** Request path with query, e.g. `/v1/connect?topics=live:1`. */
  path: string
  /** Socket.IO clients: the room joined after connecting (SSE clients name their topics in `path`). */
  topic?: string
}

/** Which client each connection runs: raw SSE over TCP, or raw Socket.IO over a `ws` WebSocket. */
export type ClientKind = 'sse' | 'socketio'

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
    }
  /** Destroys every socket at once; each reconnects after a random delay in [0, jitterMs]. */
  | { type: 'cut'; jitterMs: number }
  | { type: 'close' }

export interface WorkerStats {
  type: 'stats'
  /** Connections that got a 200 and `likewire.connected`, currently open. */
  ready: number
  opened: number
  closed: number
  errors: number
  /** Non-200 responses. */
  rejected: number
  dataFrames: number
  /** Data frames without a readable `ts`. */
  untimed: number
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
