import type { ServerType } from '@hono/node-server'
import { tokenTerms } from '../auth/jwt'
import { Dispatcher, type DispatcherParts, type PeerForwarder } from '../dispatcher/dispatcher'
import { type PublishInput, validatePublish } from '../dispatcher/publish-input'
import { HistoryRecorder } from '../dispatcher/recorder'
import { Frontend } from '../frontend/frontend'
import type { FrontendHistoryParts } from '../frontend/history'
import { expireTokens } from '../frontend/token-expiry'
import { createApp, type InternalRoute, type LikewireApp } from '../http/app'
import { attachServer, type ServerLimits } from '../http/server'
import { Presence, type PresenceForwarder } from '../presence/presence'
import { ViewerCounts } from '../presence/viewer-counts'
import { MemoryPresenceStore } from '../registry/memory-presence'
import type { Registry } from '../registry/registry'
import type { InProcessTransport } from '../transport/in-process'
import type { Core, HealthReport } from './core'
import type { NodeBase } from './resolve'

export interface Likewire {
  /** The protocol routes as a Hono app: serve it, or mount it (`app.route('/realtime', lw.app)`). */
  app: LikewireApp
  /** Publishes one event in-process, through the same dispatcher path as `POST /v1/publish`. */
  publish(topic: string, data: unknown): Promise<{ id: string }>
  /** Publishes a batch in-process. */
  publishMany(events: readonly PublishInput[]): Promise<{ ids: string[] }>
  /** The parts the HTTP routes work with. */
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
  attach(server: ServerType, limits?: ServerLimits): void
  /** Graceful close: clients get a jittered reconnect hint, streams end, timers stop. */
  close(): Promise<void>
  /** The frontend node, dispatcher and registry inside, for embedding and cluster roles. */
  frontend: Frontend
  dispatcher: Dispatcher
  registry: Registry
}

/** The building blocks of a node that holds connections: frontend, dispatcher, viewer counts and presence. */
export interface FrontendParts {
  frontend: Frontend
  dispatcher: Dispatcher
  viewers: ViewerCounts
  presence: Presence
}

/**
 * Builds the frontend, its dispatcher (reaching this node in-process), viewer counts and presence over
 * `registry` (its presence store, else one of this node's own in memory).
 */
export function frontendParts(
  base: NodeBase,
  parts: {
    registry: Registry
    transport: InProcessTransport
    peers?: PeerForwarder | undefined
    history?: FrontendHistoryParts | undefined
    /** Peer datacenters this node's member presence transitions go to. */
    presenceForwarder?: PresenceForwarder | undefined
    /** The role's own dispatcher over these parts (a worker's relays to its primary). @default a Dispatcher */
    dispatcher?: ((parts: DispatcherParts) => Dispatcher) | undefined
  },
): FrontendParts {
  const { nodeId, options, metrics, logger } = base
  const frontend = new Frontend(
    {
      nodeId,
      heartbeatMs: options.heartbeatMs,
      retryMs: options.retryMs,
      maxBufferedBytes: options.maxBufferedBytes,
      maxConnections: options.maxConnections,
      maxSubscriptionsPerConnection: options.maxSubscriptionsPerConnection,
      flushWindowMs: options.flushWindowMs,
      maxFlushWindowMs: options.maxFlushWindowMs,
    },
    parts.registry,
    metrics,
    logger,
    parts.history && {
      ...parts.history,
      window: { events: options.historyWindow, bytes: options.historyWindowBytes },
    },
  )
  // a frontend node always reaches itself in-process, even in a cluster
  parts.transport.attach(nodeId, frontend)
  expireTokens(frontend, (identity) => tokenTerms(identity)?.expiresAt, logger)
  const { history } = parts
  const recorder = history?.rules.enabled ? new HistoryRecorder(history.rules, history.store) : undefined
  const dispatcherParts = { ...parts, history: recorder, metrics, logger }
  const dispatcher = parts.dispatcher?.(dispatcherParts) ?? new Dispatcher(dispatcherParts)
  const viewers = new ViewerCounts(
    frontend,
    parts.registry,
    dispatcher,
    options.viewerCountIntervalMs,
    logger,
  )
  const presence = new Presence({
    frontend,
    store: parts.registry.presenceStore?.() ?? new MemoryPresenceStore(),
    dispatcher,
    metrics,
    logger,
    options: options.presence,
    forwarder: parts.presenceForwarder,
  })
  return { frontend, dispatcher, viewers, presence }
}

/** What a role adds around its frontend parts. */
export interface FrontendRole {
  registry: Registry
  history?: FrontendHistoryParts | undefined
  /** Internal URL recorded with the node (cluster); '' when embedded. */
  url: string
  routeToOwner?: Core['routeToOwner']
  /** The role's own health checks (cluster: what the registry holds for this node). */
  healthChecks?: () => Promise<HealthReport['checks']>
  /** The role's internal routes, mounted when the app is built. */
  internalRoutes?: (core: Core) => InternalRoute[]
  /** Closes what the role created, after the streams were drained and the node removed. */
  closeRole?: () => Promise<void>
}

/** A node holding connections, as users and the CLI see it: the app, in-process publish, health, close. */
export function assembleLikewire(base: NodeBase, parts: FrontendParts, role: FrontendRole): Likewire {
  const { nodeId, options, metrics, logger } = base
  const { frontend, dispatcher, viewers, presence } = parts
  const { registry } = role
  const registered = registry.registerNode({ nodeId, url: role.url }).catch((error: unknown) => {
    logger.warn({ err: error }, 'could not register node')
  })
  const core: Core = {
    nodeId,
    options,
    frontend,
    dispatcher,
    viewers,
    presence,
    registry,
    history: role.history?.rules,
    metrics,
    logger,
    auth: base.auth,
    routeToOwner: role.routeToOwner,
    async health() {
      const registryHealth = await registry
        .health()
        .catch((error: unknown) => ({ ok: false, detail: String(error) }))
      const draining = frontend.isDraining ? { ok: false, detail: 'shutting down' } : { ok: true }
      const checks: HealthReport['checks'] = {
        registry: registryHealth,
        draining,
        ...(await role.healthChecks?.()),
      }
      if (role.history?.rules.enabled)
        checks.history = await role.history.store
          .health()
          .catch((error: unknown) => ({ ok: false, detail: String(error) }))
      const ok = Object.values(checks).every((check) => check.ok)
      return { status: ok ? 'ok' : 'degraded', nodeId, checks }
    },
  }

  let closed: Promise<void> | undefined
  return {
    app: createApp(core, role.internalRoutes?.(core)),
    core,
    async publish(topic, data) {
      await registered
      const [id] = await dispatcher.publish([validatePublish({ topic, data }, options.maxPayloadBytes)])
      return { id: id! }
    },
    async publishMany(events) {
      await registered
      const valid = events.map((event) => validatePublish(event, options.maxPayloadBytes))
      return { ids: await dispatcher.publish(valid) }
    },
    metrics: metrics.registry,
    health: () => core.health(),
    attach: (server, limits) => attachServer(server, limits, metrics),
    close() {
      closed ??= (async () => {
        frontend.drain(options.drainJitterMs)
        viewers.close()
        // the drain's closes reach the store first: the members leave with the grace, not at once
        await presence.close()
        await registry.removeNode(nodeId).catch(() => {})
        await role.closeRole?.()
      })()
      return closed
    },
    frontend,
    dispatcher,
    registry,
  }
}
