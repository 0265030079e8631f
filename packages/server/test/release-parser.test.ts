import { type Socket, connect as tcpConnect } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { metric, type Running, startLikewire } from './helpers'

let server: Running | undefined
const clients: Socket[] = []
afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy()
  await server?.close()
  server = undefined
})

/** A raw client: the connect request written by hand, everything it receives kept. */
function rawStream(
  port: number,
  topics = 't',
  allowHalfOpen = false,
): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  return new Promise((resolve) => {
    let received = ''
    let closed = false
    const socket = tcpConnect({ port, host: '127.0.0.1', allowHalfOpen }, () => {
      socket.write(
        `GET /v1/connect?topics=${topics} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`,
      )
      resolve({ socket, received: () => received, closed: () => closed })
    })
    socket.on('data', (chunk) => {
      received += chunk
    })
    socket.on('close', () => {
      closed = true
    })
    clients.push(socket)
  })
}

async function serverWithSockets(heartbeatMs?: number) {
  server = await startLikewire(heartbeatMs ? { heartbeatMs } : {})
  const accepted: Array<Socket & { parser?: unknown }> = []
  server.listening.server.on('connection', (socket) => accepted.push(socket))
  return { server, accepted }
}

describe("an SSE stream's HTTP parser is released once the stream starts (memory per connection)", () => {
  it('frees the parser and still delivers, heartbeats and notices the client leaving', async () => {
    const { server, accepted } = await serverWithSockets(100)
    const client = await rawStream(server.listening.port)
    await vi.waitFor(() => expect(client.received()).toContain('likewire.connected'))
    expect(accepted).toHaveLength(1)
    expect(accepted[0]!.parser).toBeNull() // what Node does for an upgraded socket

    const { id } = await server.lw.publish('t', 'after release')
    await vi.waitFor(() => expect(client.received()).toContain(`"id":"${id}"`))
    await vi.waitFor(() => expect(client.received()).toContain('likewire.heartbeat'))
    client.socket.end() // the client leaves: the server must notice without a parser
    await vi.waitFor(async () => expect(await metric(server.lw, 'likewire_connections')).toBe(0))
  })

  it('ends a stream whose client sends anything more (no parser is left to read it)', async () => {
    const { server } = await serverWithSockets()
    const client = await rawStream(server.listening.port)
    await vi.waitFor(() => expect(client.received()).toContain('likewire.connected'))
    client.socket.write('GET /v1/connect HTTP/1.1\r\nHost: x\r\n\r\n')
    await vi.waitFor(() => expect(client.closed()).toBe(true))
    await vi.waitFor(async () => expect(await metric(server.lw, 'likewire_connections')).toBe(0))
  })

  it('closes the socket when the stream ends, instead of keeping it for a next request', async () => {
    const { server } = await serverWithSockets()
    const client = await rawStream(server.listening.port)
    await vi.waitFor(() => expect(client.received()).toContain('likewire.connected'))
    server.lw.frontend.drain(0) // shutdown: every stream ends
    await vi.waitFor(() => expect(client.closed()).toBe(true))
    expect(client.received()).toMatch(/0\r\n\r\n$/) // the chunked body was terminated first
  })

  it("closeAllConnections() still closes released sockets, and only its own server's", async () => {
    const { server } = await serverWithSockets()
    const client = await rawStream(server.listening.port)
    const other = await startLikewire()
    const elsewhere = await rawStream(other.listening.port)
    await vi.waitFor(() => expect(client.received()).toContain('likewire.connected'))
    await vi.waitFor(() => expect(elsewhere.received()).toContain('likewire.connected'))
    server.listening.server.closeAllConnections()
    await vi.waitFor(() => expect(client.closed()).toBe(true))
    expect(elsewhere.closed()).toBe(false)
    await other.close()
  })

  it('server.close() closes a released socket whose stream ended, even if the client keeps it half-open', async () => {
    const { server, accepted } = await serverWithSockets()
    const client = await rawStream(server.listening.port, 't', true) // never closes its side by itself
    await vi.waitFor(() => expect(client.received()).toContain('likewire.connected'))
    server.lw.frontend.drain(0)
    await vi.waitFor(() => expect(client.received()).toMatch(/0\r\n\r\n$/))
    expect(accepted[0]!.destroyed).toBe(false) // half-open: the server's side waits for the client's
    server.listening.server.closeIdleConnections() // what server.close() calls
    expect(accepted[0]!.destroyed).toBe(true)
  })
})

describe('Node internals stay on servers Likewire created or was handed', () => {
  it("a user's own server keeps Node's parser until the user opts in with lw.attach(server)", async () => {
    const { createAdaptorServer } = await import('@hono/node-server')
    const { createLikewire } = await import('../src/likewire')
    for (const optIn of [false, true]) {
      const lw = createLikewire({ logLevel: 'silent', processMetrics: false })
      const own = createAdaptorServer({
        fetch: lw.app.fetch,
        overrideGlobalObjects: false,
      }) as import('node:http').Server
      if (optIn) lw.attach(own)
      const accepted: Array<Socket & { parser?: unknown }> = []
      own.on('connection', (socket) => accepted.push(socket))
      await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve))
      const client = await rawStream((own.address() as import('node:net').AddressInfo).port)
      await vi.waitFor(() => expect(client.received()).toContain('likewire.connected'))
      const { id } = await lw.publish('t', 'x')
      await vi.waitFor(() => expect(client.received()).toContain(`"id":"${id}"`))
      expect({ optIn, released: accepted[0]!.parser === null }).toEqual({ optIn, released: optIn })
      await lw.close()
      own.closeAllConnections()
      await new Promise((resolve) => own.close(resolve))
    }
  })
})
