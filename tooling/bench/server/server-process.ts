/**
 * One server under test, as its own process (embedded Likewire, a cluster role, or a baseline). The
 * parent drives it over IPC; publishes come from an in-process publisher here.
 */
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import type { FromServer, ServerSettings, ToServer } from './protocol'
import { startPublisher } from './publisher'
import { freePort } from './redis'
import { createTarget } from './targets'

const settings = JSON.parse(process.env.BENCH_SERVER ?? '{}') as ServerSettings
const send = (message: FromServer) => process.send?.(message)

const port = await freePort()
const target = await createTarget(settings, port)
const server = serve({ fetch: target.app.fetch, port, hostname: '127.0.0.1' }) as Server
server.once('listening', () => send({ type: 'listening', port }))

process.on('message', async (message: ToServer) => {
  if (message.type === 'publish') {
    send({ type: 'published', ...(await startPublisher(target, message)) })
  } else if (message.type === 'stats') {
    const cpu = process.cpuUsage()
    const memory = process.memoryUsage()
    send({
      type: 'stats',
      connections: target.connections(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      topics: target.topics(),
    })
  } else if (message.type === 'close') {
    await target.close().catch(() => {})
    server.close()
    server.closeAllConnections?.()
    // exit through process.exit so --cpu-prof writes its profile
    setTimeout(() => process.exit(0), 100)
  }
})
process.on('disconnect', () => process.exit(0))
