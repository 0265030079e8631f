// `npm run cluster`: a local Likewire cluster to try out: its own redis-server per datacenter on a free
// port, 2 frontends and 2 dispatchers per datacenter, wired as peers. `--check` publishes through it
// once, end to end, and exits.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'

const cli = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url))
const children: ChildProcess[] = []

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Spawns a process and resolves once its output says it is ready. */
function start(command: string, args: string[], ready: RegExp, name: string): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk
      if (ready.test(output)) resolve()
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}):\n${output}`)))
  })
}

function stopAll(): void {
  for (const child of children) child.kill('SIGTERM')
}

async function main(): Promise<void> {
  const program = new Command('cluster')
    .description('Start a local Likewire cluster: Redis, 2 frontends and 2 dispatchers per datacenter')
    .option('--dcs <n>', 'number of datacenters (each with its own Redis)', '1')
    .option('--secret <secret>', 'shared cluster secret', 'local-cluster-secret')
    .option('--check', 'publish once through the cluster, verify delivery, and exit')
    .parse()
  const flags = program.opts<{ dcs: string; secret: string; check?: boolean }>()
  const dcs = Array.from({ length: Math.max(1, Number(flags.dcs)) }, (_, i) => `dc${i + 1}`)

  const layout = await Promise.all(
    dcs.map(async (dc) => ({
      dc,
      redisPort: await freePort(),
      frontends: [await freePort(), await freePort()],
      dispatchers: [await freePort(), await freePort()],
    })),
  )
  const url = (port: number) => `http://127.0.0.1:${port}`
  for (const { dc, redisPort, frontends, dispatchers } of layout) {
    await start(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      /Ready to accept connections/,
      `redis ${dc}`,
    )
    const redis = [
      '--redis',
      `redis://127.0.0.1:${redisPort}`,
      '--secret',
      flags.secret,
      '--host',
      '127.0.0.1',
    ]
    const peers = layout
      .filter((other) => other.dc !== dc)
      .map((other) => `${other.dc}=${other.dispatchers.map(url).join('|')}`)
      .join(',')
    await Promise.all([
      ...frontends.map((port, i) =>
        start(
          process.execPath,
          [cli, 'frontend', ...redis, '--port', String(port), '--node-id', `${dc}-frontend-${i + 1}`],
          /listening on/,
          'frontend',
        ),
      ),
      ...dispatchers.map((port) =>
        start(
          process.execPath,
          [
            cli,
            'dispatcher',
            ...redis,
            '--port',
            String(port),
            '--dc',
            dc,
            ...(peers ? ['--peers', peers] : []),
          ],
          /listening on/,
          'dispatcher',
        ),
      ),
    ])
  }

  for (const { dc, redisPort, frontends, dispatchers } of layout) {
    console.log(`${dc}: redis://127.0.0.1:${redisPort}`)
    console.log(`  frontends:   ${frontends.map(url).join('  ')}`)
    console.log(`  dispatchers: ${dispatchers.map(url).join('  ')}`)
  }
  const first = layout[0]!
  const last = layout.at(-1)!
  console.log(`\nTry it:\n  curl -N '${url(last.frontends[1]!)}/v1/connect?topics=demo'`)
  console.log(
    `  curl -X POST ${url(first.dispatchers[0]!)}/v1/publish -H 'Content-Type: application/json' -d '{"topic":"demo","data":"hello"}'`,
  )

  if (flags.check) {
    await check(url(last.frontends[1]!), url(first.dispatchers[0]!))
    stopAll()
    return
  }
  console.log('\nCtrl-C stops the cluster.')
  process.on('SIGINT', stopAll)
  process.on('SIGTERM', stopAll)
}

/** One publish end to end: a stream on the last datacenter's frontend gets what the first one's dispatcher took. */
async function check(frontend: string, dispatcher: string): Promise<void> {
  const abort = new AbortController()
  const res = await fetch(`${frontend}/v1/connect?topics=cluster-check`, { signal: abort.signal })
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  while (!text.includes('likewire.connected')) text += decoder.decode((await reader.read()).value)
  const published = await fetch(`${dispatcher}/v1/publish`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ topic: 'cluster-check', data: 'ok' }),
  })
  const { ids } = (await published.json()) as { ids: string[] }
  const deadline = setTimeout(() => abort.abort(), 5000)
  while (!text.includes(`id: ${ids[0]}`)) text += decoder.decode((await reader.read()).value)
  clearTimeout(deadline)
  abort.abort()
  console.log(`\ncheck: published ${ids[0]} at ${dispatcher}, received at ${frontend}: ok`)
}

main().catch((error: unknown) => {
  console.error(`cluster: ${error instanceof Error ? error.message : String(error)}`)
  stopAll()
  process.exit(1)
})
