import type { Server } from 'node:http'
import type { serve } from '@hono/node-server'
import { createHonoSse } from '../baselines/hono-sse'
import { createSocketIo } from '../baselines/socketio'
import { createDispatcherNode, createFrontendNode, createLikewire, type Likewire } from './likewire'
import type { ServerSettings } from './protocol'
import type { PublishTarget } from './publisher'

/** What a server process serves and how the bench talks to it, whatever the kind. */
export interface ServerUnderTest extends PublishTarget {
  app: { fetch: Parameters<typeof serve>[0]['fetch'] }
  /** Servers that take over the HTTP server's upgrades (socket.io) hook in here once it exists. */
  attach?(server: Server): void
  connections(): number
  topics(): Record<string, number>
  close(): Promise<void>
}

const fromLikewire = (likewire: Likewire): ServerUnderTest => ({
  app: likewire.app,
  connections: () => likewire.frontend.connectionCount,
  subscribers: (topic) => likewire.frontend.localCount(topic),
  topics: () =>
    Object.fromEntries(likewire.frontend.localTopics().map((t) => [t, likewire.frontend.localCount(t)])),
  publishMany: async (events) => {
    await likewire.publishMany(events)
  },
  close: () => likewire.close(),
})

/** Builds the server of `settings.kind`; cluster roles need the port they will listen on up front. */
export async function createTarget(settings: ServerSettings, port: number): Promise<ServerUnderTest> {
  const tuning = { flushWindowMs: settings.flushWindowMs, maxConnections: settings.maxConnections }
  // only with --history: without it the servers are started exactly as before (fire-and-forget)
  const history = settings.history ? { history: settings.history } : {}
  switch (settings.kind) {
    case 'hono': {
      const hono = createHonoSse()
      return { ...hono, topics: () => ({}) }
    }
    case 'socketio': {
      const io = createSocketIo(settings.redis!)
      // every request that is not /socket.io/ falls through to a 404
      return { ...io, app: { fetch: () => new Response(null, { status: 404 }) }, topics: () => ({}) }
    }
    case 'likewire':
      return fromLikewire(createLikewire({ ...tuning, ...history }))
    case 'cluster-frontend':
      return fromLikewire(
        await createFrontendNode({
          ...tuning,
          ...history,
          // the presence scenario's identified members: absent, frontends are started as before
          ...(settings.jwtSecret ? { auth: { jwt: { secret: settings.jwtSecret } } } : {}),
          ...(settings.presenceGraceMs !== undefined
            ? { presence: { graceMs: settings.presenceGraceMs } }
            : {}),
          redis: settings.redis!,
          secret: settings.secret!,
          internalUrl: `http://127.0.0.1:${port}`,
        }),
      )
    case 'cluster-dispatcher': {
      const node = await createDispatcherNode({
        redis: settings.redis!,
        secret: settings.secret!,
        ...history,
      })
      return {
        app: node.app,
        connections: () => 0,
        // a dispatcher holds no subscribers: what it owes is counted on the frontends
        subscribers: () => 0,
        topics: () => ({}),
        publishMany: async (events) => {
          await node.publishMany(events)
        },
        close: () => node.close(),
      }
    }
  }
}
