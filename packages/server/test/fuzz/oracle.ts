import type { Running } from '../helpers'
import type { FuzzRequest } from './http'
import {
  API_KEY,
  type Config,
  type FuzzCase,
  ROUTES,
  type Route,
  STANDARD_METHODS,
  UNKNOWN_PATHS,
} from './setup'

// What a case may legitimately get: refusals by Node and the adapter, and answers certain from the case alone.

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** True when the request is malformed at the HTTP or URL level, where Node or the adapter refuse it (no JSON body). */
export function malformedHttp(req: FuzzRequest): boolean {
  if (!STANDARD_METHODS.includes(req.method)) return true
  if (!/^\/[\x21-\x7e]*$/.test(req.target) || req.target.split('?')[0]!.includes('\\')) return true
  if (
    req.via === 'raw' &&
    (req.host !== undefined || !['honest', 'chunked'].includes(req.framing ?? 'honest'))
  )
    return true
  return req.headers.some(([n, v]) => !TOKEN.test(n) || !/^[\t\x20-\x7e]*$/.test(v))
}
const headerBytes = (req: FuzzRequest) =>
  req.headers.reduce((sum, [n, v]) => sum + n.length + v.length + 4, 0)
/** Headers near or past Node's 16 KiB limit (`--max-http-header-size`): Node answers 431 and drops the socket. */
export const oversizedHeaders = (req: FuzzRequest) => headerBytes(req) + req.target.length > 15_000

// Hono's '/v1/*' (the CORS middleware) matches '/v1' itself too
export const underV1 = (path: string) => path === '/v1' || path.startsWith('/v1/')

function exactRoute(req: FuzzRequest): Route | undefined {
  return req.target.split('?')[0]! in ROUTES ? (req.target.split('?')[0] as Route) : undefined
}
/** The path as the server sees it after URL normalization and percent-decoding (routing may use either). */
export function servedPaths(req: FuzzRequest): string[] {
  const raw = req.target.split(/[?#]/)[0]!
  const paths = new Set([raw])
  try {
    paths.add(new URL(req.target, 'http://h').pathname)
  } catch {}
  for (const p of [...paths])
    try {
      paths.add(decodeURIComponent(p))
    } catch {}
  return [...paths]
}

export interface Context {
  running: Running
  config: Config
  nodeId: string
  realIds: string[]
  seen: Map<string, number>
  /** Streams the fuzz opened (and closed), by connectionId: each must be forgotten by the node. */
  opened: Map<string, string>
  /** Epochs the history topics have (learned at the start; none without history rules). */
  epochs: string[]
  /** Told of every accepted publish: its events as the server read them, and the ids it answered. */
  published(events: PublishedEvent[], ids: string[]): void
}

/** An event of an accepted publish, as the server read it. */
export interface PublishedEvent {
  topic: string
  key?: unknown
}

export function bump(ctx: Context, key: string): void {
  ctx.seen.set(key, (ctx.seen.get(key) ?? 0) + 1)
}

/** What a request must get back, when the case makes it certain (refusals that come first in the check order). */
export function oracle(ctx: Context, c: FuzzCase): { status: number; code?: string } | undefined {
  const { req } = c
  if (malformedHttp(req) || oversizedHeaders(req)) return undefined
  const route = exactRoute(req)
  const preflight = req.method === 'OPTIONS' && ctx.config.cors && underV1(req.target.split('?')[0]!)
  if (preflight) return { status: 204 }
  if (!route) {
    const path = req.target.split('?')[0]!
    return UNKNOWN_PATHS.includes(path) ? { status: 404, code: 'not_found' } : undefined
  }
  if (!route.startsWith('/v1/'))
    return req.method === 'GET' || req.method === 'HEAD'
      ? { status: 200 }
      : { status: 404, code: 'not_found' }
  if (req.method !== ROUTES[route]) return { status: 405, code: 'method_not_allowed' }
  if (route === '/v1/connect') return undefined
  const auth = req.headers.filter(([n]) => n.toLowerCase() === 'authorization')
  if (route === '/v1/publish' && ctx.config.apiKey && auth.length === 0)
    return { status: 401, code: 'unauthorized' }
  const keyed = auth.length === 1 && auth[0]![1] === `Bearer ${API_KEY}`
  const authorized = route !== '/v1/publish' || !ctx.config.apiKey || keyed
  const encoded = req.headers.some(([n]) => n.toLowerCase() === 'content-encoding')
  if (c.bodyKind === 'huge' && authorized && !encoded) {
    const size = req.body?.length ?? 0
    if (size > ctx.config.maxRequestBytes) return { status: 413, code: 'payload_too_large' }
  }
  if (route !== '/v1/publish' && c.bodyKind === 'structured' && !encoded) {
    const v = c.value
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      return { status: 400, code: 'invalid_request' }
    const id = (v as Record<string, unknown>).connectionId
    if (!ctx.realIds.includes(id as string)) return { status: 404, code: 'unknown_connection' }
  }
  return undefined
}
