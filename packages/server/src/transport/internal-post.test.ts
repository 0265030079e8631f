import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { InternalPoster } from './internal-post'

const servers: Server[] = []
const posters: InternalPoster[] = []
afterEach(() => {
  for (const poster of posters.splice(0)) poster.close()
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    server.close()
  }
})

/** A real node answering with `answer`; it counts the TCP connections it was given. */
async function node(answer: (body: string, req: IncomingMessage, res: ServerResponse) => void) {
  const sockets: Socket[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
    })
    req.on('end', () => answer(body, req, res))
  })
  server.on('connection', (socket) => sockets.push(socket))
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mounted`
  return { server, url, sockets }
}

function poster(): InternalPoster {
  const p = new InternalPoster()
  posters.push(p)
  return p
}

describe('InternalPoster', () => {
  it('POSTs the body and headers to the path under the URL, and resolves with the status once answered', async () => {
    const seen: string[] = []
    const { url } = await node((body, req, res) => {
      seen.push(
        `${req.method} ${req.url} ${req.headers.authorization} ${req.headers['content-length']} ${body}`,
      )
      res.writeHead(body.includes('bad') ? 400 : 204).end()
    })
    const p = poster()
    expect(await p.post(`${url}/internal/v1/deliver`, { Authorization: 'Bearer s' }, 'é\nline', 1000)).toBe(
      204,
    )
    expect(await p.post(`${url}/internal/v1/deliver`, {}, 'bad', 1000)).toBe(400)
    expect(seen[0]).toBe('POST /mounted/internal/v1/deliver Bearer s 7 é\nline')
  })

  it('sends request after request over one kept-alive connection', async () => {
    const { url, sockets } = await node((_body, _req, res) => res.writeHead(204).end())
    const p = poster()
    for (let i = 0; i < 5; i++) expect(await p.post(url, {}, `batch ${i}`, 1000)).toBe(204)
    expect(sockets).toHaveLength(1)
  })

  it('rejects a node that does not answer in time, and the next request goes through', async () => {
    let stall = true
    const { url } = await node((_body, _req, res) => {
      if (!stall) res.writeHead(204).end() // a stalled answer is never sent
    })
    const p = poster()
    await expect(p.post(url, {}, 'x', 100)).rejects.toThrow(/within 100 ms/)
    stall = false
    expect(await p.post(url, {}, 'y', 1000)).toBe(204)
  })

  it('rejects an answer cut off halfway, and a node that is gone', async () => {
    const { url } = await node((_body, _req, res) => {
      res.writeHead(200, { 'Content-Length': '100' })
      res.write('partial')
      setTimeout(() => res.socket?.destroy(), 20)
    })
    await expect(poster().post(url, {}, 'x', 1000)).rejects.toThrow()
    const { server, url: goneUrl } = await node((_body, _req, res) => res.writeHead(204).end())
    server.close()
    await expect(poster().post(goneUrl, {}, 'x', 1000)).rejects.toThrow(/ECONNREFUSED/)
  })

  it('delivers again after the node closed its idle keep-alive connection', async () => {
    const { server, url, sockets } = await node((_body, _req, res) => res.writeHead(204).end())
    server.keepAliveTimeout = 200
    const p = poster()
    expect(await p.post(url, {}, 'before', 1000)).toBe(204)
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(await p.post(url, {}, 'after', 1000)).toBe(204)
    expect(sockets).toHaveLength(2)
  })
})
