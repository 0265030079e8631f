import type { Redis } from 'ioredis'

/** One reading of the bench's own redis-server (`INFO stats commandstats cpu memory`, one command). */
export interface RedisReading {
  at: number
  /** `total_commands_processed`: in Redis 7 it counts the commands scripts run too (as commandstats does). */
  commands: number
  /** Calls per command (`cmdstat_<name>`): `evalsha` is the script runs. */
  calls: Record<string, number>
  cpuMs: number
  usedMemoryBytes: number
}

export async function readRedis(redis: Redis): Promise<RedisReading> {
  const text = await redis.info('stats', 'commandstats', 'cpu', 'memory')
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? Number.NaN)
  const calls: Record<string, number> = {}
  for (const [, name, count] of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[name!] = Number(count)
  return {
    at: Date.now(),
    commands: field('total_commands_processed'),
    calls,
    cpuMs: (field('used_cpu_user') + field('used_cpu_sys')) * 1000,
    usedMemoryBytes: field('used_memory'),
  }
}

/** Redis between two readings, per second; the bench's own INFO calls are left out. */
export interface RedisRates {
  seconds: number
  commandsPerSec: number
  /** Script runs (EVALSHA and EVAL) per second: what the servers sent; `commandsPerSec` includes what they ran. */
  scriptsPerSec: number
  /** Redis CPU, % of one core. */
  cpuPercent: number
  /** The commands that made most of it, per second, largest first. */
  top: Record<string, number>
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits

export function redisRates(from: RedisReading, to: RedisReading, topN = 8): RedisRates {
  const seconds = (to.at - from.at) / 1000
  const delta = (name: string) => (to.calls[name] ?? 0) - (from.calls[name] ?? 0)
  const own = delta('info')
  const deltas = Object.keys(to.calls)
    .filter((name) => name !== 'info')
    .map((name) => [name, delta(name)] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1])
  return {
    seconds: round(seconds),
    commandsPerSec: round((to.commands - from.commands - own) / seconds),
    scriptsPerSec: round((delta('evalsha') + delta('eval')) / seconds),
    cpuPercent: round(((to.cpuMs - from.cpuMs) / (seconds * 1000)) * 100),
    top: Object.fromEntries(deltas.slice(0, topN).map(([name, count]) => [name, round(count / seconds)])),
  }
}
