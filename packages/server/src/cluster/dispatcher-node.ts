import type { ServerType } from '@hono/node-server'
import type { Logger } from 'pino'
import { assertSecret } from '../auth/bearer'
import { Dispatcher } from '../dispatcher/dispatcher'
import { type PublishInput, validatePublish } from '../dispatcher/publish-input'
import { HistoryRecorder } from '../dispatcher/recorder'
import { createApp, type LikewireApp } from '../http/app'
import { attachServer, type ServerLimits } from '../http/server'
import type { Core, HealthReport } from '../node/core'
import { resolveNode } from '../node/resolve'
import type { LikewireOptions } from '../options'
import { checkDatacenter } from '../peers/datacenter'
import { forwardRoute } from '../peers/forward-route'
import { presenceRoute } from '../peers/presence-route'
import { RedisRegistry } from '../registry/redis-registry'
import { HttpTransport } from '../transport/http-transport'
import { clusterHistory } from './history'
import { peerForwarder } from './peers'

type DispatcherLimits =
  | 'maxPayloadBytes'
  | 'maxRequestBytes'
  | 'maxBatchSize'
  | 'apiKey'
  | 'cors'
  | 'logLevel'
  | 'processMetrics'
  | 'nodeId'
  | 'logger'
  | 'history'
  | 'historyStore'

export interface DispatcherNodeOptions extends Pick<LikewireOptions, DispatcherLimits> {
  /** Redis URL of this datacenter's registry. */
  redis: string
  /** Shared secret of the cluster (the same on every node and in every datacenter). */
  secret: string
  /**
   * This datacenter's name (logs; 1-64 of `A-Za-z0-9_.-`): required with `peers`, a different one in each
   * datacenter.
   * @default 'dc1' (without peers)
   */
  dc?: string | undefined
  /** Peer datacenters: name -> dispatcher base URLs; each publish is forwarded once to one of each. */
  peers?: Record<string, string[]> | undefined
  /** @default 'likewire:' */
  keyPrefix?: string | undefined
  /** How often expired frontend leases are pruned. @default 1000 */
  pruneIntervalMs?: number | undefined
  /** Per-request timeout to a frontend node; keep it under publishers' timeout. @default 3000 */
  deliveryTimeoutMs?: number | undefined
  /** A Redis of its own for history (`--history-redis`). @default the registry's Redis */
  historyRedis?: string | undefined
}

export interface DispatcherNode {
  app: LikewireApp
  dispatcher: Dispatcher
  registry: RedisRegistry
  metrics: Core['metrics']['registry']
  publishMany(events: readonly PublishInput[]): Promise<{ ids: string[] }>
  /** As `Likewire.attach`: timeouts and refusal counts on a Node server of your own. */
  attach(server: ServerType, limits?: ServerLimits): void
  close(): Promise<void>
}

/**
 * A cluster dispatcher: stateless. Takes publishes, looks up topic -> frontend nodes in Redis on every
 * publish (no cache to go stale), forwards each node its batch over HTTP, and fans out once to peer
 * datacenters. It also prunes frontends whose lease expired (their members leave with the grace), and
 * takes peer datacenters' member presence transitions.
 */
export async function createDispatcherNode(options: DispatcherNodeOptions): Promise<DispatcherNode> {
  assertSecret(options.secret)
  const dc = checkDatacenter(options.dc, options.peers)
  const base = resolveNode(options, { dc })
  const { nodeId, metrics, logger } = base
  const registry = new RedisRegistry({ url: options.redis, keyPrefix: options.keyPrefix })
  await registry.ready().catch(async (error: unknown) => {
    await registry.close()
    throw error
  })
  const transport = new HttpTransport({
    registry,
    secret: options.secret,
    timeoutMs: options.deliveryTimeoutMs,
    logger,
  })
  const peers = peerForwarder(options.peers, options.secret, metrics, logger)
  const history = await clusterHistory(options, registry, 'dispatcher').catch(async (error: unknown) => {
    await registry.close()
    throw error
  })
  const recorder = history ? new HistoryRecorder(history.rules, history.store) : undefined
  const dispatcher = new Dispatcher({ registry, transport, peers, history: recorder, metrics, logger })
  const core: Core = {
    nodeId,
    options: base.options,
    dispatcher,
    registry,
    metrics,
    logger,
    async health() {
      const checks: HealthReport['checks'] = { registry: await registry.health() }
      if (history) checks.history = await history.store.health()
      const ok = Object.values(checks).every((check) => check.ok)
      return { status: ok ? 'ok' : 'degraded', nodeId, checks }
    },
  }
  const app = createApp(core, [
    { path: '/internal/v1/forward', handler: forwardRoute(dispatcher, options.secret, metrics) },
    {
      path: '/internal/v1/presence',
      handler: presenceRoute(registry.presenceStore(), dispatcher, options.secret, metrics, logger),
    },
  ])
  const prune = setInterval(() => void pruneExpired(registry, logger), options.pruneIntervalMs ?? 1000)
  prune.unref()

  return {
    app,
    dispatcher,
    registry,
    metrics: metrics.registry,
    async publishMany(events) {
      const valid = events.map((event) => validatePublish(event, base.options.maxPayloadBytes))
      return { ids: await dispatcher.publish(valid) }
    },
    attach: (server, limits) => attachServer(server, limits, metrics),
    async close() {
      clearInterval(prune)
      await transport.close()
      await peers?.close()
      if (history && !options.historyStore) await history.store.close()
      await registry.close()
    },
  }
}

/** Removes frontends whose lease expired, so nothing is sent to a dead node; a Redis hiccup waits for the next round. */
async function pruneExpired(registry: RedisRegistry, logger: Logger): Promise<void> {
  try {
    for (const expired of await registry.expiredNodes()) {
      if (await registry.pruneNode(expired))
        logger.info({ expired }, 'pruned frontend node with an expired lease')
    }
    // a release another dispatcher began and could not finish (it died, or Redis failed in between)
    await registry.finishReleases()
  } catch {}
}
