import type { Logger } from 'pino'
import type { Metrics } from '../metrics/metrics'
import type { PresenceForwarder } from '../presence/presence'
import type { PresenceStatus } from '../registry/presence-store'
import { MAX_REMOTE_CHANGES } from './presence-route'

export interface HttpPresenceForwarderOptions {
  /** Peer datacenters: name -> dispatcher base URLs of that datacenter. */
  peers: Record<string, string[]>
  /** Shared secret, the same in every datacenter. */
  secret: string
  /** This datacenter's name: peers keep its members' states under it. */
  dc: string
  /** Per-request timeout. @default 10000 */
  timeoutMs?: number | undefined
  metrics: Metrics
  logger: Logger
}

/** Members waiting per peer: past this, the oldest are dropped (a peer down for long). */
const MAX_QUEUED = 100_000
const RETRY_MS = 1000
const MAX_RETRY_MS = 30_000

/**
 * This datacenter's own member presence transitions, sent once to one dispatcher of each peer datacenter
 * (`POST /internal/v1/presence`), which keeps them and never sends them on: no loops. A peer that cannot
 * be reached keeps its queue, one latest change per member, retried with backoff, so it catches up.
 */
export class HttpPresenceForwarder implements PresenceForwarder {
  private readonly queues = new Map<string, Map<string, PresenceStatus>>()
  private readonly sending = new Set<string>()
  private readonly retries = new Map<string, { timer?: ReturnType<typeof setTimeout>; delayMs: number }>()
  private next = 0
  private closed = false

  constructor(private readonly options: HttpPresenceForwarderOptions) {
    for (const dc of Object.keys(options.peers)) this.queues.set(dc, new Map())
  }

  send(changes: readonly PresenceStatus[]): void {
    for (const [dc, queue] of this.queues) {
      for (const change of changes) keepLatest(queue, change)
      while (queue.size > MAX_QUEUED) queue.delete(queue.keys().next().value!)
      if (!this.retries.get(dc)?.timer) setImmediate(() => void this.flush(dc))
    }
  }

  async close(): Promise<void> {
    this.closed = true
    for (const retry of this.retries.values()) clearTimeout(retry.timer)
  }

  private async flush(dc: string): Promise<void> {
    const queue = this.queues.get(dc)!
    if (this.sending.has(dc) || queue.size === 0 || this.closed) return
    this.sending.add(dc)
    const batch: PresenceStatus[] = []
    for (const [memberId, change] of queue) {
      if (batch.length >= MAX_REMOTE_CHANGES) break
      batch.push(change)
      queue.delete(memberId)
    }
    const sent = await this.post(dc, batch)
    this.sending.delete(dc)
    if (sent) {
      this.retries.delete(dc)
      if (queue.size > 0) void this.flush(dc)
      return
    }
    // back in the queue unless a newer change of the member came meanwhile
    for (const change of batch) keepLatest(queue, change)
    this.options.metrics.forwardFailures.inc({ target: `dc:${dc}` })
    const delayMs = Math.min(MAX_RETRY_MS, (this.retries.get(dc)?.delayMs ?? RETRY_MS / 2) * 2)
    const timer = setTimeout(() => {
      this.retries.set(dc, { delayMs })
      void this.flush(dc)
    }, delayMs)
    timer.unref()
    this.retries.set(dc, { timer, delayMs })
  }

  /** One request to one of the peer's dispatchers, the next on failure; true once one took it. */
  private async post(dc: string, changes: readonly PresenceStatus[]): Promise<boolean> {
    const urls = this.options.peers[dc]!
    const body = JSON.stringify({ dc: this.options.dc, changes })
    const start = this.next++
    for (let i = 0; i < urls.length; i++) {
      const url = urls[(start + i) % urls.length]!
      try {
        const res = await fetch(`${url}/internal/v1/presence`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${this.options.secret}`, 'Content-Type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        })
        await res.arrayBuffer()
        if (res.ok) return true
        this.options.logger.warn({ dc, url, status: res.status }, 'peer datacenter refused presence changes')
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
