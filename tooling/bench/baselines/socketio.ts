import type { Server as HttpServer } from 'node:http'
import { createAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import { Server } from 'socket.io'
import { publishFetch } from './publish-route'

/**
 * The baseline a user would otherwise pick: Socket.IO with `@socket.io/redis-adapter`, a room per topic.
 * A client joins a topic with `join` (acknowledged, so the load generator knows it is subscribed); each
 * publish is one `io.to(topic).emit('like', event)` with the same event object as Likewire's frames
 * (`{topic, id, ts, data}`, `ts` stamped once per batch), which the adapter also publishes to Redis for
 * the other nodes. WebSocket transport only, no compression (Socket.IO's defaults for the latter).
 */
export function createSocketIo(redisUrl: string) {
  const io = new Server({ serveClient: false, transports: ['websocket'], perMessageDeflate: false })
  const pub = new Redis(redisUrl)
  const sub = pub.duplicate()
  io.adapter(createAdapter(pub, sub))
  let nextId = 0

  io.on('connection', (socket) => {
    socket.on('join', (topic: unknown, ack?: (ok: boolean) => void) => {
      if (typeof topic === 'string') void socket.join(topic)
      ack?.(typeof topic === 'string')
    })
  })

  const publishMany = (events: readonly { topic: string; data: unknown }[]) => {
    const ts = Date.now()
    for (const { topic, data } of events) {
      const id = String(++nextId)
      io.to(topic).emit('like', { topic, id, ts, data })
    }
  }

  return {
    /** Every request that is not /socket.io/ lands here: the publish route, else a 404. */
    app: { fetch: publishFetch(publishMany) },
    attach: (server: HttpServer) => io.attach(server),
    connections: () => io.engine?.clientsCount ?? 0,
    /** Local members of each topic's room: what one emit owes this node. */
    topics: () =>
      Object.fromEntries(
        [...io.of('/').adapter.rooms]
          .filter(([room]) => room.startsWith('live:'))
          .map(([room, members]) => [room, members.size]),
      ),
    async close(): Promise<void> {
      io.local.disconnectSockets(true)
      pub.disconnect()
      sub.disconnect()
    },
  }
}
