import { createServer, type Server } from 'node:http'
import pino from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMetrics } from '../metrics/metrics'
import { HttpPresenceForwarder } from './presence-forwarder'

// The forwarder against a real HTTP peer on port 0 that refuses what it is told to refuse.

let server: Server | undefined
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

/** A peer dispatcher that answers 503 while `refusing`, and keeps every body it took. */
async function peer() {
  const state = { refusing: true, taken: [] as unknown[] }
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      if (!state.refusing) state.taken.push(JSON.parse(body))
      res.writeHead(state.refusing ? 503 : 202).end()
    })
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { state, url: `http://127.0.0.1:${port}` }
}

describe('HttpPresenceForwarder', () => {
  it('sends what is still queued for a peer once more when it closes (an offline swept a moment ago)', async () => {
    const { state, url } = await peer()
    const metrics = createMetrics({ defaultMetrics: false })
    const forwarder = new HttpPresenceForwarder({
      peers: { dc2: [url] },
      secret: 's',
      dc: 'dc1',
      ttlMs: 90_000,
      metrics,
      logger: pino({ level: 'silent' }),
    })
    forwarder.send([{ memberId: 'ann', status: 'offline', since: 1000 }])
    // refused once: queued, retried in a second at the earliest
    await vi.waitFor(async () =>
      expect(await metrics.registry.getSingleMetricAsString('likewire_forward_failures_total')).toContain(
        'target="dc:dc2"} 1',
      ),
    )
    state.refusing = false
    await forwarder.close() // before the retry is due: the last flush carries it
    expect(state.taken).toEqual([
      { dc: 'dc1', ttlMs: 90_000, changes: [{ memberId: 'ann', status: 'offline', since: 1000 }] },
    ])
    forwarder.send([{ memberId: 'bob', status: 'online', since: 2000 }]) // closed: dropped
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(state.taken).toHaveLength(1)
  })
})
