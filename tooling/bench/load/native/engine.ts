import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { ToWorker, WorkerStats } from '../protocol'

/** The counts sse-load.c keeps, named as a load worker reports them. */
export const NATIVE_COUNTS = [
  'ready',
  'opened',
  'closed',
  'errors',
  'rejected',
  'dataFrames',
  'untimed',
  'gaps',
  'heartbeats',
] as const

/** One stats line of sse-load.c: its counts so far, its CPU and RSS now, the latency of the interval. */
export type NativeStats = Pick<
  WorkerStats,
  (typeof NATIVE_COUNTS)[number] | 'cpuUserMs' | 'cpuSystemMs' | 'rssBytes' | 'lastReadyAt' | 'at'
> & {
  firstError: string
  /** The interval's latencies as [ms, count, ms, count, ...] (ms is all `ts` resolves). */
  latencyMs: number[]
}

/** What a worker's `open` tells the native client: its share of the connections. */
export type NativeOpen = Pick<
  Extract<ToWorker, { type: 'open' }>,
  'targets' | 'count' | 'localAddresses' | 'concurrency' | 'worker' | 'workers'
>

/** The argv of sse-load.c for one worker's share: targets as `host:port:readyOnHead:path`. */
export function nativeArgs(open: NativeOpen): string[] {
  const args = ['--count', String(open.count), '--concurrency', String(open.concurrency)]
  args.push('--worker', String(open.worker), '--workers', String(open.workers))
  for (const address of open.localAddresses) args.push('--local', address)
  for (const t of open.targets)
    args.push('--target', `${t.host}:${t.port}:${t.readyOnHead ? 1 : 0}:${t.path}`)
  return args
}

/**
 * The native SSE load client as a child of a load worker: its connections, its stats line each second
 * (`onStats`), `close()` for its last line and its exit.
 */
export class NativeEngine {
  private readonly child: ChildProcess
  /** After its stdout ended too: every line it wrote has been read. */
  private readonly gone: Promise<void>
  private stopping = false
  latest: NativeStats | undefined
  /** Why the client stopped on its own (a crash): reported as the worker's first error. */
  failure: string | undefined

  constructor(binary: string, open: NativeOpen, onStats: (stats: NativeStats) => void) {
    this.child = spawn(binary, nativeArgs(open), { stdio: ['pipe', 'pipe', 'inherit'] })
    this.gone = new Promise((resolve) => this.child.once('close', () => resolve()))
    this.child.once('exit', (code, signal) => {
      if (!this.stopping) this.failure = `native load client exited (${signal ?? code})`
    })
    this.child.on('error', (error) => {
      this.failure = `native load client: ${error.message}`
    })
    // a client that exited closed its stdin: a late write must not crash the worker
    this.child.stdin?.on('error', () => {})
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const stats = JSON.parse(line) as NativeStats
      this.latest = stats
      onStats(stats)
    })
  }

  /** Asks for the last stats line and the exit; killed if it has not gone in `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    this.stopping = true
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.stdin?.end('close\n')
    await this.gone
    clearTimeout(timer)
  }
}
