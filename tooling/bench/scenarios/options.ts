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
  flushWindowMs: number
  /** Also run the baselines side by side (hono streamSSE, socket.io + redis adapter). */
  baselines: boolean
  /** Folder for V8 CPU profiles of the server processes. */
  cpuProfDir?: string
  /** Where `<scenario>.json` is written; nothing is written without it (the smoke test). */
  outDir?: URL
}

/** Eight loopback source addresses: ~28K ephemeral ports each, so 100K+ connections fit. */
export const LOCAL_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`)

/** Load-generator processes for `connections`: at most 16K sockets each (fd cap ~20K), at least `min`. */
export const workersFor = (connections: number, min = 1) => Math.max(min, Math.ceil(connections / 16_000))
