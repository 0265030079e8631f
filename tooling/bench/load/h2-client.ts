import http2, { type ClientHttp2Session } from 'node:http2'
import tls from 'node:tls'
import type { ClientTls, Target } from './protocol'
import type { ClientEvents } from './sse-client'
import { SseParser } from './sse-parser'

/**
 * Chromium's receive windows: 6 MiB per stream (its SETTINGS_INITIAL_WINDOW_SIZE) and 15 MiB per session.
 * Node's client defaults (64 KiB each) would make the load generator, not the server, the limit.
 */
const STREAM_WINDOW = 6 * 2 ** 20
const SESSION_WINDOW = 15 * 2 ** 20

interface Held {
  key: string
  session: ClientHttp2Session
  /** Streams open on it (or requested). */
  streams: number
}

/**
 * SSE streams on `node:http2` sessions, as a browser multiplexes its tabs' streams to one origin: each
 * session (one TLS socket, ALPN `h2`) carries up to `perSession` streams; the next stream opens a new one.
 * A stream's body is read by the same parser as the raw client's (its `"ts":` in place, `id:` positions),
 * without the HTTP/1.1 head and chunk framing HTTP/2 does not have.
 */
export class H2Sessions {
  /** Sessions open (connecting or connected): the TLS sockets this worker holds. */
  open = 0
  /** Per server (`host:port`), the session new streams go to until it is full. */
  private readonly filling = new Map<string, Held>()

  constructor(
    private readonly perSession: number,
    private readonly secure: ClientTls,
  ) {}

  /** Opens one SSE stream: `GET target.path` on a session to the target with room left. */
  openStream(
    target: Target,
    source: { localAddress: string; localPort: number } | undefined,
    events: ClientEvents,
  ): { destroy(): void } {
    const held = this.sessionFor(target, source)
    if (++held.streams >= this.perSession) this.filling.delete(held.key)
    const parser = new SseParser(events, true)
    let failure: Error | undefined
    let stream: http2.ClientHttp2Stream
    try {
      stream = held.session.request(
        { ':path': target.path, accept: 'text/event-stream', 'cache-control': 'no-cache' },
        { endStream: true },
      )
    } catch (error) {
      // the session was closed under it (GOAWAY): this stream failed, the next one gets a new session
      this.release(held)
      queueMicrotask(() => events.onClose(true, error as Error))
      return { destroy() {} }
    }
    stream.on('response', (headers) => events.onHead(Number(headers[':status'])))
    stream.on('data', (chunk: Buffer) => parser.push(chunk))
    stream.on('error', (error) => {
      failure = error
    })
    stream.on('close', () => {
      this.release(held)
      events.onClose(failure !== undefined, failure)
    })
    return { destroy: () => stream.close(http2.constants.NGHTTP2_CANCEL) }
  }

  /** A stream of `held` ended: a session nothing more will be opened on closes once its last stream has. */
  private release(held: Held): void {
    held.streams--
    if (held.streams <= 0 && this.filling.get(held.key) !== held && !held.session.closed) held.session.close()
  }

  private sessionFor(target: Target, source: { localAddress: string; localPort: number } | undefined): Held {
    const key = `${target.host}:${target.port}`
    const current = this.filling.get(key)
    if (current && !current.session.closed && !current.session.destroyed) return current
    const session = http2.connect(`https://${key}`, {
      settings: { initialWindowSize: STREAM_WINDOW, enablePush: false },
      createConnection: () => {
        const socket = tls.connect({
          host: target.host,
          port: target.port,
          ...source,
          ca: this.secure.ca,
          ALPNProtocols: ['h2'],
        })
        // as the raw client: its acks and window updates go out at once
        socket.setNoDelay(true)
        return socket
      },
    })
    const held: Held = { key, session, streams: 0 }
    this.open++
    session.on('connect', () => session.setLocalWindowSize(SESSION_WINDOW))
    // its streams see the error (their 'close' reports it); the session must not throw it
    session.on('error', () => {})
    session.on('close', () => {
      this.open--
      if (this.filling.get(key) === held) this.filling.delete(key)
    })
    this.filling.set(key, held)
    return held
  }
}
