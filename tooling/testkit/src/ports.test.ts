import { createServer } from 'node:net'
import { expect, it } from 'vitest'
import { freePort } from './ports'

it('freePort gives a loopback port nothing listens on, so a server can take it', async () => {
  const port = await freePort()
  expect(port).toBeGreaterThan(0)
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  expect((server.address() as { port: number }).port).toBe(port)
  await new Promise((resolve) => server.close(resolve))
})
