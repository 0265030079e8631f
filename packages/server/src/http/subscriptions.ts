import type { Context } from 'hono'
import { createAuth } from '../auth/auth'
import type { Frontend } from '../frontend/frontend'
import type { Core, SubscriptionPath } from '../node/core'
import { parseTopicList } from '../protocol/topic'
import { readJsonObject } from './body'
import { recoveryFromBody } from './recovery-params'

/** A connection held by another node of the cluster: its owner answers (a load balancer need not be sticky). */
async function routed(core: Core, frontend: Frontend, path: SubscriptionPath, body: Record<string, unknown>) {
  if (frontend.find(body.connectionId) || !core.routeToOwner) return undefined
  return core.routeToOwner(path, body)
}

/** `POST /v1/subscribe`: adds topics to a connection; answers once the registry knows (acknowledged). */
export function subscribeHandler(core: Core, frontend: Frontend) {
  const auth = core.auth ?? createAuth(core.options)
  return async (c: Context) => {
    const body = await readJsonObject(c, core.options.maxRequestBytes)
    const elsewhere = await routed(core, frontend, '/v1/subscribe', body)
    if (elsewhere) return elsewhere
    const connection = frontend.connection(body.connectionId)
    const topics = parseTopicList(body.topics, core.options.maxSubscriptionsPerConnection)
    const recovery = recoveryFromBody(body, topics)
    // the connection's own identity: its token's topics claim holds on every subscribe, routed ones too
    await auth.authorize(connection.identity, topics)
    const fresh = await frontend.subscribe(connection, topics, recovery)
    // snapshots for the topics new to the connection only: a repeated subscribe reads and sends nothing
    await core.viewers?.snapshot(connection, fresh)
    await core.presence?.snapshot(connection, fresh)
    return c.json({ topics: [...connection.topics] })
  }
}

/** `POST /v1/unsubscribe`: removes topics from a connection. */
export function unsubscribeHandler(core: Core, frontend: Frontend) {
  return async (c: Context) => {
    const body = await readJsonObject(c, core.options.maxRequestBytes)
    const elsewhere = await routed(core, frontend, '/v1/unsubscribe', body)
    if (elsewhere) return elsewhere
    const connection = frontend.connection(body.connectionId)
    const topics = parseTopicList(body.topics, Number.MAX_SAFE_INTEGER)
    await frontend.unsubscribe(connection, topics)
    return c.json({ topics: [...connection.topics] })
  }
}
