import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MemoryRegistry } from '../registry/memory-registry'
import { HttpTransport } from './http-transport'

const servers: ReturnType<typeof createServer>[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.close()
})

/** A node 'n' in a fresh registry, whose delivery route answers with `answer(body, headers)`. */
async function receivingNode(
  answer: (body: string, req: IncomingMessage, res: ServerResponse) => void,
): Promise<MemoryRegistry> {
  const node = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => answer(body, req, res))
  })
  servers.push(node)
  await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve))
  const registry = new MemoryRegistry()
  await registry.registerNode({
    nodeId: 'n',
    url: `http://127.0.0.1:${(node.address() as AddressInfo).port}`,
  })
  return registry
}

const event = (n: number) => ({
  topic: 't',
  id: `e${n}`,
  ts: 1,
  json: `{"topic":"t","id":"e${n}","ts":1,"data":${n}}`,
})

describe('HttpTransport', () => {
  it('coalesces what arrives while a request is in flight into the next one, per node, with the secret', async () => {
    const bodies: string[] = []
    const auth: (string | undefined)[] = []
    let release = () => {}
    const registry = await receivingNode((body, req, res) => {
      bodies.push(body)
      auth.push(req.headers.authorization)
      if (bodies.length === 1) release = () => res.writeHead(204).end()
      else res.writeHead(204).end()
    })
    const transport = new HttpTransport({ registry, secret: 's3cret' })

    const first = transport.deliver('n', [event(1)])
    await vi.waitFor(() => expect(bodies).toHaveLength(1))
    const second = transport.deliver('n', [event(2)])
    const third = transport.deliver('n', [event(3)])
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(bodies).toHaveLength(1) // still one request in flight: the others wait and go together
    release()
    await Promise.all([first, second, third])
    expect(bodies).toEqual([event(1).json, `${event(2).json}\n${event(3).json}`])
    expect(auth).toEqual(['Bearer s3cret', 'Bearer s3cret'])
  })

  it('prunes a node without a lease and fails its delivery', async () => {
    const registry = new MemoryRegistry()
    await registry.addTopics('gone', ['t'])
    const transport = new HttpTransport({ registry, secret: 's' })
    await expect(transport.deliver('gone', [event(1)])).rejects.toThrow(/no lease/)
    expect(await registry.nodesFor(['t'])).toEqual(new Map())
  })
})

describe('HttpTransport request size', () => {
  it('cuts a backlog into requests under maxRequestBytes, in order, and every delivery resolves', async () => {
    const bodies: string[] = []
    const limit = 10_000
    // a receiver that refuses bodies past its limit, as the frontend's internal route does
    const registry = await receivingNode((body, _req, res) => {
      bodies.push(body)
      res.writeHead(Buffer.byteLength(body) > limit ? 413 : 204).end()
    })
    const transport = new HttpTransport({ registry, secret: 's', maxRequestBytes: limit })
    const big = (n: number) => ({
      ...event(n),
      json: `{"topic":"t","id":"e${n}","ts":1,"data":"${'\u00e9'.repeat(1000)}"}`,
    })
    const deliveries = Array.from({ length: 10 }, (_, i) =>
      transport.deliver(
        'n',
        Array.from({ length: 5 }, (_, j) => big(i * 5 + j)),
      ),
    )
    await Promise.all(deliveries)
    expect(bodies.length).toBeGreaterThan(1)
    for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(limit)
    const ids = bodies.flatMap((body) => body.split('\n').map((line) => JSON.parse(line).id))
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => `e${i}`))
  })

  it('fails only the deliveries whose events were in a refused request', async () => {
    const registry = await receivingNode((body, _req, res) =>
      res.writeHead(body.includes('"e2"') ? 500 : 204).end(),
    )
    // one event per request: e2 and e3 queue behind e1 and go in separate requests of the same backlog
    const transport = new HttpTransport({ registry, secret: 's', maxRequestBytes: 60 })
    const first = transport.deliver('n', [event(1)])
    const second = transport.deliver('n', [event(2)])
    const third = transport.deliver('n', [event(3)])
    await expect(first).resolves.toBeUndefined()
    await expect(second).rejects.toThrow(/answered 500/)
    await expect(third).resolves.toBeUndefined()
  })
})

describe('HttpTransport memory', () => {
  it('forgets a node nothing was sent to for idleMs, by itself (dispatchers and frontends alike)', async () => {
    const registry = await receivingNode((_body, _req, res) => res.writeHead(204).end())
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    try {
      const transport = new HttpTransport({ registry, secret: 's', idleMs: 10_000 })
      await transport.deliver('n', [event(1)])
      expect(transport.nodeCount).toBe(1)
      await vi.advanceTimersByTimeAsync(5_000)
      expect(transport.nodeCount).toBe(1) // not idle long enough yet
      await vi.advanceTimersByTimeAsync(11_000)
      expect(transport.nodeCount).toBe(0)
      await transport.close()
    } finally {
      vi.useRealTimers()
    }
  })
})
