/**
 * Every Redis key of the cluster registry, in one place. One Redis per datacenter (not Redis Cluster):
 * keys are derived inside scripts too.
 */
export function redisKeys(prefix: string) {
  return {
    prefix,
    /** A frontend's lease: its NodeInfo as JSON, with a TTL. */
    node: (nodeId: string) => `${prefix}node:${nodeId}`,
    /** Every node id that ever held a lease and was not pruned: where dispatchers look for expired ones. */
    nodes: `${prefix}nodes`,
    /** Topic -> node ids with local subscribers. */
    topic: (topic: string) => `${prefix}topic:${topic}`,
    /** Node -> the topics it recorded (the reverse index, for pruning and the health probe). */
    held: (nodeId: string) => `${prefix}held:${nodeId}`,
    /** Topic -> per-node viewer counts. */
    viewers: (topic: string) => `${prefix}viewers:${topic}`,
    /** Who publishes a topic's viewer count this window. */
    viewersClaim: (topic: string) => `${prefix}viewers-claim:${topic}`,
    /** A history topic's events: a stream whose entry ids are `0-<offset>`, fields `j` (JSON) and `t` (ms). */
    history: (topic: string) => `${prefix}history:${topic}`,
    /** A history topic's epoch and latest offset (a hash). */
    historyMeta: (topic: string) => `${prefix}history-meta:${topic}`,
    /** An idempotency key of a history topic: `<epoch>|<offset>|<id>` of the first publish. */
    historyKey: (topic: string, key: string) => `${prefix}history-key:${topic}:${key}`,
  }
}

export type RedisKeys = ReturnType<typeof redisKeys>

export const DEFAULT_KEY_PREFIX = 'likewire:'
