// History topics against a real server: resume across cut and silent connections, expired gaps, rewind.
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { startProxy, type TcpProxy } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createClient,
  type LikewireClient,
  type LikewireEvent,
  type LikewireGap,
  type OnlineSource,
} from '../src/index'

let lw: Likewire | undefined
let listening: Listening | undefined
let proxy: TcpProxy | undefined
const clients: LikewireClient[] = []

async function start(size: number, options: Parameters<typeof createLikewire>[0] = {}) {
  // retryMs: the preamble's retry is the client's backoff base; a short one keeps reconnects quick
  lw = createLikewire({
    logLevel: 'silent',
    processMetrics: false,
    retryMs: 100,
    history: [{ match: 'chat:*', size }],
    ...options,
  })
  listening = await listen(lw.app, { port: 0 })
  return { lw, listening }
}

function client(url: string, options: Partial<Parameters<typeof createClient>[0]> = {}) {
  const c = createClient({ url, backoff: { baseMs: 20, maxMs: 200 }, onError: () => {}, ...options })
  clients.push(c)
  return c
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await proxy?.close()
  proxy = undefined
  await lw?.close()
  await listening?.close()
  lw = undefined
  listening = undefined
})

// a ceiling, not a timing assertion: reconnects on a loaded 2-core machine can take seconds
const eventually = <T>(check: () => T, timeout = 15_000) => vi.waitFor(check, { timeout, interval: 20 })
const connected = (c: LikewireClient) => eventually(() => expect(c.state.status).toBe('connected'))
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Subscribes and records the events and gaps of `topic`, resolving once the server has the subscription. */
async function recorder(c: LikewireClient, topic: string, options: { rewind?: number } = {}) {
  const events: LikewireEvent[] = []
  const gaps: LikewireGap[] = []
  let acked = false
  c.subscribe(topic, (e) => events.push(e), {
    onGap: (gap) => gaps.push(gap),
    onSubscribed: () => {
      acked = true
    },
    ...options,
  })
  await eventually(() => expect(acked).toBe(true))
  return { events, gaps, data: () => events.map((e) => e.data) }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** An online source the test switches. */
function switchableOnline() {
  let online = true
  const listeners = new Set<(online: boolean) => void>()
  const source: OnlineSource = {
    isOnline: () => online,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  const set = (value: boolean) => {
    online = value
    for (const listener of [...listeners]) listener(value)
  }
  return { source, set }
}

describe('history topics, client and server for real', () => {
  it('the server cuts every connection while events are published: each arrives exactly once, in order', async () => {
    const { lw, listening } = await start(100)
    const c = client(listening.url)
    const chat = await recorder(c, 'chat:1')
    const reconnects: string[] = [] // recorded, not polled: a short backoff can reconnect between two polls
    c.onStateChange(({ oldState, newState }) => {
      if (oldState.status === 'reconnecting' && newState.status === 'connected')
        reconnects.push(newState.reason!)
    })
    const total = 300
    const publishing = (async () => {
      for (let n = 1; n <= total; n++) {
        await lw.publish('chat:1', n)
        await pause(3) // paced, so cuts and reconnects fall between publishes
      }
    })()
    for (let cut = 1; cut <= 3; cut++) {
      await eventually(() => expect(chat.events.length).toBeGreaterThan(cut * 60))
      listening.server.closeAllConnections()
      await eventually(() => expect(reconnects).toHaveLength(cut))
    }
    await publishing
    await eventually(() => expect(chat.events.at(-1)?.data).toBe(total))
    expect(chat.data()).toEqual(range(1, total))
    expect(chat.gaps).toEqual([])
  })

  it('a subscription cut before its first event still gets what was published meanwhile (the server told where it starts)', async () => {
    const { lw, listening } = await start(100)
    await lw.publish('chat:1', 'before') // published before the subscription: not the client's
    const online = switchableOnline()
    const c = client(listening.url, { onlineSource: online.source })
    const chat = await recorder(c, 'chat:1')
    online.set(false) // away before any event arrived
    await lw.publish('chat:1', 'while away 1')
    await lw.publish('chat:1', 'while away 2')
    online.set(true)
    await connected(c)
    await lw.publish('chat:1', 'live')
    await eventually(() => expect(chat.data()).toEqual(['while away 1', 'while away 2', 'live']))
    expect(chat.gaps).toEqual([])
  })

  it('a client dropped as a slow consumer resumes from its position: nothing lost, nothing doubled', async () => {
    const { lw, listening } = await start(5000, { maxBufferedBytes: 64 * 1024 })
    proxy = await startProxy(listening.port)
    const c = client(proxy.url)
    const chat = await recorder(c, 'chat:1')
    proxy.stall() // the client stops reading: the server's unsent bytes pile up past its bound
    const text = 'x'.repeat(8000)
    // 16 MB: past the kernel's socket buffers on both sides of the proxy, then past the server's bound
    for (let n = 1; n <= 2000; n++) await lw.publish('chat:1', { n, text })
    await eventually(async () => {
      const metrics = await lw.metrics.metrics()
      expect(metrics).toMatch(/likewire_disconnects_total\{reason="slow_consumer"\} 1/)
    })
    proxy.unstall()
    await eventually(() => expect(chat.events.at(-1)?.data).toMatchObject({ n: 2000 }), 30_000)
    expect(chat.events.map((e) => (e.data as { n: number }).n)).toEqual(range(1, 2000))
    expect(chat.gaps).toEqual([])
  }, 90_000)

  it('a client away longer than the retention gets onGap expired, then live events', async () => {
    const { lw, listening } = await start(5)
    const online = switchableOnline()
    const c = client(listening.url, { onlineSource: online.source })
    const chat = await recorder(c, 'chat:1')
    await lw.publish('chat:1', 1)
    await eventually(() => expect(chat.data()).toEqual([1]))
    const { epoch } = chat.events[0]!.position!
    online.set(false) // the stream is closed until the network is back
    for (const n of range(2, 10)) await lw.publish('chat:1', n) // 5 retained: 6-10; 2-5 are gone
    online.set(true)
    await eventually(() =>
      expect(chat.gaps).toEqual([{ topic: 'chat:1', reason: 'expired', position: { epoch, offset: 10 } }]),
    )
    await connected(c)
    await lw.publish('chat:1', 11)
    await eventually(() => expect(chat.data()).toEqual([1, 11]))
  })

  it('rewind gives a late joiner the last n, from the server or, on a topic the client holds, from its buffer', async () => {
    const { lw, listening } = await start(100)
    for (const n of range(1, 5)) await lw.publish('chat:1', n)
    const c = client(listening.url)
    const first = await recorder(c, 'chat:1', { rewind: 3 })
    await eventually(() => expect(first.data()).toEqual([3, 4, 5]))
    await lw.publish('chat:1', 6)
    await eventually(() => expect(first.data()).toEqual([3, 4, 5, 6]))
    const second = await recorder(c, 'chat:1', { rewind: 2 }) // the client holds the topic: its buffer
    await lw.publish('chat:1', 7)
    await eventually(() => expect(second.data()).toEqual([5, 6, 7]))
    // another client already connected: the rewind goes in its subscribe POST
    const other = client(listening.url)
    await recorder(other, 'chat:other')
    const late = await recorder(other, 'chat:1', { rewind: 4 })
    await lw.publish('chat:1', 8)
    await eventually(() => expect(late.data()).toEqual([4, 5, 6, 7, 8]))
    expect(first.data()).toEqual(range(3, 8))
  })

  it('a silent network (heartbeat timeout) while events are published: nothing lost, nothing doubled', async () => {
    // a heartbeat slow enough that a loaded machine never misses one by accident
    const { lw, listening } = await start(1000, { heartbeatMs: 400 })
    proxy = await startProxy(listening.port)
    const c = client(proxy.url)
    const reasons: string[] = []
    c.onStateChange(({ newState }) => reasons.push(`${newState.status}:${newState.reason}`))
    const chat = await recorder(c, 'chat:1')
    let n = 0
    let publishing = true
    const publisher = (async () => {
      while (publishing) {
        await lw.publish('chat:1', ++n)
        await pause(5)
      }
    })()
    await eventually(() => expect(chat.events.length).toBeGreaterThan(10))
    proxy.freeze() // bytes stop both ways, sockets stay open: what is written meanwhile is lost on the way
    await eventually(() => expect(reasons).toContain('reconnecting:heartbeat_timeout'))
    const frozenAt = n
    proxy.thaw()
    await eventually(() => expect(reasons.at(-1)).toBe('connected:connect'))
    await eventually(() => expect(chat.events.length).toBeGreaterThan(frozenAt + 10))
    publishing = false
    await publisher
    await eventually(() => expect(chat.events.at(-1)?.data).toBe(n))
    expect(chat.data()).toEqual(range(1, n))
    expect(chat.gaps).toEqual([])
  })
})
