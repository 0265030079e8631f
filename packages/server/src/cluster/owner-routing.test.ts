import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryRegistry } from '../registry/memory-registry'
import { routeToOwner } from './owner-routing'

let owner: Server | undefined
afterEach(() => {
  owner?.closeAllConnections()
  owner?.close()
})

/** A registry where node `other` is served by `handler`. */
async function ownerServing(handler: Parameters<typeof createServer>[1]) {
  owner = createServer(handler)
  await new Promise<void>((resolve) => owner!.listen(0, '127.0.0.1', resolve))
  const registry = new MemoryRegistry()
  await registry.registerNode({
    nodeId: 'other',
    url: `http://127.0.0.1:${(owner.address() as AddressInfo).port}`,
  })
  return registry
}

describe('routing a subscribe to the owner of its connection', () => {
  it("answers with the owner's answer, secret sent", async () => {
    let auth: string | undefined
    const registry = await ownerServing((req, res) => {
      auth = req.headers.authorization
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"topics":["t"]}')
    })
    const res = await routeToOwner(registry, 'me', 's3cret')('/v1/subscribe', { connectionId: 'other.1' })
    expect(res?.status).toBe(200)
    expect(await res?.json()).toEqual({ topics: ['t'] })
    expect(auth).toBe('Bearer s3cret')
  })

  it('an owner that dies mid-answer, or is unknown, is no owner (404 unknown_connection), never a 500', async () => {
    const registry = await ownerServing((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' })
      res.write('{"topics":')
      setTimeout(() => res.socket?.destroy(), 20)
    })
    const route = routeToOwner(registry, 'me', 's')
    await expect(route('/v1/subscribe', { connectionId: 'other.1' })).resolves.toBeUndefined()
    await expect(route('/v1/subscribe', { connectionId: 'nobody.1' })).resolves.toBeUndefined()
    await expect(route('/v1/subscribe', { connectionId: 'me.1' })).resolves.toBeUndefined()
  })
})
