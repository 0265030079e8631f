import { startRedis } from '@likewire/testkit'
import { startNchan } from '../baselines/nchan'
import type { HistoryRules, ServerKind } from './protocol'
import { startServers } from './servers'

/** What the servers under test of one run are. */
export interface ClusterPlan {
  kind: ServerKind
  /** Embedded: each frontend publishes to itself. Cluster: one dispatcher process, Redis registry, HTTP to frontends. */
  mode: 'embedded' | 'cluster'
  frontends: number
  flushWindowMs: number | 'auto'
  history?: HistoryRules | undefined
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
  if (plan.kind === 'nchan') {
    // one nginx whose workers share every channel: as many workers as Likewire had processes
    const nchan = await startNchan(plan.frontends)
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
  if (plan.mode === 'embedded') {
    const servers = await startServers(plan.frontends, base, { cpuProfDir: plan.cpuProfDir })
    return { servers, publishers: servers, stop: async () => {} }
  }
  const redis = await startRedis()
  const cluster = { redis: redis.url, secret: 'bench-secret' }
  const servers = await startServers(
    plan.frontends,
    { ...base, ...cluster, kind: 'cluster-frontend' },
    {
      cpuProfDir: plan.cpuProfDir,
    },
  ).catch(async (error) => {
    await redis.stop()
    throw error
  })
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
