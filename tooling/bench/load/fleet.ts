import type { ChildProcess } from 'node:child_process'
import { createHistogram, decodeHistogram, type Histogram } from '../lib/histogram'
import { spawnTs, stopChild } from '../lib/spawn'
import { nativeLoadClient } from './native/build'
import type {
  ClientKind,
  ClientTls,
  LoadClient,
  Target,
  ToWorker,
  WorkerStats,
  WorkerTally,
} from './protocol'

/** One sample per second of the whole fleet: what the charts plot. */
export interface Sample {
  t: number
  ready: number
  deliveriesPerSec: number
}

/** The load-generator processes seen from the parent: spawns them, sums their stats and histograms. */
export class LoadFleet {
  private readonly workers: ChildProcess[] = []
  private readonly latest = new Map<number, WorkerStats>()
  /** Frames/s of each worker between its last two reports (a starved worker reports late, not wrong). */
  private readonly rates = new Map<number, number>()
  /** Latency of everything recorded since the last `resetLatency()`. */
  histogram: Histogram = createHistogram()
  readonly samples: Sample[] = []
  private readonly startedAt = Date.now()
  private sampler: ReturnType<typeof setInterval> | undefined
  /** What read the clients of the last `open`: `native` only for plain SSE with the client built. */
  loadClient: LoadClient = 'node'

  /** `cpuProfDir`: V8 CPU profiles of each worker in `load<index>/` there (its main thread's is the largest). */
  constructor(
    readonly size: number,
    cpuProfDir?: string,
  ) {
    for (let index = 0; index < size; index++) {
      const nodeFlags = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}/load${index}`] : []
      const worker = spawnTs('../load/worker.ts', { label: `load${index}`, nodeFlags })
      worker.on('message', (message: WorkerStats | WorkerTally) => {
        if (message.type !== 'stats') return
        const previous = this.latest.get(index)
        if (previous && message.at > previous.at) {
          this.rates.set(
            index,
            ((message.dataFrames - previous.dataFrames) * 1000) / (message.at - previous.at),
          )
        }
        this.latest.set(index, message)
        this.histogram.add(decodeHistogram(message.histogram))
      })
      this.workers.push(worker)
    }
    this.sampler = setInterval(() => this.sample(), 1000)
  }

  /**
   * Spreads `count` connections over the workers (each stays under the fd cap). `transport`: TLS (the
   * certificate to trust) and, for `h2`, the streams each session carries; `loadClient`: `native` reads plain
   * SSE clients (cleartext HTTP/1.1) with the C client, when it builds here (else Node's, with a warning).
   */
  open(
    targets: Target[],
    count: number,
    localAddresses: string[],
    client: ClientKind = 'sse',
    concurrency = 256,
    transport: {
      tls?: ClientTls | undefined
      streamsPerSession?: number | undefined
      loadClient?: LoadClient | undefined
    } = {},
  ): void {
    const { loadClient, ...rest } = transport
    const native =
      loadClient === 'native' && client === 'sse' && !transport.tls ? nativeLoadClient() : undefined
    this.loadClient = native ? 'native' : 'node'
    const per = Math.floor(count / this.size)
    this.workers.forEach((worker, index) => {
      const share = per + (index < count % this.size ? 1 : 0)
      // rotate the targets so each worker spreads its share evenly
      const rotated = targets.map((_, i) => targets[(i + index) % targets.length]!)
      this.send(worker, {
        type: 'open',
        client,
        targets: rotated,
        count: share,
        localAddresses,
        concurrency,
        worker: index,
        workers: this.size,
        ...rest,
        native,
      })
    })
  }

  /** Every socket destroyed at once; `resume`: each comes back from the last position it saw. */
  cut(jitterMs: number, resume = false): void {
    for (const worker of this.workers) this.send(worker, { type: 'cut', jitterMs, resume })
  }

  /** Events no client got past its last offset, given each history topic's last offset; summed over workers. */
  async tally(heads: Record<string, number>): Promise<Omit<WorkerTally, 'type'>> {
    const answers = await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<WorkerTally | undefined>((resolve) => {
            const timer = setTimeout(() => done(undefined), 5000)
            const onMessage = (message: { type?: string }) => {
              if (message.type === 'tally') done(message as WorkerTally)
            }
            const done = (answer: WorkerTally | undefined) => {
              clearTimeout(timer)
              worker.off('message', onMessage)
              resolve(answer)
            }
            worker.on('message', onMessage)
            this.send(worker, { type: 'tally', heads })
          }),
      ),
    )
    const sum = { tailMissing: 0, clients: 0, complete: 0 }
    for (const answer of answers) {
      // a worker that did not answer: its clients' positions are unknown, so nothing can be said complete
      if (!answer) sum.tailMissing = Number.POSITIVE_INFINITY
      else {
        sum.tailMissing += answer.tailMissing
        sum.clients += answer.clients
        sum.complete += answer.complete
      }
    }
    return sum
  }

  private send(worker: ChildProcess, message: ToWorker): void {
    // a worker that died is reported by its missing counts, never by a crash of the harness
    if (worker.connected) worker.send(message, () => {})
  }

  private sum(
    key: keyof Omit<
      WorkerStats,
      'type' | 'histogram' | 'firstError' | 'lastReadyAt' | 'lastCaughtUpAt' | 'maxCatchUpMs'
    >,
  ): number {
    let total = 0
    for (const stats of this.latest.values()) total += stats[key]
    return total
  }

  get ready(): number {
    return this.sum('ready')
  }
  /** HTTP/2 sessions (TLS sockets) the `h2` clients hold. */
  get sessions(): number {
    return this.sum('sessions')
  }
  get dataFrames(): number {
    return this.sum('dataFrames')
  }
  get errors(): number {
    return this.sum('errors')
  }
  get rejected(): number {
    return this.sum('rejected')
  }
  get untimed(): number {
    return this.sum('untimed')
  }
  get positioned(): number {
    return this.sum('positioned')
  }
  get duplicates(): number {
    return this.sum('duplicates')
  }
  get missing(): number {
    return this.sum('missing')
  }
  get epochChanges(): number {
    return this.sum('epochChanges')
  }
  get gaps(): number {
    return this.sum('gaps')
  }
  get heartbeats(): number {
    return this.sum('heartbeats')
  }
  /** Clients cut with `resume` that have not caught up yet. */
  get behind(): number {
    return this.sum('behind')
  }
  get lastCaughtUpAt(): number {
    let last = 0
    for (const stats of this.latest.values()) last = Math.max(last, stats.lastCaughtUpAt)
    return last
  }
  get maxCatchUpMs(): number {
    let most = 0
    for (const stats of this.latest.values()) most = Math.max(most, stats.maxCatchUpMs)
    return most
  }
  get cpuMs(): number {
    return this.sum('cpuUserMs') + this.sum('cpuSystemMs')
  }
  get rssBytes(): number {
    return this.sum('rssBytes')
  }
  get lastReadyAt(): number {
    let last = 0
    for (const stats of this.latest.values()) last = Math.max(last, stats.lastReadyAt)
    return last
  }
  get firstError(): string | undefined {
    for (const stats of this.latest.values()) if (stats.firstError) return stats.firstError
    return undefined
  }

  resetLatency(): void {
    this.histogram = createHistogram()
  }

  /** Waits for the next stats message of every worker, so counts are current. */
  async settle(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 2500)
            worker.once('message', () => {
              clearTimeout(timer)
              resolve()
            })
          }),
      ),
    )
  }

  private sample(): void {
    let rate = 0
    for (const value of this.rates.values()) rate += value
    this.samples.push({
      t: Math.round((Date.now() - this.startedAt) / 100) / 10,
      ready: this.ready,
      deliveriesPerSec: Math.round(rate),
    })
  }

  async close(): Promise<void> {
    clearInterval(this.sampler)
    await Promise.all(this.workers.map((worker) => stopChild(worker)))
  }
}
