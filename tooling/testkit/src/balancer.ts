import { connect, createServer, type Server, type Socket } from 'node:net'

export interface TcpBalancer {
  /** `http://127.0.0.1:<port>`: what clients are given instead of the backends. */
  url: string
  port: number
  /** Connections handed to each backend so far, by backend port. */
  accepted(): Record<number, number>
  close(): Promise<void>
}

/**
 * A round-robin TCP load balancer for tests: each new connection goes to the next backend; a backend that
 * refuses the connection (killed) is skipped for the next one. Bytes are piped untouched, so SSE streams,
 * keep-alive POSTs and a frozen backend (SIGSTOP) behave as behind a real L4 balancer.
 */
export async function startBalancer(backendPorts: readonly number[]): Promise<TcpBalancer> {
  let next = 0
  const accepted: Record<number, number> = Object.fromEntries(backendPorts.map((port) => [port, 0]))
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  }
  const server: Server = createServer((client) => {
    track(client)
    client.pause()
    const tryBackend = (attempt: number) => {
      if (attempt >= backendPorts.length) return void client.destroy()
      const port = backendPorts[next++ % backendPorts.length]!
      const backend = connect({ port, host: '127.0.0.1' })
      track(backend)
      // refused before it connected: the next backend (connected ones get their own handler below)
      backend.once('error', () => tryBackend(attempt + 1))
      backend.once('connect', () => {
        accepted[port] = (accepted[port] ?? 0) + 1
        backend.removeAllListeners('error')
        backend.on('error', () => client.destroy())
        client.on('error', () => backend.destroy())
        client.pipe(backend)
        backend.pipe(client)
        client.resume()
      })
    }
    tryBackend(0)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    accepted: () => ({ ...accepted }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
