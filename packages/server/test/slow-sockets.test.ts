import { connect, type Socket } from 'node:net'
import { openStream } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type Listening, listen } from '../src/http/listen'
import { createLikewire, type Likewire } from '../src/likewire'
import { metric } from './helpers'

let lw: Likewire
let listening: Listening
const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await lw?.close()
  await listening?.close()
})

async function start() {
  lw = createLikewire({ logLevel: 'silent', processMetrics: false, heartbeatMs: 200 })
  listening = await listen(lw, { port: 0, headersTimeoutMs: 500, requestTimeoutMs: 1000 })
}

/** A raw socket; what it receives and whether the server closed it. */
function raw(): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  return new Promise((resolve) => {
    let received = ''
    let closed = false
    const socket = connect({ port: listening.port, host: '127.0.0.1' }, () =>
      resolve({ socket, received: () => received, closed: () => closed }),
    )
    socket.on('data', (chunk) => {
      received += chunk
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      closed = true
    })
    sockets.push(socket)
  })
}

// ceilings far under Node's defaults (headers ~60-90 s, body 300 s), far over the limits set here
const within = { timeout: 8_000, interval: 50 }

describe('slow and idle sockets on servers Likewire creates', () => {
  it('answers trickled headers 408 and closes the socket, counted', async () => {
    await start()
    const client = await raw()
    client.socket.write('GET /v1/connect HTTP/1.1\r\n')
    const trickle = setInterval(() => client.socket.writable && client.socket.write('X'), 100)
    try {
      await vi.waitFor(() => expect(client.closed()).toBe(true), within)
    } finally {
      clearInterval(trickle)
    }
    expect(client.received()).toMatch(/^HTTP\/1.1 408 /)
    expect(await metric(lw, 'likewire_http_refused_total', '{reason="timeout"}')).toBe(1)
  })

  it('answers a body that never finishes 408, and closes a socket that never sends anything', async () => {
    await start()
    const slow = await raw()
    slow.socket.write('POST /v1/publish HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"topic":')
    const idle = await raw()
    await vi.waitFor(() => expect(slow.closed() && idle.closed()).toBe(true), within)
    expect(slow.received()).toMatch(/^HTTP\/1.1 408 /)
    expect(await metric(lw, 'likewire_http_refused_total', '{reason="timeout"}')).toBe(2)
  })

  it('leaves an SSE stream open and delivering long past the request timeout', async () => {
    await start()
    const stream = await openStream(`${listening.url}/v1/connect?topics=t`)
    await vi.waitFor(() => stream.connectionId())
    // three request timeouts: the stream's request was complete once its headers were in
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const { id } = await lw.publish('t', 'still here')
    await vi.waitFor(() => expect(stream.data().map((e) => e.id)).toEqual([id]))
    expect(stream.ended).toBe(false)
    stream.close()
  })

  it('a client that resets its stream is a disconnect, not a refusal', async () => {
    await start()
    const client = await raw()
    client.socket.write('GET /v1/connect?topics=t HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n')
    await vi.waitFor(() => expect(client.received()).toContain('likewire.connected'), within)
    client.socket.resetAndDestroy()
    await vi.waitFor(async () => expect(await metric(lw, 'likewire_connections')).toBe(0), within)
    expect(await metric(lw, 'likewire_http_refused_total', '{reason="bad_request"}')).toBe(0)
    expect(await metric(lw, 'likewire_http_refused_total', '{reason="timeout"}')).toBe(0)
  })

  it('refuses limits that cannot work, leaving the server as it was', async () => {
    const { createServer } = await import('node:http')
    const { attachServer } = await import('../src/http/server')
    const server = createServer()
    expect(() => attachServer(server, { headersTimeoutMs: 5000, requestTimeoutMs: 1000 })).toThrow(RangeError)
    attachServer(server, { headersTimeoutMs: 500, requestTimeoutMs: 1000 })
    expect([server.headersTimeout, server.requestTimeout]).toEqual([500, 1000])
  })

  it('counts an unparsable request as bad_request and answers 400', async () => {
    await start()
    const client = await raw()
    client.socket.write('NOT HTTP AT ALL\r\n\r\n')
    await vi.waitFor(() => expect(client.closed()).toBe(true), within)
    expect(client.received()).toMatch(/^HTTP\/1.1 400 /)
    expect(await metric(lw, 'likewire_http_refused_total', '{reason="bad_request"}')).toBe(1)
  })
})
