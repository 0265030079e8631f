import type { ChildProcess } from 'node:child_process'
import { nextMessage, spawnTs, stopChild } from '../lib/spawn'
import type { ServerSettings, ServerStats } from './protocol'
import type { PublishRoute } from './publisher'

/** A server-under-test process seen from the parent. */
export interface ServerHandle {
  label: string
  port: number
  child: ChildProcess
  /** stderr lines that look like errors (pino level >= 50, or uncaught; nginx's error log). */
  errorLines: string[]
  /** Where the publisher process posts this server's publishes, and how. */
  publishTo: Omit<PublishRoute, 'topics'>
  /**
   * false: the server's stats carry no per-topic subscriber counts (a `--workers` node, nchan): what a publish owes
   * comes from where the clients were sent. Absent: the stats count them.
   */
  countsTopics?: boolean
  /** `collect`: run a full GC first, so memory is what the server retains, not the garbage of the connect burst. */
  stats(collect?: boolean): Promise<ServerStats>
  close(): Promise<void>
}

export interface StartOptions {
  /** Write a V8 CPU profile per process into `<label>/` of this folder (e.g. `cluster-dispatcher0/`). */
  cpuProfDir?: string
}

export async function startServers(
  count: number,
  settings: ServerSettings,
  options: StartOptions = {},
): Promise<ServerHandle[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, async (_, index) => {
      const label = `${settings.kind}${index}`
      const errorLines: string[] = []
      // --expose-gc: memory is read after a full collection (see stats), for Likewire and the baselines alike
      const nodeFlags = [
        '--expose-gc',
        ...(options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}/${label}`] : []),
      ]
      const child = spawnTs('../server/server-process.ts', {
        label,
        nodeFlags,
        env: { BENCH_SERVER: JSON.stringify(settings) },
        onStderr: (line) => {
          // pino lines count from level 50 (error); anything else printed with "Error" is a crash trace
          if (line.startsWith('{') ? /"level":(5|6)\d/.test(line) : /Error/.test(line)) errorLines.push(line)
        },
      })
      const { port } = await nextMessage<{ port: number }>(child, (m) => m.type === 'listening')
      // a server that died (a baseline that gave up under load) is a result, not a crash of the harness
      const send = (message: object) =>
        new Promise<void>((resolve, reject) => {
          if (!child.connected) return reject(new Error(`${label} has exited`))
          child.send(message, (error) => (error ? reject(error) : resolve()))
        })
      return {
        label,
        port,
        child,
        errorLines,
        publishTo: {
          url: `${settings.tls ? 'https' : 'http'}://127.0.0.1:${port}/v1/publish`,
          style: 'batch',
          ca: settings.tls?.cert,
        },
        async stats(collect = false) {
          const answer = nextMessage<ServerStats>(child, (m) => m.type === 'stats')
          answer.catch(() => {})
          await send({ type: 'stats', collect })
          return answer
        },
        close: () => stopChild(child, 5000),
      } satisfies ServerHandle
    }),
  )
  const failed = started.find((s) => s.status === 'rejected')
  const handles = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  if (failed) {
    // one process failed to start: stop the others, so nothing is left behind
    await Promise.all(handles.map((handle) => handle.close()))
    throw failed.reason
  }
  return handles
}
