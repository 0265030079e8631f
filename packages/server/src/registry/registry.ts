import type { PresenceStore } from './presence-store'

/** A frontend node as the registry knows it: where dispatchers deliver its events. */
export interface NodeInfo {
  nodeId: string
  /** Internal base URL of the node's delivery route (cluster mode); empty when in-process. */
  url: string
}

export interface RegistryHealth {
  ok: boolean
  detail?: string
}

/**
 * The shared subscriptions table of the talk (challenge 5): topic -> frontend nodes, plus node leases
 * and viewer counts. In memory when embedded, in Redis in a cluster: a seam, not a rewrite.
 */
export interface Registry {
  /** Records (or renews) a node's lease. */
  registerNode(node: NodeInfo): Promise<void>
  /** Removes a node and every topic it held (clean shutdown); its presence holdings are left with the grace. */
  removeNode(nodeId: string): Promise<void>
  /**
   * Removes a node whose lease expired, unless it came back meanwhile; true when it was removed. Its
   * presence holdings are left then, so its members go offline after the lease plus the grace.
   */
  pruneNode(nodeId: string): Promise<boolean>
  /** Looks up a live node's info; undefined when its lease is gone. */
  node(nodeId: string): Promise<NodeInfo | undefined>

  /** Records that `nodeId` has local subscribers of these topics. */
  addTopics(nodeId: string, topics: readonly string[]): Promise<void>
  /** Records that `nodeId` no longer has local subscribers of these topics. */
  removeTopics(nodeId: string, topics: readonly string[]): Promise<void>
  /** Replaces everything recorded for `nodeId` (re-registration after a registry loss). */
  replaceTopics(nodeId: string, topics: readonly string[]): Promise<void>
  /** The nodes subscribed to each topic (topics with none are absent). */
  nodesFor(topics: readonly string[]): Promise<Map<string, string[]>>

  /** Records this node's local subscriber counts; a count of 0 clears the entry. */
  setViewerCounts(
    nodeId: string,
    counts: ReadonlyArray<readonly [topic: string, count: number]>,
  ): Promise<void>
  /** Total subscribers per topic, summed over every live node. */
  viewerCounts(topics: readonly string[]): Promise<number[]>
  /** Claims the right to publish `topic`'s count for `windowMs`, so the cluster publishes it once. */
  claimViewerPublish(topic: string, windowMs: number): Promise<boolean>

  /**
   * Where presence is kept, shared by every node of this registry; a registry without one gives each
   * node presence of its own in memory (one node only).
   */
  presenceStore?(): PresenceStore

  health(): Promise<RegistryHealth>
  close(): Promise<void>
}
