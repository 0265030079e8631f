import type { Context } from 'hono'
import type { Core } from '../core'
import type { Frontend } from '../frontend/frontend'
import { parseTopicList } from '../protocol/topic'
import { readJsonObject } from './body'
import { authorize } from './connect'

/** `POST /v1/subscribe`: adds topics to a connection; answers once the registry knows (acknowledged). */
export function subscribeHandler(core: Core, frontend: Frontend) {
  return async (c: Context) => {
    const body = await readJsonObject(c, core.options.maxRequestBytes)
    const connection = frontend.connection(body.connectionId)
    const topics = parseTopicList(body.topics, core.options.maxSubscriptionsPerConnection)
    await authorize(core, connection.identity, topics)
    await frontend.subscribe(connection, topics)
    await core.viewers?.snapshot(connection, topics)
    return c.json({ topics: [...connection.topics] })
  }
}

/** `POST /v1/unsubscribe`: removes topics from a connection. */
export function unsubscribeHandler(core: Core, frontend: Frontend) {
  return async (c: Context) => {
    const body = await readJsonObject(c, core.options.maxRequestBytes)
    const connection = frontend.connection(body.connectionId)
    const topics = parseTopicList(body.topics, Number.MAX_SAFE_INTEGER)
    await frontend.unsubscribe(connection, topics)
    return c.json({ topics: [...connection.topics] })
  }
}
