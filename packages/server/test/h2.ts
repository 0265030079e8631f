import type { Http2SecureServer, ServerHttp2Session } from 'node:http2'
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  type IncomingHttpHeaders,
  type SecureClientSessionOptions,
} from 'node:http2'
import { type Certificate, selfSignedCertificate } from '@likewire/testkit'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { type Listening, type ListenOptions, listen } from '../src/http/listen'
import { createLikewire, type Likewire } from '../src/likewire'
import type { LikewireOptions } from '../src/options'
import { cleanups } from './cluster/cleanup'

// HTTP/2 test helpers: a Likewire served over TLS with a certificate made for the test, and a Node
// http2 client reading SSE streams.

export interface TlsRunning {
  lw: Likewire
  url: string
  listening: Listening<Http2SecureServer>
  certificate: Certificate
  /** HTTP/2 sessions the server has accepted so far. */
  sessions: ServerHttp2Session[]
}

/** A real Likewire on HTTPS (HTTP/2 + HTTP/1.1) on port 0, closed after the test. */
export async function startTlsLikewire(
  options: LikewireOptions = {},
  limits: Omit<ListenOptions, 'tls'> = {},
): Promise<TlsRunning> {
  const certificate = selfSignedCertificate()
  cleanups.push(() => certificate.remove())
  const lw = createLikewire({ logLevel: 'silent', processMetrics: false, ...options })
  const listening = await listen(lw, { port: 0, ...limits, tls: certificate })
  const sessions: ServerHttp2Session[] = []
  listening.server.on('session', (session: ServerHttp2Session) => sessions.push(session))
  cleanups.push(async () => {
    await lw.close()
    await listening.close()
  })
  return { lw, url: listening.url, listening, certificate, sessions }
}

/** An HTTP/2 client session trusting the test's certificate (as a browser told to), closed after the test. */
export async function h2Session(
  url: string,
  certificate: Certificate,
  options: SecureClientSessionOptions = {},
): Promise<ClientHttp2Session> {
  const session = connect(url, { ca: certificate.cert, ...options })
  cleanups.push(() => {
    session.destroy()
  })
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve())
    session.once('error', reject)
  })
  return session
}

export interface H2Stream {
  stream: ClientHttp2Stream
  headers: Promise<IncomingHttpHeaders>
  events: EventSourceMessage[]
  /** The body as received. */
  raw: string
  /** Data events parsed as JSON. */
  data(): Array<{ topic: string; id: string; data: unknown }>
  /** Throws until `likewire.connected` came (for vi.waitFor). */
  connectionId(): string
  /** True once the stream closed (ended or reset). */
  closed: boolean
}

/** `GET path` on the session, its body parsed as SSE. */
export function h2Stream(session: ClientHttp2Session, path: string): H2Stream {
  const stream = session.request({ ':path': path, accept: 'text/event-stream' })
  const result: H2Stream = {
    stream,
    headers: new Promise((resolve, reject) => {
      stream.once('response', resolve)
      stream.once('error', reject)
    }),
    events: [],
    raw: '',
    data: () => result.events.filter((e) => e.event === undefined).map((e) => JSON.parse(e.data)),
    connectionId: () => {
      const connected = result.events.find((e) => e.event === 'likewire.connected')
      if (!connected) throw new Error('not connected yet')
      return JSON.parse(connected.data).connectionId
    },
    closed: false,
  }
  result.headers.catch(() => {}) // a reset stream is what some tests expect
  const parser = createParser({ onEvent: (event) => result.events.push(event) })
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    result.raw += chunk
    parser.feed(chunk)
  })
  stream.on('error', () => {})
  stream.on('close', () => {
    result.closed = true
  })
  return result
}

/** A JSON request on the session: `{ status, body }`. */
export function h2Post(
  session: ClientHttp2Session,
  path: string,
  body: unknown,
): Promise<{ status: number; body: { ids: string[]; error?: { code: string } } }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json' })
    let status = 0
    let text = ''
    stream.on('response', (headers) => {
      status = Number(headers[':status'])
    })
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      text += chunk
    })
    stream.on('end', () => resolve({ status, body: text ? JSON.parse(text) : undefined }))
    stream.on('error', reject)
    stream.end(JSON.stringify(body))
  })
}
