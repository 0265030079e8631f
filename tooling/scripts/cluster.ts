// `npm run cluster`: a local Likewire cluster to try out: its own redis-server per datacenter on a free
// port, 2 frontends and 2 dispatchers per datacenter, wired as peers. `--workers` gives each frontend
// several processes; `--check` publishes through it once, end to end, and exits.
import { freePort, type LikewireRole, spawnLikewire, startRedis } from '@likewire/testkit'
import { Command } from 'commander'

/** Everything started, stopped on Ctrl-C, after --check, or on a failure. */
const running: Array<{ stop(): Promise<void> }> = []

async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((started) => started.stop()))
}

/** A `likewire <role>` on a port chosen beforehand: peers must know a dispatcher's URL before it starts. */
async function likewire(role: LikewireRole, port: number, args: string[]): Promise<void> {
  running.push(await spawnLikewire(role, args, { port }))
}

async function main(): Promise<void> {
  const program = new Command('cluster')
    .description('Start a local Likewire cluster: Redis, 2 frontends and 2 dispatchers per datacenter')
    .option('--dcs <n>', 'number of datacenters (each with its own Redis)', '1')
    .option('--secret <secret>', 'shared cluster secret', 'local-cluster-secret')
    .option('--workers <n>', "processes per frontend sharing its port: a count or 'auto' (one per core)", '1')
    .option('--check', 'publish once through the cluster, verify delivery, and exit')
    .parse()
  const flags = program.opts<{ dcs: string; secret: string; workers: string; check?: boolean }>()
  const dcs = Array.from({ length: Math.max(1, Number(flags.dcs)) }, (_, i) => `dc${i + 1}`)

  const layout = await Promise.all(
    dcs.map(async (dc) => ({
      dc,
      redis: '',
      frontends: [await freePort(), await freePort()],
      dispatchers: [await freePort(), await freePort()],
    })),
  )
  const url = (port: number) => `http://127.0.0.1:${port}`
  for (const entry of layout) {
    const { dc, frontends, dispatchers } = entry
    const redis = await startRedis()
    running.push(redis)
    entry.redis = redis.url
    const cluster = ['--redis', redis.url, '--secret', flags.secret]
    const peers = layout
      .filter((other) => other.dc !== dc)
      .map((other) => `${other.dc}=${other.dispatchers.map(url).join('|')}`)
      .join(',')
    await Promise.all([
      ...frontends.map((port, i) =>
        likewire('frontend', port, [
          ...cluster,
          '--node-id',
          `${dc}-frontend-${i + 1}`,
          // the frontend checks the value itself (a count or auto) and refuses a bad one in one line
          ...(flags.workers === '1' ? [] : ['--workers', flags.workers]),
        ]),
      ),
      ...dispatchers.map((port) =>
        likewire('dispatcher', port, [...cluster, '--dc', dc, ...(peers ? ['--peers', peers] : [])]),
      ),
    ])
  }

  for (const { dc, redis, frontends, dispatchers } of layout) {
    console.log(`${dc}: ${redis}`)
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
    await stopAll()
    return
  }
  console.log('\nCtrl-C stops the cluster.')
  const stop = () => void stopAll().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
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
  while (!text.includes(`"id":"${ids[0]}"`)) text += decoder.decode((await reader.read()).value)
  clearTimeout(deadline)
  abort.abort()
  console.log(`\ncheck: published ${ids[0]} at ${dispatcher}, received at ${frontend}: ok`)
  // a frontend run with --workers answers /healthz for the whole node, its workers listed
  const health = (await fetch(`${frontend}/healthz`).then((r) => r.json())) as { workers?: unknown[] }
  console.log(`check: ${frontend} serves with ${health.workers?.length ?? 1} process(es)`)
}

main().catch(async (error: unknown) => {
  console.error(`cluster: ${error instanceof Error ? error.message : String(error)}`)
  await stopAll()
  process.exit(1)
})
