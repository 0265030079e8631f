import { Redis, type RedisOptions } from 'ioredis'
import { failFastOptions, renewLease, whenReady } from './lease'
import { type LeaseKeeper, type LeaseKeeperOptions, startLeaseKeeper } from './lease-keeper'
import { RedisHistoryStore } from './redis-history'
import { DEFAULT_KEY_PREFIX, type RedisKeys, redisKeys } from './redis-keys'
import { RedisPresenceStore } from './redis-presence'
import { PRESENCE_LUA, RELEASE_SCRIPT } from './redis-presence-scripts'
import { BEGIN_UNHOLD_LUA, CLOSE_NODE_SCRIPT, UNHOLD_STEP, UNHOLD_STEP_SCRIPT } from './redis-unhold'
import type { NodeInfo, Registry, RegistryHealth } from './registry'

/** The node set of each topic key, in the order given (an empty set answers an empty list). */
const NODES_FOR_LUA = `
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('SMEMBERS', key) end
return out
`

type NodesForCommand = { likewireNodesFor(keyCount: number, ...keys: string[]): Promise<unknown> }

export interface RedisRegistryOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379/0`. */
  url: string
  /**
   * Prefix of every key, so several clusters can share one Redis.
   * @default 'likewire:'
   */
  keyPrefix?: string | undefined
  /**
   * Lifetime of a node lease; a node that stops renewing is pruned after this.
   * @default 5000
   */
  leaseTtlMs?: number | undefined
  /**
   * How long a command may wait on Redis before failing (then publishes answer 503).
   * @default 1000
   */
  commandTimeoutMs?: number | undefined
  /** Extra ioredis options. */
  redis?: RedisOptions | undefined
}

/**
 * The cluster registry (the talk's key-value store): topic -> node sets, node leases with a TTL, and
 * per-node viewer counts, in one Redis per datacenter. It owns every key, script and command of the
 * cluster: nothing outside registry/ talks to Redis.
 */
export class RedisRegistry implements Registry {
  readonly leaseTtlMs: number
  private readonly redis: Redis
  private readonly keys: RedisKeys
  private presence: RedisPresenceStore | undefined

  constructor(private readonly options: RedisRegistryOptions) {
    this.keys = redisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX)
    this.leaseTtlMs = options.leaseTtlMs ?? 5000
    // renewed every third of it: shorter would flap on any pause of the event loop
    if (!(this.leaseTtlMs >= 1000))
      throw new RangeError(`leaseTtlMs must be at least 1000, got ${this.leaseTtlMs}`)
    this.redis = new Redis(options.url, {
      ...failFastOptions(options.commandTimeoutMs ?? 1000),
      ...options.redis,
    })
    // errors surface on commands and in health; without a listener ioredis would log each retry
    this.redis.on('error', () => {})
    // EVALSHA once loaded; no fixed key count: each call passes its own first
    this.redis.defineCommand('likewireNodesFor', { lua: NODES_FOR_LUA })
  }

  /** Resolves once connected; rejects with a clear message when Redis cannot be reached in time. */
  ready(timeoutMs = 5000): Promise<void> {
    return whenReady(this.redis, timeoutMs)
  }

  /** The datacenter's history, on this registry's own connection (closed with it). */
  historyStore(): RedisHistoryStore {
    return new RedisHistoryStore(
      this.redis,
      this.keys,
      Date.now,
      async () => {},
      async () => {},
      true,
    )
  }

  /** The datacenter's presence, on this registry's own connection (one per registry). */
  presenceStore(): RedisPresenceStore {
    this.presence ??= new RedisPresenceStore(this.redis, this.keys)
    return this.presence
  }

  /** Calls `listener` each time the connection to Redis is (re)established; returns its removal. */
  onReady(listener: () => void): () => void {
    this.redis.on('ready', listener)
    return () => this.redis.off('ready', listener)
  }

  /** Renews the lease; true when it had expired or vanished (Redis restarted empty), so topics must be re-recorded. */
  renewLease(node: NodeInfo): Promise<boolean> {
    return renewLease(this.redis, this.keys, node.nodeId, JSON.stringify(node), this.leaseTtlMs)
  }

  /**
   * Renews the lease from a worker thread of its own while this event loop keeps turning (see
   * lease-keeper.ts), so a loop busy under load is not pruned while alive.
   */
  keepLease(
    node: NodeInfo,
    options: Pick<LeaseKeeperOptions, 'maxStallMs' | 'onLost' | 'onError'>,
  ): LeaseKeeper {
    return startLeaseKeeper({
      redis: this.options.url,
      keyPrefix: this.keys.prefix,
      nodeId: node.nodeId,
      leaseValue: JSON.stringify(node),
      ttlMs: this.leaseTtlMs,
      ...options,
    })
  }

  /** What the registry holds for a node: whether its lease exists, and how many topics it recorded. */
  async registration(nodeId: string): Promise<{ lease: boolean; heldTopics: number }> {
    const [lease, held] = await Promise.all([
      this.redis.exists(this.keys.node(nodeId)),
      this.redis.scard(this.keys.held(nodeId)),
    ])
    return { lease: lease === 1, heldTopics: held }
  }

  async registerNode(node: NodeInfo): Promise<void> {
    await this.renewLease(node)
  }

  async removeNode(nodeId: string): Promise<void> {
    const multi = this.redis.multi()
    // its topics set aside (O(1)), taken back in bounded steps below
    multi.eval(CLOSE_NODE_SCRIPT, 0, this.keys.prefix, nodeId)
    // its members leave with the grace, as its connections' closes would have told: set aside here,
    // left in bounded steps below
    multi.eval(RELEASE_SCRIPT, 0, this.keys.prefix, nodeId, Date.now())
    await multi.exec()
    await this.finishReleases()
  }

  /**
   * The lease check and the removal are one atomic step: a lease renewed in between keeps everything.
   * The node's presence is set aside in that step and left in bounded steps after it (a node back
   * meanwhile keeps what it joins again); a release left unfinished is finished by the next prune round.
   */
  async pruneNode(nodeId: string): Promise<boolean> {
    const pruned = (await this.redis.eval(PRUNE_SCRIPT, 0, this.keys.prefix, nodeId, Date.now())) === 1
    if (pruned) await this.finishReleases()
    return pruned
  }

  /**
   * Takes back the topics and presence of every node closed or pruned, a bounded step per script run
   * (each prune round): also what a pruner that died or failed meanwhile set aside.
   */
  async finishReleases(): Promise<void> {
    for (const id of await this.redis.hkeys(this.keys.unholds))
      while (Number(await this.redis.eval(UNHOLD_STEP_SCRIPT, 0, this.keys.prefix, id, UNHOLD_STEP)) > 0);
    await this.presenceStore().finishReleases()
  }

  async node(nodeId: string): Promise<NodeInfo | undefined> {
    const value = await this.redis.get(this.keys.node(nodeId))
    return value ? (JSON.parse(value) as NodeInfo) : undefined
  }

  /** Nodes whose lease has expired: dispatchers prune them so nothing is sent to a dead node. */
  async expiredNodes(): Promise<string[]> {
    const nodes = await this.redis.smembers(this.keys.nodes)
    if (nodes.length === 0) return []
    const leases = await this.redis.mget(nodes.map(this.keys.node))
    return nodes.filter((_, i) => leases[i] === null)
  }

  async addTopics(nodeId: string, topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return
    const multi = this.redis.multi()
    for (const topic of topics) multi.sadd(this.keys.topic(topic), nodeId)
    multi.sadd(this.keys.held(nodeId), ...topics)
    await multi.exec()
  }

  async removeTopics(nodeId: string, topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return
    const multi = this.redis.multi()
    for (const topic of topics) {
      multi.srem(this.keys.topic(topic), nodeId)
      // a topic the node no longer holds has no viewers there (a drain removes topics before the node)
      multi.hdel(this.keys.viewers(topic), nodeId)
    }
    multi.srem(this.keys.held(nodeId), ...topics)
    await multi.exec()
  }

  async replaceTopics(nodeId: string, topics: readonly string[]): Promise<void> {
    const held = await this.redis.smembers(this.keys.held(nodeId))
    const keep = new Set(topics)
    await this.removeTopics(
      nodeId,
      held.filter((topic) => !keep.has(topic)),
    )
    await this.addTopics(nodeId, topics)
  }

  async nodesFor(topics: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>()
    if (topics.length === 0) return result
    // one script run for every topic of a publish: a command each cost the dispatcher more than Redis did
    const replies = (await (this.redis as unknown as NodesForCommand).likewireNodesFor(
      topics.length,
      ...topics.map((topic) => this.keys.topic(topic)),
    )) as string[][]
    topics.forEach((topic, i) => {
      const nodes = replies[i]
      if (nodes && nodes.length > 0) result.set(topic, nodes)
    })
    return result
  }

  async setViewerCounts(nodeId: string, counts: ReadonlyArray<readonly [string, number]>): Promise<void> {
    if (counts.length === 0) return
    const multi = this.redis.multi()
    for (const [topic, count] of counts) {
      if (count > 0) multi.hset(this.keys.viewers(topic), nodeId, count)
      else multi.hdel(this.keys.viewers(topic), nodeId)
    }
    await multi.exec()
  }

  async viewerCounts(topics: readonly string[]): Promise<number[]> {
    const pipeline = this.redis.pipeline()
    for (const topic of topics) pipeline.hvals(this.keys.viewers(topic))
    const replies = (await pipeline.exec()) ?? []
    return replies.map(([error, values]) => {
      if (error) throw error
      return (values as string[]).reduce((sum, v) => sum + Number(v), 0)
    })
  }

  async claimViewerPublish(topic: string, windowMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.viewersClaim(topic), '1', 'PX', windowMs, 'NX')) === 'OK'
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

// keys are derived in the script (redis-keys.ts): fine on one Redis per datacenter, not on Redis Cluster.
// A pruned node's members leave now (its lease expired): offline after lease + grace. Its topics and
// presence are only set aside here (O(1)): UNHOLD_STEP_SCRIPT and RELEASE_STEP_SCRIPT take them back in
// bounded steps.
const PRUNE_SCRIPT = `${PRESENCE_LUA}${BEGIN_UNHOLD_LUA}
local id = ARGV[2]
if redis.call('EXISTS', p .. 'node:' .. id) == 1 then return 0 end
beginRelease(id, ARGV[3])
beginUnhold(id)
redis.call('SREM', p .. 'nodes', id)
return 1`
