import { createServer } from 'node:net'
import { createFrontendNode, type FrontendNodeOptions } from '../cluster/frontend-node'
import { type ListenOptions, listen } from '../http/listen'
import { resolveNode } from '../node/resolve'
import type { LikewireOptions } from '../options'
import type { Channel } from './channel'
import { nodeHealth, nodeMetrics } from './node-report'
import type { WorkersNode } from './standalone-primary'
import { Supervisor, type WorkersPlan } from './supervisor'
import { nodeWide, type StartedWorker, type WorkerIdentity } from './worker-process'

/** Where a worker of a cluster frontend is reached by dispatchers and other frontends. */
export interface InternalAddress {
  /** The first worker's own port (worker k of n: port + slot); 0: a free port each. */
  port: number
  /** The node's public URL (`--public-url`, or `http(s)://<host>:<port>`): its scheme and host are kept. */
  publicUrl: string
}

/**
 * The primary of `likewire frontend --workers n`: no Redis of its own. Each worker is a frontend node of
 * the cluster (its own node id, lease, topics and Redis connections) on its own internal port, and all
 * share the public port; the primary replaces dead ones, drains them all, and answers `/healthz` and
 * `/metrics` for the node.
 */
export async function frontendPrimary(
  options: LikewireOptions & { maxStallMs?: number | undefined },
  { count, balance }: WorkersPlan,
): Promise<WorkersNode> {
  const { nodeId, metrics, logger } = resolveNode(options)
  const served = {
    node: {
      health: () => nodeHealth(supervisor, nodeId, count),
      metrics: () => nodeMetrics(supervisor, metrics),
    },
  }
  const supervisor: Supervisor = new Supervisor({
    count,
    balance,
    baseId: nodeId,
    logger,
    metrics,
    // a worker stalled as long as its lease keeper lets its lease go is killed (and replaced) too
    maxStallMs: options.maxStallMs,
    serve: () => served,
    // a dead worker's topics go from Redis at once, by a live worker: dispatchers stop sending to it now,
    // not a lease later (a drained worker removed itself)
    onExit: async (link) => {
      const live = supervisor.closing ? undefined : supervisor.ready[0]
      await live?.channel.call('worker', 'forget', [link.nodeId])
    },
  })
  const url = await supervisor.start()
  return { url, supervisor, close: () => supervisor.close() }
}

/** A worker of a cluster frontend: a frontend node of its own on its internal port, serving the shared public port. */
export async function frontendWorker(
  channel: Channel,
  { nodeId, slot }: WorkerIdentity,
  options: Omit<FrontendNodeOptions, 'internalUrl'>,
  listenOptions: ListenOptions,
  internal: InternalAddress,
): Promise<StartedWorker> {
  const host = listenOptions.hostname ?? '127.0.0.1'
  const port = internal.port > 0 ? internal.port + slot : await freePort(host)
  const internalUrl = new URL(internal.publicUrl)
  internalUrl.port = String(port)
  const node = await createFrontendNode({
    ...options,
    nodeId,
    internalUrl: internalUrl.href.replace(/\/$/, ''),
  })
  const own = await listen(node, { ...listenOptions, port, exclusive: true }).catch(async (error) => {
    await node.close()
    throw error
  })
  const shared = await listen({ app: nodeWide(node.app, channel), attach: node.attach }, listenOptions).catch(
    async (error) => {
      await node.close()
      await own.close()
      throw error
    },
  )
  return {
    url: shared.url,
    health: () => node.health(),
    metrics: node.metrics,
    handlers: { worker: { forget: (dead: string) => node.registry.removeNode(dead) } },
    stop: async () => {
      await node.close()
      await shared.close()
      await own.close()
    },
  }
}

/** A port free on `host` now, bound by this worker alone (a worker's listen(0) would share the primary's). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
