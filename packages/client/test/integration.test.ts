import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { startProxy, type TcpProxy } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient, type LikewireEvent } from '../src/index'

let lw: Likewire
let listening: Listening
let proxy: TcpProxy | undefined
const clients: LikewireClient[] = []

async function start(options: Parameters<typeof createLikewire>[0] = {}) {
  lw = createLikewire({ logLevel: 'silent', processMetrics: false, ...options })
  listening = await listen(lw.app, { port: 0 })
}

function client(url: string, options: Partial<Parameters<typeof createClient>[0]> = {}) {
  const c = createClient({ url, backoff: { baseMs: 20, maxMs: 200 }, ...options })
  clients.push(c)
  return c
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await proxy?.close()
  proxy = undefined
  await lw?.close()
  await listening?.close()
})

// a ceiling, not a timing assertion: reconnects on a loaded 2-core CI machine can take seconds
const eventually = <T>(check: () => T, options: { timeout?: number } = {}) =>
  vi.waitFor(check, { timeout: 10_000, interval: 20, ...options })

const connected = (c: LikewireClient) => eventually(() => expect(c.state.status).toBe('connected'))

describe('client and server, for real', () => {
  it('subscribes, then receives what is published', async () => {
    await start()
    const c = client(listening.url)
    const got: LikewireEvent[] = []
    c.subscribe('live:1:likes', (event) => got.push(event))
    await connected(c)
    const { id } = await lw.publish('live:1:likes', { by: 'ann' })
    await eventually(() => expect(got).toHaveLength(1))
    expect(got[0]).toMatchObject({ topic: 'live:1:likes', id, data: { by: 'ann' } })
  })

  it('serves many clients and topics with no cross-talk', async () => {
    await start()
    const received = new Map<string, unknown[]>()
    for (let i = 0; i < 12; i++) {
      const c = client(listening.url)
      const mine: unknown[] = []
      received.set(`c${i}`, mine)
      c.subscribe(`room:${i % 4}`, (event) => mine.push(event.data))
      c.subscribe(`user:${i}`, (event) => mine.push(event.data))
    }
    for (const c of clients) await connected(c)
    // subscribes in one tick went in the connect URL or one POST: wait until the server has them all
    await eventually(async () =>
      expect(await lw.metrics.getSingleMetricAsString('likewire_subscriptions')).toMatch(/ 24$/m),
    )
    await lw.publishMany([0, 1, 2, 3].map((r) => ({ topic: `room:${r}`, data: `room-${r}` })))
    await lw.publishMany(Array.from({ length: 12 }, (_, i) => ({ topic: `user:${i}`, data: `user-${i}` })))
    for (let i = 0; i < 12; i++) {
      await eventually(() => expect(received.get(`c${i}`)).toEqual([`room-${i % 4}`, `user-${i}`]))
    }
  })

  it('after the server cuts its socket: reconnects, resubscribes, delivers again, no duplicate callback', async () => {
    await start()
    const c = client(listening.url)
    const got: unknown[] = []
    c.subscribe('a', (event) => got.push(event.data))
    c.subscribe('b', (event) => got.push(event.data))
    await connected(c)
    const first = c.state.connectionId
    await lw.publish('a', 1)
    await eventually(() => expect(got).toEqual([1]))

    // recorded, not polled: a short backoff can reconnect between two polls
    const statuses: string[] = []
    c.onStateChange(({ newState }) => statuses.push(newState.status))
    listening.server.closeAllConnections()
    await eventually(() => expect(statuses).toContain('reconnecting'))
    await connected(c)
    expect(c.state.connectionId).not.toBe(first)
    await lw.publish('b', 2)
    await lw.publish('a', 3)
    await eventually(() => expect(got).toEqual([1, 2, 3]))
  })

  it('reconnects when heartbeats stop arriving (silent network), then delivers', async () => {
    // a heartbeat slow enough that a loaded CI machine never misses one by accident
    await start({ heartbeatMs: 400 })
    proxy = await startProxy(listening.port)
    const c = client(proxy.url)
    const reasons: string[] = []
    c.onStateChange(({ newState }) => reasons.push(`${newState.status}:${newState.reason}`))
    const got: unknown[] = []
    c.subscribe('t', (event) => got.push(event.data))
    await connected(c)
    const first = c.state.connectionId
    proxy.freeze()
    await eventually(() => expect(reasons).toContain('reconnecting:heartbeat_timeout'), { timeout: 10_000 })
    proxy.thaw()
    await eventually(() =>
      expect(c.state.status === 'connected' && c.state.connectionId !== first).toBe(true),
    )
    await lw.publish('t', 'after')
    await eventually(() => expect(got).toEqual(['after']))
  })

  it('moves through reconnecting to connected when the server restarts with a reconnect hint', async () => {
    await start({ drainJitterMs: 50 })
    const port = listening.port
    const c = client(listening.url)
    const got: unknown[] = []
    c.subscribe('t', (event) => got.push(event.data))
    await connected(c)
    await lw.close()
    await listening.close()
    await eventually(() => expect(c.state.status).toBe('reconnecting'))
    lw = createLikewire({ logLevel: 'silent', processMetrics: false })
    listening = await listen(lw.app, { port })
    await connected(c)
    await lw.publish('t', 'back')
    await eventually(() => expect(got).toEqual(['back']))
  })

  it('stops with a clear state on 401 instead of hammering the server', async () => {
    let attempts = 0
    await start({
      authenticate: () => {
        attempts++
        return null
      },
    })
    const c = client(listening.url)
    c.subscribe('t', () => {})
    await eventually(() => expect(c.state).toMatchObject({ status: 'closed', reason: 'unauthorized' }))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(attempts).toBe(1)
  })
})
