import type { Context } from 'hono'
import { internalOnly } from '../auth/bearer'
import { readBody } from '../http/body'
import type { Metrics } from '../metrics/metrics'
import type { DeliveryTarget } from './transport'
import { decodeBatch } from './wire'

/** Internal batches may carry many events at once (senders cut theirs well under this: HttpTransport). */
export const INTERNAL_BODY_LIMIT = 64 * 1024 * 1024

/** `POST /internal/v1/deliver` on a frontend node: the receiving end of HttpTransport. */
export function deliverRoute(frontend: DeliveryTarget, secret: string, metrics: Metrics) {
  return internalOnly(secret, async (c: Context) => {
    const events = decodeBatch(await readBody(c, INTERNAL_BODY_LIMIT))
    metrics.received.inc(events.length)
    frontend.deliver(events)
    return c.body(null, 204)
  })
}
