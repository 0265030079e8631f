import type { Logger } from 'pino'
import type { EncodedEvent } from '../protocol/frames'
import type { Registry } from '../registry/registry'
import { InternalPoster } from './internal-post'
import type { FrontendTransport } from './transport'
import { encodeBatch } from './wire'

export interface HttpTransportOptions {
  /** Where node leases are looked up. */
  registry: Registry
  /** Shared secret of the cluster, sent as `Authorization: Bearer <secret>`. */
  secret: string
  /**
   * A delivery that takes longer is counted as failed (the node may still deliver it: no retry, so no
   * duplicate). Kept under the publisher's timeout, so a dispatcher always answers before a backend
   * would retry elsewhere.
   * @default 3000
   */
  timeoutMs?: number | undefined
  /**
   * Most events waiting for one node while a request to it is in flight (they go in its next request);
   * past it they fail, counted.
   * @default 100000
   */
  maxQueuedEvents?: number | undefined
  /**
   * A node nothing was sent to for this long is forgotten (its queue and cached URL).
   * @default 60000
   */
  idleMs?: number | undefined
  /**
   * Largest body of one request to a node: a backlog is cut into several requests (in order) so it never
   * meets the receiver's body limit (64 MiB), which would fail every publish waiting in it.
   * @default 8388608 (8 MiB)
   */
  maxRequestBytes?: number | undefined
  /**
   * How long a node's URL is remembered before its lease is read again.
   * @default 1000
   */
  nodeCacheMs?: number | undefined
  logger?: Logger | undefined
}

export interface Pending {
  events: readonly EncodedEvent[]
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * Cluster transport: dispatcher -> frontend over keep-alive HTTP. Each node has its own queue with
 * at most one request in flight; what arrives meanwhile goes in the next request as one batch.
 */
export class HttpTransport implements FrontendTransport {
  private readonly queues = new Map<string, NodeQueue>()
  private readonly urls = new Map<string, { url: string | undefined; until: number }>()
  private readonly poster = new InternalPoster()

  private readonly sweeper: ReturnType<typeof setInterval>

  constructor(private readonly options: HttpTransportOptions) {
    const idleMs = options.idleMs ?? 60_000
    // nodes come and go: every holder of a transport (dispatcher or frontend) forgets the gone ones
    this.sweeper = setInterval(() => this.sweep(idleMs), Math.max(1000, idleMs / 2))
    this.sweeper.unref()
  }

  /** Nodes this transport keeps a queue or a cached URL for (bounded by the sweep). */
  get nodeCount(): number {
    return new Set([...this.queues.keys(), ...this.urls.keys()]).size
  }

  deliver(nodeId: string, events: readonly EncodedEvent[]): Promise<void> {
    let queue = this.queues.get(nodeId)
    if (!queue) {
      queue = new NodeQueue(nodeId, this.options, (id) => this.url(id), this.poster)
      this.queues.set(nodeId, queue)
    }
    return queue.push(events)
  }

  /** The node's delivery URL from its lease; a node without a lease is pruned from the registry. */
  private async url(nodeId: string): Promise<string> {
    const cached = this.urls.get(nodeId)
    let url = cached && cached.until > Date.now() ? cached.url : undefined
    if (!url) {
      url = (await this.options.registry.node(nodeId))?.url
      this.urls.set(nodeId, { url, until: Date.now() + (this.options.nodeCacheMs ?? 1000) })
    }
    if (!url) {
      this.queues.delete(nodeId)
      this.urls.delete(nodeId)
      await this.options.registry.pruneNode(nodeId)
      throw new Error(`Node ${nodeId} has no lease: pruned`)
    }
    return url
  }

  /** Forgets nodes nothing was sent to for `idleMs` (nodes come and go; their entries should too). */
  private sweep(idleMs: number): void {
    const before = Date.now() - idleMs
    for (const [nodeId, queue] of this.queues) {
      if (queue.idleSince < before) {
        this.queues.delete(nodeId)
        this.urls.delete(nodeId)
      }
    }
    for (const [nodeId, cached] of this.urls)
      if (!this.queues.has(nodeId) && cached.until < before) this.urls.delete(nodeId)
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper)
    this.queues.clear()
    this.urls.clear()
    this.poster.close()
  }
}

class NodeQueue {
  private pending: Pending[] = []
  private queued = 0
  private busy = false
  /** When the queue last went empty; Infinity while it has work. */
  idleSince = Date.now()

  constructor(
    private readonly nodeId: string,
    private readonly options: HttpTransportOptions,
    private readonly url: (nodeId: string) => Promise<string>,
    private readonly poster: InternalPoster,
  ) {}

  push(events: readonly EncodedEvent[]): Promise<void> {
    if (this.queued + events.length > (this.options.maxQueuedEvents ?? 100_000)) {
      return Promise.reject(new Error(`Queue to node ${this.nodeId} is full`))
    }
    this.idleSince = Number.POSITIVE_INFINITY
    return new Promise((resolve, reject) => {
      this.pending.push({ events, resolve, reject })
      this.queued += events.length
      if (!this.busy) void this.pump()
    })
  }

  private async pump(): Promise<void> {
    this.busy = true
    while (this.pending.length > 0) {
      const batch = this.pending
      this.pending = []
      this.queued = 0
      const failed = new Map<Pending, unknown>()
      try {
        const url = await this.url(this.nodeId)
        for (const request of cutByBytes(batch, this.options.maxRequestBytes ?? 8 * 1024 * 1024)) {
          try {
            await this.post(url, request.events)
          } catch (error) {
            for (const owner of request.owners) failed.set(owner, error)
          }
        }
      } catch (error) {
        for (const p of batch) failed.set(p, error)
      }
      // a publish is done once every request carrying one of its events was taken
      for (const p of batch) {
        if (failed.has(p)) p.reject(failed.get(p))
        else p.resolve()
      }
    }
    this.busy = false
    this.idleSince = Date.now()
  }

  private async post(url: string, events: readonly EncodedEvent[]): Promise<void> {
    const status = await this.poster.post(
      `${url}/internal/v1/deliver`,
      { Authorization: `Bearer ${this.options.secret}`, 'Content-Type': 'application/x-ndjson' },
      encodeBatch(events),
      this.options.timeoutMs ?? 3000,
    )
    if (status < 200 || status > 299) throw new Error(`Node ${this.nodeId} answered ${status}`)
  }
}

/** Cuts queued deliveries into request bodies of at most maxBytes (one event larger than that goes alone). */
export function cutByBytes(
  batch: readonly Pending[],
  maxBytes: number,
): Array<{ events: EncodedEvent[]; owners: Set<Pending> }> {
  const requests: Array<{ events: EncodedEvent[]; owners: Set<Pending> }> = []
  let current = { events: [] as EncodedEvent[], owners: new Set<Pending>() }
  let bytes = 0
  for (const p of batch) {
    for (const event of p.events) {
      const size = Buffer.byteLength(event.json) + 1 // its line and the newline after it
      if (current.events.length > 0 && bytes + size > maxBytes) {
        requests.push(current)
        current = { events: [], owners: new Set() }
        bytes = 0
      }
      current.events.push(event)
      current.owners.add(p)
      bytes += size
    }
  }
  if (current.events.length > 0) requests.push(current)
  return requests
}
