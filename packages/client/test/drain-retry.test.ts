// A server drain's real frames (`retry: 0` + `likewire.reconnect`) must not turn later failures into a hot loop.
import { createServer, type Server } from 'node:http'
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient } from '../src/index'

let lw: Likewire | undefined
let listening: Listening | undefined
let refuser: Server | undefined
let client: LikewireClient | undefined
afterEach(async () => {
  client?.close()
  await lw?.close()
  await listening?.close()
  await new Promise<void>((resolve) => (refuser ? refuser.close(() => resolve()) : resolve()))
  refuser = undefined
})

describe('drain hint', () => {
  it('after a drain with drainJitterMs 0, connects answered 503 back off instead of looping', async () => {
    lw = createLikewire({ logLevel: 'silent', processMetrics: false, drainJitterMs: 0 })
    listening = await listen(lw.app, { port: 0 })
    const port = listening.port
    client = createClient({ url: listening.url, backoff: { baseMs: 1000 }, onError: () => {} })
    client.subscribe('t', () => {})
    await vi.waitFor(() => expect(client!.state.status).toBe('connected'), { timeout: 10_000, interval: 10 })

    // a plain server on the drained port answers 503 and counts every connect that reaches it
    let attempts = 0
    const replacement = createServer((_req, res) => {
      attempts++
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"unavailable"}}')
    })
    await lw.close()
    await listening.close()
    listening = undefined
    refuser = replacement
    await new Promise<void>((resolve) => replacement.listen(port, '127.0.0.1', () => resolve()))

    await vi.waitFor(() => expect(attempts).toBeGreaterThan(0), { timeout: 10_000, interval: 10 })
    await new Promise((resolve) => setTimeout(resolve, 1500)) // the window the attempts are counted over
    // backoff with a 2000 ms base allows a handful; the old zero-delay loop made hundreds
    expect(attempts).toBeLessThanOrEqual(5)
    expect(client.state.status).toBe('reconnecting')
  })
})
