import type { Server } from 'node:http'
import type { Http2SecureServer } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer, type ServerType } from '@hono/node-server'
import type { ClosableHttp2Server } from './http2-server'
import { attachServer, CONNECTIONS_CHECKING_INTERVAL_MS, type ServerLimits } from './server'
import { secureServer, type TlsOptions } from './tls'

export type { TlsOptions } from './tls'

export interface Listening<S extends Server | Http2SecureServer = Server> {
  /** Node's HTTP/1.1 server; with `tls`, its HTTP/2 server (which also takes HTTP/1.1). */
  server: S
  port: number
  /** `http://<host>:<port>`, or `https://…` with `tls` */
  url: string
  /**
   * Stops listening and closes every connection: at once on HTTP/1.1; on HTTP/2 each session gets a GOAWAY
   * and up to a second to send what was written (close Likewire first, so that is its reconnect hints).
   */
  close(): Promise<void>
}

type FetchApp = { fetch: (request: Request, env: never) => Response | Promise<Response> }

/** What listen() serves: a Likewire (or cluster node), whose metrics then count refused sockets, or any Hono app. */
export type Servable = FetchApp | { app: FetchApp; attach(server: ServerType, limits?: ServerLimits): void }

export interface ListenOptions extends ServerLimits {
  /** @default 0 (a free port) */
  port?: number | undefined
  /** @default '127.0.0.1' */
  hostname?: string | undefined
  /** Pending connections the kernel queues (capped by net.core.somaxconn). @default 4096 */
  backlog?: number | undefined
  /**
   * In a node:cluster worker, bind this port in this process alone instead of sharing it through the
   * primary (a worker's own internal port, `likewire frontend --workers`); no effect outside a cluster.
   * @default false
   */
  exclusive?: boolean | undefined
  /**
   * Serves HTTPS with this certificate and key: HTTP/2, with HTTP/1.1 for clients that do not offer it
   * (ALPN). Over HTTP/2 a browser multiplexes all its streams and requests to the origin on one
   * connection, where HTTP/1.1 allows it 6 (docs/operations.md, HTTP/2).
   * @default undefined (plain HTTP/1.1)
   */
  tls?: TlsOptions | undefined
}

/** Serves a Likewire (or a Hono app) on Node; resolves once listening, rejects with a clear error (port taken, ...). */
export function listen(
  target: Servable,
  options: ListenOptions & { tls: TlsOptions },
): Promise<Listening<Http2SecureServer>>
export function listen(target: Servable, options?: ListenOptions & { tls?: undefined }): Promise<Listening>
export function listen(
  target: Servable,
  options?: ListenOptions,
): Promise<Listening<Server> | Listening<Http2SecureServer>>
export function listen(
  target: Servable,
  options: ListenOptions = {},
): Promise<Listening<Server> | Listening<Http2SecureServer>> {
  const hostname = options.hostname ?? '127.0.0.1'
  const app = 'app' in target ? target.app : target
  return new Promise((resolve, reject) => {
    const fetch = app.fetch as (request: Request) => Response | Promise<Response>
    const server = options.tls
      ? secureServer(fetch, options.tls, options)
      : (createAdaptorServer({
          fetch,
          // node-server's lightweight Response would rewrite headers of a stream the connect route already sent
          overrideGlobalObjects: false,
          // Node checks the header and body timeouts this often: its 30 s default holds a slow socket ~3x too long
          serverOptions: { connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS },
        }) as Server)
    // a server Likewire creates gets its limits, and its SSE streams the parser release
    if ('attach' in target) target.attach(server, options)
    else attachServer(server, options)
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${options.port} on ${hostname} is already in use`)
          : error.code === 'EACCES'
            ? new Error(`No permission to listen on port ${options.port}`)
            : error,
      )
    }
    server.once('error', onError)
    // a reconnect storm brings thousands of SYNs at once: Node's default backlog (511) drops them
    server.listen({
      port: options.port ?? 0,
      host: hostname,
      backlog: options.backlog ?? 4096,
      exclusive: options.exclusive ?? false,
    })
    server.once('listening', () => {
      server.off('error', onError)
      const { port } = server.address() as AddressInfo
      const host = hostname.includes(':') ? `[${hostname}]` : hostname
      const scheme = options.tls ? 'https' : 'http'
      resolve({
        server: server as Server,
        port,
        url: `${scheme}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done())
            // an HTTP/2 server has it from attachServer (http2-server.ts)
            ;(server as Partial<ClosableHttp2Server>).closeAllConnections?.()
          }),
      })
    })
  })
}
