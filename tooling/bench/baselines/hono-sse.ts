import { Hono } from 'hono'
import { type SSEStreamingApi, streamSSE } from 'hono/streaming'
import { publishFetch } from './publish-route'

/**
 * The baseline a user would write by hand: Hono's `streamSSE`, one stream per connection, a topic map,
 * each event serialized once and written with `writeSSE` to every subscriber. Same URL, same frames.
 */
export function createHonoSse() {
  const subscribers = new Map<string, Set<SSEStreamingApi>>()
  let connections = 0
  let nextId = 0
  const app = new Hono()

  app.get('/v1/connect', (c) => {
    const topics = (c.req.query('topics') ?? '').split(',').filter(Boolean)
    return streamSSE(c, async (stream) => {
      const closed = new Promise<void>((resolve) => stream.onAbort(resolve))
      connections++
      for (const topic of topics) {
        let set = subscribers.get(topic)
        if (!set) {
          set = new Set()
          subscribers.set(topic, set)
        }
        set.add(stream)
      }
      await stream.writeSSE({
        event: 'likewire.connected',
        data: JSON.stringify({ connectionId: `c${connections}` }),
      })
      await closed
      connections--
      for (const topic of topics) subscribers.get(topic)?.delete(stream)
    })
  })

  const publishMany = (events: readonly { topic: string; data: unknown }[]) => {
    const ts = Date.now()
    for (const { topic, data } of events) {
      const id = String(++nextId)
      const json = JSON.stringify({ topic, id, ts, data })
      for (const stream of subscribers.get(topic) ?? [])
        void stream.writeSSE({ id, data: json }).catch(() => {})
    }
  }
  // the bench's publisher process posts here, as it posts to Likewire's own `POST /v1/publish`
  app.post('/v1/publish', (c) => publishFetch(publishMany)(c.req.raw))

  return {
    app,
    connections: () => connections,
    subscribers: (topic: string) => subscribers.get(topic)?.size ?? 0,
    topics: () => Object.fromEntries([...subscribers].map(([topic, set]) => [topic, set.size])),
    async close(): Promise<void> {
      for (const set of subscribers.values()) for (const stream of set) stream.abort()
    },
  }
}
