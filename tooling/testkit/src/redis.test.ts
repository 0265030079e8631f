import { spawnSync } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, it } from 'vitest'
import { type RedisProcess, startRedis } from './redis'

let redis: RedisProcess | undefined
afterEach(() => redis?.stop())

/** One RESP command over a raw socket: the kit must work without a Redis client library. */
function command(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let reply = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      reply += chunk
      if (reply.endsWith('\r\n')) {
        socket.end()
        resolve(reply.trim())
      }
    })
    socket.on('error', reject)
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`)
  })
}

it('startRedis runs its own redis-server that answers PING on its port (never 6379)', async () => {
  redis = await startRedis()
  expect(redis.port).not.toBe(6379)
  expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`)
  expect(await command(redis.port, 'PING')).toBe('+PONG')
  expect(await command(redis.port, 'CONFIG', 'GET', 'appendonly')).toContain('no')
})

it('restart() comes back empty on the same port; stop() closes the port', async () => {
  redis = await startRedis()
  expect(await command(redis.port, 'SET', 'k', 'v')).toBe('+OK')
  expect(await command(redis.port, 'GET', 'k')).toBe('$1\r\nv')
  await redis.restart()
  expect(await command(redis.port, 'GET', 'k')).toBe('$-1')
  await redis.stop()
  await expect(command(redis.port, 'PING')).rejects.toThrow(/ECONNREFUSED/)
})

it('a redis-server is killed when the process that started it exits', async () => {
  const kit = fileURLToPath(new URL('./index.ts', import.meta.url))
  const script = `const { startRedis } = await import(${JSON.stringify(kit)}); console.log((await startRedis()).port); process.exit(0)`
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  })
  expect(run.status, run.stderr).toBe(0)
  const port = Number(run.stdout.trim())
  expect(port).toBeGreaterThan(0)
  await expect(command(port, 'PING')).rejects.toThrow(/ECONNREFUSED/)
})
