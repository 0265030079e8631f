import { MemoryHistoryStore } from './history/memory-store'
import { HistoryRules } from './history/rules'
import { assembleLikewire, frontendParts, type Likewire } from './node/frontend-role'
import { resolveNode } from './node/resolve'
import type { LikewireOptions } from './options'
import { MemoryRegistry } from './registry/memory-registry'
import { InProcessTransport } from './transport/in-process'

export type { Likewire } from './node/frontend-role'

/** Creates an embedded Likewire: frontend and dispatcher in one process, in-memory registry by default. */
export function createLikewire(options: LikewireOptions = {}): Likewire {
  const base = resolveNode(options)
  const rules = new HistoryRules(options.history)
  const history = rules.enabled
    ? { rules, store: options.historyStore ?? new MemoryHistoryStore() }
    : undefined
  const registry = options.registry ?? new MemoryRegistry()
  // a shared InProcessTransport is the caller's table of in-process nodes: join it; wrap any other transport
  const transport =
    options.transport instanceof InProcessTransport
      ? options.transport
      : new InProcessTransport(options.transport)
  const parts = frontendParts(base, { registry, transport, history })
  return assembleLikewire(base, parts, {
    registry,
    history,
    url: options.internalUrl ?? '',
    // what the caller handed in is the caller's to close
    closeRole: async () => {
      transport.detach(base.nodeId)
      if (!options.registry) await registry.close()
      if (history && !options.historyStore) await history.store.close()
    },
  })
}
