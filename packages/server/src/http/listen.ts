import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer, type ServerType } from '@hono/node-server'
import { attachServer, CONNECTIONS_CHECKING_INTERVAL_MS, type ServerLimits } from './server'

export interface Listening {
  server: Server
  port: number
  /** `http://<host>:<port>` */
  url: string
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
}

/** Serves a Likewire (or a Hono app) on Node; resolves once listening, rejects with a clear error (port taken, ...). */
export function listen(target: Servable, options: ListenOptions = {}): Promise<Listening> {
  const hostname = options.hostname ?? '127.0.0.1'
  const app = 'app' in target ? target.app : target
  return new Promise((resolve, reject) => {
    const server = createAdaptorServer({
      fetch: app.fetch as (request: Request) => Response | Promise<Response>,
      // node-server's lightweight Response would rewrite headers of a stream the connect route already sent
      overrideGlobalObjects: false,
      // Node checks the header and body timeouts this often: its 30 s default holds a slow socket ~3x too long
      serverOptions: { connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS },
    }) as Server
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
    server.listen({ port: options.port ?? 0, host: hostname, backlog: options.backlog ?? 4096 })
    server.once('listening', () => {
      server.off('error', onError)
      const { port } = server.address() as AddressInfo
      const host = hostname.includes(':') ? `[${hostname}]` : hostname
      resolve({
        server,
        port,
        url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done())
            server.closeAllConnections?.()
          }),
      })
    })
  })
}
