import { HistoryRules } from '../history/rules'
import type { HistoryStore } from '../history/store'
import type { LikewireOptions } from '../options'
import { connectHistoryStore } from '../registry/redis-history'
import type { RedisRegistry } from '../registry/redis-registry'

/** How long a frontend waits for a history read: a catch-up is off the publish path, and a storm of them is slow. */
export const FRONTEND_READ_TIMEOUT_MS = 5000

/**
 * A cluster role's history: its rules, kept in this datacenter's Redis (the registry's, or one of its own),
 * undefined when no topic has a rule. Every role of a datacenter must be given the same rules.
 * A dispatcher appends on the registry's connection (the lookup rides behind the appends); a frontend,
 * which only reads, reads on a connection of its own, so large catch-up answers never hold back its lease
 * and registry commands, and a slow one is waited for longer.
 */
export async function clusterHistory(
  options: Pick<LikewireOptions, 'history' | 'historyStore'> & {
    redis: string
    historyRedis?: string | undefined
    keyPrefix?: string | undefined
  },
  registry: RedisRegistry,
  role: 'frontend' | 'dispatcher',
): Promise<{ rules: HistoryRules; store: HistoryStore } | undefined> {
  const rules = new HistoryRules(options.history)
  if (!rules.enabled) return undefined
  if (options.historyStore) return { rules, store: options.historyStore }
  if (!options.historyRedis && role === 'dispatcher') return { rules, store: registry.historyStore() }
  const store = connectHistoryStore({
    url: options.historyRedis ?? options.redis,
    keyPrefix: options.keyPrefix,
    commandTimeoutMs: role === 'frontend' ? FRONTEND_READ_TIMEOUT_MS : undefined,
  })
  // like the registry: a history Redis unreachable at startup is one clear line, not a node that 503s
  await store.ready().catch(async (error: unknown) => {
    await store.close()
    throw error
  })
  return { rules, store }
}
