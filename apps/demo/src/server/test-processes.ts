// The built demo server as a child process, for tests; Redis and the likewire CLI come from @likewire/testkit.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { freePort, type SpawnedProcess, spawnProcess } from '@likewire/testkit'

/** The demo's build output, as `npm start` runs it. */
export const DEMO_MAIN = fileURLToPath(new URL('../../dist/server/main.js', import.meta.url))

export interface DemoProcess extends SpawnedProcess {
  url: string
  port: number
}

/** The built demo server (`dist/server/main.js`) with `env` on top of ours, on a free port. */
export async function startDemo(env: Record<string, string>): Promise<DemoProcess> {
  if (!existsSync(DEMO_MAIN)) throw new Error(`${DEMO_MAIN} is missing: run \`npm run build\` in apps/demo`)
  const port = await freePort()
  const demo = await spawnProcess(process.execPath, [DEMO_MAIN], {
    name: 'demo server',
    env: { ...withoutClusterEnv(process.env), HOST: '127.0.0.1', PORT: String(port), ...env },
    ready: /likewire demo: http:\/\//,
  })
  return { ...demo, url: `http://127.0.0.1:${port}`, port }
}

/** Our environment without the demo's cluster and identity settings, so each process gets exactly those it is given. */
export function withoutClusterEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const {
    REDIS_URL,
    LIKEWIRE_SECRET,
    LIKEWIRE_API_KEY,
    DISPATCHER_URLS,
    PUBLIC_URL,
    GUEST_SECRET,
    PRESENCE_GRACE_MS,
    ...rest
  } = env
  return rest
}
