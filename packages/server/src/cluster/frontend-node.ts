import { assertSecret, internalOnly } from '../auth/bearer'
import { subscribeHandler, unsubscribeHandler } from '../http/subscriptions'
import { assembleLikewire, frontendParts, type Likewire } from '../node/frontend-role'
import { resolveNode } from '../node/resolve'
import type { LikewireOptions } from '../options'
import { checkDatacenter } from '../peers/datacenter'
import { HttpPresenceForwarder } from '../peers/presence-forwarder'
import { resolvePresence } from '../presence/options'
import { assertMaxStall } from '../registry/lease-keeper'
import { RedisRegistry } from '../registry/redis-registry'
import { deliverRoute } from '../transport/deliver-route'
import { HttpTransport } from '../transport/http-transport'
import { InProcessTransport } from '../transport/in-process'
import { clusterHistory } from './history'
import { routeToOwner } from './owner-routing'
import { peerForwarder } from './peers'
import { Registration } from './registration'

export interface FrontendNodeOptions extends Omit<LikewireOptions, 'registry' | 'transport' | 'internalUrl'> {
  /** Redis URL of this datacenter's registry. */
  redis: string
  /** Shared secret of the cluster (the same on every node). */
  secret: string
  /**
   * Base URL dispatchers use to reach this node's routes, including the path it is mounted at:
   * `http://10.0.0.5:8080`, or `http://10.0.0.5:3000/realtime` when mounted at `/realtime`.
   */
  internalUrl: string
  /** @default 'likewire:' */
  keyPrefix?: string | undefined
  /** Lease lifetime; a dead node is pruned after this. @default 5000 */
  leaseTtlMs?: number | undefined
  /**
   * The lease is renewed from a worker thread while the event loop keeps turning, so a loop busy under
   * load is not pruned; one that has not turned for this long counts as hung and its lease is let go.
   * @default 30000
   */
  maxStallMs?: number | undefined
  /**
   * Peer datacenters (name -> dispatcher URLs): this node's in-process publishes reach them too, and so
   * do its members' presence transitions (online in any datacenter is online).
   */
  peers?: Record<string, string[]> | undefined
  /**
   * This datacenter's name (1-64 of `A-Za-z0-9_.-`), under which peers keep its members' presence:
   * required with `peers`, a different one in each datacenter.
   * @default 'dc1' (without peers)
   */
  dc?: string | undefined
  /**
   * A Redis of its own for history (`--history-redis`), so its loss fails only history publishes.
   * @default the registry's Redis
   */
  historyRedis?: string | undefined
}

export interface FrontendNode extends Likewire {
  registry: RedisRegistry
}

/**
 * A cluster frontend node: holds SSE connections, records its topics and lease in Redis, takes
 * deliveries from dispatchers on an internal route, and re-records everything by itself whenever the
 * registry lost it (Redis restarted empty, lease expired).
 */
export async function createFrontendNode(options: FrontendNodeOptions): Promise<FrontendNode> {
  assertSecret(options.secret)
  const maxStallMs = options.maxStallMs ?? 30_000
  assertMaxStall(maxStallMs)
  const dc = checkDatacenter(options.dc, options.peers)
  // checked before Redis is reached: a bad option must not leave a connection open
  const { digestIntervalMs } = resolvePresence(options.presence)
  const base = resolveNode(options)
  const registry = new RedisRegistry({
    url: options.redis,
    keyPrefix: options.keyPrefix,
    leaseTtlMs: options.leaseTtlMs,
  })
  // a Redis client that never connected would otherwise keep retrying and hold the process open
  await registry.ready().catch(async (error: unknown) => {
    await registry.close()
    throw error
  })
  const http = new HttpTransport({ registry, secret: options.secret, logger: base.logger })
  const transport = new InProcessTransport(http)
  const peers = peerForwarder(options.peers, options.secret, base.metrics, base.logger)
  const history = await clusterHistory(options, registry, 'frontend').catch(async (error: unknown) => {
    await registry.close()
    throw error
  })
  const presenceForwarder =
    options.peers && Object.keys(options.peers).length > 0
      ? new HttpPresenceForwarder({
          peers: options.peers,
          secret: options.secret,
          dc,
          // a peer keeps an online state three digests long: one lost digest is no flap
          ttlMs: 3 * digestIntervalMs,
          metrics: base.metrics,
          logger: base.logger,
        })
      : undefined
  const parts = frontendParts(base, { registry, transport, peers, history, presenceForwarder })
  const self = { nodeId: base.nodeId, url: options.internalUrl }
  const registration = new Registration(registry, self, parts.frontend, base.logger, parts.presence)
  const lw = assembleLikewire(base, parts, {
    registry,
    history,
    url: options.internalUrl,
    routeToOwner: routeToOwner(registry, base.nodeId, options.secret),
    healthChecks: async () => ({ registration: await registration.check() }),
    internalRoutes: (core) => {
      // the owner side answers for its own connections only: never routed again, so no loops
      const owner = { ...core, routeToOwner: undefined }
      return [
        { path: '/internal/v1/deliver', handler: deliverRoute(parts.frontend, options.secret, base.metrics) },
        {
          path: '/internal/v1/subscribe',
          handler: internalOnly(options.secret, subscribeHandler(owner, parts.frontend)),
        },
        {
          path: '/internal/v1/unsubscribe',
          handler: internalOnly(options.secret, unsubscribeHandler(owner, parts.frontend)),
        },
      ]
    },
    closeRole: async () => {
      await http.close()
      await transport.close()
      await peers?.close()
      if (history && !options.historyStore) await history.store.close()
      await registry.close()
    },
  })
  await registration.start(maxStallMs)
  return {
    ...lw,
    registry,
    // stopped first: the lease must not be renewed after close() removed it
    close: async () => {
      await registration.stop()
      await lw.close()
    },
  }
}
