import type { LoadClient } from '../load/protocol'
import type { Peer } from '../server/protocol'

/** What the CLI hands every scenario. */
export interface RunOptions {
  quick: boolean
  /** Override of the scenario's connection count. */
  connections?: number
  /** Override of the scenario's frontend process count. */
  frontends?: number
  /** Override of the scenario's publish duration, seconds. */
  durationSec?: number
  /** Override of the scenario's publishes/s. */
  ratePerSec?: number
  flushWindowMs: number | 'auto'
  /**
   * History rules for the Likewire servers under test, the server's CLI form (`live:*=100/300`): a run of a
   * fire-and-forget scenario with history, written as `<scenario>-history.json`. A scenario with its own rule
   * (recovery-storm) keeps it.
   */
  history?: string | undefined
  /** Also run the peers side by side (nchan, better-sse, hono streamSSE, socket.io + redis adapter). */
  baselines: boolean
  /** Which peers (`--peers`), of those the scenario serves; absent: all of them. */
  peers?: Peer[] | undefined
  /** Likewire's processes per node (`--workers`, the server's own flag): above 1, every Likewire node is a CLI node. */
  serverWorkers?: number | undefined
  /** Load-generator processes (`--load-workers`); absent: the plan's (about 1,500 sockets each when timing latency). */
  loadWorkers?: number | undefined
  /** What reads plain SSE clients (`--load-client`); absent: `node`. Socket.IO, TLS, HTTP/2, cut and history clients are Node's. */
  loadClient?: LoadClient | undefined
  /** Folder for V8 CPU profiles of the server processes. */
  cpuProfDir?: string
  /** Where `<scenario>.json` is written; nothing is written without it (the smoke test). */
  outDir?: URL
}

/** Eight loopback source addresses: ~28K ephemeral ports each, so 100K+ connections fit. */
export const LOCAL_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`)

/** Sockets per native load-client process in the latency scenarios. */
const NATIVE_LATENCY_SOCKETS = 5_000

/**
 * Load-generator processes for `connections`: at most `perWorker` sockets each (16K: the fd cap is ~20K), at
 * least `min`. Latency scenarios take ~1,500 with the Node client (5,000 with the native one): a worker reads
 * a publish's frames for all its sockets in one turn of its loop, so the last socket's frame waits behind the
 * others' (~1 us each).
 */

export const workersFor = (connections: number, min = 1, perWorker = 16_000) =>
  Math.max(min, Math.ceil(connections / perWorker))

/** What every scenario's plan starts from: a smoke run (`--quick`) is 50 connections for 2 s (or `quickSec`). */
export const common = (
  options: RunOptions,
  full: {
    connections: number
    durationSec: number
    minWorkers?: number
    quickSec?: number
    /** Sockets per load-generator process (default 16K); `--load-workers` overrides the count. */
    socketsPerWorker?: number
  },
) => {
  const connections = options.connections ?? (options.quick ? 50 : full.connections)
  const loadClient: LoadClient = options.loadClient ?? 'native'
  const count = (perWorker: number | undefined) =>
    options.loadWorkers ?? (options.quick ? 1 : workersFor(connections, full.minWorkers, perWorker))
  return {
    connections,
    durationMs: (options.durationSec ?? (options.quick ? (full.quickSec ?? 2) : full.durationSec)) * 1000,
    // the native client reads a ready socket in ~6 us of mostly kernel time: fewer, fuller processes
    // measured best (talk-latency p90 71-122 ms with 2 of 5K against 177-335 with 7 of 1,500)
    workers: count(
      loadClient === 'native' && full.socketsPerWorker ? NATIVE_LATENCY_SOCKETS : full.socketsPerWorker,
    ),
    /** The Node client's share (a Socket.IO peer is always read by Node). */
    nodeWorkers: count(full.socketsPerWorker),
    flushWindowMs: options.flushWindowMs,
    localAddresses: LOCAL_ADDRESSES,
    connectTimeoutMs: options.quick ? 20_000 : 180_000,
    tickMs: 10,
    warmupMs: options.quick ? 0 : 2000,
    cpuProfDir: options.cpuProfDir,
    loadClient,
  }
}
