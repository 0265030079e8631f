import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Context } from 'hono'

/**
 * Answers JSON. A request without `Origin` (a backend's publish) is answered on Node's response directly:
 * a web Response costs a third of a publish request's CPU here (built, then read back as a stream by
 * node-server). A browser's request keeps `c.json`, so the CORS middleware shapes its headers (a POST
 * without Origin skips that middleware: app.ts).
 */
export function sendJson(c: Context, status: 200 | 202, value: unknown): Response {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing
  if (!outgoing || outgoing.headersSent || c.req.header('origin') !== undefined) return c.json(value, status)
  const body = JSON.stringify(value)
  outgoing.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  })
  outgoing.end(body)
  return RESPONSE_ALREADY_SENT
}
