import { startRedis } from '@likewire/testkit'
import { startNchan } from '../baselines/nchan'
import { startCliNode } from './cli-node'
import type { HistoryRules, ServerKind, ServerSettings } from './protocol'
import { type ServerHandle, startServers } from './servers'

/** What the servers under test of one run are. */
export interface ClusterPlan {
  kind: ServerKind
  /** Embedded: each frontend publishes to itself. Cluster: one dispatcher process, Redis registry, HTTP to frontends. */
  mode: 'embedded' | 'cluster'
  frontends: number
  flushWindowMs: number | 'auto'
  history?: HistoryRules | undefined
  /** `history` as the CLI takes it: a `--workers` node is started with the CLI. */
  historyText?: string | undefined
  /**
   * Likewire's processes per node (`--workers`): above 1, each Likewire node (standalone, or a cluster
   * frontend) is the CLI's `--workers` node; nchan gets as many nginx workers in all. Absent: 1.
   */
  serverWorkers?: number | undefined
  cpuProfDir?: string | undefined
  /** The frontends serve HTTPS with this certificate: HTTP/2, and HTTP/1.1 by ALPN. */
  tls?: { cert: string; key: string } | undefined
  /** The frontends count their stream writes (`server/write-count.ts`). */
  countWrites?: boolean | undefined
}

/**
 * Starts the frontends, and in cluster mode the bench's own Redis and one dispatcher process; nchan is one
 * nginx. `publishers` are the servers the publisher process posts to.
 */
export async function startCluster(plan: ClusterPlan) {
  // a TLS frontend's internal URL would be https, which the bench's dispatcher is not set up to trust
  if (plan.tls && plan.mode === 'cluster') throw new Error('the bench serves TLS in embedded mode only')
  const base = {
    kind: plan.kind,
    flushWindowMs: plan.flushWindowMs,
    maxConnections: 19_500,
    // the same rules on every Likewire process (frontends and dispatcher alike); the baselines ignore them
    ...(plan.history ? { history: plan.history } : {}),
    ...(plan.tls ? { tls: plan.tls } : {}),
    ...(plan.countWrites ? { countWrites: true } : {}),
  }
  const workers = plan.serverWorkers ?? 1
  if (plan.kind === 'nchan') {
    // one nginx whose workers share every channel: as many workers as Likewire had processes
    const nchan = await startNchan(plan.frontends * workers)
    return { servers: [nchan], publishers: [nchan], stop: async () => {} }
  }
  if (plan.mode === 'embedded' && plan.kind === 'socketio') {
    // Socket.IO's cluster story is its redis adapter: every frontend on the bench's own Redis
    const redis = await startRedis()
    const servers = await startServers(
      plan.frontends,
      { ...base, redis: redis.url },
      { cpuProfDir: plan.cpuProfDir },
    ).catch(async (error) => {
      await redis.stop()
      throw error
    })
    return { servers, publishers: servers, stop: () => redis.stop() }
  }
  const likewireNodes = (settings: ServerSettings) =>
    workers > 1 && (plan.kind === 'likewire' || settings.kind === 'cluster-frontend')
      ? cliNodes(plan.frontends, { ...settings, historyText: plan.historyText }, workers)
      : startServers(plan.frontends, settings, { cpuProfDir: plan.cpuProfDir })
  if (plan.mode === 'embedded') {
    const servers = await likewireNodes(base)
    return { servers, publishers: servers, stop: async () => {} }
  }
  const redis = await startRedis()
  const cluster = { redis: redis.url, secret: 'bench-secret' }
  const servers = await likewireNodes({ ...base, ...cluster, kind: 'cluster-frontend' }).catch(
    async (error) => {
      await redis.stop()
      throw error
    },
  )
  const dispatchers = await startServers(
    1,
    { ...base, ...cluster, kind: 'cluster-dispatcher' },
    {
      cpuProfDir: plan.cpuProfDir,
    },
  ).catch(async (error) => {
    await Promise.all(servers.map((server) => server.close()))
    await redis.stop()
    throw error
  })
  return {
    servers,
    publishers: dispatchers,
    stop: async () => {
      await Promise.all(dispatchers.map((dispatcher) => dispatcher.close()))
      await redis.stop()
    },
  }
}

/** `count` CLI nodes of `workers` processes each; one that fails to start stops the others. */
async function cliNodes(
  count: number,
  settings: Parameters<typeof startCliNode>[1],
  workers: number,
): Promise<ServerHandle[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, index) => startCliNode(index, settings, workers)),
  )
  const handles = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const failed = started.find((s) => s.status === 'rejected')
  if (failed) {
    await Promise.all(handles.map((handle) => handle.close()))
    throw failed.reason
  }
  return handles
}
