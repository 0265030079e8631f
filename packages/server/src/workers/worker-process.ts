import cluster from 'node:cluster'
import type { Registry as PromRegistry } from 'prom-client'
import type { HealthReport } from '../node/core'
import { Channel, type Handlers, type Port } from './channel'

/** The environment variable a worker finds its identity in (set by its primary). */
export const WORKER_ENV = 'LIKEWIRE_WORKER'
/** Notes of the worker's life: serving (with its URL), failed to start (with why), asked to drain. */
export const READY = 'ready'
export const FAILED = 'failed'
export const CLOSE = 'close'

export interface WorkerIdentity {
  nodeId: string
  /** Its place among the node's workers (0..n-1), kept by a replacement (its internal port in a cluster). */
  slot: number
}

/** This process's identity when it is a worker of a node with `--workers`, else undefined. */
export function workerIdentity(): WorkerIdentity | undefined {
  const text = process.env[WORKER_ENV]
  if (!cluster.isWorker || !text) return undefined
  return JSON.parse(text) as WorkerIdentity
}

/** What a started worker hands back: how the primary asks it about itself, and its drain. */
export interface StartedWorker {
  /** Where it serves, for the primary's banner. */
  url: string
  /** Its own health and metrics, gathered by the primary for the whole node. */
  health(): Promise<HealthReport>
  metrics: PromRegistry
  /** More targets the primary may call on this worker (routed subscribes, forgetting a dead worker). */
  handlers?: Handlers
  /** Drains its clients and stops serving. */
  stop(): Promise<void>
}

/**
 * Runs this process as a worker: `start` builds and listens (with a channel to the primary), then the
 * primary is told it serves; a start that fails is told too, in one line, and the process exits 1. A drain
 * asked by the primary, or a signal, stops it once and exits.
 */
export function runWorker(
  start: (channel: Channel) => Promise<StartedWorker>,
  onSignal: (stop: () => Promise<void>) => void,
): void {
  const handlers: Handlers = {}
  let stopping: Promise<void> | undefined
  let started: StartedWorker | undefined
  const stop = () => {
    stopping ??= (started?.stop() ?? Promise.resolve()).then(
      () => process.exit(0),
      () => process.exit(1),
    )
    return stopping
  }
  const channel = new Channel(process as Port, handlers, { [CLOSE]: () => void stop() })
  onSignal(stop)
  start(channel).then(
    async (worker) => {
      started = worker
      handlers.worker = {
        ...worker.handlers?.worker,
        ping: () => true,
        health: async () => ({ ...(await worker.health()), pid: process.pid }),
        metrics: () => worker.metrics.getMetricsAsJSON(),
      }
      // asked to drain while starting: stop now that there is something to stop
      if (stopping) return void worker.stop().finally(() => process.exit(0))
      await channel.note(READY, { url: worker.url })
    },
    async (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error)
      // the primary prints it, once for the node; a worker whose primary is gone prints it itself
      await channel.note(FAILED, { message }).catch(() => console.error(`likewire: ${message}`))
      process.exit(1)
    },
  )
}

/** The whole node's metrics, as the primary answers them. */
export interface NodeMetrics {
  contentType: string
  text: string
}

type FetchApp = { fetch: (request: Request, env: never) => Response | Promise<Response> }

/**
 * The public port's app on a worker: `/healthz` and `/metrics` answer for the whole node (the primary
 * gathers every worker's), everything else is this worker's own.
 */
export function nodeWide(app: FetchApp, channel: Channel): FetchApp {
  return {
    fetch: async (request, env) => {
      const path = request.method === 'GET' ? new URL(request.url).pathname : ''
      if (path !== '/healthz' && path !== '/metrics') return app.fetch(request, env)
      try {
        if (path === '/healthz') {
          const report = await channel.call<HealthReport>('node', 'health')
          return Response.json(report, { status: report.status === 'ok' ? 200 : 503 })
        }
        const { contentType, text } = await channel.call<NodeMetrics>('node', 'metrics')
        return new Response(text, { headers: { 'Content-Type': contentType } })
      } catch (error) {
        // the primary is gone or stuck: this worker is on its way out (workers exit with their primary)
        const message = `The node cannot answer for its workers: ${error instanceof Error ? error.message : error}`
        return Response.json({ error: { code: 'unavailable', message } }, { status: 503 })
      }
    },
  }
}
