import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'

/** A loopback TCP proxy a test can freeze (bytes stop, sockets stay open) or cut. */
export interface TcpProxy {
  port: number
  url: string
  /** Stop forwarding bytes in both directions without closing anything: a silent network. */
  freeze(): void
  thaw(): void
  /** Stop reading from the server (bytes pile up on its side, as behind a client that stopped reading). */
  stall(): void
  unstall(): void
  /** Destroy every proxied connection. */
  cut(): void
  close(): Promise<void>
}

export function startProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>()
  let frozen = false
  let stalled = false
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1')
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (!frozen) to.write(chunk)
      })
    forward(client, upstream)
    forward(upstream, client)
    if (stalled) upstream.pause()
    const end = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        freeze: () => {
          frozen = true
        },
        thaw: () => {
          frozen = false
        },
        stall: () => {
          stalled = true
          for (const [, upstream] of pairs) upstream.pause()
        },
        unstall: () => {
          stalled = false
          for (const [, upstream] of pairs) upstream.resume()
        },
        cut: () => {
          for (const [a, b] of pairs) {
            a.destroy()
            b.destroy()
          }
        },
        close: () =>
          new Promise((done) => {
            for (const [a, b] of pairs) {
              a.destroy()
              b.destroy()
            }
            server.close(() => done())
          }),
      })
    })
  })
}
