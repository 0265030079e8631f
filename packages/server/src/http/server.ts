import type { Socket } from 'node:net'
import type { ServerType } from '@hono/node-server'
import type { Metrics } from '../metrics/metrics'
import { attachHttp2, isHttp2Server } from './http2-server'

/** Limits Likewire sets on the Node servers it serves from, against slow and idle sockets. */
export interface ServerLimits {
  /**
   * Time a client has to send its request headers, from the moment it connects; a socket that trickles
   * them or sends nothing at all is answered 408 and closed. Counted in `likewire_http_refused_total`.
   * With `tls` (listen()), also the time it has to complete its TLS handshake.
   * @default 10000
   */
  headersTimeoutMs?: number | undefined
  /**
   * Time a client has to send its whole request, body included (a publish of up to `maxRequestBytes`).
   * An SSE stream is not affected: its request is complete once its headers are in. On HTTP/2 a request
   * stream whose body is late is answered 408 and reset, and a session that has had no open stream for
   * this long is closed (GOAWAY).
   * @default 30000
   */
  requestTimeoutMs?: number | undefined
}

export const defaultServerLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 } as const

/** How often Node checks sockets against those limits on servers listen() creates (its default is 30 s). */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1000

/** Servers whose sockets Likewire may take over (the SSE parser release): those it created or was handed. */
const attached = new WeakSet<object>()

export function isAttached(server: unknown): boolean {
  return typeof server === 'object' && server !== null && attached.has(server)
}

/**
 * Applies Likewire's settings to a Node HTTP server: tight header and body timeouts (a user's own server
 * gets them from `lw.attach(server)`; its check interval stays the one it was created with), refusals
 * counted, and the release of each SSE stream's HTTP parser (docs/benchmarks.md, capacity). An HTTP/2
 * server also gets its session limits and a closeAllConnections() (http2-server.ts).
 */
export function attachServer(server: ServerType, limits: ServerLimits = {}, metrics?: Metrics): void {
  if (attached.has(server)) return
  const headersTimeout = limits.headersTimeoutMs ?? defaultServerLimits.headersTimeoutMs
  const requestTimeout = limits.requestTimeoutMs ?? defaultServerLimits.requestTimeoutMs
  // checked before the server is marked: a refused attach leaves it as it was
  if (!(headersTimeout > 0 && requestTimeout >= headersTimeout))
    throw new RangeError(
      `headersTimeoutMs (${headersTimeout}) must be positive and at most requestTimeoutMs (${requestTimeout})`,
    )
  attached.add(server)
  if (isHttp2Server(server)) attachHttp2(server, { requestTimeout }, metrics)
  // an HTTP/2 server without HTTP/1.1 (no allowHTTP1) has neither timeout nor clientError
  if (!('headersTimeout' in server)) return
  server.headersTimeout = headersTimeout
  server.requestTimeout = requestTimeout
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const code = error.code ?? ''
    // Node routes every socket error here: a client that hung up (ECONNRESET, EPIPE) is no refusal
    if (!code.startsWith('HPE_') && !code.startsWith('ERR_HTTP_')) {
      socket.destroy()
      return
    }
    const timeout = code === 'ERR_HTTP_REQUEST_TIMEOUT'
    metrics?.refused.inc({ reason: timeout ? 'timeout' : 'bad_request' })
    // what Node answers when nobody listens to clientError (its own condition), plus the count above
    const inFlight = (socket as { _httpMessage?: { _headerSent?: boolean } })._httpMessage
    if (socket.writable && !inFlight?._headerSent) {
      const status = timeout
        ? '408 Request Timeout'
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request'
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    socket.destroy()
  })
}
