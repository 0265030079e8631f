import { MemoryPresenceStore } from './memory-presence'
import type { NodeInfo, Registry, RegistryHealth } from './registry'

/** The registry of embedded mode: one process, so plain maps are the whole truth. */
export class MemoryRegistry implements Registry {
  private readonly nodes = new Map<string, NodeInfo>()
  private readonly topicNodes = new Map<string, Set<string>>()
  private readonly counts = new Map<string, Map<string, number>>()
  private readonly presence = new MemoryPresenceStore()
  /** topic -> until when one node publishes its viewer count (nodes sharing this registry publish it once) */
  private readonly viewerClaims = new Map<string, number>()

  /** Presence of the nodes sharing this registry. */
  presenceStore(): MemoryPresenceStore {
    return this.presence
  }

  async registerNode(node: NodeInfo): Promise<void> {
    this.nodes.set(node.nodeId, node)
  }

  async removeNode(nodeId: string): Promise<void> {
    this.nodes.delete(nodeId)
    await this.replaceTopics(nodeId, [])
    await this.presence.release(nodeId, Date.now())
    for (const [topic, perNode] of this.counts) {
      perNode.delete(nodeId)
      if (perNode.size === 0) this.counts.delete(topic)
    }
  }

  async pruneNode(nodeId: string): Promise<boolean> {
    if (this.nodes.has(nodeId)) return false
    await this.removeNode(nodeId)
    return true
  }

  async node(nodeId: string): Promise<NodeInfo | undefined> {
    return this.nodes.get(nodeId)
  }

  async addTopics(nodeId: string, topics: readonly string[]): Promise<void> {
    for (const topic of topics) {
      let set = this.topicNodes.get(topic)
      if (!set) {
        set = new Set()
        this.topicNodes.set(topic, set)
      }
      set.add(nodeId)
    }
  }

  async removeTopics(nodeId: string, topics: readonly string[]): Promise<void> {
    for (const topic of topics) {
      // a topic the node no longer holds has no viewers there, as in the Redis registry
      const perNode = this.counts.get(topic)
      if (perNode?.delete(nodeId) && perNode.size === 0) this.counts.delete(topic)
      const set = this.topicNodes.get(topic)
      if (!set) continue
      set.delete(nodeId)
      if (set.size === 0) this.topicNodes.delete(topic)
    }
  }

  async replaceTopics(nodeId: string, topics: readonly string[]): Promise<void> {
    const held = [...this.topicNodes].filter(([, set]) => set.has(nodeId)).map(([topic]) => topic)
    await this.removeTopics(nodeId, held)
    await this.addTopics(nodeId, topics)
  }

  async nodesFor(topics: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>()
    for (const topic of topics) {
      const set = this.topicNodes.get(topic)
      if (set && set.size > 0) result.set(topic, [...set])
    }
    return result
  }

  async setViewerCounts(nodeId: string, counts: ReadonlyArray<readonly [string, number]>): Promise<void> {
    for (const [topic, count] of counts) {
      let perNode = this.counts.get(topic)
      if (count > 0) {
        if (!perNode) {
          perNode = new Map()
          this.counts.set(topic, perNode)
        }
        perNode.set(nodeId, count)
      } else if (perNode) {
        perNode.delete(nodeId)
        if (perNode.size === 0) this.counts.delete(topic)
      }
    }
  }

  async viewerCounts(topics: readonly string[]): Promise<number[]> {
    return topics.map((topic) => {
      let total = 0
      for (const count of this.counts.get(topic)?.values() ?? []) total += count
      return total
    })
  }

  /** As Redis's `SET NX PX`: the first caller of a window wins it; expired claims are dropped as the map grows. */
  async claimViewerPublish(topic: string, windowMs: number): Promise<boolean> {
    const now = Date.now()
    if ((this.viewerClaims.get(topic) ?? 0) > now) return false
    if (this.viewerClaims.size > 1024)
      for (const [t, until] of this.viewerClaims) if (until <= now) this.viewerClaims.delete(t)
    this.viewerClaims.set(topic, now + windowMs)
    return true
  }

  async health(): Promise<RegistryHealth> {
    return { ok: true }
  }

  async close(): Promise<void> {}
}
