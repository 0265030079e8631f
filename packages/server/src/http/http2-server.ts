import {
  constants,
  type Http2SecureServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2'
import type { Socket } from 'node:net'
import type { Metrics } from '../metrics/metrics'

/** A node:http2 server (`createSecureServer`, or `createServer` for cleartext h2c). */
export type AnyHttp2Server = Http2Server | Http2SecureServer

/** What Likewire adds to an HTTP/2 server it attaches: Node's has no closeAllConnections(). */
export interface ClosableHttp2Server {
  closeAllConnections(): void
  closeIdleConnections(): void
}

export function isHttp2Server(server: object): server is AnyHttp2Server {
  // node:http2 exports neither server class; only its servers have updateSettings()
  return typeof (server as { updateSettings?: unknown }).updateSettings === 'function'
}

/**
 * How long closeAllConnections() lets HTTP/2 sessions send what was already written (a drain's reconnect
 * hints) after their GOAWAY, before every socket still open is destroyed.
 */
export const SESSION_CLOSE_GRACE_MS = 1000

/** Node's HTTP/1.1 keep-alive default, which an HTTP/2 server taking HTTP/1.1 (allowHTTP1) lacks. */
const HTTP1_KEEP_ALIVE_TIMEOUT_MS = 5000

interface SessionState {
  /** Streams open on the session: while there is one, it is not idle. */
  streams: number
  /** Ends the session once it has had no open stream for requestTimeout. */
  idle: NodeJS.Timeout
}

const sessionOf = Symbol('likewire.session')
type TrackedStream = ServerHttp2Stream & { [sessionOf]?: SessionState }

/**
 * Likewire's limits on an HTTP/2 server (docs/operations.md, HTTP/2): a TLS handshake within headersTimeout
 * (set where the server is created: listen()), a request body within requestTimeout (else 408), a session
 * without open streams closed after requestTimeout, refused handshakes counted, and closeAllConnections().
 * HTTP/1.1 on the same server (allowHTTP1) keeps Node's HTTP/1.1 limits, which attachServer sets.
 */
export function attachHttp2(
  server: AnyHttp2Server,
  limits: { requestTimeout: number },
  metrics?: Metrics,
): void {
  const sessions = new Map<ServerHttp2Session, SessionState>()
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  const endIfIdle = (session: ServerHttp2Session) => {
    // GOAWAY; with no stream open Node destroys the session at once
    if (sessions.get(session)?.streams === 0) session.close()
  }
  server.on('session', (session: ServerHttp2Session) => {
    // an absolute bound, not an inactivity one: pings or a header block trickled byte by byte do not extend it
    const idle = setTimeout(endIfIdle, limits.requestTimeout, session)
    idle.unref()
    const state: SessionState = { streams: 0, idle }
    sessions.set(session, state)
    session.on('close', () => {
      clearTimeout(idle)
      sessions.delete(session)
    })
  })

  server.on('stream', (stream: TrackedStream, _headers: IncomingHttpHeaders, flags: number) => {
    const state = sessions.get(stream.session as ServerHttp2Session)
    if (state) {
      state.streams++
      // kept on the stream: Node clears stream.session before 'close'
      stream[sessionOf] = state
      stream.on('close', onStreamClose)
    }
    // a request with a body (a publish): it must be complete within requestTimeout, as on HTTP/1.1
    if (!(flags & constants.NGHTTP2_FLAG_END_STREAM)) bodyDeadline(stream, limits.requestTimeout, metrics)
  })

  server.on('tlsClientError', (error: NodeJS.ErrnoException) => {
    const code = error.code ?? ''
    // a client that gave up or refused our certificate is no refusal; a silent or non-TLS one is
    if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') metrics?.refused.inc({ reason: 'timeout' })
    else if (code.startsWith('ERR_SSL_')) metrics?.refused.inc({ reason: 'bad_request' })
  })

  const http1 = server as { keepAliveTimeout?: number; headersTimeout?: number }
  // without it an idle HTTP/1.1 keep-alive socket on an HTTP/2 server is held forever
  if (http1.headersTimeout !== undefined && http1.keepAliveTimeout === undefined)
    http1.keepAliveTimeout = HTTP1_KEEP_ALIVE_TIMEOUT_MS

  const closable = server as AnyHttp2Server & Partial<ClosableHttp2Server>
  const closeIdle = closable.closeIdleConnections
  closable.closeIdleConnections = function closeIdleConnections(this: AnyHttp2Server) {
    closeIdle?.call(this) // HTTP/1.1 sockets (allowHTTP1)
    for (const [session, state] of sessions) if (state.streams === 0) session.close()
  }
  closable.closeAllConnections = function closeAllConnections() {
    // GOAWAY: a session ends by itself once its streams have ended (a drain) and their frames are out
    for (const session of sessions.keys()) session.close()
    const open = [...sockets]
    if (open.length === 0) return
    const force = setTimeout(() => {
      for (const socket of open) socket.destroy()
    }, SESSION_CLOSE_GRACE_MS)
    force.unref()
  }
}

// shared (this = the stream), not a closure: nothing more is allocated per stream
function onStreamClose(this: TrackedStream): void {
  const state = this[sessionOf]
  if (state && --state.streams === 0) state.idle.refresh()
}

/** Answers 408 and resets a request stream whose body is not complete after `ms`. */
function bodyDeadline(stream: ServerHttp2Stream, ms: number, metrics: Metrics | undefined): void {
  const timer = setTimeout(() => {
    if (stream.destroyed || stream.closed || stream.state.remoteClose) return
    metrics?.refused.inc({ reason: 'timeout' })
    if (!stream.headersSent) stream.respond({ ':status': 408 }, { endStream: true })
    // NO_ERROR after a complete answer: "stop sending" (RFC 9113, 8.1)
    stream.close(constants.NGHTTP2_NO_ERROR)
  }, ms)
  timer.unref()
  stream.once('close', () => clearTimeout(timer))
}
