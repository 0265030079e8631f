import type { Server } from 'node:http'
import pino, { type Logger } from 'pino'
import type { Core } from '../core'
import { Dispatcher } from '../dispatcher/dispatcher'
import { type PublishInput, validatePublish } from '../dispatcher/publish-input'
import { createApp, type LikewireApp } from '../http/app'
import { attachServer, type ServerLimits } from '../http/server'
import { randomNodeId } from '../likewire'
import { createMetrics } from '../metrics/metrics'
import { defaultOptions, type LikewireOptions } from '../options'
import { RedisRegistry } from '../registry/redis-registry'
import { HttpTransport } from '../transport/http-transport'
import { HttpPeerForwarder } from '../transport/peer-forwarder'
import { forwardHandler } from './internal-routes'

type DispatcherLimits =
  | 'maxPayloadBytes'
  | 'maxRequestBytes'
  | 'maxBatchSize'
  | 'apiKey'
  | 'cors'
  | 'logLevel'
  | 'processMetrics'

export interface DispatcherNodeOptions extends Pick<LikewireOptions, DispatcherLimits> {
  /** Redis URL of this datacenter's registry. */
  redis: string
  /** Shared secret of the cluster (the same on every node and in every datacenter). */
  secret: string
  /** This datacenter's name (logs, metrics). @default 'dc1' */
  dc?: string
  /** Peer datacenters: name -> dispatcher base URLs; each publish is forwarded once to one of each. */
  peers?: Record<string, string[]>
  /** @default a random id */
  nodeId?: string
  /** @default 'likewire:' */
  keyPrefix?: string
  /** How often expired frontend leases are pruned. @default 1000 */
  pruneIntervalMs?: number
  /** Per-request timeout to a frontend node; keep it under publishers' timeout. @default 3000 */
  deliveryTimeoutMs?: number
  logger?: Logger
}

export interface DispatcherNode {
  app: LikewireApp
  dispatcher: Dispatcher
  registry: RedisRegistry
  metrics: Core['metrics']['registry']
  publishMany(events: readonly PublishInput[]): Promise<{ ids: string[] }>
  /** As `Likewire.attach`: timeouts and refusal counts on a Node server of your own. */
  attach(server: Server, limits?: ServerLimits): void
  close(): Promise<void>
}

/**
 * A cluster dispatcher: stateless. Takes publishes, looks up topic -> frontend nodes in Redis on every
 * publish (no cache to go stale), forwards each node its batch over HTTP, and fans out once to peer
 * datacenters. It also prunes frontends whose lease expired.
 */
export async function createDispatcherNode(options: DispatcherNodeOptions): Promise<DispatcherNode> {
  const opts = { ...defaultOptions, ...options }
  const nodeId = options.nodeId ?? randomNodeId()
  const logger = options.logger ?? pino({ level: opts.logLevel, base: { nodeId, dc: options.dc ?? 'dc1' } })
  const metrics = createMetrics({ defaultMetrics: opts.processMetrics })
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
  const dispatcher = new Dispatcher(registry, transport, metrics, logger)
  if (options.peers && Object.keys(options.peers).length > 0) {
    dispatcher.peers = new HttpPeerForwarder({
      peers: options.peers,
      secret: options.secret,
      metrics,
      logger,
    })
  }
  const core: Core = {
    nodeId,
    options: opts,
    dispatcher,
    registry,
    metrics,
    logger,
    async health() {
      const registryHealth = await registry.health()
      return { status: registryHealth.ok ? 'ok' : 'degraded', nodeId, checks: { registry: registryHealth } }
    },
  }
  const app = createApp(core)
  app.post('/internal/v1/forward', forwardHandler(dispatcher, options.secret, metrics))

  const prune = setInterval(async () => {
    try {
      for (const expired of await registry.expiredNodes()) {
        if (await registry.pruneNode(expired))
          logger.info({ expired }, 'pruned frontend node with an expired lease')
      }
    } catch {}
  }, options.pruneIntervalMs ?? 1000)
  prune.unref()

  return {
    app,
    dispatcher,
    registry,
    metrics: metrics.registry,
    async publishMany(events) {
      return {
        ids: await dispatcher.publish(events.map((event) => validatePublish(event, opts.maxPayloadBytes))),
      }
    },
    attach: (server, limits) => attachServer(server, limits, metrics),
    async close() {
      clearInterval(prune)
      await transport.close()
      await registry.close()
    },
  }
}
