import type { Context } from 'hono'
import { internalOnly } from '../auth/bearer'
import type { Dispatcher } from '../dispatcher/dispatcher'
import { readBody } from '../http/body'
import type { Metrics } from '../metrics/metrics'
import { INTERNAL_BODY_LIMIT } from '../transport/deliver-route'
import { decodeBatch } from '../transport/wire'

/** `POST /internal/v1/forward` on a dispatcher: a publish forwarded by a peer datacenter, delivered here only. */
export function forwardRoute(dispatcher: Dispatcher, secret: string, metrics: Metrics) {
  return internalOnly(secret, async (c: Context) => {
    const events = decodeBatch(await readBody(c, INTERNAL_BODY_LIMIT))
    metrics.peerForwarded.inc({ direction: 'in' }, events.length)
    await dispatcher.dispatchForwarded(events)
    return c.body(null, 202)
  })
}
