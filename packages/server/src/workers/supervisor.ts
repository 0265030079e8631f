import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import { Counter, Gauge } from 'prom-client'
import type { Metrics } from '../metrics/metrics'
import { Channel, type Handlers } from './channel'
import { CLOSE, FAILED, READY, WORKER_ENV } from './worker-process'

/** One worker process of the node, as its primary knows it. */
export interface WorkerLink {
  nodeId: string
  /** Its place among the node's workers (0..n-1): a replacement takes the place of the worker it replaces. */
  slot: number
  pid: number
  worker: Worker
  channel: Channel
  ready: boolean
  /** When it last answered the primary's probe: a worker whose loop stopped turning is killed, and replaced. */
  answeredAt: number
}

/**
 * How a node with workers spreads new connections over them. `kernel`: every worker accepts from the
 * shared listening socket (node:cluster's SCHED_NONE), so nothing passes through the primary; the spread
 * is the kernel's (within 3-14% of even for connection storms here: docs/operations.md).
 * `round-robin`: the primary accepts each connection and passes it to the next free worker over IPC (in
 * turn when they come one by one), but every connection costs the primary CPU and ~3 KiB of memory it keeps, and halves the rate
 * at which a node accepts a reconnect storm.
 */
export type Balance = 'kernel' | 'round-robin'

/** A node's worker count and how it spreads connections over them. */
export interface WorkersPlan {
  count: number
  /** @default 'kernel' */
  balance?: Balance | undefined
}

export interface SupervisorOptions extends WorkersPlan {
  /** Worker node ids are `<baseId>-<k>`, k counting every worker started (a replacement gets a new one). */
  baseId: string
  /** What the primary serves to a worker's calls. */
  serve: (nodeId: string) => Handlers
  /** A worker was forked (deliveries may go to it: it takes them once it holds connections). */
  onStart?: (link: WorkerLink) => void
  /** A worker is gone (died or drained); called before its replacement starts. */
  onExit?: (link: WorkerLink) => void | Promise<void>
  logger: Logger
  metrics: Metrics
  /** A worker that has not answered the primary for this long counts as hung: killed, and replaced. @default 30000 */
  maxStallMs?: number | undefined
}

/** A worker that dies within this long of its start died quickly: its replacement waits longer each time. */
const QUICK_DEATH_MS = 10_000
const MAX_RESTART_DELAY_MS = 30_000
/** How often the primary asks every worker whether its event loop turns. */
const PROBE_MS = 5000
/** How long a drain waits for the workers' own before they are killed. */
const DRAIN_TIMEOUT_MS = 9_000

/** Replacement delay after `quick` quick deaths in a row: at once, then 1 s, 2 s, 4 s ... up to 30 s. */
export function restartDelay(quick: number): number {
  return quick === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** (quick - 1))
}

/**
 * The primary of a node with workers (node:cluster): forks one worker per slot, all sharing the public
 * port; replaces a worker that dies (with backoff against crash loops); drains them all on close.
 */
export class Supervisor {
  readonly links = new Map<string, WorkerLink>()
  private seq = 0
  private isClosing = false
  private started = false
  private readonly quickDeaths: number[]
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly prober: NodeJS.Timeout
  private readonly restarts: Counter

  constructor(private readonly options: SupervisorOptions) {
    this.quickDeaths = new Array(options.count).fill(0)
    const registers = [options.metrics.registry]
    const links = this.links
    // registered where it is scraped: it reads the workers serving then
    new Gauge({
      name: 'likewire_workers',
      help: 'Worker processes of this node serving its port (--workers)',
      registers,
      collect() {
        this.set([...links.values()].filter((link) => link.ready).length)
      },
    })
    this.restarts = new Counter({
      name: 'likewire_worker_restarts_total',
      help: 'Workers that died and were replaced',
      registers,
    })
    // read once, by the first setupPrimary or fork: a process has one policy for all its nodes
    cluster.schedulingPolicy = options.balance === 'round-robin' ? cluster.SCHED_RR : cluster.SCHED_NONE
    // structured clone, not JSON: Maps and RegExps cross as they are (channel.ts)
    cluster.setupPrimary({ serialization: 'advanced' })
    this.prober = setInterval(() => this.probe(options.maxStallMs ?? 30_000), PROBE_MS)
    this.prober.unref()
  }

  /** A worker whose loop is stuck holds its clients for ever: past `maxStallMs` without an answer it is killed. */
  private probe(maxStallMs: number): void {
    for (const link of this.ready)
      link.channel.call('worker', 'ping', [], PROBE_MS).then(
        () => {
          link.answeredAt = Date.now()
        },
        () => {
          if (this.isClosing || link.worker.process.killed || Date.now() - link.answeredAt <= maxStallMs)
            return
          this.options.logger.error(
            { worker: link.nodeId, pid: link.pid, maxStallMs },
            'worker stalled (its event loop does not turn): killing it',
          )
          link.worker.process.kill('SIGKILL')
        },
      )
  }

  /** Forks every worker; resolves with the first one's URL once all serve, rejects with a worker's failure. */
  start(): Promise<string> {
    const started = Array.from({ length: this.options.count }, (_, slot) => this.fork(slot))
    return Promise.all(started).then(
      (urls) => {
        this.started = true
        return urls[0]!
      },
      async (error: unknown) => {
        await this.close()
        throw error
      },
    )
  }

  /** True once close() began: nothing is replaced any more. */
  get closing(): boolean {
    return this.isClosing
  }

  /** Workers serving now. */
  get ready(): WorkerLink[] {
    return [...this.links.values()].filter((link) => link.ready)
  }

  /** Drains every worker (each sends its clients the reconnect hint), then waits for them to exit. */
  async close(): Promise<void> {
    this.isClosing = true
    clearInterval(this.prober)
    for (const timer of this.timers) clearTimeout(timer)
    const exits = [...this.links.values()].map((link) => this.drain(link))
    await Promise.all(exits)
  }

  private drain({ worker, channel }: WorkerLink): Promise<void> {
    if (worker.isDead()) return Promise.resolve()
    return new Promise((resolve) => {
      const kill = setTimeout(() => worker.process.kill('SIGKILL'), DRAIN_TIMEOUT_MS)
      worker.once('exit', () => {
        clearTimeout(kill)
        resolve()
      })
      channel.note(CLOSE, null).catch(() => worker.process.kill('SIGKILL'))
    })
  }

  private fork(slot: number): Promise<string> {
    const nodeId = `${this.options.baseId}-${++this.seq}`
    const worker: Worker = cluster.fork({ [WORKER_ENV]: JSON.stringify({ nodeId, slot }) })
    const startedAt = Date.now()
    return new Promise((resolve, reject) => {
      let failure: string | undefined
      const channel = new Channel(worker, this.options.serve(nodeId), {
        [READY]: (body) => {
          link.ready = true
          link.answeredAt = Date.now()
          resolve((body as { url: string }).url)
        },
        [FAILED]: (body) => {
          failure = (body as { message: string }).message
        },
      })
      const link: WorkerLink = {
        nodeId,
        slot,
        pid: worker.process.pid ?? 0,
        worker,
        channel,
        ready: false,
        answeredAt: Date.now(),
      }
      this.links.set(nodeId, link)
      this.options.onStart?.(link)
      worker.once('exit', (code, signal) => {
        channel.close(`worker ${nodeId} is gone`)
        this.links.delete(nodeId)
        const served = link.ready
        link.ready = false
        if (!served)
          reject(new Error(failure ?? `worker ${nodeId} exited (${signal ?? `code ${code}`}) before serving`))
        void this.exited(link, served, Date.now() - startedAt, { code, signal, failure })
      })
    })
  }

  private async exited(
    link: WorkerLink,
    served: boolean,
    livedMs: number,
    how: { code: number | null; signal: string | null; failure: string | undefined },
  ): Promise<void> {
    await Promise.resolve(this.options.onExit?.(link)).catch((error: unknown) => {
      this.options.logger.warn({ err: error, worker: link.nodeId }, 'cleaning up after a worker failed')
    })
    // a node still starting fails as a whole (start() rejects); a closing one replaces nobody
    if (this.closing || (!served && !this.started)) return
    const quick = livedMs < QUICK_DEATH_MS ? ++this.quickDeaths[link.slot]! : 0
    this.quickDeaths[link.slot] = quick
    const delayMs = restartDelay(quick)
    this.restarts.inc()
    this.options.logger.warn(
      { worker: link.nodeId, pid: link.pid, ...how, restartInMs: delayMs },
      'worker exited; starting a replacement',
    )
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (this.isClosing) return
      this.fork(link.slot).catch((error: unknown) => {
        this.options.logger.error({ err: error, slot: link.slot }, 'replacement worker failed to start')
      })
    }, delayMs)
    this.timers.add(timer)
  }
}
