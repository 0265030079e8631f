import { createServer, type ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nodeSink } from './sink'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** A real server whose one stream is held by a client that never reads. */
async function stalledStream(): Promise<ServerResponse> {
  let held!: (res: ServerResponse) => void
  const response = new Promise<ServerResponse>((resolve) => {
    held = resolve
  })
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' })
    res.flushHeaders()
    held(res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  const client: Socket = connect(port, '127.0.0.1')
  client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
  client.pause()
  cleanups.push(() => {
    client.destroy()
    server.closeAllConnections()
    server.close()
  })
  return response
}

describe('nodeSink', () => {
  it('counts the bytes its socket has not handed to the kernel once, as the slow-consumer bound means', async () => {
    const res = await stalledStream()
    const sink = nodeSink(res)
    const frame = Buffer.alloc(1024 * 1024, 'x')
    // until the kernel's buffers are full: what is left sits in the socket, unsent
    await vi.waitFor(() => {
      sink.write([frame], frame.length)
      expect(res.socket!.writableLength).toBeGreaterThan(256 * 1024)
    })
    expect(sink.bufferedBytes()).toBe(res.socket!.writableLength)
  })
})
