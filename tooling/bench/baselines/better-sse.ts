import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Channel, createChannel, createSession, type Session } from 'better-sse'
import { publishNode } from './publish-route'

/**
 * The SSE library a Node developer would pick: better-sse on `node:http`, a channel per topic, each publish
 * one `channel.broadcast`. Same URL and frames as the Hono baseline (`{topic, id, ts, data}`), but with
 * better-sse's own `event:` line first (every pushed event carries one) and its `retry:` preamble.
 */
export function createBetterSse() {
  const channels = new Map<string, Channel>()
  const channel = (topic: string) => {
    let found = channels.get(topic)
    if (!found) {
      found = createChannel()
      channels.set(topic, found)
    }
    return found
  }
  const sessions = new Set<Session>()
  let nextId = 0

  const connect = async (req: IncomingMessage, res: ServerResponse) => {
    const topics = (new URL(req.url ?? '/', 'http://x').searchParams.get('topics') ?? '').split(',')
    // events are serialized once per broadcast, not once per session (the default serializer would)
    const session = await createSession(req, res, { serializer: (data) => data as string })
    sessions.add(session)
    session.once('disconnected', () => sessions.delete(session))
    for (const topic of topics.filter(Boolean)) channel(topic).register(session)
    session.push(JSON.stringify({ connectionId: `c${sessions.size}` }), 'likewire.connected')
  }
  const publish = publishNode((events) => {
    const ts = Date.now()
    for (const { topic, data } of events) {
      const id = String(++nextId)
      channels.get(topic)?.broadcast(JSON.stringify({ topic, id, ts, data }), 'like', { eventId: id })
    }
  })

  return {
    /** A `node:http` request handler: better-sse's sessions live on Node's own request and response. */
    handler: (req: IncomingMessage, res: ServerResponse) => {
      const path = req.url?.split('?')[0]
      if (req.method === 'GET' && path === '/v1/connect') void connect(req, res)
      else if (req.method === 'POST' && path === '/v1/publish') publish(req, res)
      else res.writeHead(404).end()
    },
    connections: () => sessions.size,
    topics: () => Object.fromEntries([...channels].map(([topic, c]) => [topic, c.sessionCount])),
    // the server process closes every connection with its HTTP server
    async close(): Promise<void> {},
  }
}
