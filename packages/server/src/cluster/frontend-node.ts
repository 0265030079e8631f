import { type Core, ownerOf, type SubscriptionPath } from '../core'
import { subscribeHandler, unsubscribeHandler } from '../http/subscriptions'
import { createLikewire, type Likewire } from '../likewire'
import { createMetrics } from '../metrics/metrics'
import type { LikewireOptions } from '../options'
import { unavailable } from '../protocol/errors'
import { RedisRegistry } from '../registry/redis-registry'
import { HttpTransport } from '../transport/http-transport'
import { InProcessTransport } from '../transport/in-process'
import { HttpPeerForwarder } from '../transport/peer-forwarder'
import { deliverHandler, internalOnly } from './internal-routes'
import { assertMaxStall, startLeaseKeeper } from './lease-keeper'

export interface FrontendNodeOptions extends Omit<LikewireOptions, 'registry' | 'transport'> {
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
  keyPrefix?: string
  /** Lease lifetime; a dead node is pruned after this. @default 5000 */
  leaseTtlMs?: number
  /**
   * The lease is renewed from a worker thread while the event loop keeps turning, so a loop busy under
   * load is not pruned; one that has not turned for this long counts as hung and its lease is let go.
   * @default 30000
   */
  maxStallMs?: number
  /** Peer datacenters (name -> dispatcher URLs): this node's in-process publishes reach them too. */
  peers?: Record<string, string[]>
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
  const maxStallMs = options.maxStallMs ?? 30_000
  assertMaxStall(maxStallMs)
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
  const transport = new InProcessTransport(new HttpTransport({ registry, secret: options.secret }))
  let lastError = ''
  const heldKey = () => `${options.keyPrefix ?? 'likewire:'}held:${lw.frontend.nodeId}`
  // the lease exists and Redis holds exactly the local topics: what dispatchers will read, checked directly
  const probe = async (): Promise<boolean> => {
    const [lease, held] = await Promise.all([
      registry.node(lw.frontend.nodeId),
      registry.redis.scard(heldKey()),
    ])
    return lease !== undefined && (!lw.frontend.registryIdle || held === lw.frontend.localTopics().length)
  }
  const metrics = createMetrics({ defaultMetrics: options.processMetrics ?? true })
  // a subscribe for a connection another frontend holds goes to that frontend's internal route
  const routeToOwner = async (path: SubscriptionPath, body: Record<string, unknown>) => {
    const owner = ownerOf(body.connectionId)
    const info =
      owner && owner !== lw.frontend.nodeId
        ? await registry.node(owner).catch(() => {
            throw unavailable('The registry is unavailable; retry later')
          })
        : undefined
    if (!info) return undefined
    const res = await fetch(`${info.url}/internal${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${options.secret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(3000),
    }).catch(() => undefined)
    // an owner that cannot be reached has lost its streams: unknown_connection sends the client to reconnect
    if (!res) return undefined
    return new Response(await res.text(), {
      status: res.status,
      headers: { 'Content-Type': 'application/json' },
    })
  }
  const lw = createLikewire(
    { ...options, registry, transport },
    {
      metrics,
      routeToOwner,
      healthChecks: async () => {
        const ok = await probe().catch((error: unknown) => {
          lastError = error instanceof Error ? error.message : String(error)
          return false
        })
        if (!ok) void tick()
        return {
          registration: ok ? { ok } : { ok, detail: `lease or topics missing in the registry ${lastError}` },
        }
      },
    },
  )
  const node = { nodeId: lw.frontend.nodeId, url: options.internalUrl }
  if (options.peers && Object.keys(options.peers).length > 0) {
    lw.dispatcher.peers = new HttpPeerForwarder({
      peers: options.peers,
      secret: options.secret,
      metrics,
      logger: lw.core.logger,
    })
  }

  // renew the lease, and compare what Redis holds for this node with the local table: probe, not ping
  let ticking = false
  const tick = async () => {
    if (ticking) return
    ticking = true
    try {
      const lost = await registry.renewLease(node)
      const held = await registry.redis.scard(heldKey())
      // counts differ for a moment while a subscribe is being recorded: compare only when nothing is pending
      if (lost || (lw.frontend.registryIdle && held !== lw.frontend.localTopics().length))
        await lw.frontend.resync()
      lastError = ''
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error)
    } finally {
      ticking = false
    }
  }
  await tick()
  const timer = setInterval(tick, Math.max(100, Math.floor(registry.leaseTtlMs / 3)))
  timer.unref()
  registry.redis.on('ready', () => void tick())
  // the tick above still renews too: if the worker fails, the node degrades to main-loop renewal only
  const keeper = startLeaseKeeper({
    redis: options.redis,
    leaseKey: registry.keys.node(node.nodeId),
    leaseValue: JSON.stringify(node),
    nodesKey: registry.keys.nodes,
    nodeId: node.nodeId,
    ttlMs: registry.leaseTtlMs,
    maxStallMs,
    onLost: () => void lw.frontend.resync().catch(() => {}),
    onError: (error) =>
      lw.core.logger.warn({ err: error }, 'lease keeper thread failed; renewing from the main loop only'),
  })
  // bounded: a keeper that cannot connect leaves the main loop's renewal in charge, it does not block startup
  const keeperUp = await Promise.race([
    keeper.ready.then(
      () => true,
      () => true, // its failure was logged by onError
    ),
    new Promise<boolean>((resolve) => setTimeout(resolve, 5000, false).unref()),
  ])
  if (!keeperUp)
    lw.core.logger.warn(
      'lease keeper not connected to Redis after 5 s; the main loop renews the lease meanwhile',
    )

  lw.app.post('/internal/v1/deliver', deliverHandler(lw.frontend, options.secret, metrics))
  // the owner side answers for its own connections only: never routed again, so no loops
  const ownerCore: Core = { ...lw.core, routeToOwner: undefined }
  lw.app.post(
    '/internal/v1/subscribe',
    internalOnly(options.secret, subscribeHandler(ownerCore, lw.frontend)),
  )
  lw.app.post(
    '/internal/v1/unsubscribe',
    internalOnly(options.secret, unsubscribeHandler(ownerCore, lw.frontend)),
  )
  const close = lw.close
  return {
    ...lw,
    registry,
    close: async () => {
      clearInterval(timer)
      // stopped first: it must not re-create the lease that close() removes
      await keeper.close()
      await close()
      await registry.close()
      await transport.close()
    },
  }
}
