import { Dispatcher } from '../dispatcher/dispatcher'
import { HistoryRecorder } from '../dispatcher/recorder'
import { MemoryHistoryStore } from '../history/memory-store'
import { HistoryRules } from '../history/rules'
import { resolveNode } from '../node/resolve'
import type { LikewireOptions } from '../options'
import { MemoryRegistry } from '../registry/memory-registry'
import { serve } from './channel'
import { WorkerTransport } from './deliveries'
import { nodeHealth, nodeMetrics } from './node-report'
import { DISPATCHER_METHODS, HISTORY_METHODS, PRESENCE_METHODS, REGISTRY_METHODS } from './primary-parts'
import type { RoutedAnswer } from './standalone-worker'
import { Supervisor, type WorkersPlan } from './supervisor'

export interface WorkersNode {
  /** The public URL, as the first worker listening reports it. */
  url: string
  supervisor: Supervisor
  /** Drains every worker, then closes what the primary holds. */
  close(): Promise<void>
}

/**
 * The primary of `likewire standalone --workers n`: the node's one dispatcher, in-memory registry,
 * presence store and history (so positions are given in one place, and every worker's subscribers are
 * in one table), served to n workers that hold the connections on the shared port. No Redis.
 */
export async function standalonePrimary(
  options: LikewireOptions,
  { count, balance }: WorkersPlan,
): Promise<WorkersNode> {
  const { nodeId, metrics, logger } = resolveNode(options)
  const registry = new MemoryRegistry()
  const rules = new HistoryRules(options.history)
  const store = rules.enabled ? new MemoryHistoryStore() : undefined
  const transport = new WorkerTransport()
  const history = store ? new HistoryRecorder(rules, store) : undefined
  const dispatcher = new Dispatcher({ registry, transport, history, metrics, logger })
  const served = {
    registry: serve(registry, REGISTRY_METHODS),
    presence: serve(registry.presenceStore(), PRESENCE_METHODS),
    history: store ? serve(store, HISTORY_METHODS) : {},
    dispatcher: serve(dispatcher, DISPATCHER_METHODS),
    node: {
      health: () => nodeHealth(supervisor, nodeId, count),
      metrics: () => nodeMetrics(supervisor, metrics),
      // a subscribe for another worker's connection: that worker answers it (null: no such worker)
      route: async (owner: string, path: string, body: unknown): Promise<RoutedAnswer | null> => {
        const link = supervisor.links.get(owner)
        return link ? link.channel.call<RoutedAnswer>('worker', 'route', [path, body]) : null
      },
    },
  }
  const supervisor: Supervisor = new Supervisor({
    count,
    balance,
    baseId: nodeId,
    logger,
    metrics,
    serve: () => served,
    onStart: (link) => transport.attach(link.nodeId, link.channel),
    // its topics and viewer counts go at once; its members leave with the grace (they reconnect elsewhere)
    onExit: async (link) => {
      transport.detach(link.nodeId)
      await registry.removeNode(link.nodeId)
    },
  })
  const url = await supervisor.start()
  return {
    url,
    supervisor,
    async close() {
      await supervisor.close()
      await transport.close()
      await store?.close()
      await registry.close()
    },
  }
}
