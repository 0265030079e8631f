import type { Context } from 'hono'
import type { Dispatcher } from '../dispatcher/dispatcher'
import type { Frontend } from '../frontend/frontend'
import { readBody } from '../http/body'
import { assertBearer } from '../http/publish'
import type { Metrics } from '../metrics/metrics'
import { decodeBatch } from '../transport/wire'

/** `POST /internal/v1/deliver` on a frontend node: a dispatcher's batch for this node's connections. */
export function deliverHandler(frontend: Frontend, secret: string, metrics: Metrics) {
  return async (c: Context) => {
    assertBearer(c, secret, 'cluster secret')
    const events = decodeBatch(await readBody(c, INTERNAL_BODY_LIMIT))
    metrics.received.inc(events.length)
    frontend.deliver(events)
    return c.body(null, 204)
  }
}

/** `POST /internal/v1/forward` on a dispatcher: a publish forwarded by a peer datacenter, delivered here only. */
export function forwardHandler(dispatcher: Dispatcher, secret: string, metrics: Metrics) {
  return async (c: Context) => {
    assertBearer(c, secret, 'cluster secret')
    const events = decodeBatch(await readBody(c, INTERNAL_BODY_LIMIT))
    metrics.peerForwarded.inc({ direction: 'in' }, events.length)
    await dispatcher.dispatch(events)
    return c.body(null, 202)
  }
}

/** Internal batches may carry many events at once. */
export const INTERNAL_BODY_LIMIT = 64 * 1024 * 1024

/** Guards a route with the cluster secret (the owner side of a routed subscribe). */
export function internalOnly(secret: string, handler: (c: Context) => Promise<Response>) {
  return async (c: Context) => {
    assertBearer(c, secret, 'cluster secret')
    return handler(c)
  }
}
