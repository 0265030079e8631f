import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { afterEach, expect, it, vi } from 'vitest'
import { openStream, post } from './sse'

let server: Server | undefined
afterEach(() => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined))))

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler)
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

it('openStream parses the frames of a real SSE server, split anywhere across writes', async () => {
  let written: () => void = () => {}
  const sent = new Promise<void>((resolve) => {
    written = resolve
  })
  const closed = vi.fn()
  const url = await serve((req, res) => {
    req.on('close', closed)
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'X-Seen-Accept': req.headers.accept ?? '' })
    res.write(': hello\n\nevent: likewire.connected\ndata: {"connectionId":"c-1"}\n\n')
    res.write('id: 1\ndata: {"topic":"t","id":"1",')
    setImmediate(() => {
      res.write('"ts":5,"data":"x"}\n\nid: 2\ndata: {"topic":"t","id":"2","ts":6,"data":{"n":2}}\n\n')
      written()
    })
  })
  const stream = await openStream(`${url}/connect`, { 'X-Test': 'yes' })
  await sent
  expect(stream.status).toBe(200)
  expect(stream.headers['x-seen-accept']).toBe('text/event-stream')
  await vi.waitFor(() => expect(stream.dataCount).toBe(2))
  expect(stream.connectionId()).toBe('c-1')
  expect(stream.data()).toEqual([
    { topic: 't', id: '1', ts: 5, data: 'x' },
    { topic: 't', id: '2', ts: 6, data: { n: 2 } },
  ])
  expect(stream.events.map((e) => e.id)).toEqual([undefined, '1', '2'])
  expect(stream.raw).toContain(': hello')
  stream.close()
  await vi.waitFor(() => expect(closed).toHaveBeenCalled())
})

it('retain: false counts data events without keeping them; connectionId() throws until connected', async () => {
  const url = await serve((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' })
    if (req.url === '/quiet') res.flushHeaders()
    else
      res.end('data: {"a":1}\n\ndata: {"a":2}\n\nevent: likewire.connected\ndata: {"connectionId":"c"}\n\n')
  })
  const stream = await openStream(url, {}, { retain: false })
  await vi.waitFor(() => expect(stream.ended).toBe(true))
  expect(stream.dataCount).toBe(2)
  expect(stream.events.map((e) => e.event)).toEqual(['likewire.connected'])
  expect(stream.raw).toBe('')

  const empty = await openStream(`${url}/quiet`)
  expect(() => empty.connectionId()).toThrow('not connected yet')
  empty.close()
})

it('post sends JSON (or a raw string) and parses a JSON answer', async () => {
  const url = await serve((req, res) => {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      const answer = JSON.stringify({ type: req.headers['content-type'], key: req.headers['x-key'], body })
      res.writeHead(req.url === '/text' ? 400 : 202).end(req.url === '/text' ? 'not json' : answer)
    })
  })
  expect(await post(url, { topic: 't' }, { 'X-Key': 'k' })).toEqual({
    status: 202,
    body: { type: 'application/json', key: 'k', body: '{"topic":"t"}' },
  })
  expect((await post(url, '{bad')).body.body).toBe('{bad')
  expect(await post(`${url}/text`, {})).toEqual({ status: 400, body: 'not json' })
})
