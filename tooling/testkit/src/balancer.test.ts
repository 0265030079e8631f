import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { startBalancer, type TcpBalancer } from './balancer'
import { freePort } from './ports'

const servers: Server[] = []
let balancer: TcpBalancer | undefined
afterEach(async () => {
  await balancer?.close()
  for (const server of servers.splice(0)) server.close()
})

async function backend(name: string): Promise<number> {
  const server = createServer((_req, res) => res.writeHead(200, { Connection: 'close' }).end(name))
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as { port: number }).port
}

describe('TCP balancer', () => {
  it('hands connections to the backends in turn, skipping one that refuses', async () => {
    const a = await backend('a')
    const b = await backend('b')
    const dead = await freePort() // nothing listens there
    balancer = await startBalancer([a, dead, b])
    const answers: string[] = []
    for (let i = 0; i < 4; i++)
      answers.push(await (await fetch(balancer.url, { headers: { Connection: 'close' } })).text())
    expect(answers.sort()).toEqual(['a', 'a', 'b', 'b'])
    expect(balancer.accepted()).toEqual({ [a]: 2, [dead]: 0, [b]: 2 })
  })
})
