/**
 * One server under test, as its own process (embedded Likewire, a cluster role, or a Node baseline). The
 * parent drives it over IPC; publishes come over HTTP from the bench's publisher process, never from here.
 */

import { createServer, type Server } from 'node:http'
import { freePort } from '@likewire/testkit'
import { listen } from './likewire'
import type { FromServer, ServerSettings, ToServer } from './protocol'
import { createTarget } from './targets'
import { countStreamWrites, writeSyscalls } from './write-count'

const settings = JSON.parse(process.env.BENCH_SERVER ?? '{}') as ServerSettings
const send = (message: FromServer) => process.send?.(message)
const streamWrites = settings.countWrites ? countStreamWrites() : () => null

const port = await freePort()
const target = await createTarget(settings, port)
// Likewire's own `listen` for every fetch app (baselines too, so all get the same listen backlog, 4096, and
// the same node-server options): a server the bench listened on itself would not be the server under test.
// better-sse lives on `node:http` itself: its own server, the same backlog.
const listening = target.handler
  ? await listenNode(target.handler)
  : await listen(target.app as Parameters<typeof listen>[0], {
      port,
      hostname: '127.0.0.1',
      tls: settings.tls,
    })
const { server } = listening
target.attach?.(server as Server)
const sockets = () =>
  new Promise<number>((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)))
send({ type: 'listening', port })

process.on('message', async (message: ToServer) => {
  if (message.type === 'stats') {
    // what the server retains: the connect burst's garbage would go at the next collection anyway
    if (message.collect) for (let i = 0; i < 2; i++) (globalThis as { gc?: () => void }).gc?.()
    const cpu = process.cpuUsage()
    const memory = process.memoryUsage()
    send({
      type: 'stats',
      connections: target.connections(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      topics: target.topics(),
      sockets: await sockets(),
      writeSyscalls: writeSyscalls(),
      streamWrites: streamWrites(),
    })
  } else if (message.type === 'close') {
    await target.close().catch(() => {})
    // stops listening and closes every connection (an HTTP/2 session with a GOAWAY first)
    void listening.close()
    // exit through process.exit so --cpu-prof writes its profile
    setTimeout(() => process.exit(0), 100)
  }
})
process.on('disconnect', () => process.exit(0))

function listenNode(handler: NonNullable<typeof target.handler>) {
  const server = createServer(handler)
  return new Promise<{ server: Server; close: () => void }>((resolve) =>
    server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () =>
      resolve({
        server,
        close: () => {
          server.close()
          server.closeAllConnections()
        },
      }),
    ),
  )
}
