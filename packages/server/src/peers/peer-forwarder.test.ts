import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import pino from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMetrics } from '../metrics/metrics'
import type { EncodedEvent } from '../protocol/frames'
import { HttpPeerForwarder } from './peer-forwarder'

// The forwarder against a real HTTP peer dispatcher on port 0.

let server: Server | undefined
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

describe('HttpPeerForwarder', () => {
  it('forwards each publish once over a keep-alive socket; close lets a forward on its way finish, then ends the socket', async () => {
    const taken: string[] = []
    const sockets: Socket[] = []
    // the third forward is held until the test answers it
    let answerHeld: (() => void) | undefined
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk) => {
        body += chunk
      })
      req.on('end', () => {
        taken.push(body)
        if (taken.length === 3) answerHeld = () => res.writeHead(202).end()
        else res.writeHead(202).end()
      })
    })
    // far longer than the test: only the forwarder's close can end the socket in time
    server.keepAliveTimeout = 60_000
    server.on('connection', (socket) => sockets.push(socket))
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    const metrics = createMetrics({ defaultMetrics: false })
    const forwarder = new HttpPeerForwarder({
      peers: { dc2: [`http://127.0.0.1:${port}`] },
      secret: 's',
      metrics,
      logger: pino({ level: 'silent' }),
    })
    const event = (id: string): EncodedEvent => ({
      id,
      topic: 't',
      ts: 1,
      json: JSON.stringify({ topic: 't', id, ts: 1, data: 1 }),
    })
    await forwarder.forward([event('e1')])
    await forwarder.forward([event('e2')])
    expect(taken).toHaveLength(2)
    expect(sockets).toHaveLength(1)
    expect(await metrics.registry.getSingleMetricAsString('likewire_peer_forwarded_events_total')).toContain(
      'direction="out"} 2',
    )
    expect(sockets[0]!.destroyed).toBe(false)
    const third = forwarder.forward([event('e3')])
    await vi.waitFor(() => expect(answerHeld).toBeDefined())
    let closed = false
    const closing = forwarder.close().then(() => (closed = true))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(closed).toBe(false) // still waiting for the forward on its way
    expect(sockets[0]!.destroyed).toBe(false)
    answerHeld!()
    await third
    await closing
    expect(await metrics.registry.getSingleMetricAsString('likewire_peer_forwarded_events_total')).toContain(
      'direction="out"} 3',
    )
    await vi.waitFor(() => expect(sockets[0]!.destroyed).toBe(true))
  })
})
