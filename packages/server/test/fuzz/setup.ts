import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import type { LikewireOptions } from '../../src/options'
import { ErrorCode } from '../../src/protocol/errors'
import type { FuzzRequest } from './http'

// a fixed seed so a failure reproduces (fast-check prints seed and path); FUZZ_SEED explores others locally
export const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_1ce)
export const REQUEST_CEILING_MS = 10_000
/** The witness's fire-and-forget topic: only the markers go there (the fuzz never publishes to it). */
export const WITNESS_TOPIC = 'witness=Fz.marker'
/** The history topic the witness also holds (history configuration): markers and the fuzz's own publishes. */
export const HISTORY_WITNESS = 'h:w'
export const MARKER_EVERY = 50
// FUZZ_SCALE multiplies the runs for a longer local search
const SCALE = Number(process.env.FUZZ_SCALE ?? 1)
export const API_KEY = 'fuzz-key-0123456789'
export const ALLOWED_ORIGIN = 'https://app.example'
export const LIMITS = { maxPayloadBytes: 1024, maxBatchSize: 5, maxSubscriptionsPerConnection: 3 }
// no heartbeat during the run: its write would reap a stream whose client left unnoticed, hiding the leak
const COMMON = { ...LIMITS, heartbeatMs: 600_000 }

/** Status of each error code, read from the Errors table of docs/protocol.md. */
export const documented = new Map<string, number>(
  [
    ...readFileSync(new URL('../../../../docs/protocol.md', import.meta.url), 'utf8').matchAll(
      /^\|\s*(\d{3})\s*\|\s*`([a-z_]+)`/gm,
    ),
  ].map((m) => [m[2]!, Number(m[1])]),
)
export const CODES = new Set<string>(Object.values(ErrorCode))

/** Cases per block of one configuration. */
export interface BlockRuns {
  bodies: number
  connect: number
  anything: number
  history: number
}

export interface Config {
  name: string
  options: LikewireOptions
  maxRequestBytes: number
  apiKey: string | undefined
  cors: boolean
  /** Topics under `h:*` keep a history (the rule of the history configuration). */
  history: boolean
  runs: BlockRuns
}
const config = (
  name: string,
  runs: BlockRuns,
  options: LikewireOptions & { maxRequestBytes: number },
): Config => ({
  name,
  options,
  maxRequestBytes: options.maxRequestBytes,
  apiKey: options.apiKey,
  cors: options.cors !== false,
  history: (options.history?.length ?? 0) > 0,
  runs: {
    bodies: runs.bodies * SCALE,
    connect: runs.connect * SCALE,
    anything: runs.anything * SCALE,
    history: runs.history * SCALE,
  },
})

export const configs = {
  keyed: config(
    'API key, CORS allow-list with credentials, hooks, 8 KiB bodies',
    { bodies: 700, connect: 400, anything: 500, history: 100 },
    {
      ...COMMON,
      maxRequestBytes: 8192,
      apiKey: API_KEY,
      cors: { origins: [ALLOWED_ORIGIN], credentials: true },
      // the hook reads headers off the Request, so hostile header values reach the Headers the adapter builds
      authenticate: (request) =>
        request.headers.get('x-fuzz-deny') === null
          ? // a member id from hostile input too: presence takes only valid ones, others are anonymous
            { who: request.headers.get('authorization'), memberId: request.headers.get('authorization') }
          : null,
      authorize: (_identity, topic) => !topic.startsWith('forbidden'),
    },
  ),
  open: config(
    'open publish, CORS off, 256 KiB bodies, 4 connections',
    { bodies: 700, connect: 400, anything: 500, history: 100 },
    { ...COMMON, maxRequestBytes: 256 * 1024, cors: false, maxConnections: 4 },
  ),
  history: config(
    'history rules (embedded): h:* keeps 8 events, open publish, CORS allow-list, 64 KiB bodies',
    { bodies: 300, connect: 200, anything: 200, history: 500 },
    {
      ...COMMON,
      maxRequestBytes: 64 * 1024,
      cors: { origins: [ALLOWED_ORIGIN] },
      // 8 events: resumes run past what is retained (expired gaps); 10 minutes: no epoch ends during a run
      history: [{ match: 'h:*', size: 8, ttlMs: 600_000 }],
    },
  ),
}

/** True for a topic the configuration keeps a history of. */
export const hasHistory = (config: Config, topic: unknown): boolean =>
  config.history && typeof topic === 'string' && topic.startsWith('h:') && !topic.endsWith('/$viewers')

export const ROUTES = {
  '/v1/connect': 'GET',
  '/v1/subscribe': 'POST',
  '/v1/unsubscribe': 'POST',
  '/v1/publish': 'POST',
  '/healthz': 'GET',
  '/metrics': 'GET',
} as const
export type Route = keyof typeof ROUTES
export const STANDARD_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE']
export const UNKNOWN_PATHS = [
  '/',
  '/v2/connect',
  '/v1',
  '/nope',
  '/healthz/x',
  '/v1/connect/x',
  '/internal/deliver',
]

/** An answer the case must get, when its generator knows it from the protocol (any one of these). */
export type Expected = Array<{ status: number; code?: string }>

/** One generated case: the request, and what the generator knows about its body. */
export interface FuzzCase {
  req: FuzzRequest
  /** The body as a JSON value, when it was built as one and sent whole and under every limit of depth. */
  value?: unknown
  bodyKind: 'none' | 'structured' | 'deep' | 'huge' | 'truncated' | 'garbage' | 'bytes'
  expected?: Expected | undefined
}

/** A short, printable summary of a case: fast-check prints it for a counterexample (bodies may be 256 KiB). */
export function summary(c: FuzzCase): string {
  const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}...(${s.length} chars)` : s)
  const body = c.req.body ? clip(c.req.body.toString('latin1')) : ''
  return JSON.stringify({
    via: c.req.via,
    method: c.req.method,
    target: clip(c.req.target),
    headers: c.req.headers.map(([n, v]) => [n, clip(v)]),
    host: c.req.host,
    framing: c.req.framing,
    bodyKind: c.bodyKind,
    bodyBytes: c.req.body?.length ?? 0,
    body,
    expected: c.expected,
  })
}

/** The case as sent: node:http takes headers as an object, so of repeated names only the last goes out. */
export function asSent(c: FuzzCase): FuzzCase {
  if (c.req.via === 'http') {
    const last = new Map(c.req.headers.map(([n, v]) => [n.toLowerCase(), [n, v] as [string, string]]))
    c.req.headers = [...last.values()]
  }
  return Object.defineProperty(c, fc.toStringMethod, { value: () => summary(c), enumerable: false })
}
