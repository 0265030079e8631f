import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MemoryRegistry } from '../registry/memory-registry'
import { HttpTransport } from './http-transport'

const servers: ReturnType<typeof createServer>[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.close()
})

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
    const node = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => {
        body += c
      })
      req.on('end', () => {
        bodies.push(body)
        auth.push(req.headers.authorization)
        if (bodies.length === 1) release = () => res.writeHead(204).end()
        else res.writeHead(204).end()
      })
    })
    servers.push(node)
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve))
    const registry = new MemoryRegistry()
    await registry.registerNode({
      nodeId: 'n',
      url: `http://127.0.0.1:${(node.address() as AddressInfo).port}`,
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
