import { freePort } from './ports'
import { type SpawnedProcess, spawnProcess } from './processes'

export interface RedisProcess {
  port: number
  /** `redis://127.0.0.1:<port>` */
  url: string
  /** What redis-server printed so far. */
  output(): string
  /** kill -9: gone at once, data and all (it keeps nothing on disk). */
  stop(): Promise<void>
  /** Stops it, then starts an empty one on the same port, as after a failover. */
  restart(): Promise<void>
}

/**
 * A redis-server of the caller's own on a free loopback port, never the machine's shared 6379: no RDB, no
 * AOF, killed when this process exits.
 */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort()
  const start = () =>
    spawnProcess(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { name: `redis-server on port ${port}`, ready: /Ready to accept connections/ },
    )
  let redis: SpawnedProcess = await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    output: () => redis.output(),
    stop: () => redis.kill9(),
    async restart() {
      await redis.kill9()
      redis = await start()
    },
  }
}
