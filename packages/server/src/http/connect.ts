import type { ServerResponse } from 'node:http'
import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Context } from 'hono'
import type { Core } from '../core'
import type { Frontend } from '../frontend/frontend'
import { nodeSink, webStreamSink } from '../frontend/sink'
import { ErrorCode, LikewireError } from '../protocol/errors'
import { parseTopicList, splitTopicQuery } from '../protocol/topic'
import { corsHeaders } from './cors'

const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
}

/** Runs the `authenticate` hook: no identity means 401. */
export async function authenticate(core: Core, request: Request): Promise<unknown> {
  const hook = core.options.authenticate
  if (!hook) return null
  const identity = await hook(request)
  if (identity === null || identity === undefined || identity === false) {
    throw new LikewireError(401, ErrorCode.unauthorized, 'Authentication failed')
  }
  return identity
}

/** Runs the `authorize` hook for each topic: any refusal means 403 and nothing is subscribed. */
export async function authorize(core: Core, identity: unknown, topics: readonly string[]): Promise<void> {
  const hook = core.options.authorize
  if (!hook) return
  for (const topic of topics) {
    if (!(await hook(identity, topic))) {
      throw new LikewireError(
        403,
        ErrorCode.forbidden,
        `Not allowed to subscribe to ${JSON.stringify(topic)}`,
      )
    }
  }
}

/** `GET /v1/connect`: opens the SSE stream, written straight to the Node response (DESIGN.md hot path). */
export function connectHandler(core: Core, frontend: Frontend) {
  return async (c: Context<{ Bindings: HttpBindings }>) => {
    // Hono routes HEAD to GET handlers: a HEAD must not open a stream
    if (c.req.method !== 'GET')
      throw new LikewireError(405, ErrorCode.methodNotAllowed, 'Use GET to open a stream')
    const identity = await authenticate(core, c.req.raw)
    const topics = parseTopicList(
      splitTopicQuery(c.req.query('topics')),
      core.options.maxSubscriptionsPerConnection,
    )
    await authorize(core, identity, topics)
    const cors =
      core.options.cors === false ? {} : corsHeaders(core.options.cors ?? {}, c.req.header('origin'))
    const outgoing = c.env?.outgoing as ServerResponse | undefined
    if (outgoing && typeof outgoing.writeHead === 'function') {
      const connection = await frontend.open(nodeSink(outgoing), identity, topics)
      const headers = { ...SSE_HEADERS, ...cors }
      if (!outgoing.destroyed) {
        outgoing.writeHead(200, headers)
        // the headers go out now: frames are written to the socket directly after them (nodeSink)
        outgoing.flushHeaders()
        outgoing.socket?.setNoDelay(true)
        connection.start(frontend.preamble(connection))
        await core.viewers?.snapshot(connection, topics)
      }
      return RESPONSE_ALREADY_SENT
    }
    const { sink, stream } = webStreamSink()
    const connection = await frontend.open(sink, identity, topics)
    connection.start(frontend.preamble(connection))
    await core.viewers?.snapshot(connection, topics)
    return c.body(stream, 200, { ...SSE_HEADERS, ...cors })
  }
}
