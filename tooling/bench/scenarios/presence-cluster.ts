import { startRedis } from '@likewire/testkit'
import { Redis } from 'ioredis'
import { scrapeCounters } from '../lib/metrics'
import { type ServerHandle, startServers } from '../server/servers'
import { CONNECTIONS_PER_FRONTEND } from './presence-plan'

/** The presence scenario's servers: the bench's own Redis, frontends with tokens and a grace, a dispatcher. */
export interface PresenceCluster {
  frontends: ServerHandle[]
  /** Empty when started without one (the memory run). */
  dispatchers: ServerHandle[]
  /** A client of the run's Redis, for INFO and the pending set. */
  redis: Redis
  stop(): Promise<void>
}

export async function startPresenceCluster(options: {
  frontends: number
  /** HS256 secret: identified members; undefined: anonymous connections only. */
  jwtSecret: string | undefined
  graceMs: number
  dispatcher: boolean
}): Promise<PresenceCluster> {
  const server = await startRedis()
  const settings = {
    flushWindowMs: 0,
    maxConnections: CONNECTIONS_PER_FRONTEND + 500,
    redis: server.url,
    secret: 'bench-secret',
  }
  const started: ServerHandle[] = []
  try {
    started.push(
      ...(await startServers(options.frontends, {
        ...settings,
        kind: 'cluster-frontend',
        presenceGraceMs: options.graceMs,
        ...(options.jwtSecret ? { jwtSecret: options.jwtSecret } : {}),
      })),
    )
    const dispatchers = options.dispatcher
      ? await startServers(1, { ...settings, kind: 'cluster-dispatcher' })
      : []
    started.push(...dispatchers)
    const redis = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 })
    await redis.connect()
    return {
      frontends: started.slice(0, options.frontends),
      dispatchers,
      redis,
      async stop() {
        redis.disconnect()
        await Promise.all(started.map((handle) => handle.close()))
        await server.stop()
      },
    }
  } catch (error) {
    await Promise.all(started.map((handle) => handle.close()))
    await server.stop()
    throw error
  }
}

/** The frontends' presence metrics, summed over them. */
export interface PresenceCounters {
  flapsAbsorbed: number
  changesOnline: number
  changesOffline: number
  membersOnline: number
}

export async function presenceCounters(frontends: ServerHandle[]): Promise<PresenceCounters> {
  const names = {
    flapsAbsorbed: 'likewire_presence_flaps_absorbed_total',
    changesOnline: 'likewire_presence_changes_total{status="online"}',
    changesOffline: 'likewire_presence_changes_total{status="offline"}',
    membersOnline: 'likewire_presence_members_online',
  }
  const sums = await scrapeCounters(
    frontends.map((frontend) => frontend.port),
    Object.values(names),
  )
  return {
    flapsAbsorbed: sums[names.flapsAbsorbed]!,
    changesOnline: sums[names.changesOnline]!,
    changesOffline: sums[names.changesOffline]!,
    membersOnline: sums[names.membersOnline]!,
  }
}

/** Members left within the grace, not yet swept (the key prefix is the servers' default, `likewire:`). */
export const pendingMembers = (redis: Redis) => redis.zcard('likewire:presence-pending')
