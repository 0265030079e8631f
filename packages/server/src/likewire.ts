import { randomBytes } from 'node:crypto'
import type { Server } from 'node:http'
import pino from 'pino'
import type { Core, HealthReport } from './core'
import { Dispatcher } from './dispatcher/dispatcher'
import { type PublishInput, validatePublish } from './dispatcher/publish-input'
import { Frontend } from './frontend/frontend'
import { createApp, type LikewireApp } from './http/app'
import { attachServer, type ServerLimits } from './http/server'
import { createMetrics, type Metrics } from './metrics/metrics'
import { defaultOptions, type LikewireOptions } from './options'
import { ViewerCounts } from './presence/viewer-counts'
import { MemoryRegistry } from './registry/memory-registry'
import type { Registry } from './registry/registry'
import { InProcessTransport } from './transport/in-process'

export interface Likewire {
  /** The protocol routes as a Hono app: serve it, or mount it (`app.route('/realtime', lw.app)`). */
  app: LikewireApp
  /** Publishes one event in-process, through the same dispatcher path as `POST /v1/publish`. */
  publish(topic: string, data: unknown): Promise<{ id: string }>
  /** Publishes a batch in-process. */
  publishMany(events: readonly PublishInput[]): Promise<{ ids: string[] }>
  /** The parts the HTTP routes work with (cluster roles add internal routes over them). */
  core: Core
  /** Prometheus metrics of this node (also served at `/metrics`). */
  metrics: Core['metrics']['registry']
  /** This node's health, as served at `/healthz`. */
  health(): Promise<HealthReport>
  /**
   * Opts a Node server of your own (serving `lw.app`) into what `listen()` gives its servers: header and
   * body timeouts, refused sockets counted in `/metrics`, and the per-stream memory saving of the SSE
   * parser release. Servers made by `listen()` and the CLI have it already.
   */
  attach(server: Server, limits?: ServerLimits): void
  /** Graceful close: clients get a jittered reconnect hint, streams end, timers stop. */
  close(): Promise<void>
  /** The frontend node, dispatcher and registry inside, for embedding and cluster roles. */
  frontend: Frontend
  dispatcher: Dispatcher
  registry: Registry
}

export const randomNodeId = () => `node-${randomBytes(4).toString('hex')}`

/** Creates an embedded Likewire: frontend and dispatcher in one process, in-memory registry by default. */
export function createLikewire(
  options: LikewireOptions = {},
  extra: Pick<Core, 'routeToOwner'> & {
    healthChecks?: () => Promise<HealthReport['checks']>
    metrics?: Metrics
  } = {},
): Likewire {
  const opts = { ...defaultOptions, ...options }
  // a heartbeat faster than this floods every stream with control frames
  if (!(opts.heartbeatMs >= 100))
    throw new RangeError(`heartbeatMs must be at least 100, got ${opts.heartbeatMs}`)
  const nodeId = opts.nodeId ?? randomNodeId()
  const logger = opts.logger ?? pino({ level: opts.logLevel, base: { nodeId } })
  const metrics = extra.metrics ?? createMetrics({ defaultMetrics: opts.processMetrics })
  const registry = opts.registry ?? new MemoryRegistry()
  const transport = opts.transport ?? new InProcessTransport()
  const frontend = new Frontend(
    {
      nodeId,
      heartbeatMs: opts.heartbeatMs,
      retryMs: opts.retryMs,
      maxBufferedBytes: opts.maxBufferedBytes,
      maxConnections: opts.maxConnections,
      maxSubscriptionsPerConnection: opts.maxSubscriptionsPerConnection,
      flushWindowMs: opts.flushWindowMs,
    },
    registry,
    metrics,
    logger,
  )
  // a frontend node always reaches itself in-process, even in a cluster
  if (transport instanceof InProcessTransport) transport.attach(nodeId, frontend)
  const dispatcher = new Dispatcher(registry, transport, metrics, logger)
  const viewers = new ViewerCounts(frontend, registry, dispatcher, opts.viewerCountIntervalMs, logger)
  const registered = registry
    .registerNode({ nodeId, url: opts.internalUrl ?? '' })
    .catch((error: unknown) => {
      logger.warn({ err: error }, 'could not register node')
    })

  const core: Core = {
    nodeId,
    options: opts,
    frontend,
    dispatcher,
    viewers,
    registry,
    metrics,
    logger,
    routeToOwner: extra.routeToOwner,
    async health() {
      const registryHealth = await registry
        .health()
        .catch((error: unknown) => ({ ok: false, detail: String(error) }))
      const draining = frontend.isDraining ? { ok: false, detail: 'shutting down' } : { ok: true }
      const checks = { registry: registryHealth, draining, ...(await extra.healthChecks?.()) }
      const ok = Object.values(checks).every((check) => check.ok)
      return { status: ok ? 'ok' : 'degraded', nodeId, checks }
    },
  }

  let closed: Promise<void> | undefined
  return {
    app: createApp(core),
    core,
    async publish(topic, data) {
      await registered
      const [id] = await dispatcher.publish([validatePublish({ topic, data }, opts.maxPayloadBytes)])
      return { id: id! }
    },
    async publishMany(events) {
      await registered
      const ids = await dispatcher.publish(
        events.map((event) => validatePublish(event, opts.maxPayloadBytes)),
      )
      return { ids }
    },
    metrics: metrics.registry,
    health: () => core.health(),
    attach: (server, limits) => attachServer(server, limits, metrics),
    close() {
      closed ??= (async () => {
        frontend.drain(opts.drainJitterMs)
        viewers.close()
        await registry.removeNode(nodeId).catch(() => {})
        if (!opts.registry) await registry.close()
        if (!opts.transport) await transport.close()
      })()
      return closed
    },
    frontend,
    dispatcher,
    registry,
  }
}
