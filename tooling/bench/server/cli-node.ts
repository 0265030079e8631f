import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { freePort } from '@likewire/testkit'
import { treeStats } from '../lib/process-tree'
import { terminate, waitAnswering } from '../lib/spawn'
import type { ServerSettings, ServerStats } from './protocol'
import type { ServerHandle } from './servers'

/**
 * A CLI node's processes cannot be told to collect (no --expose-gc hook): its memory is read once V8's
 * memory reducer has run on the idle node, i.e. once RSS stops falling (polled each second, 3 to 20 s).
 */
async function settled(read: () => Promise<ServerStats>): Promise<ServerStats> {
  let last = await read()
  for (let second = 1; second <= 20; second++) {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const now = await read()
    const falling = now.rssBytes < last.rssBytes * 0.99
    last = now
    if (second >= 3 && !falling) break
  }
  return last
}

/** The built CLI, as operators run it (`npm run bench` builds the server first). */
const CLI = fileURLToPath(new URL('../../../packages/server/bin/likewire.js', import.meta.url))

/**
 * A Likewire node of `workers` processes (`--workers`: one node sharing its port), started with the CLI:
 * `likewire standalone` for an embedded run, `likewire frontend` for a cluster one. Its stats are the whole
 * process tree's (/proc) and its `/metrics` (connections, for the whole node); it keeps no per-topic
 * counts the bench can read, so what a publish owes comes from the clients' plan (`countsTopics: false`).
 */
export async function startCliNode(
  index: number,
  settings: ServerSettings & { historyText?: string | undefined },
  workers: number,
): Promise<ServerHandle> {
  const port = await freePort()
  const label = `${settings.kind === 'likewire' ? 'standalone' : 'frontend'}${index}x${workers}`
  const args = [
    CLI,
    settings.kind === 'likewire' ? 'standalone' : 'frontend',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--workers',
    String(workers),
    '--flush-window-ms',
    String(settings.flushWindowMs),
    '--log-level',
    'warn',
    ...(settings.historyText ? ['--history', settings.historyText] : []),
    ...(settings.kind === 'cluster-frontend'
      ? ['--redis', settings.redis!, '--secret', settings.secret!, '--public-url', `http://127.0.0.1:${port}`]
      : []),
  ]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const errorLines: string[] = []
  for (const stream of [child.stdout, child.stderr])
    stream?.setEncoding('utf8').on('data', (text: string) => {
      for (const line of text.split('\n').filter(Boolean)) {
        process.stderr.write(`  ${label}| ${line}\n`)
        if (line.startsWith('{') ? /"level":(5|6)\d/.test(line) : /Error/.test(line)) errorLines.push(line)
      }
    })
  const base = `http://127.0.0.1:${port}`
  await waitAnswering(child, `${base}/healthz`, label, 30_000)
  return {
    label,
    port,
    child,
    errorLines,
    countsTopics: false,
    publishTo: { url: `${base}/v1/publish`, style: 'batch' },
    async stats(collect?: boolean): Promise<ServerStats> {
      const read = async () => {
        const metrics = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) }).then(
          (r) => r.text(),
          () => '',
        )
        const connections = Number(/^likewire_connections(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? 0)
        // by slot, whatever order the metrics come in
        const workerConnections: number[] = []
        for (const [, slot, open] of metrics.matchAll(
          /^likewire_worker_connections\{worker="(\d+)"\} (\d+)/gm,
        ))
          workerConnections[Number(slot)] = Number(open)
        return { ...treeStats(child.pid!, connections), workerConnections }
      }
      return collect ? settled(read) : read()
    },
    close: () => terminate(child, 10_000),
  }
}
