import { Redis, type RedisOptions } from 'ioredis'
import type { NodeInfo, Registry, RegistryHealth } from './registry'

export interface RedisRegistryOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379/0`. */
  url: string
  /**
   * Prefix of every key, so several clusters can share one Redis.
   * @default 'likewire:'
   */
  keyPrefix?: string
  /**
   * Lifetime of a node lease; a node that stops renewing is pruned after this.
   * @default 5000
   */
  leaseTtlMs?: number
  /**
   * How long a command may wait on Redis before failing (then publishes answer 503).
   * @default 1000
   */
  commandTimeoutMs?: number
  /** Extra ioredis options. */
  redis?: RedisOptions
}

/**
 * The cluster registry (the talk's key-value store): topic -> node sets, node leases with a TTL, and
 * per-node viewer counts, in one Redis per datacenter. Commands fail fast while Redis is down rather
 * than queue, so a publish answers 503 instead of hanging.
 */
export class RedisRegistry implements Registry {
  readonly redis: Redis
  readonly leaseTtlMs: number
  private readonly k: string

  constructor(options: RedisRegistryOptions) {
    this.k = options.keyPrefix ?? 'likewire:'
    this.leaseTtlMs = options.leaseTtlMs ?? 5000
    // renewed every third of it: shorter would flap on any pause of the event loop
    if (!(this.leaseTtlMs >= 1000))
      throw new RangeError(`leaseTtlMs must be at least 1000, got ${this.leaseTtlMs}`)
    this.redis = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(100 * times, 1000),
      ...options.redis,
    })
    // errors surface on commands and in health; without a listener ioredis would log each retry
    this.redis.on('error', () => {})
  }

  /** Resolves once connected; rejects with a clear message when Redis cannot be reached in time. */
  async ready(timeoutMs = 5000): Promise<void> {
    if (this.redis.status === 'ready') return
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`Cannot reach Redis at ${describe(this.redis)} within ${timeoutMs} ms`))
      }, timeoutMs)
      const onReady = () => {
        cleanup()
        resolve()
      }
      const cleanup = () => {
        clearTimeout(timer)
        this.redis.off('ready', onReady)
      }
      this.redis.on('ready', onReady)
    })
  }

  /** Key names a lease keeper thread writes directly. */
  get keys() {
    return { node: this.nodeKey, nodes: `${this.k}nodes` }
  }

  private nodeKey = (nodeId: string) => `${this.k}node:${nodeId}`
  private topicKey = (topic: string) => `${this.k}topic:${topic}`
  private heldKey = (nodeId: string) => `${this.k}held:${nodeId}`
  private viewersKey = (topic: string) => `${this.k}viewers:${topic}`

  /** Renews the lease; true when it had expired or vanished (Redis restarted empty), so topics must be re-recorded. */
  async renewLease(node: NodeInfo): Promise<boolean> {
    const previous = await this.redis.set(
      this.nodeKey(node.nodeId),
      JSON.stringify(node),
      'PX',
      this.leaseTtlMs,
      'GET',
    )
    await this.redis.sadd(`${this.k}nodes`, node.nodeId)
    return previous === null
  }

  async registerNode(node: NodeInfo): Promise<void> {
    await this.renewLease(node)
  }

  async removeNode(nodeId: string): Promise<void> {
    const held = await this.redis.smembers(this.heldKey(nodeId))
    const multi = this.redis.multi()
    for (const topic of held) {
      multi.srem(this.topicKey(topic), nodeId)
      multi.hdel(this.viewersKey(topic), nodeId)
    }
    multi.del(this.heldKey(nodeId), this.nodeKey(nodeId))
    multi.srem(`${this.k}nodes`, nodeId)
    await multi.exec()
  }

  /** One atomic step: a lease renewed between the expiry check and the removal keeps everything. */
  async pruneNode(nodeId: string): Promise<boolean> {
    return (await this.redis.eval(PRUNE_SCRIPT, 0, this.k, nodeId)) === 1
  }

  async node(nodeId: string): Promise<NodeInfo | undefined> {
    const value = await this.redis.get(this.nodeKey(nodeId))
    return value ? (JSON.parse(value) as NodeInfo) : undefined
  }

  /** Nodes whose lease has expired: dispatchers prune them so nothing is sent to a dead node. */
  async expiredNodes(): Promise<string[]> {
    const nodes = await this.redis.smembers(`${this.k}nodes`)
    if (nodes.length === 0) return []
    const leases = await this.redis.mget(nodes.map(this.nodeKey))
    return nodes.filter((_, i) => leases[i] === null)
  }

  async addTopics(nodeId: string, topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return
    const multi = this.redis.multi()
    for (const topic of topics) multi.sadd(this.topicKey(topic), nodeId)
    multi.sadd(this.heldKey(nodeId), ...topics)
    await multi.exec()
  }

  async removeTopics(nodeId: string, topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return
    const multi = this.redis.multi()
    for (const topic of topics) multi.srem(this.topicKey(topic), nodeId)
    multi.srem(this.heldKey(nodeId), ...topics)
    await multi.exec()
  }

  async replaceTopics(nodeId: string, topics: readonly string[]): Promise<void> {
    const held = await this.redis.smembers(this.heldKey(nodeId))
    const keep = new Set(topics)
    await this.removeTopics(
      nodeId,
      held.filter((topic) => !keep.has(topic)),
    )
    await this.addTopics(nodeId, topics)
  }

  async nodesFor(topics: readonly string[]): Promise<Map<string, string[]>> {
    const pipeline = this.redis.pipeline()
    for (const topic of topics) pipeline.smembers(this.topicKey(topic))
    const replies = (await pipeline.exec()) ?? []
    const result = new Map<string, string[]>()
    topics.forEach((topic, i) => {
      const [error, nodes] = replies[i] ?? [new Error('no reply')]
      if (error) throw error
      if ((nodes as string[]).length > 0) result.set(topic, nodes as string[])
    })
    return result
  }

  async setViewerCounts(nodeId: string, counts: ReadonlyArray<readonly [string, number]>): Promise<void> {
    if (counts.length === 0) return
    const multi = this.redis.multi()
    for (const [topic, count] of counts) {
      if (count > 0) multi.hset(this.viewersKey(topic), nodeId, count)
      else multi.hdel(this.viewersKey(topic), nodeId)
    }
    await multi.exec()
  }

  async viewerCounts(topics: readonly string[]): Promise<number[]> {
    const pipeline = this.redis.pipeline()
    for (const topic of topics) pipeline.hvals(this.viewersKey(topic))
    const replies = (await pipeline.exec()) ?? []
    return replies.map(([error, values]) => {
      if (error) throw error
      return (values as string[]).reduce((sum, v) => sum + Number(v), 0)
    })
  }

  async claimViewerPublish(topic: string, windowMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.k}viewers-claim:${topic}`, '1', 'PX', windowMs, 'NX')) === 'OK'
  }

  async health(): Promise<RegistryHealth> {
    try {
      await this.redis.ping()
      return { ok: true }
    } catch (error) {
      return { ok: false, detail: `redis: ${error instanceof Error ? error.message : String(error)}` }
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect()
  }
}

// keys are derived in the script: fine on one Redis per datacenter (not Redis Cluster)
const PRUNE_SCRIPT = `
local p, id = ARGV[1], ARGV[2]
if redis.call('EXISTS', p .. 'node:' .. id) == 1 then return 0 end
for _, topic in ipairs(redis.call('SMEMBERS', p .. 'held:' .. id)) do
  redis.call('SREM', p .. 'topic:' .. topic, id)
  redis.call('HDEL', p .. 'viewers:' .. topic, id)
end
redis.call('DEL', p .. 'held:' .. id)
redis.call('SREM', p .. 'nodes', id)
return 1`

function describe(redis: Redis): string {
  const { host, port } = redis.options
  return `${host}:${port}`
}
