import { expect } from 'vitest'
import type { FuzzResponse } from './http'
import {
  bump,
  type Context,
  malformedHttp,
  oracle,
  oversizedHeaders,
  type PublishedEvent,
  servedPaths,
  underV1,
} from './oracle'
import {
  ALLOWED_ORIGIN,
  CODES,
  documented,
  type FuzzCase,
  hasHistory,
  LIMITS,
  REQUEST_CEILING_MS,
  ROUTES,
  type Route,
  summary,
} from './setup'

// The properties every answer must have: never a 5xx, a documented error code and status, documented
// success shapes, CORS only where granted.

export function check(ctx: Context, c: FuzzCase, res: FuzzResponse): void {
  const where = `${summary(c)}\n -> ${res.kind} ${res.status} ${res.body.toString('utf8').slice(0, 300)}`
  expect(res.kind, `the request hung past ${REQUEST_CEILING_MS} ms: ${where}`).not.toBe('timeout')
  bump(ctx, `via ${res.sentVia}`)
  if (res.kind === 'closed') {
    // Node drops a socket it cannot parse past, a CONNECT with nobody to take it, and one whose body never came;
    // an oversized body is refused before it is all read, and the rest of it may meet a closed socket
    const oversizedBody = (c.req.body?.length ?? 0) > ctx.config.maxRequestBytes
    const allowed =
      malformedHttp(c.req) || oversizedHeaders(c.req) || oversizedBody || c.req.method === 'CONNECT'
    expect(allowed, `closed without an answer: ${where}`).toBe(true)
    bump(ctx, 'closed without an answer')
    return
  }
  const { status } = res
  bump(ctx, `status ${status}`)
  expect(status, `a 5xx: ${where}`).toBeLessThan(500)
  expect(status >= 200 && status < 300 ? 'ok' : status >= 400 ? 'error' : 'odd', where).not.toBe('odd')
  checkCors(ctx, c, res, where)
  const expected = oracle(ctx, c)
  if (expected) expect(status, `expected ${JSON.stringify(expected)}: ${where}`).toBe(expected.status)
  const codes = expected?.code ? [expected.code] : knownAnswer(ctx, c, status, where)
  if (status >= 400) checkError(ctx, c, res, where, codes)
  else checkSuccess(ctx, c, res, where)
}

/** The answer a generator knew from the protocol (history cases): its status, and the codes it may carry. */
function knownAnswer(ctx: Context, c: FuzzCase, status: number, where: string): string[] | undefined {
  // Node or the adapter refuse what is not HTTP before Likewire sees it (a non-ASCII header value, say)
  if (!c.expected || malformedHttp(c.req) || oversizedHeaders(c.req)) return undefined
  // a configuration with few connections may be full: the one answer a case cannot know
  if (status === 429 && ctx.config.options.maxConnections !== undefined) return ['too_many_connections']
  const matching = c.expected.filter((e) => e.status === status)
  expect(matching.length, `expected one of ${JSON.stringify(c.expected)}: ${where}`).toBeGreaterThan(0)
  bump(ctx, 'answer known from the protocol')
  bump(ctx, `known ${c.req.target.split('?')[0]} ${status}`)
  const codes = matching.flatMap((e) => (e.code ? [e.code] : []))
  return codes.length > 0 ? codes : undefined
}

function checkCors(ctx: Context, c: FuzzCase, res: FuzzResponse, where: string): void {
  const allowOrigin = res.headers['access-control-allow-origin']
  if (allowOrigin === undefined) return
  // an origin is granted only when listed, and only by a /v1/ route of a server with CORS on
  expect(ctx.config.cors, `CORS header from a server without CORS: ${where}`).toBe(true)
  expect(allowOrigin, `a CORS grant to an origin not listed: ${where}`).toBe(ALLOWED_ORIGIN)
  const origins = c.req.headers.filter(([n]) => n.toLowerCase() === 'origin').map(([, v]) => v.trim())
  expect(origins, `a CORS grant without the listed Origin: ${where}`).toEqual([ALLOWED_ORIGIN])
  // error answers carry CORS on any path with '/v1/' in it (Likewire may be mounted under a prefix)
  expect(
    servedPaths(c.req).some((p) => underV1(p) || p.includes('/v1/')),
    where,
  ).toBe(true)
}

function checkError(ctx: Context, c: FuzzCase, res: FuzzResponse, where: string, codes?: string[]): void {
  const { status } = res
  if (res.body.length === 0 && !/json/.test(res.headers['content-type'] ?? '')) {
    // Node's (or the adapter's) own refusal of a request it cannot parse: 431 for huge headers, 400 otherwise
    const refusal = (status === 431 && oversizedHeaders(c.req)) || (status === 400 && malformedHttp(c.req))
    expect(refusal, `an error without a JSON body: ${where}`).toBe(true)
    bump(ctx, `empty ${status} from the HTTP layer`)
    return
  }
  if (c.req.method === 'HEAD') {
    // a HEAD answer carries no body: its status must still be one the docs give a code
    expect([...documented.values()], where).toContain(status)
    bump(ctx, `HEAD ${status}`)
    return
  }
  const body = JSON.parse(res.body.toString('utf8'))
  expect(Object.keys(body), where).toEqual(['error'])
  // a 403 forbidden also names the topics it refused: a non-empty array of strings
  const forbidden = body.error.code === 'forbidden'
  expect(Object.keys(body.error).sort(), where).toEqual(
    forbidden ? ['code', 'message', 'topics'] : ['code', 'message'],
  )
  if (forbidden) {
    expect(Array.isArray(body.error.topics) && body.error.topics.length > 0, where).toBe(true)
    expect(
      body.error.topics.every((t: unknown) => typeof t === 'string'),
      where,
    ).toBe(true)
  }
  expect(CODES, `code not in ErrorCode: ${where}`).toContain(body.error.code)
  expect(typeof body.error.message === 'string' && body.error.message.length > 0, where).toBe(true)
  // a message names the input, never echoes a huge one back
  expect(body.error.message.length, where).toBeLessThan(400)
  expect(status, `status of ${body.error.code}: ${where}`).toBe(documented.get(body.error.code))
  if (codes) expect(codes, where).toContain(body.error.code)
  if (status === 405) expect(['GET', 'POST'], where).toContain(res.headers.allow)
  if (status === 401) expect(res.headers['www-authenticate'] ?? '', where).toMatch(/^Bearer /)
  bump(ctx, `code ${body.error.code}`)
}

function checkSuccess(ctx: Context, c: FuzzCase, res: FuzzResponse, where: string): void {
  const routes = servedPaths(c.req).filter((p): p is Route => p in ROUTES)
  const method = c.req.method.trim().toUpperCase()
  if (res.status === 204) {
    expect(method, where).toBe('OPTIONS')
    expect(ctx.config.cors, where).toBe(true)
    expect(res.headers['access-control-allow-methods'], where).toBe('GET,POST,OPTIONS')
    bump(ctx, 'preflight')
    return
  }
  if (res.stream !== undefined) {
    expect(routes, where).toContain('/v1/connect')
    expect(method, where).toBe('GET')
    // the preamble: a bare retry block, then likewire.connected naming this node
    const preamble = /^retry: (\d+)\n\nevent: likewire\.connected\ndata: ([^\n]*)\n\n/.exec(res.stream)
    expect(preamble, `not an SSE preamble: ${where}\n${res.stream.slice(0, 300)}`).not.toBeNull()
    const connected = JSON.parse(preamble![2]!)
    expect(connected.nodeId, where).toBe(ctx.nodeId)
    expect(connected.connectionId.startsWith(`${ctx.nodeId}.`), where).toBe(true)
    expect(res.headers['cache-control'], where).toBe('no-cache')
    ctx.opened.set(connected.connectionId, summary(c))
    bump(ctx, 'stream opened')
    return
  }
  if (method === 'HEAD') {
    expect(
      routes.some((r) => r === '/healthz' || r === '/metrics'),
      where,
    ).toBe(true)
    bump(ctx, 'HEAD 200')
    return
  }
  expect(res.status === 200 || res.status === 202, where).toBe(true)
  if (routes.includes('/metrics') && method === 'GET') {
    expect(res.headers['content-type'], where).toMatch(/^text\/plain/)
    expect(res.body.toString('utf8'), where).toContain('likewire_connections')
    bump(ctx, 'metrics')
    return
  }
  const body = JSON.parse(res.body.toString('utf8'))
  if (routes.includes('/healthz') && method === 'GET') {
    expect(body.status, where).toBe('ok')
    bump(ctx, 'healthz')
    return
  }
  expect(method, where).toBe('POST')
  if (res.status === 202) {
    expect(routes, where).toContain('/v1/publish')
    expect(Object.keys(body), where).toEqual(['ids'])
    expect(body.ids.length, where).toBeGreaterThan(0)
    expect(body.ids.length, where).toBeLessThanOrEqual(LIMITS.maxBatchSize)
    for (const id of body.ids) expect(id, where).toMatch(/^[A-Za-z0-9_-]+$/)
    const events = publishedEvents(c)
    expect(events, `a 202 for a body that is not a publish: ${where}`).toBeDefined()
    expect(body.ids.length, where).toBe(events!.length)
    checkIds(ctx, events!, body.ids, where)
    ctx.published(events!, body.ids)
    // with an API key, only a request carrying one publishes
    if (ctx.config.apiKey)
      expect(
        c.req.headers.some(([n]) => n.toLowerCase() === 'authorization'),
        where,
      ).toBe(true)
    bump(ctx, 'published')
    return
  }
  const route = routes.find((r) => r === '/v1/subscribe' || r === '/v1/unsubscribe')
  expect(route, where).toBeDefined()
  expect(Object.keys(body), where).toEqual(['topics'])
  expect(body.topics.length, where).toBeLessThanOrEqual(LIMITS.maxSubscriptionsPerConnection)
  expect(new Set(body.topics).size, where).toBe(body.topics.length)
  const asked = (c.bodyKind === 'structured' && (c.value as { topics?: unknown }).topics) || undefined
  if (Array.isArray(asked)) {
    // the answer lists the connection's topics after the change
    for (const topic of asked)
      if (route === '/v1/subscribe') expect(body.topics, where).toContain(topic)
      else expect(body.topics, where).not.toContain(topic)
  }
  bump(ctx, route === '/v1/subscribe' ? 'subscribed' : 'unsubscribed')
}

/** The events of a publish as the server read it: the bytes sent, less what a lying Content-Length cut off. */
function publishedEvents(c: FuzzCase): PublishedEvent[] | undefined {
  let value = c.value
  if (c.bodyKind !== 'structured') {
    const body = c.req.body ?? Buffer.alloc(0)
    const cut =
      c.req.via === 'raw' && c.req.framing === 'long' ? body.subarray(0, Math.max(0, body.length - 3)) : body
    try {
      value = JSON.parse(cut.toString('utf8'))
    } catch {
      return undefined
    }
  }
  const events: unknown =
    typeof value === 'object' && value !== null && 'events' in value
      ? (value as { events: unknown }).events
      : [value]
  return Array.isArray(events) ? (events as PublishedEvent[]) : undefined
}

/**
 * Ids are unique per event, but for a retry: events of one history topic with one key share the first
 * record's id (a key on a fire-and-forget topic is ignored).
 */
function checkIds(ctx: Context, events: PublishedEvent[], ids: string[], where: string): void {
  for (let i = 0; i < ids.length; i++)
    for (let j = i + 1; j < ids.length; j++) {
      const [a, b] = [events[i]!, events[j]!]
      const retry =
        hasHistory(ctx.config, a.topic) && a.topic === b.topic && typeof a.key === 'string' && a.key === b.key
      expect(ids[i] === ids[j], `ids ${i} and ${j} (retry: ${retry}): ${where}`).toBe(retry)
      if (retry) bump(ctx, 'a retry in one batch')
    }
}
