import {
  AggregatorRegistry,
  Gauge,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client'
import type { Metrics } from '../metrics/metrics'
import type { HealthReport } from '../node/core'
import type { Supervisor } from './supervisor'
import type { NodeMetrics } from './worker-process'

/** How long the primary waits for one worker's figures: one that does not answer counts as unhealthy. */
const ASK_TIMEOUT_MS = 2000

/** A worker's own health, with its process id, in the node's report. */
export type WorkerHealth = HealthReport & { pid: number }

/** The whole node's health: every check of every worker, the workers running, and each worker's report. */
export interface NodeHealth extends HealthReport {
  workers: WorkerHealth[]
}

/**
 * `/healthz` of a node with workers: a check is ok when it is ok on every worker that serves (its detail
 * names the workers where it is not); `workers` is ok while at least one serves; a worker that does not
 * answer within 2 s fails `answering`.
 */
export async function nodeHealth(
  supervisor: Supervisor,
  nodeId: string,
  count: number,
  own: HealthReport['checks'] = {},
): Promise<NodeHealth> {
  const serving = supervisor.ready
  const workers = await Promise.all(
    serving.map(({ nodeId: worker, pid, channel }) =>
      channel.call<WorkerHealth>('worker', 'health', [], ASK_TIMEOUT_MS).catch(
        (error: unknown): WorkerHealth => ({
          status: 'degraded',
          nodeId: worker,
          pid,
          checks: {
            answering: { ok: false, detail: error instanceof Error ? error.message : String(error) },
          },
        }),
      ),
    ),
  )
  const checks: HealthReport['checks'] = {
    workers: { ok: serving.length > 0, detail: `${serving.length} of ${count} serving` },
    ...own,
  }
  for (const report of workers)
    for (const [name, check] of Object.entries(report.checks)) {
      const merged = checks[name] ?? { ok: true }
      checks[name] = merged
      if (check.ok) continue
      merged.ok = false
      const why = `${report.nodeId}: ${check.detail ?? 'failing'}`
      merged.detail = merged.detail ? `${merged.detail}; ${why}` : why
    }
  const ok = Object.values(checks).every((check) => check.ok)
  return { status: ok ? 'ok' : 'degraded', nodeId, checks, workers }
}

/**
 * `/metrics` of a node with workers: every worker's metrics and the primary's own, aggregated as
 * prom-client aggregates a node:cluster (counters and histograms summed, gauges summed unless a metric
 * says otherwise: event loop lag averaged, the version taken once). A worker that does not answer within
 * 2 s is left out of this scrape.
 */
export async function nodeMetrics(supervisor: Supervisor, metrics: Metrics): Promise<NodeMetrics> {
  const serving = supervisor.ready
  const answers = await Promise.all(
    serving.map(({ channel }) =>
      channel
        .call<MetricObjectWithValues<MetricValue<string>>[]>('worker', 'metrics', [], ASK_TIMEOUT_MS)
        .catch(() => []),
    ),
  )
  const own = await metrics.registry.getMetricsAsJSON()
  const spread = await workerConnections(
    serving.map((link, i) => ({ slot: link.slot, metrics: answers[i]! })),
  )
  const aggregated = AggregatorRegistry.aggregate([[...own, spread], ...answers])
  return { contentType: aggregated.contentType, text: await aggregated.metrics() }
}

/** The one metric a node's sum hides: how its connections spread over its workers (`--balance`). */
async function workerConnections(
  workers: { slot: number; metrics: MetricObjectWithValues<MetricValue<string>>[] }[],
): Promise<MetricObjectWithValues<MetricValue<string>>> {
  const registry = new Registry()
  const gauge = new Gauge({
    name: 'likewire_worker_connections',
    help: 'Open SSE connections on each worker of this node, by worker slot (0..n-1): the spread --balance gives',
    labelNames: ['worker'],
    registers: [registry],
  })
  for (const { slot, metrics } of workers) {
    const open = metrics.find((metric) => metric.name === 'likewire_connections')
    if (open) gauge.set({ worker: String(slot) }, open.values[0]?.value ?? 0)
  }
  return (await registry.getMetricsAsJSON())[0]!
}
