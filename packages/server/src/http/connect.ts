import { IncomingMessage, type ServerResponse } from 'node:http'
import { Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Context } from 'hono'
import { createAuth } from '../auth/auth'
import type { Frontend } from '../frontend/frontend'
import { http2Sink } from '../frontend/http2-sink'
import { nodeSink, webStreamSink } from '../frontend/sink'
import type { Core } from '../node/core'
import { ErrorCode, LikewireError, unavailable } from '../protocol/errors'
import { parseTopicList, splitTopicQuery } from '../protocol/topic'
import { corsHeaders } from './cors'
import { recoveryFromQuery } from './recovery-params'
import { releaseHttpParser } from './release-parser'

const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  'X-Accel-Buffering': 'no',
}
// HTTP/1.x only: HTTP/2 forbids connection-specific headers (Node drops them with a warning)
const SSE_HEADERS_HTTP1 = { ...SSE_HEADERS, Connection: 'keep-alive' }

/** A request header, as c.req.header() reads it (same joining of repeats, same trimming). */
function requestHeader(
  c: Context<{ Bindings: HttpBindings }>,
  name: 'origin' | 'last-event-id' | 'authorization',
): string | undefined {
  const incoming = c.env?.incoming as IncomingMessage | Http2ServerRequest | undefined
  // read off Node's request: c.req.header() makes a Headers wrapper that node-server's close handler keeps for the stream's life (64 B each)
  if (!(incoming instanceof IncomingMessage || incoming instanceof Http2ServerRequest))
    return c.req.header(name)
  const value = incoming.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** `GET /v1/connect`: opens the SSE stream, written straight to the Node response (the hot path: docs/architecture.md). */
export function connectHandler(core: Core, frontend: Frontend) {
  const auth = core.auth ?? createAuth(core.options)
  return async (c: Context<{ Bindings: HttpBindings }>) => {
    // Hono routes HEAD to GET handlers: a HEAD must not open a stream
    if (c.req.method !== 'GET')
      throw new LikewireError(405, ErrorCode.methodNotAllowed, 'Use GET to open a stream')
    // the token (header or access_token) is read here only: no log line carries it, nor the URL
    const identity = await auth.authenticate({
      authorization: requestHeader(c, 'authorization'),
      accessTokens: c.req.queries('access_token') ?? [],
      request: () => c.req.raw,
    })
    const topics = parseTopicList(
      splitTopicQuery(c.req.query('topics')),
      core.options.maxSubscriptionsPerConnection,
    )
    await auth.authorize(identity, topics)
    const recovery = recoveryFromQuery(
      {
        resume: c.req.query('resume'),
        rewind: c.req.query('rewind'),
        lastEventId: requestHeader(c, 'last-event-id'),
      },
      topics,
      (list) => list.filter((topic) => core.history?.ruleFor(topic)),
    )
    const cors =
      core.options.cors === false ? {} : corsHeaders(core.options.cors ?? {}, requestHeader(c, 'origin'))
    const outgoing = c.env?.outgoing as ServerResponse | Http2ServerResponse | undefined
    if (outgoing instanceof Http2ServerResponse) {
      const connection = await frontend.open(http2Sink(outgoing), identity, topics, recovery)
      if (outgoing.stream.destroyed) return RESPONSE_ALREADY_SENT // the client reset the stream while we waited
      if (connection.closed) throw unavailable('This node is shutting down; reconnect to another')
      // on HTTP/2 writeHead sends the HEADERS frame at once: frames go to the stream after it (http2Sink)
      outgoing.writeHead(200, { ...SSE_HEADERS, ...cors })
      connection.start(frontend.preamble(connection))
      await core.viewers?.snapshot(connection, topics)
      await core.presence?.snapshot(connection, topics)
      return RESPONSE_ALREADY_SENT
    }
    if (outgoing && typeof outgoing.writeHead === 'function') {
      const connection = await frontend.open(nodeSink(outgoing), identity, topics, recovery)
      if (outgoing.destroyed) return RESPONSE_ALREADY_SENT // the client left while we waited
      if (connection.closed) throw unavailable('This node is shutting down; reconnect to another')
      outgoing.writeHead(200, { ...SSE_HEADERS_HTTP1, ...cors })
      // the headers go out now: frames are written to the socket directly after them (nodeSink)
      outgoing.flushHeaders()
      releaseHttpParser(outgoing)
      outgoing.socket?.setNoDelay(true)
      connection.start(frontend.preamble(connection))
      await core.viewers?.snapshot(connection, topics)
      await core.presence?.snapshot(connection, topics)
      return RESPONSE_ALREADY_SENT
    }
    const { sink, stream } = webStreamSink()
    const connection = await frontend.open(sink, identity, topics, recovery)
    if (connection.closed) throw unavailable('This node is shutting down; reconnect to another')
    connection.start(frontend.preamble(connection))
    await core.viewers?.snapshot(connection, topics)
    await core.presence?.snapshot(connection, topics)
    return c.body(stream, 200, { ...SSE_HEADERS_HTTP1, ...cors })
  }
}
