import { HistoryRules } from '../history/rules'
import type { HistoryStore } from '../history/store'
import type { LikewireOptions } from '../options'
import { connectHistoryStore } from '../registry/redis-history'
import type { RedisRegistry } from '../registry/redis-registry'

/**
 * A cluster role's history: its rules, kept in this datacenter's Redis (the registry's, or one of its own),
 * undefined when no topic has a rule. Every role of a datacenter must be given the same rules.
 */
export async function clusterHistory(
  options: Pick<LikewireOptions, 'history' | 'historyStore'> & {
    historyRedis?: string | undefined
    keyPrefix?: string | undefined
  },
  registry: RedisRegistry,
): Promise<{ rules: HistoryRules; store: HistoryStore } | undefined> {
  const rules = new HistoryRules(options.history)
  if (!rules.enabled) return undefined
  if (options.historyStore) return { rules, store: options.historyStore }
  if (!options.historyRedis) return { rules, store: registry.historyStore() }
  const store = connectHistoryStore({ url: options.historyRedis, keyPrefix: options.keyPrefix })
  // like the registry: a history Redis unreachable at startup is one clear line, not a node that 503s
  await store.ready().catch(async (error: unknown) => {
    await store.close()
    throw error
  })
  return { rules, store }
}
