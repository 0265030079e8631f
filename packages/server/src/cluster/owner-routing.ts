import type { Core, SubscriptionPath } from '../node/core'
import { ownerOf } from '../node/core'
import { unavailable } from '../protocol/errors'
import type { Registry } from '../registry/registry'

/**
 * A subscribe for a connection another frontend holds goes to that frontend's internal route, so a load
 * balancer need not be sticky. Undefined when the owner is unknown or unreachable (the answer is then
 * 404 unknown_connection, which sends the client to reconnect).
 */
export function routeToOwner(
  registry: Registry,
  nodeId: string,
  secret: string,
): NonNullable<Core['routeToOwner']> {
  return async (path: SubscriptionPath, body: Record<string, unknown>) => {
    const owner = ownerOf(body.connectionId)
    const info =
      owner && owner !== nodeId
        ? await registry.node(owner).catch(() => {
            throw unavailable('The registry is unavailable; retry later')
          })
        : undefined
    if (!info) return undefined
    try {
      const res = await fetch(`${info.url}/internal${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(3000),
      })
      // read inside the try: an owner that dies mid-answer is an owner that cannot be reached
      const text = await res.text()
      const headers: Record<string, string> = { 'Content-Type': 'application/json' }
      // a 401 or 403 of the owner keeps its Bearer challenge
      const challenge = res.headers.get('www-authenticate')
      if (challenge) headers['WWW-Authenticate'] = challenge
      return new Response(text, { status: res.status, headers })
    } catch {
      return undefined
    }
  }
}
