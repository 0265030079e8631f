import { createServer, type Server } from 'node:http'
import { type AddressInfo, connect, type Socket } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { LikewireError } from '../protocol/errors'
import { readBody } from './body'

const LIMIT = 64

/** A route answering with what readBody read (or its error), and every outcome seen by the server. */
function bodyApp() {
  const outcomes: string[] = []
  const app = new Hono()
  app.post('/body', async (c) => {
    try {
      const text = await readBody(c, LIMIT)
      outcomes.push(`read:${text}`)
      return c.text(`read:${text}`)
    } catch (error) {
      if (!(error instanceof LikewireError)) throw error
      outcomes.push(`${error.status}:${error.code}`)
      return c.text(error.code, error.status as 400 | 413)
    }
  })
  return { app, outcomes }
}

const servers: Server[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

/** The app on a real Node server as @hono/node-server serves it (global overrides off, as Likewire does). */
async function serve(app: Hono): Promise<number> {
  const server = createServer(getRequestListener(app.fetch, { overrideGlobalObjects: false }))
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** A raw keep-alive client: writes bytes, and reads each response head and body as they come. */
async function rawClient(port: number) {
  const socket: Socket = connect(port, '127.0.0.1')
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  let received = ''
  let closed = false
  const waiters: Array<() => void> = []
  const wakeAll = () => {
    for (const wake of waiters.splice(0)) wake()
  }
  socket.on('data', (chunk) => {
    received += chunk.toString('utf8')
    wakeAll()
  })
  socket.on('close', () => {
    closed = true
    wakeAll()
  })
  return {
    socket,
    write: (bytes: string | Buffer) => new Promise<void>((resolve) => socket.write(bytes, () => resolve())),
    /** The next whole response (Content-Length body): status and body. */
    async response(): Promise<{ status: number; body: string }> {
      for (;;) {
        const head = /^HTTP\/1\.1 (\d+)[\s\S]*?content-length: (\d+)\r\n[\s\S]*?\r\n\r\n/i.exec(received)
        if (head) {
          const length = Number(head[2])
          const start = head[0].length
          if (Buffer.byteLength(received.slice(start)) >= length) {
            const body = Buffer.from(received.slice(start)).subarray(0, length).toString('utf8')
            received = Buffer.from(received.slice(start)).subarray(length).toString('utf8')
            return { status: Number(head[1]), body }
          }
        }
        if (closed) throw new Error(`the server closed the connection; it sent: ${received}`)
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
    },
  }
}

const chunk = (bytes: Buffer) =>
  Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')])
const tick = () => new Promise((resolve) => setTimeout(resolve, 20))

describe('readBody on a Node server', () => {
  it('reads a chunked body that arrives in pieces, a character split across two of them', async () => {
    const { app } = bodyApp()
    const client = await rawClient(await serve(app))
    const heart = Buffer.from('♥') // 3 bytes: decoded per piece, it would come out as replacement characters
    await client.write('POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n')
    await client.write(chunk(Buffer.concat([Buffer.from('likes '), heart.subarray(0, 1)])))
    await tick()
    await client.write(chunk(Buffer.concat([heart.subarray(1), Buffer.from(' 42')])))
    await tick()
    await client.write('0\r\n\r\n')
    expect(await client.response()).toEqual({ status: 200, body: 'read:likes ♥ 42' })
    client.socket.destroy()
  })

  it('refuses a chunked body over the limit as it streams, and the connection still answers the next request', async () => {
    const { app } = bodyApp()
    const client = await rawClient(await serve(app))
    await client.write('POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n')
    await client.write(chunk(Buffer.from('x'.repeat(LIMIT - 10))))
    await tick()
    await client.write(chunk(Buffer.from('y'.repeat(20)))) // past the limit mid-stream
    expect(await client.response()).toEqual({ status: 413, body: 'payload_too_large' })
    // the rest of the refused body is still sent and discarded; then the same connection is reused
    await client.write(chunk(Buffer.from('z'.repeat(1000))))
    await client.write('0\r\n\r\n')
    await client.write('POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok')
    expect(await client.response()).toEqual({ status: 200, body: 'read:ok' })
    client.socket.destroy()
  })

  it('refuses a declared length over the limit before reading, and reads an empty body as empty', async () => {
    const { app } = bodyApp()
    const port = await serve(app)
    const big = await fetch(`http://127.0.0.1:${port}/body`, { method: 'POST', body: 'x'.repeat(LIMIT + 1) })
    expect(big.status).toBe(413)
    const empty = await fetch(`http://127.0.0.1:${port}/body`, { method: 'POST' })
    expect(await empty.text()).toBe('read:')
  })

  it('answers 400 for a client that hangs up in the middle of its body, and the server goes on', async () => {
    const { app, outcomes } = bodyApp()
    const port = await serve(app)
    const client = await rawClient(port)
    await client.write('POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\npartial')
    await tick()
    client.socket.destroy()
    for (let i = 0; i < 100 && outcomes.length === 0; i++) await tick()
    expect(outcomes).toEqual(['400:invalid_request'])
    const after = await fetch(`http://127.0.0.1:${port}/body`, { method: 'POST', body: 'still here' })
    expect(await after.text()).toBe('read:still here')
  })

  it('reads the Request it is given when an app hands another one on with the same Node env', async () => {
    const { app } = bodyApp()
    const outer = new Hono()
    outer.post('/outer', (c) =>
      app.fetch(new Request('http://x/body', { method: 'POST', body: 'inner body' }), c.env),
    )
    const port = await serve(outer)
    const res = await fetch(`http://127.0.0.1:${port}/outer`, { method: 'POST', body: 'outer body' })
    expect(await res.text()).toBe('read:inner body')
  })

  it('reads the same through the web Request where there is no Node request (app.request)', async () => {
    const { app } = bodyApp()
    expect(await (await app.request('/body', { method: 'POST', body: 'web ♥' })).text()).toBe('read:web ♥')
    const big = await app.request('/body', { method: 'POST', body: 'x'.repeat(LIMIT + 1) })
    expect(big.status).toBe(413)
  })
})
