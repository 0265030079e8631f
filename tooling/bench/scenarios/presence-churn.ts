import { type BoxCpu, boxBusyPercent, readBoxCpu } from '../lib/box-cpu'
import { percentilesMs } from '../lib/histogram'
import { progress, sleep, waitUntil } from '../lib/progress'
import { type RedisReading, readRedis, redisRates } from '../lib/redis-stats'
import { WATCHERS_PER_MEMBER } from '../load/presence-assign'
import { PresenceFleet } from '../load/presence-fleet'
import type { ServerHandle } from '../server/servers'
import {
  type PresenceCluster,
  type PresenceCounters,
  pendingMembers,
  presenceCounters,
  startPresenceCluster,
} from './presence-cluster'
import { type ChurnPhase, JWT_SECRET, type PresencePlan } from './presence-plan'
import { compare, type PhaseResult, type TimelineSample } from './presence-result'

interface Mark {
  at: number
  box: BoxCpu
  redis: RedisReading
  cpu: Record<string, number>
  counters: PresenceCounters
  loadCpuMs: number
}

async function mark(cluster: PresenceCluster, fleet: PresenceFleet): Promise<Mark> {
  const servers = [...cluster.frontends, ...cluster.dispatchers]
  await fleet.settle()
  const at = Date.now()
  const box = readBoxCpu()
  const [redis, stats, counters] = await Promise.all([
    readRedis(cluster.redis),
    Promise.all(servers.map((server) => server.stats())),
    presenceCounters(cluster.frontends),
  ])
  return {
    at,
    box,
    redis,
    cpu: Object.fromEntries(servers.map((s, i) => [s.label, stats[i]!.cpuUserMs + stats[i]!.cpuSystemMs])),
    counters,
    loadCpuMs: fleet.cpuMs,
  }
}

const percent = (from: Mark, to: Mark): Record<string, number> =>
  Object.fromEntries(
    Object.entries(to.cpu).map(([label, ms]) => [
      label,
      Math.round(((ms - (from.cpu[label] ?? 0)) / (to.at - from.at)) * 1000) / 10,
    ]),
  )

/** Waits until `check` holds, or nothing moved (`moving` unchanged) for `quietMs`, or `timeoutMs`. */
async function until(check: () => boolean, moving: () => number, quietMs: number, timeoutMs: number) {
  let last = -1
  let since = Date.now()
  return waitUntil(
    () => {
      const now = moving()
      if (now !== last) {
        last = now
        since = Date.now()
      }
      return check() || Date.now() - since > quietMs
    },
    timeoutMs,
    250,
  )
}

/**
 * One cluster run: watchers subscribe first (their snapshots say offline), members connect (an online
 * each to every watcher), a quiet baseline, the churn, then everyone back and what the watchers got,
 * member by member, against what each leave owed them.
 */
export async function runChurnPhase(plan: PresencePlan, phase: ChurnPhase): Promise<PhaseResult> {
  const label = `presence:${phase.name}`
  const cluster = await startPresenceCluster({
    frontends: plan.frontends,
    jwtSecret: JWT_SECRET,
    graceMs: phase.graceMs,
    dispatcher: true,
  })
  const emptyRedis = await readRedis(cluster.redis)
  const fleet = new PresenceFleet(plan.workers, {
    members: plan.members,
    watchers: plan.watchers,
    frontends: cluster.frontends.map((frontend) => ({ host: '127.0.0.1', port: frontend.port })),
    secret: JWT_SECRET,
    graceMs: phase.graceMs,
    localAddresses: plan.localAddresses,
  })
  let ticker: ReturnType<typeof setInterval> | undefined
  try {
    const pairs = plan.members * WATCHERS_PER_MEMBER
    fleet.watch()
    // each watcher waits for its snapshots (at most 10 s) before the next one opens
    await until(
      () => fleet.get('watchersReady') >= plan.watchers && fleet.get('snapshots') >= pairs,
      () => fleet.get('watchersReady') + fleet.get('snapshots'),
      15_000,
      plan.connectTimeoutMs,
    )
    if (fleet.get('watchersReady') < plan.watchers)
      throw new Error(
        `${label}: ${fleet.get('watchersReady')} of ${plan.watchers} watchers (${fleet.firstError ?? 'no error'})`,
      )
    const snapshotsMissing = pairs - fleet.get('snapshots')
    progress(label, {
      watchers: fleet.get('watchersReady'),
      snapshots: fleet.get('snapshots'),
      snapshotsMissing,
    })
    const connectStart = Date.now()
    fleet.join()
    const joined = await waitUntil(
      () => {
        progress(label, {
          members: fleet.get('membersReady'),
          of: plan.members,
          online: fleet.get('online'),
          rejected: fleet.get('rejected'),
          errors: fleet.get('errors'),
        })
        return fleet.get('membersReady') >= plan.members
      },
      plan.connectTimeoutMs,
      500,
    )
    if (!joined)
      throw new Error(`${label}: ${fleet.get('membersReady')} of ${plan.members} members connected`)
    const connectSeconds = (Date.now() - connectStart) / 1000
    await until(
      () => fleet.get('online') >= pairs,
      () => fleet.get('online'),
      10_000,
      120_000,
    )
    const arrivalSeconds = (Date.now() - connectStart) / 1000
    await sleep(2000)
    const arrived = await fleet.tally(plan.members, true)
    const arrival = compare(arrived, undefined)
    const bytesPerMember = Math.round(
      ((await readRedis(cluster.redis)).usedMemoryBytes - emptyRedis.usedMemoryBytes) / plan.members,
    )

    // quiet: everyone connected, nothing changes
    const idleFrom = await mark(cluster, fleet)
    await sleep(phase.baselineSec * 1000)
    const idleTo = await mark(cluster, fleet)
    const before = await fleet.tally(plan.members, true)
    const changesBefore = () => sum(before.online) + sum(before.offline)
    const churnFrom = {
      flaps: fleet.get('flaps'),
      across: fleet.get('flapsAcross'),
      leaves: fleet.get('leaves'),
    }
    const slowBefore = fleet.get('slowFlaps')

    fleet.churn({
      flapPerSec: phase.flapPerSec,
      leavePerSec: phase.leavePerSec,
      jitterMs: phase.jitterMs,
      awayMs: phase.awayMs,
    })
    const timeline: TimelineSample[] = []
    let previous = { redis: idleTo.redis, box: idleTo.box, delivered: changesBefore() }
    ticker = setInterval(async () => {
      const [redis, box] = [await readRedis(cluster.redis).catch(() => previous.redis), readBoxCpu()]
      const delivered = fleet.get('online') + fleet.get('offline')
      const sample: TimelineSample = {
        t: Math.round((Date.now() - idleTo.at) / 100) / 10,
        away: fleet.get('membersAway'),
        flaps: fleet.get('flaps') - churnFrom.flaps,
        leaves: fleet.get('leaves') - churnFrom.leaves,
        slowFlaps: fleet.get('slowFlaps') - slowBefore,
        delivered: delivered - previous.delivered,
        redisCommandsPerSec: redisRates(previous.redis, redis).commandsPerSec,
        boxCpu: boxBusyPercent(previous.box, box),
      }
      previous = { redis, box, delivered }
      timeline.push(sample)
      progress(label, { ...sample })
    }, 1000)
    await sleep(phase.durationSec * 1000)
    fleet.calm()
    const churnTo = await mark(cluster, fleet)
    const flaps = fleet.get('flaps') - churnFrom.flaps
    const leaves = fleet.get('leaves') - churnFrom.leaves

    // everyone back, then what was owed (or quiet for 10 s), then the tail: anything late or extra shows
    await waitUntil(
      () => fleet.get('membersAway') === 0 && fleet.get('membersReady') >= plan.members,
      phase.awayMs + 60_000,
      250,
    )
    // every reconnect of the churn is complete: its whole cost is in Redis's counters by now
    const backTo = await mark(cluster, fleet)
    const owed = 2 * WATCHERS_PER_MEMBER * leaves
    const changes = () => fleet.get('online') + fleet.get('offline')
    await until(() => changes() - changesBefore() >= owed, changes, 10_000, 120_000)
    await sleep(plan.tailMs)
    clearInterval(ticker)
    const pendingAfter = await pendingMembers(cluster.redis)
    const after = await fleet.tally(plan.members, false)
    const counters = await presenceCounters(cluster.frontends)
    const result = compare(after, before)

    const idle = redisRates(idleFrom.redis, idleTo.redis)
    const churn = redisRates(idleTo.redis, churnTo.redis)
    // over the idle rate, from the churn's start until every member was back (each reconnect whole)
    const whole = redisRates(idleTo.redis, backTo.redis)
    const perReconnect = (busy: number, quiet: number) =>
      flaps + leaves > 0 ? Math.round((((busy - quiet) * whole.seconds) / (flaps + leaves)) * 10) / 10 : 0
    const servers: ServerHandle[] = [...cluster.frontends, ...cluster.dispatchers]
    return {
      ...phase,
      connectSeconds,
      snapshotsMissing,
      arrival: {
        expected: pairs,
        delivered: arrival.delivered.online + arrival.delivered.offline,
        lost: arrival.lost.online,
        extra: arrival.extra.online + arrival.extra.offline,
        seconds: arrivalSeconds,
      },
      churn: {
        flaps,
        flapsAcross: fleet.get('flapsAcross') - churnFrom.across,
        slowFlaps: fleet.get('slowFlaps') - slowBefore,
        maxFlapMs: fleet.max('maxFlapMs'),
        leaves,
        flapsAbsorbed: counters.flapsAbsorbed - idleTo.counters.flapsAbsorbed,
        published: {
          online: counters.changesOnline - idleTo.counters.changesOnline,
          offline: counters.changesOffline - idleTo.counters.changesOffline,
        },
        expected: result.expected,
        delivered: result.delivered,
        lost: result.lost,
        extra: result.extra,
        duplicates: result.duplicates,
        flapOfflines: result.flapOfflines,
        outOfOrder: after.outOfOrder - before.outOfOrder,
        endOffline: after.endOffline,
        pendingAfter,
        deliveredPerSec:
          Math.round(((result.delivered.online + result.delivered.offline) / phase.durationSec) * 10) / 10,
        onlineLagMs: percentilesMs(after.onlineLag),
        offlineLagMs: percentilesMs(after.offlineLag),
      },
      redis: {
        idle,
        churn,
        commandsPerReconnect: perReconnect(whole.commandsPerSec, idle.commandsPerSec),
        scriptsPerReconnect: perReconnect(whole.scriptsPerSec, idle.scriptsPerSec),
        bytesPerMember,
      },
      cpu: {
        idle: percent(idleFrom, idleTo),
        churn: percent(idleTo, churnTo),
        loadGenerator:
          Math.round(((churnTo.loadCpuMs - idleTo.loadCpuMs) / (churnTo.at - idleTo.at)) * 1000) / 10,
        boxIdle: boxBusyPercent(idleFrom.box, idleTo.box),
        boxChurn: boxBusyPercent(idleTo.box, churnTo.box),
      },
      timeline,
      errors: {
        dropped: fleet.get('dropped'),
        rejected: fleet.get('rejected'),
        errors: fleet.get('errors'),
        firstError: fleet.firstError ?? null,
        server: servers.flatMap((server) => server.errorLines).slice(0, 20),
      },
    }
  } finally {
    clearInterval(ticker)
    await fleet.close()
    await cluster.stop()
    await sleep(200)
  }
}

function sum(values: Int32Array): number {
  let total = 0
  for (const value of values) total += value
  return total
}
