// requestTimeoutMs against a real server behind a real HTTP hop that stalls: a subscribe POST without an
// answer is aborted and counts as a network failure (a new stream carries the topic), never a hang.
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient, LikewireError } from '../src/index'
import { type HoldingProxy, holdingProxy } from './holding-proxy'
import { createNodeXhr } from './node-xhr'

let lw: Likewire | undefined
let listening: Listening | undefined
let proxy: HoldingProxy | undefined
const clients: LikewireClient[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await proxy?.close()
  await lw?.close()
  await listening?.close()
})

// a ceiling, not a timing assertion
const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 15_000, interval: 20 })

describe.each(['fetch', 'xhr'] as const)('requestTimeoutMs (%s transport)', (transport) => {
  it('a subscribe POST that gets no answer is aborted, reported, and the topic comes back on a new stream', async () => {
    const xhr = createNodeXhr()
    lw = createLikewire({ logLevel: 'silent', processMetrics: false, retryMs: 100 })
    listening = await listen(lw.app, { port: 0 })
    proxy = await holdingProxy(listening.url)
    const errors: unknown[] = []
    const c = createClient({
      url: proxy.url,
      share: false,
      ...(transport === 'xhr' ? { XMLHttpRequest: xhr.XMLHttpRequest } : {}),
      requestTimeoutMs: 300,
      backoff: { baseMs: 20, maxMs: 200 },
      onError: (e) => errors.push(e),
    })
    clients.push(c)
    let first = false
    c.subscribe('a', () => {}, { onSubscribed: () => (first = true) })
    await eventually(() => expect(first).toBe(true))
    proxy.hold = (method, path) => method === 'POST' && path.endsWith('/v1/subscribe')
    const got: unknown[] = []
    let acked = false
    c.subscribe('b', (e) => got.push(e.data), { onSubscribed: () => (acked = true) })
    await eventually(() => expect(acked).toBe(true))
    expect(proxy.held).toBe(1)
    expect(errors).toEqual([expect.objectContaining({ code: 'request_timeout' })])
    expect(errors[0]).toBeInstanceOf(LikewireError)
    await lw.publish('b', 'x')
    await eventually(() => expect(got).toEqual(['x']))
    // the held request was aborted, not left open
    if (transport === 'xhr')
      expect(xhr.instances.filter((r) => r.method === 'POST' && r.aborted)).toHaveLength(1)
  })
})
