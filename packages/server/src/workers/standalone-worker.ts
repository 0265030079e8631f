import { randomBytes } from 'node:crypto'
import { internalOnly } from '../auth/bearer'
import { HistoryRules } from '../history/rules'
import { type ListenOptions, listen } from '../http/listen'
import { subscribeHandler, unsubscribeHandler } from '../http/subscriptions'
import { ownerOf, type SubscriptionPath } from '../node/core'
import { assembleLikewire, frontendParts, type Likewire } from '../node/frontend-role'
import { resolveNode } from '../node/resolve'
import type { LikewireOptions } from '../options'
import { InProcessTransport } from '../transport/in-process'
import type { Channel } from './channel'
import { DELIVER, type DeliveryBatch, decodeDeliveries } from './deliveries'
import { PrimaryDispatcher, primaryHistory, primaryRegistry } from './primary-parts'
import { nodeWide, type StartedWorker, type WorkerIdentity } from './worker-process'

/** A routed subscribe's answer as it crosses the channel. */
export interface RoutedAnswer {
  status: number
  text: string
  challenge: string | null
}

/**
 * A worker of `likewire standalone --workers`: a frontend node whose registry, presence store, history
 * and dispatcher are its primary's (one of each for the whole node), serving the shared public port.
 */
export async function standaloneWorker(
  channel: Channel,
  { nodeId }: WorkerIdentity,
  options: LikewireOptions,
  listenOptions: ListenOptions,
): Promise<StartedWorker> {
  const base = resolveNode({ ...options, nodeId })
  const registry = primaryRegistry(channel)
  const rules = new HistoryRules(options.history)
  const history = rules.enabled ? { rules, store: primaryHistory(channel) } : undefined
  const transport = new InProcessTransport()
  const parts = frontendParts(base, {
    registry,
    transport,
    history,
    dispatcher: (dispatcherParts) => new PrimaryDispatcher(channel, dispatcherParts),
  })
  // a subscribe for a connection another worker holds is answered by that worker, through the primary;
  // the route is reached in this process only, so its secret never leaves it
  const secret = randomBytes(24).toString('base64url')
  const lw: Likewire = assembleLikewire(base, parts, {
    registry,
    history,
    url: '',
    routeToOwner: async (path, body) => {
      const owner = ownerOf(body.connectionId)
      if (!owner || owner === nodeId) return undefined
      const answer = await channel.call<RoutedAnswer | null>('node', 'route', [owner, path, body])
      if (!answer) return undefined
      const headers: Record<string, string> = { 'Content-Type': 'application/json' }
      if (answer.challenge) headers['WWW-Authenticate'] = answer.challenge
      return new Response(answer.text, { status: answer.status, headers })
    },
    internalRoutes: (core) => {
      const owner = { ...core, routeToOwner: undefined }
      return [
        {
          path: '/internal/v1/subscribe',
          handler: internalOnly(secret, subscribeHandler(owner, parts.frontend)),
        },
        {
          path: '/internal/v1/unsubscribe',
          handler: internalOnly(secret, unsubscribeHandler(owner, parts.frontend)),
        },
      ]
    },
    closeRole: async () => transport.detach(nodeId),
  })
  // the primary's dispatcher delivers here: trusted, built by our own dispatcher, so not parsed again
  channel.notes[DELIVER] = (batch) => {
    const events = decodeDeliveries(batch as DeliveryBatch)
    base.metrics.received.inc(events.length)
    parts.frontend.deliver(events)
  }
  const listening = await listen({ app: nodeWide(lw.app, channel), attach: lw.attach }, listenOptions)
  return {
    url: listening.url,
    health: () => lw.health(),
    metrics: lw.metrics,
    handlers: {
      worker: {
        route: async (path: SubscriptionPath, body: Record<string, unknown>): Promise<RoutedAnswer> => {
          const res = await lw.app.fetch(
            new Request(`http://worker/internal${path}`, {
              method: 'POST',
              headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
              body: JSON.stringify(body),
            }),
          )
          return {
            status: res.status,
            text: await res.text(),
            challenge: res.headers.get('www-authenticate'),
          }
        },
      },
    },
    stop: async () => {
      await lw.close()
      await listening.close()
    },
  }
}
