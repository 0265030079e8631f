import { progress, sleep, waitUntil } from '../lib/progress'
import { readRedis } from '../lib/redis-stats'
import { PresenceFleet } from '../load/presence-fleet'
import { workersFor } from './options'
import { startPresenceCluster } from './presence-cluster'
import { JWT_SECRET, type PresencePlan } from './presence-plan'

/** One frontend holding N idle connections of one kind, read after a full GC. */
export interface MemoryRun {
  kind: 'anonymous' | 'identified'
  connections: number
  rssPerConnectionKiB: number
  heapPerConnectionKiB: number
  /** The V8 heap's committed size per connection: heap used plus what V8 keeps free for reuse. */
  heapCommittedPerConnectionKiB: number
  /** The run's Redis, per connection: presence keys for identified members, nothing for anonymous ones. */
  redisBytesPerConnection: number
}

export interface MemoryResult {
  connections: number
  runs: MemoryRun[]
  /** Medians over the rounds (RSS moves by a KiB or two per connection from run to run here; heap does not). */
  anonymous: {
    rssPerConnectionKiB: number
    heapPerConnectionKiB: number
    heapCommittedPerConnectionKiB: number
  }
  identified: {
    rssPerConnectionKiB: number
    heapPerConnectionKiB: number
    heapCommittedPerConnectionKiB: number
    redisBytesPerConnection: number
  }
  /** Lowest and highest RSS per connection over the rounds, KiB: how far one reading can be trusted. */
  rssRangeKiB: { anonymous: [number, number]; identified: [number, number] }
  /** identified - anonymous, KiB of RSS per connection. */
  rssDifferenceKiB: number
  heapDifferenceKiB: number
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : Math.round(((sorted[mid - 1]! + sorted[mid]!) / 2) * 100) / 100
}

const kib = (bytes: number, connections: number) => Math.round((bytes / connections / 1024) * 100) / 100

/**
 * As capacity measures memory: N idle connections on one frontend process (cluster mode, its own Redis),
 * RSS and heap after a full GC (read again 2 s later, once freed pages went back) minus the same before
 * any connection, per connection. Anonymous (no auth) and identified (an HS256 token each, so a member
 * each) alternate, `rounds` times, each on fresh processes.
 */
export async function runMemory(plan: PresencePlan): Promise<MemoryResult> {
  const { connections, rounds } = plan.memory
  const runs: MemoryRun[] = []
  for (let round = 0; round < rounds; round++)
    for (const kind of ['anonymous', 'identified'] as const) runs.push(await memoryRun(plan, kind, round))
  const medianOf = (kind: MemoryRun['kind'], key: Exclude<keyof MemoryRun, 'kind'>) =>
    median(runs.filter((run) => run.kind === kind).map((run) => run[key]))
  const anonymous = {
    rssPerConnectionKiB: medianOf('anonymous', 'rssPerConnectionKiB'),
    heapPerConnectionKiB: medianOf('anonymous', 'heapPerConnectionKiB'),
    heapCommittedPerConnectionKiB: medianOf('anonymous', 'heapCommittedPerConnectionKiB'),
  }
  const identified = {
    rssPerConnectionKiB: medianOf('identified', 'rssPerConnectionKiB'),
    heapPerConnectionKiB: medianOf('identified', 'heapPerConnectionKiB'),
    heapCommittedPerConnectionKiB: medianOf('identified', 'heapCommittedPerConnectionKiB'),
    redisBytesPerConnection: Math.round(medianOf('identified', 'redisBytesPerConnection')),
  }
  const round2 = (value: number) => Math.round(value * 100) / 100
  const range = (kind: MemoryRun['kind']): [number, number] => {
    const values = runs.filter((run) => run.kind === kind).map((run) => run.rssPerConnectionKiB)
    return [Math.min(...values), Math.max(...values)]
  }
  return {
    connections,
    runs,
    anonymous,
    identified,
    rssRangeKiB: { anonymous: range('anonymous'), identified: range('identified') },
    rssDifferenceKiB: round2(identified.rssPerConnectionKiB - anonymous.rssPerConnectionKiB),
    heapDifferenceKiB: round2(identified.heapPerConnectionKiB - anonymous.heapPerConnectionKiB),
  }
}

async function memoryRun(plan: PresencePlan, kind: MemoryRun['kind'], round: number): Promise<MemoryRun> {
  const label = `presence:memory`
  const { connections } = plan.memory
  const identified = kind === 'identified'
  const cluster = await startPresenceCluster({
    frontends: 1,
    jwtSecret: identified ? JWT_SECRET : undefined,
    graceMs: 60_000,
    dispatcher: false,
  })
  const frontend = cluster.frontends[0]!
  const fleet = new PresenceFleet(workersFor(connections), {
    members: connections,
    watchers: 0,
    frontends: [{ host: '127.0.0.1', port: frontend.port }],
    secret: identified ? JWT_SECRET : null,
    graceMs: 60_000,
    localAddresses: plan.localAddresses,
  })
  // after a full GC V8 hands freed pages back in the background: read again once it had time to
  const settled = async () => {
    await frontend.stats(true)
    await sleep(2000)
    return frontend.stats(true)
  }
  try {
    const idle = await settled()
    const redisIdle = await readRedis(cluster.redis)
    fleet.join()
    const all = await waitUntil(() => fleet.get('membersReady') >= connections, plan.connectTimeoutMs, 500)
    if (!all) throw new Error(`${label}: ${fleet.get('membersReady')} of ${connections} ${kind} connected`)
    // the joins reach Redis batched per tick: let the last ones land
    await sleep(2000)
    const held = await settled()
    const redisHeld = await readRedis(cluster.redis)
    const run: MemoryRun = {
      kind,
      connections: held.connections,
      rssPerConnectionKiB: kib(held.rssBytes - idle.rssBytes, held.connections),
      heapPerConnectionKiB: kib(held.heapUsedBytes - idle.heapUsedBytes, held.connections),
      heapCommittedPerConnectionKiB: kib(held.heapTotalBytes - idle.heapTotalBytes, held.connections),
      redisBytesPerConnection: Math.round(
        (redisHeld.usedMemoryBytes - redisIdle.usedMemoryBytes) / held.connections,
      ),
    }
    progress(label, { round, ...run })
    return run
  } finally {
    await fleet.close()
    await cluster.stop()
    await sleep(200)
  }
}
