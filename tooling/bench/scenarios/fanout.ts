import { type Percentiles, percentilesMs } from '../lib/histogram'
import { listenOverflows } from '../lib/netstat'
import { progress, sleep, waitUntil } from '../lib/progress'
import { LoadFleet, type Sample } from '../load/fleet'
import type { LoadClient } from '../load/protocol'
import { type ClusterPlan, startCluster } from '../server/cluster'
import type { ServerKind } from '../server/protocol'
import { publish } from '../server/publisher'
import type { ServerHandle } from '../server/servers'
import { clientsPerTopic, fanoutTargets } from './fanout-targets'
import { type HistoryFigures, hasHistory } from './history'
import { type PublishWindow, publishWindow } from './publish-window'

/** One fan-out run: frontends, viewers spread over them, likes published on every frontend, counted back. */
export interface FanoutPlan extends ClusterPlan {
  label: string
  /** `--history` as given (`live:*=100/300`), with `history` its parsed rules: the result reports it. */
  historyText?: string | undefined
  connections: number
  /** Topics per frontend; connection i subscribes to topic i mod topics (`everyTopic`: to all of them). */
  topics: number
  /** Every connection subscribes to all of its frontend's topics on its one stream. */
  everyTopic?: boolean | undefined
  /** Publishes per second on each frontend. */
  ratePerSec: number
  durationMs: number
  tickMs: number
  workers: number
  flushWindowMs: number | 'auto'
  localAddresses: string[]
  connectTimeoutMs: number
  /** Latency recorded in the first ms of publishing is dropped (JIT warm-up); counts keep everything. */
  warmupMs: number
  /** Runs between "all connected" and publishing (reconnect-storm cuts here). */
  beforePublish?: (run: FanoutRun) => Promise<void>
  /** Runs while the likes are published, awaited before the drain (recovery-storm cuts here). */
  duringPublish?: (run: FanoutRun) => Promise<void>
  /**
   * The SSE clients' protocol: HTTP/1.1 (the default; over TLS when the servers have `tls`), or `h2`,
   * `streamsPerSession` streams on each HTTP/2 session (needs `tls`).
   */
  client?: { protocol: 'http1' | 'h2'; streamsPerSession?: number } | undefined
  /**
   * What reads the clients: `native` (the C client) for plain SSE over cleartext HTTP/1.1 on fire-and-forget
   * topics; Socket.IO, TLS, HTTP/2 and history runs (offsets counted per client) always `node`. Absent: `node`.
   */
  loadClient?: LoadClient | undefined
  /** Load-generator processes when Node reads the clients (a Socket.IO peer); absent: `workers`. */
  nodeWorkers?: number | undefined
}

export interface FanoutRun {
  fleet: LoadFleet
  servers: ServerHandle[]
  plan: FanoutPlan
  /** Scenario-specific figures, copied into the result. */
  extra: Record<string, unknown>
}

export interface FanoutResult {
  kind: ServerKind
  connections: number
  connected: number
  published: number
  publishFailed: number
  expected: number
  delivered: number
  lost: number
  deliveriesPerSec: number
  publishesPerSec: number
  latencyMs: Percentiles
  connectSeconds: number
  serverRssBytes: number
  serverRssPerConnectionKiB: number
  /** JS heap per held connection over idle: the part of RSS the server's own objects account for. */
  serverHeapPerConnectionKiB: number
  serverCpuMs: number
  /** The servers' cost while publishing and draining (serverCpuMs counts from process start). */
  publishWindow: PublishWindow
  /** TCP connections the servers held once all were connected (HTTP/2: one per session). */
  serverSockets: number
  loadCpuMs: number
  /**
   * Server CPU (publish window: frontends, and a cluster's dispatcher) per delivery received, microseconds:
   * the figure the peers compare on.
   */
  serverCpuUsPerDelivery: number
  /** A cluster's dispatcher CPU over the publish window, ms (0 in embedded mode); `publishWindow` is the frontends'. */
  dispatcherCpuMs: number
  /** The load generator's CPU over the same window per delivery, microseconds: what measuring costs. */
  loadCpuUsPerDelivery: number
  /** The publisher process's CPU while publishing, ms (never counted as the servers'). */
  publisherCpuMs: number
  loadErrors: number
  /** What read the clients: `native` (load/native/sse-load.c) or `node` (load/sse-client.ts and the others). */
  loadClient: LoadClient
  frontendErrors: string[]
  timeline: Sample[]
  /** Runs with history rules: duplicates and missing offsets per client, summed; null without history. */
  history: HistoryFigures | null
  extra: Record<string, unknown>
}

/**
 * Embedded frontends are independent: each has its own topics. In a cluster a topic spans every frontend,
 * as it spans nchan's workers (one server, every channel shared).
 */
const topicNamer = (plan: Pick<FanoutPlan, 'mode' | 'kind'>) => (frontend: number, topic: number) =>
  plan.mode === 'cluster' || plan.kind === 'nchan' ? `live:${topic}` : `live:${frontend}-${topic}`

export async function runFanout(plan: FanoutPlan): Promise<FanoutResult> {
  const { label } = plan
  const topicName = topicNamer(plan)
  const { servers, publishers, stop } = await startCluster(plan)
  const idle = await Promise.all(servers.map((server) => server.stats(true)))
  const fleet = new LoadFleet(plan.workers, plan.cpuProfDir)
  const extra: Record<string, unknown> = {}
  try {
    const targets = fanoutTargets(
      plan,
      servers.map((server) => server.port),
      topicName,
    )
    const connectStart = Date.now()
    const overflowsAtStart = listenOverflows()
    const client = plan.kind === 'socketio' ? 'socketio' : plan.client?.protocol === 'h2' ? 'h2' : 'sse'
    fleet.open(targets, plan.connections, plan.localAddresses, client, 256, {
      tls: plan.tls ? { ca: plan.tls.cert } : undefined,
      streamsPerSession: plan.client?.streamsPerSession,
      // the native client counts no offsets per client: a history run's duplicates and missing need Node's
      loadClient: plan.history ? 'node' : plan.loadClient,
    })
    const allIn = await waitUntil(
      () => {
        progress(label, {
          connected: fleet.ready,
          of: plan.connections,
          errors: fleet.errors,
          rejected: fleet.rejected,
        })
        return fleet.ready >= plan.connections
      },
      plan.connectTimeoutMs,
      1000,
    )
    const connectSeconds = (Date.now() - connectStart) / 1000
    if (!allIn)
      progress(label, {
        warning: `only ${fleet.ready} of ${plan.connections} connected`,
        firstError: fleet.firstError ?? '-',
      })
    const held = await Promise.all(servers.map((server) => server.stats(true)))
    // a --workers node's spread of its connections over its workers (--balance)
    const spread = held.flatMap((stats) => (stats.workerConnections?.length ? [stats.workerConnections] : []))
    if (spread.length > 0) extra.workerConnections = spread
    await plan.beforePublish?.({ fleet, servers, plan, extra })

    await fleet.settle()
    const framesBefore = fleet.dataFrames
    const heartbeatsBefore = fleet.heartbeats
    const before = await Promise.all(servers.map((server) => server.stats()))
    // a cluster's dispatcher is a server too: its CPU counts in the cost of a delivery (the publisher's never)
    const dispatchers = publishers.filter((publisher) => !servers.includes(publisher))
    const dispatcherCpu = async () => {
      const stats = await Promise.all(dispatchers.map((d) => d.stats().catch(() => null)))
      return stats.reduce((sum, s) => sum + (s ? s.cpuUserMs + s.cpuSystemMs : 0), 0)
    }
    const dispatcherCpuBefore = await dispatcherCpu()
    fleet.resetLatency()
    const publishStart = Date.now()
    const warmup = setTimeout(() => fleet.resetLatency(), plan.warmupMs)
    const ticker = setInterval(() => {
      const last = fleet.samples.at(-1)
      const latency = percentilesMs(fleet.histogram)
      progress(label, {
        t: (Date.now() - publishStart) / 1000,
        deliveriesPerSec: last?.deliveriesPerSec ?? 0,
        p50: latency.p50,
        p99: latency.p99,
        ready: fleet.ready,
      })
    }, 1000)
    const during = plan.duringPublish?.({ fleet, servers, plan, extra })
    const routes = publishers.map((server, index) => ({
      ...server.publishTo,
      topics: Array.from({ length: plan.topics }, (_, topic) => topicName(index, topic)),
    }))
    const loadCpuBefore = fleet.cpuMs
    const report = await publish({
      routes,
      ratePerSec: plan.ratePerSec,
      durationMs: plan.durationMs,
      tickMs: plan.tickMs,
    }).catch((error: Error) => {
      // a publisher that never reports (a server so far behind it never answers): owed is what the plan published
      extra.stalled = error.message
      const each = Math.floor((plan.ratePerSec * plan.durationMs) / 1000 / plan.topics)
      return {
        cpuMs: 0,
        outcomes: routes.map((route) => ({
          perTopic: Object.fromEntries(route.topics.map((topic) => [topic, each])),
          failed: 0,
          batches: 0,
          elapsedMs: plan.durationMs,
        })),
      }
    })
    const outcomes = report.outcomes
    await during
    // owed = accepted publishes of a topic x its subscribers on every server, counted once all were connected;
    // a `--workers` node and nchan count no topics: the subscribers are the clients sent there, if all connected
    const planned = clientsPerTopic(targets, plan.connections, plan.workers)
    const subscribers = servers.every((server) => server.countsTopics !== false)
      ? (topic: string) => held.reduce((sum, stats) => sum + (stats.topics[topic] ?? 0), 0)
      : (topic: string) => planned[topic] ?? 0
    let expected = 0
    for (const outcome of outcomes)
      for (const [topic, count] of Object.entries(outcome.perTopic)) expected += count * subscribers(topic)
    // drain: until every owed frame arrived, nothing arrived for 10 s, or 120 s: what is missing then is lost
    let lastCount = -1
    let quietSince = Date.now()
    await waitUntil(
      () => {
        const got = fleet.dataFrames - framesBefore
        if (got !== lastCount) {
          lastCount = got
          quietSince = Date.now()
        }
        return got >= expected || Date.now() - quietSince > 10_000
      },
      120_000,
      200,
    )
    const elapsedSeconds = (Date.now() - publishStart) / 1000
    clearInterval(ticker)
    clearTimeout(warmup)
    await fleet.settle()
    // counts and latency from the same worker reports: both end with the drain window
    const delivered = fleet.dataFrames - framesBefore
    extra.listenOverflows = listenOverflows() - overflowsAtStart
    const history = plan.history ? await historyFigures(fleet, plan, outcomes) : null
    const latencyMs = percentilesMs(fleet.histogram)
    const published = outcomes.reduce(
      (sum, o) => sum + Object.values(o.perTopic).reduce((a, b) => a + b, 0),
      0,
    )
    const after = await Promise.all(servers.map((server) => server.stats().catch(() => held[0]!)))
    const dispatcherCpuMs = Math.round((await dispatcherCpu()) - dispatcherCpuBefore)
    // a heartbeat written before `after` is in the workers' next report: flushes never undercount writes
    if (plan.countWrites) await fleet.settle()
    const heartbeats = fleet.heartbeats - heartbeatsBefore
    const serverRssBytes = held.reduce((sum, s) => sum + s.rssBytes, 0)
    const idleRss = idle.reduce((sum, s) => sum + s.rssBytes, 0)
    const heldConnections = held.reduce((sum, s) => sum + s.connections, 0)
    const window = publishWindow(before, after, {
      batches: outcomes.reduce((sum, o) => sum + o.batches, 0),
      heartbeats,
    })
    const perDelivery = (cpuMs: number) => (delivered > 0 ? Math.round((cpuMs * 1e5) / delivered) / 100 : 0)
    return {
      kind: plan.kind,
      connections: plan.connections,
      connected: heldConnections,
      published,
      publishFailed: outcomes.reduce((sum, o) => sum + o.failed, 0),
      expected,
      delivered,
      lost: Math.max(0, expected - delivered),
      deliveriesPerSec: Math.round(delivered / elapsedSeconds),
      publishesPerSec: Math.round(published / (Math.max(...outcomes.map((o) => o.elapsedMs)) / 1000)),
      latencyMs,
      connectSeconds,
      serverRssBytes,
      serverRssPerConnectionKiB:
        heldConnections > 0
          ? Math.round(((serverRssBytes - idleRss) / heldConnections / 1024) * 100) / 100
          : 0,
      serverHeapPerConnectionKiB:
        heldConnections > 0
          ? Math.round(
              ((held.reduce((sum, s) => sum + s.heapUsedBytes, 0) -
                idle.reduce((sum, s) => sum + s.heapUsedBytes, 0)) /
                heldConnections /
                1024) *
                100,
            ) / 100
          : 0,
      serverCpuMs: Math.round(after.reduce((sum, s) => sum + s.cpuUserMs + s.cpuSystemMs, 0)),
      publishWindow: window,
      serverSockets: held.reduce((sum, s) => sum + s.sockets, 0),
      loadCpuMs: Math.round(fleet.cpuMs),
      serverCpuUsPerDelivery: perDelivery(window.serverCpuMs + dispatcherCpuMs),
      dispatcherCpuMs,
      loadCpuUsPerDelivery: perDelivery(fleet.cpuMs - loadCpuBefore),
      publisherCpuMs: report.cpuMs,
      loadErrors: fleet.errors + fleet.rejected,
      loadClient: fleet.loadClient,
      frontendErrors: servers.flatMap((server) => server.errorLines).slice(0, 20),
      timeline: fleet.samples.filter((sample) => sample.t * 1000 >= publishStart - connectStart - 2000),
      history,
      extra,
    }
  } finally {
    await fleet.close()
    await Promise.all(servers.map((server) => server.close()))
    await stop()
    await sleep(200)
  }
}

/**
 * Each history topic's last offset is the number of its accepted publishes (offsets run 1, 2, 3, ... on the
 * run's fresh store); the workers count, per client, what came twice and what never came.
 */
async function historyFigures(
  fleet: LoadFleet,
  plan: FanoutPlan,
  outcomes: Array<{ perTopic: Record<string, number> }>,
): Promise<HistoryFigures> {
  const heads: Record<string, number> = {}
  for (const outcome of outcomes)
    for (const [topic, count] of Object.entries(outcome.perTopic))
      if (hasHistory(plan.history, topic)) heads[topic] = count
  const tally = await fleet.tally(heads)
  return {
    rules: plan.historyText ?? JSON.stringify(plan.history),
    clients: tally.clients,
    complete: tally.complete,
    duplicates: fleet.duplicates,
    missing: fleet.missing + tally.tailMissing,
    gaps: fleet.gaps,
    epochChanges: fleet.epochChanges,
  }
}
