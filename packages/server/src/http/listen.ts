import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'

export interface Listening {
  server: Server
  port: number
  /** `http://<host>:<port>` */
  url: string
  close(): Promise<void>
}

/** Serves a Hono app on Node; resolves once listening, rejects with a clear error (port taken, ...). */
export function listen(
  app: { fetch: (request: Request, env: any) => Response | Promise<Response> },
  options: {
    port?: number
    hostname?: string
    /** Pending connections the kernel queues (capped by net.core.somaxconn). @default 4096 */
    backlog?: number
  } = {},
): Promise<Listening> {
  const hostname = options.hostname ?? '127.0.0.1'
  return new Promise((resolve, reject) => {
    // node-server's lightweight Response would rewrite headers of a stream the connect route already sent
    const server = createAdaptorServer({ fetch: app.fetch, overrideGlobalObjects: false }) as Server
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
