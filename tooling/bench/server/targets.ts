import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { serve } from '@hono/node-server'
import { createBetterSse } from '../baselines/better-sse'
import { createHonoSse } from '../baselines/hono-sse'
import { createSocketIo } from '../baselines/socketio'
import { createDispatcherNode, createFrontendNode, createLikewire, type Likewire } from './likewire'
import type { ServerSettings } from './protocol'

/**
 * What a server process serves and how the bench talks to it, whatever the kind. Every kind takes its
 * publishes on `POST /v1/publish` from the bench's publisher process.
 */
export interface ServerUnderTest {
  /** A fetch app (served by Likewire's own `listen`), or `handler`: a `node:http` one (better-sse). */
  app?: { fetch: Parameters<typeof serve>[0]['fetch'] }
  handler?: (req: IncomingMessage, res: ServerResponse) => void
  /** Servers that take over the HTTP server's upgrades (socket.io) hook in here once it exists. */
  attach?(server: Server): void
  connections(): number
  /** Local subscribers per topic: what one publish of it owes this process. */
  topics(): Record<string, number>
  close(): Promise<void>
}

const fromLikewire = (likewire: Likewire): ServerUnderTest => ({
  app: likewire.app,
  connections: () => likewire.frontend.connectionCount,
  topics: () =>
    Object.fromEntries(likewire.frontend.localTopics().map((t) => [t, likewire.frontend.localCount(t)])),
  close: () => likewire.close(),
})

/** Builds the server of `settings.kind`; cluster roles need the port they will listen on up front. */
export async function createTarget(settings: ServerSettings, port: number): Promise<ServerUnderTest> {
  const tuning = { flushWindowMs: settings.flushWindowMs, maxConnections: settings.maxConnections }
  // only with --history: without it the servers are started exactly as before (fire-and-forget)
  const history = settings.history ? { history: settings.history } : {}
  switch (settings.kind) {
    case 'hono':
      return createHonoSse()
    case 'better-sse':
      return createBetterSse()
    case 'socketio':
      return createSocketIo(settings.redis!)
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
    case 'nchan':
      throw new Error('nchan is nginx, not a Node server process: baselines/nchan.ts starts it')
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
        topics: () => ({}),
        close: () => node.close(),
      }
    }
  }
}
