import { type Socket, connect as tcpConnect } from 'node:net'
import { openStream, type Stream } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { metric, type Running, startLikewire } from './helpers'

let server: Running
const sockets: Socket[] = []
let fast: Stream | undefined
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  fast?.close()
  await server?.close()
})

/** A client that sends the connect request and then never reads a byte. */
function stalledReader(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1', () => {
      socket.write('GET /v1/connect?topics=flood HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n')
      socket.pause()
      resolve(socket)
    })
    sockets.push(socket)
  })
}

describe('slow readers', () => {
  it('are dropped past the buffer bound; memory stays flat and other clients get everything', async () => {
    server = await startLikewire({ maxBufferedBytes: 1024 * 1024 })
    const stalled = 5
    for (let i = 0; i < stalled; i++) await stalledReader(server.listening.port)
    fast = await openStream(`${server.url}/v1/connect?topics=flood`, {}, { retain: false })
    await vi.waitFor(async () => expect(await metric(server.lw, 'likewire_connections')).toBe(stalled + 1))

    global.gc?.()
    const before = process.memoryUsage().rss
    const events = 600
    const data = 'x'.repeat(60_000) // 600 x 60 KB = 36 MB per reader; unbounded, 5 stalled readers would hold 180 MB
    // 4 x 60 KB a tick stays under the 1 MiB bound for a reader that keeps up
    for (let i = 0; i < events; i += 4) {
      await server.lw.publishMany(Array.from({ length: 4 }, () => ({ topic: 'flood', data })))
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    await vi.waitFor(() => expect(fast!.dataCount).toBe(events), { timeout: 15_000 })
    const grown = process.memoryUsage().rss - before

    expect(await metric(server.lw, 'likewire_disconnects_total', '{reason="slow_consumer"}')).toBe(stalled)
    expect(await metric(server.lw, 'likewire_connections')).toBe(1)
    expect(grown).toBeLessThan(60 * 1024 * 1024)
    expect(fast.ended).toBe(false)
  })
})
