import type { Logger } from 'pino'
import type { EncodedEvent } from '../protocol/frames'
import type { Registry } from '../registry/registry'
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
  timeoutMs?: number
  /**
   * Most events waiting for one node while a request to it is in flight (they go in its next request);
   * past it they fail, counted.
   * @default 100000
   */
  maxQueuedEvents?: number
  /**
   * How long a node's URL is remembered before its lease is read again.
   * @default 1000
   */
  nodeCacheMs?: number
  logger?: Logger
}

interface Pending {
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

  constructor(private readonly options: HttpTransportOptions) {}

  deliver(nodeId: string, events: readonly EncodedEvent[]): Promise<void> {
    let queue = this.queues.get(nodeId)
    if (!queue) {
      queue = new NodeQueue(nodeId, this.options, (id) => this.url(id))
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
  sweep(idleMs: number): void {
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
    this.queues.clear()
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
      try {
        const url = await this.url(this.nodeId)
        const res = await fetch(`${url}/internal/v1/deliver`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${this.options.secret}`, 'Content-Type': 'application/x-ndjson' },
          body: encodeBatch(batch.flatMap((p) => p.events)),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 3000),
        })
        await res.arrayBuffer()
        if (!res.ok) throw new Error(`Node ${this.nodeId} answered ${res.status}`)
        for (const p of batch) p.resolve()
      } catch (error) {
        for (const p of batch) p.reject(error)
      }
    }
    this.busy = false
    this.idleSince = Date.now()
  }
}
