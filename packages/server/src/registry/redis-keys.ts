import { escapeMemberId } from '../protocol/topic'

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
    /** A node's topics set aside when it closed or was pruned, taken back a bounded step at a time. */
    unholding: (id: string) => `${prefix}unholding:${id}`,
    /** Unhold id -> node: the unholds not finished (any pruner finishes them). */
    unholds: `${prefix}unholds`,
    /** The last unhold id. */
    unholdSeq: `${prefix}unhold-seq`,
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
    // presence: per scope (presenceScopeKey), each key tagged {scope} so a scope's keys share a slot
    /** Scope hash: `<member>\n<node>` = 1 per node holding the member, `<member>` = how many nodes. */
    presence: (scope: string) => `${prefix}presence:{${scope}}`,
    /** Scope zset: member -> since (present: online, or left and within the grace). */
    presenceSince: (scope: string) => `${prefix}presence-since:{${scope}}`,
    /** Topic scope hash: member -> `j<since>` (joined) or `l` (left), not yet published. */
    presenceChanges: (scope: string) => `${prefix}presence-changes:{${scope}}`,
    /** Who publishes a topic's members changes this window. */
    presenceClaim: (scope: string) => `${prefix}presence-claim:{${scope}}`,
    /** Member scope: when it was last seen (offline since), kept 7 days. */
    presenceSeen: (scope: string) => `${prefix}presence-seen:{${scope}}`,
    /** Member scope hash: datacenter -> `<1 online|0 offline>:<since>` of peer datacenters. */
    presenceRemote: (scope: string) => `${prefix}presence-remote:{${scope}}`,
    /** Zset `<scope>\n<member>` -> left at: members whose last connection is gone, offline after the grace. */
    presencePending: `${prefix}presence-pending`,
    /** Node -> its `<scope>\n<member>` holdings (left with the grace when it closes or is pruned). */
    presenceHeld: (nodeId: string) => `${prefix}presence-held:${nodeId}`,
    /** A node's holdings set aside by a release (its close or prune), left a bounded step at a time. */
    presenceReleasing: (id: string) => `${prefix}presence-releasing:${id}`,
    /** Release id -> `<left at>\n<node>`: the releases not finished (any pruner finishes them). */
    presenceReleases: `${prefix}presence-releases`,
    /** Node -> ids of its releases not finished (a scope it joins again is taken back from them). */
    presenceReleasingOf: (nodeId: string) => `${prefix}presence-releasing-of:${nodeId}`,
    /** The last release id. */
    presenceReleaseSeq: `${prefix}presence-release-seq`,
    /** Zset member -> since: this datacenter's own online members (the digest peers get). */
    presenceOnline: `${prefix}presence-online`,
    /** Zset `<token>\n<p|t>\n<id>` -> replay at: changes made and not yet confirmed published. */
    presenceUnpublished: `${prefix}presence-unpublished`,
    /** Zset `<scope>\n<member>\n<dc>` -> expires at: peer datacenters' online states. */
    presenceRemoteLive: `${prefix}presence-remote-live`,
    /** Which node sends this datacenter's digest this interval (`PX` interval). */
    presenceDigestClaim: `${prefix}presence-digest-claim`,
    /** A peer asked for a digest (a minute). */
    presenceDigestAsked: `${prefix}presence-digest-asked`,
    /** A digest was sent within the floor between asked ones. */
    presenceDigestRecent: `${prefix}presence-digest-recent`,
  }
}

export type RedisKeys = ReturnType<typeof redisKeys>

/** A presence scope in keys: `p:<escaped member id>` (its presence) or `t:<topic>` (a topic's members). */
export function presenceScopeKey(scope: { topic: string | null; memberId: string }): string {
  return scope.topic === null ? `p:${escapeMemberId(scope.memberId)}` : `t:${scope.topic}`
}

export const DEFAULT_KEY_PREFIX = 'likewire:'
