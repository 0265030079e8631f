// Real processes for the cluster test: redis-server, `likewire dispatcher` and the built demo server.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const DEMO_MAIN = fileURLToPath(new URL('../../dist/server/main.js', import.meta.url))
const LIKEWIRE_CLI = join(
  dirname(createRequire(import.meta.url).resolve('@likewire/server/package.json')),
  'dist/cli.js',
)

export interface Spawned {
  url: string
  port: number
  /** Everything it printed so far (for failure messages). */
  output(): string
  /** SIGTERM (the graceful path), then waits for the exit. */
  stop(): Promise<void>
}

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

/** Spawns a process; resolves once its output matches `ready`, rejects if it exits first. */
function start(
  what: string,
  command: string,
  args: string[],
  ready: RegExp,
  port: number,
  env?: NodeJS.ProcessEnv,
): Promise<Spawned> {
  const child = spawn(command, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`${what} exited (${code}) before ready:\n${output}`))
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk
      if (ready.test(output)) {
        child.off('exit', onExit)
        resolve({
          url: `http://127.0.0.1:${port}`,
          port,
          output: () => output,
          stop: () => stop(child),
        })
      }
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk
    })
    child.once('exit', onExit)
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/** A redis-server of the test's own on a free port (never the machine's 6379), keeping nothing on disk. */
export async function startRedis(): Promise<Spawned> {
  const port = await freePort()
  const redis = await start(
    'redis-server',
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    /Ready to accept connections/,
    port,
  )
  return { ...redis, url: `redis://127.0.0.1:${port}` }
}

/** A `likewire dispatcher` (the built CLI of @likewire/server) in the cluster of `redis`. */
export async function startDispatcher(redis: string, secret: string): Promise<Spawned> {
  const port = await freePort()
  const args = ['dispatcher', '--redis', redis, '--secret', secret, '--host', '127.0.0.1']
  return start(
    'likewire dispatcher',
    process.execPath,
    [LIKEWIRE_CLI, ...args, '--port', String(port), '--log-level', 'warn'],
    /listening on/,
    port,
  )
}

/** The built demo server (`dist/server/main.js`) with `env` on top of ours, on a free port. */
export async function startDemo(env: Record<string, string>): Promise<Spawned> {
  if (!existsSync(DEMO_MAIN)) throw new Error(`${DEMO_MAIN} is missing: run \`npm run build\` in apps/demo`)
  const port = await freePort()
  return start('demo server', process.execPath, [DEMO_MAIN], /likewire demo: http:\/\//, port, {
    ...withoutClusterEnv(process.env),
    HOST: '127.0.0.1',
    PORT: String(port),
    ...env,
  })
}

/** Our environment without the demo's cluster settings, so each process gets exactly those it is given. */
function withoutClusterEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { REDIS_URL, LIKEWIRE_SECRET, LIKEWIRE_API_KEY, DISPATCHER_URLS, PUBLIC_URL, ...rest } = env
  return rest
}
