import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

/** A free loopback port (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk
      if (pattern.test(output)) {
        child.stdout?.off('data', onData)
        resolve()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk) => {
      output += chunk
    })
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before ready:\n${output}`)))
  })
}

export interface RedisProcess {
  port: number
  url: string
  /** Stops Redis (its data is gone: it keeps nothing on disk). */
  stop(): Promise<void>
  /** Starts an empty Redis on the same port, as after a failover. */
  restart(): Promise<void>
}

/** A real redis-server of the test's own on a free port; never the machine's shared one. */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    await waitForLine(child, /Ready to accept connections/, 'redis-server')
  }
  await start()
  const stop = () => kill(child, 'SIGKILL')
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    async restart() {
      await stop()
      await start()
    },
  }
}

function kill(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill(signal)
  })
}

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))

export interface LikewireProcess {
  url: string
  port: number
  /** Everything it printed so far (stdout and stderr). */
  output(): string
  /** kill -9: no drain, no lease removal. */
  kill9(): Promise<void>
  stop(): Promise<void>
}

/** A real `likewire <role>` process (the built CLI) on a free port. */
export async function spawnLikewire(
  role: 'standalone' | 'frontend' | 'dispatcher',
  args: string[],
): Promise<LikewireProcess> {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    [cli, role, '--port', String(port), '--host', '127.0.0.1', '--log-level', 'warn', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  await waitForLine(child, /listening on/, `likewire ${role}`)
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => output,
    kill9: () => kill(child, 'SIGKILL'),
    stop: () => kill(child, 'SIGTERM'),
  }
}
