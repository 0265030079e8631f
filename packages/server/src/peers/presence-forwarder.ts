import type { Logger } from 'pino'
import type { Metrics } from '../metrics/metrics'
import type { PresenceForwarder } from '../presence/presence'
import type { PresenceStatus } from '../registry/presence-store'
import { InternalPoster } from '../transport/internal-post'
import { MAX_REMOTE_CHANGES } from './presence-route'

export interface HttpPresenceForwarderOptions {
  /** Peer datacenters: name -> dispatcher base URLs of that datacenter. */
  peers: Record<string, string[]>
  /** Shared secret, the same in every datacenter. */
  secret: string
  /** This datacenter's name: peers keep its members' states under it. */
  dc: string
  /** How long a peer keeps an online state this datacenter sent unless sent again (three digest intervals). */
  ttlMs: number
  /** Per-request timeout. @default 10000 */
  timeoutMs?: number | undefined
  metrics: Metrics
  logger: Logger
}

/** Members waiting per peer: past this, the oldest are dropped (a peer down for long; digests catch up). */
const MAX_QUEUED = 100_000
const RETRY_MS = 1000
const MAX_RETRY_MS = 30_000
/** The last flush at close waits at most this long per request: the process is stopping. */
const CLOSE_TIMEOUT_MS = 2000

type Body = { changes: readonly PresenceStatus[]; ask?: true }

/**
 * This datacenter's own member presence transitions, sent once to one dispatcher of each peer datacenter
 * (`POST /internal/v1/presence`), which keeps them and never sends them on: no loops. A peer that cannot
 * be reached keeps its queue, one latest change per member, retried with backoff, so it catches up; what
 * is still queued at close is sent once more. Digests (digests.ts) go the same way, at once, unqueued.
 */
export class HttpPresenceForwarder implements PresenceForwarder {
  private readonly queues = new Map<string, Map<string, PresenceStatus>>()
  private readonly sending = new Map<string, Promise<void>>()
  private readonly retries = new Map<string, { timer?: ReturnType<typeof setTimeout>; delayMs: number }>()
  private next = 0
  private closed = false
  // keep-alive node:http: a third of fetch's CPU per request
  private readonly poster = new InternalPoster()

  constructor(private readonly options: HttpPresenceForwarderOptions) {
    for (const dc of Object.keys(options.peers)) this.queues.set(dc, new Map())
  }

  send(changes: readonly PresenceStatus[]): void {
    if (this.closed) return
    for (const [dc, queue] of this.queues) {
      for (const change of changes) keepLatest(queue, change)
      while (queue.size > MAX_QUEUED) queue.delete(queue.keys().next().value!)
      if (!this.retries.get(dc)?.timer) setImmediate(() => void this.flush(dc))
    }
  }

  async digest(online: readonly PresenceStatus[]): Promise<void> {
    await Promise.all(
      [...this.queues.keys()].map(async (dc) => {
        if (!(await this.post(dc, { changes: online }))) this.failed(dc)
      }),
    )
  }

  async ask(): Promise<void> {
    await Promise.all([...this.queues.keys()].map((dc) => this.post(dc, { changes: [], ask: true })))
  }

  async close(): Promise<void> {
    this.closed = true
    for (const retry of this.retries.values()) clearTimeout(retry.timer)
    await Promise.all([...this.sending.values()])
    // the last flush: one try each, so an offline swept a moment ago is not lost with the process
    await Promise.all(
      [...this.queues].map(async ([dc, queue]) => {
        while (queue.size > 0)
          if (!(await this.post(dc, { changes: this.take(queue) }, CLOSE_TIMEOUT_MS))) return this.failed(dc)
      }),
    )
    this.poster.close()
  }

  private flush(dc: string): Promise<void> {
    if (this.sending.has(dc) || this.queues.get(dc)!.size === 0 || this.closed) return Promise.resolve()
    const sent = this.flushOnce(dc).finally(() => this.sending.delete(dc))
    this.sending.set(dc, sent)
    return sent
  }

  private async flushOnce(dc: string): Promise<void> {
    const queue = this.queues.get(dc)!
    const batch = this.take(queue)
    if (await this.post(dc, { changes: batch })) {
      this.retries.delete(dc)
      if (queue.size > 0) setImmediate(() => void this.flush(dc))
      return
    }
    // back in the queue unless a newer change of the member came meanwhile
    for (const change of batch) keepLatest(queue, change)
    this.failed(dc)
    if (this.closed) return
    const delayMs = Math.min(MAX_RETRY_MS, (this.retries.get(dc)?.delayMs ?? RETRY_MS / 2) * 2)
    const timer = setTimeout(() => {
      this.retries.set(dc, { delayMs })
      void this.flush(dc)
    }, delayMs)
    timer.unref()
    this.retries.set(dc, { timer, delayMs })
  }

  private take(queue: Map<string, PresenceStatus>): PresenceStatus[] {
    const batch: PresenceStatus[] = []
    for (const [memberId, change] of queue) {
      if (batch.length >= MAX_REMOTE_CHANGES) break
      batch.push(change)
      queue.delete(memberId)
    }
    return batch
  }

  private failed(dc: string): void {
    this.options.metrics.forwardFailures.inc({ target: `dc:${dc}` })
  }

  /** One request to one of the peer's dispatchers, the next on failure; true once one took it. */
  private async post(dc: string, body: Body, timeoutMs = this.options.timeoutMs ?? 10_000): Promise<boolean> {
    const urls = this.options.peers[dc]!
    const text = JSON.stringify({ dc: this.options.dc, ttlMs: this.options.ttlMs, ...body })
    const start = this.next++
    for (let i = 0; i < urls.length; i++) {
      const url = urls[(start + i) % urls.length]!
      try {
        const status = await this.poster.post(
          `${url}/internal/v1/presence`,
          { Authorization: `Bearer ${this.options.secret}`, 'Content-Type': 'application/json' },
          text,
          timeoutMs,
        )
        if (status >= 200 && status < 300) return true
        this.options.logger.warn({ dc, url, status }, 'peer datacenter refused presence changes')
      } catch (error) {
        this.options.logger.warn(
          { dc, url, err: error },
          'peer dispatcher unreachable for presence, trying the next',
        )
      }
    }
    return false
  }
}

/** Keeps one change per member, the latest (at the same instant, offline). */
function keepLatest(queue: Map<string, PresenceStatus>, change: PresenceStatus): void {
  const kept = queue.get(change.memberId)
  if (kept && (kept.since ?? 0) > (change.since ?? 0)) return
  if (kept && kept.since === change.since && change.status === 'online') return
  queue.delete(change.memberId) // re-inserted last: the oldest are dropped first when the queue is full
  queue.set(change.memberId, change)
}
