import pino from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMetrics } from '../metrics/metrics'
import type { EncodedEvent } from '../protocol/frames'
import { MemoryRegistry } from '../registry/memory-registry'
import { Frontend } from './frontend'
import type { ConnectionSink } from './sink'

/** A sink that records writes and lets a test decide how much is "unsent". */
function recordingSink() {
  const writes: Buffer[] = []
  let closed: 'end' | 'destroy' | undefined
  let onClose = () => {}
  const sink: ConnectionSink & { writes: Buffer[]; buffered: number; closed(): typeof closed } = {
    writes,
    buffered: 0,
    write: (frames, bytes) => writes.push(Buffer.concat(frames as Buffer[], bytes)),
    bufferedBytes: () => sink.buffered,
    end: () => {
      closed = 'end'
      onClose()
    },
    destroy: () => {
      closed = 'destroy'
      onClose()
    },
    onClose: (listener) => {
      onClose = listener
    },
    closed: () => closed,
  }
  return sink
}

const tick = () => new Promise((resolve) => setImmediate(resolve))
const event = (topic: string, n: number, size = 10): EncodedEvent => ({
  topic,
  id: `e${n}`,
  ts: Date.now(),
  json: JSON.stringify({ topic, id: `e${n}`, data: 'x'.repeat(size) }),
})

let frontend: Frontend
const metrics = createMetrics({ defaultMetrics: false })
function make(overrides: Partial<ConstructorParameters<typeof Frontend>[0]> = {}) {
  frontend = new Frontend(
    {
      nodeId: 'n1',
      heartbeatMs: 60_000,
      retryMs: 1000,
      maxBufferedBytes: 10_000,
      maxConnections: 10,
      maxSubscriptionsPerConnection: 5,
      flushWindowMs: 0,
      maxFlushWindowMs: 100,
      ...overrides,
    },
    new MemoryRegistry(),
    metrics,
    pino({ level: 'silent' }),
  )
  return frontend
}
afterEach(() => frontend?.drain(0))

describe('Frontend', () => {
  it('holds frames until the preamble is written, then writes it first', async () => {
    const f = make()
    const sink = recordingSink()
    const connection = await f.open(sink, null, ['t'])
    f.deliver([event('t', 1)])
    await tick()
    expect(sink.writes).toHaveLength(0)
    connection.start(f.preamble(connection))
    expect(sink.writes[0]!.toString()).toMatch(/^retry: 1000\n\nevent: likewire.connected\n/)
    expect(sink.writes.map(String).join('')).toContain('"id":"e1"')
  })

  it('coalesces every frame of one tick into one write, and serializes each event once', async () => {
    const f = make()
    const sinks = [recordingSink(), recordingSink()]
    for (const sink of sinks) {
      const c = await f.open(sink, null, ['t'])
      c.start(Buffer.from('start\n\n'))
    }
    f.deliver(Array.from({ length: 20 }, (_, i) => event('t', i)))
    f.deliver([event('t', 20)])
    await tick()
    for (const sink of sinks) {
      expect(sink.writes).toHaveLength(2) // preamble, then one coalesced write
      expect(sink.writes[1]!.toString().match(/^data: /gm)).toHaveLength(21)
    }
  })

  it('queues a run of one topic once per subscriber, keeping the order of a mixed batch', async () => {
    const f = make()
    const both = recordingSink()
    const onlyA = recordingSink()
    const c = await f.open(both, null, ['a', 'b'])
    c.start(Buffer.from('\n'))
    ;(await f.open(onlyA, null, ['a'])).start(Buffer.from('\n'))
    const enqueue = vi.spyOn(c, 'enqueue')
    f.deliver([event('a', 1), event('a', 2), event('a', 3), event('b', 4), event('a', 5), event('c', 6)])
    await tick()
    // runs a1-a3, b4, a5: three enqueues for the connection on both topics, not five
    expect(enqueue).toHaveBeenCalledTimes(3)
    const ids = (sink: typeof both) =>
      [
        ...sink.writes
          .map(String)
          .join('')
          .matchAll(/"id":"(\w+)"/g),
      ].map((m) => m[1])
    expect(ids(both)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5'])
    expect(ids(onlyA)).toEqual(['e1', 'e2', 'e3', 'e5'])
    expect(both.writes).toHaveLength(2) // preamble, then the whole batch in one write
  })

  it('flushes at once after a quiet spell and at most once per flush window during a burst', async () => {
    const f = make({ flushWindowMs: 100 })
    const sink = recordingSink()
    ;(await f.open(sink, null, ['t'])).start(Buffer.from('\n'))
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] })
    try {
      const written = () => sink.writes.slice(1).map((w) => (String(w).match(/^data: /gm) ?? []).length)
      f.deliver([event('t', 1)])
      await vi.advanceTimersByTimeAsync(0)
      expect(written()).toEqual([1]) // quiet before: no added latency
      for (let i = 2; i <= 5; i++) {
        await vi.advanceTimersByTimeAsync(20)
        f.deliver([event('t', i)])
      }
      await vi.advanceTimersByTimeAsync(0)
      expect(written()).toEqual([1]) // 80 ms after the first flush: held
      await vi.advanceTimersByTimeAsync(20)
      expect(written()).toEqual([1, 4]) // one write for the burst, at the end of the window
      await vi.advanceTimersByTimeAsync(500)
      f.deliver([event('t', 6)])
      await vi.advanceTimersByTimeAsync(0)
      expect(written()).toEqual([1, 4, 1])
    } finally {
      vi.useRealTimers()
    }
  })

  it('shows its flush window and how long each flush took in its metrics', async () => {
    const value = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values
    const fixed = make({ flushWindowMs: 25 })
    expect((await value('likewire_flush_window_seconds'))[0]!.value).toBe(0.025)
    fixed.drain(0)
    const f = make({ flushWindowMs: 'auto' })
    expect((await value('likewire_flush_window_seconds'))[0]!.value).toBe(0) // nothing measured: every tick
    const count = async () =>
      (await value('likewire_flush_duration_seconds')).find((v) =>
        (v as { metricName?: string }).metricName?.endsWith('_count'),
      )!.value
    const flushes = await count()
    ;(await f.open(recordingSink(), null, ['t'])).start(Buffer.from('\n'))
    f.deliver([event('t', 1)])
    await tick()
    expect(await count()).toBe(flushes + 1)
  })

  it('shows in its metrics whether its windows are spread: 1 while events come faster than the window', async () => {
    const spread = async () =>
      (await metrics.registry.getSingleMetric('likewire_flush_spread')!.get()).values[0]!.value
    const f = make({ flushWindowMs: 80 })
    ;(await f.open(recordingSink(), null, ['t'])).start(Buffer.from('\n'))
    expect(await spread()).toBe(0)
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] })
    try {
      for (let i = 1; i <= 200; i++) {
        f.deliver([event('t', i)])
        await vi.advanceTimersByTimeAsync(5)
      }
      expect(await spread()).toBe(1)
      // then an event every 200 ms: each write carries one, the windows are not spread any more
      for (let i = 201; i <= 230; i++) {
        f.deliver([event('t', i)])
        await vi.advanceTimersByTimeAsync(200)
      }
      expect(await spread()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('never holds frames when the clock goes back (fake timers installed after a real flush)', async () => {
    const f = make({ flushWindowMs: 0 })
    const sink = recordingSink()
    ;(await f.open(sink, null, ['t'])).start(Buffer.from('\n'))
    f.deliver([event('t', 1)])
    await tick()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] })
    try {
      f.deliver([event('t', 2)])
      await vi.advanceTimersByTimeAsync(0)
      expect(sink.writes.map(String).join('')).toContain('"id":"e2"')
    } finally {
      vi.useRealTimers()
    }
  })

  it('drops a connection past its buffer bound and counts it, without touching the others', async () => {
    const f = make({ maxBufferedBytes: 2_000 })
    const slow = recordingSink()
    const fast = recordingSink()
    ;(await f.open(slow, null, ['t'])).start(Buffer.from('\n'))
    ;(await f.open(fast, null, ['t'])).start(Buffer.from('\n'))
    const before =
      (await metrics.disconnects.get()).values.find((v) => v.labels.reason === 'slow_consumer')?.value ?? 0
    slow.buffered = 1_900 // the kernel has not taken these bytes: the client stopped reading
    f.deliver([event('t', 1, 500)])
    await tick()
    expect(slow.closed()).toBe('destroy')
    expect(fast.closed()).toBeUndefined()
    expect(fast.writes.map(String).join('')).toContain('"id":"e1"')
    expect(f.connectionCount).toBe(1)
    const after = (await metrics.disconnects.get()).values.find(
      (v) => v.labels.reason === 'slow_consumer',
    )?.value
    expect(after).toBe(before + 1)
  })

  it('records a topic in the registry with its first subscriber and removes it with its last', async () => {
    const registry = new MemoryRegistry()
    frontend = new Frontend(
      {
        nodeId: 'n1',
        heartbeatMs: 60_000,
        retryMs: 1000,
        maxBufferedBytes: 1e6,
        maxConnections: 10,
        maxSubscriptionsPerConnection: 5,
        flushWindowMs: 0,
        maxFlushWindowMs: 100,
      },
      registry,
      metrics,
      pino({ level: 'silent' }),
    )
    const a = await frontend.open(recordingSink(), null, ['t'])
    const b = await frontend.open(recordingSink(), null, ['t'])
    expect(await registry.nodesFor(['t'])).toEqual(new Map([['t', ['n1']]]))
    await frontend.unsubscribe(a, ['t'])
    expect(await registry.nodesFor(['t'])).toEqual(new Map([['t', ['n1']]]))
    await frontend.unsubscribe(b, ['t'])
    expect(await registry.nodesFor(['t'])).toEqual(new Map())
  })

  it('refuses connections and subscriptions past their limits with stable codes', async () => {
    const f = make({ maxConnections: 1, maxSubscriptionsPerConnection: 2 })
    const c = await f.open(recordingSink(), null, ['a', 'b'])
    await expect(f.subscribe(c, ['c'])).rejects.toMatchObject({ status: 400, code: 'too_many_subscriptions' })
    await expect(f.open(recordingSink(), null, [])).rejects.toMatchObject({
      status: 429,
      code: 'too_many_connections',
    })
  })

  it('drains with a jittered reconnect hint per connection, then ends each stream', async () => {
    const f = make()
    const sinks = [recordingSink(), recordingSink()]
    for (const sink of sinks) (await f.open(sink, null, [])).start(Buffer.from('\n'))
    const delays = [0.25, 0.75]
    f.drain(4000, () => delays.shift()!)
    expect(sinks[0]!.writes.at(-1)!.toString()).toBe(
      'retry: 1000\n\nevent: likewire.reconnect\ndata: {"reason":"shutdown","delayMs":1000}\n\n',
    )
    expect(sinks[1]!.writes.at(-1)!.toString()).toContain('"delayMs":3000')
    expect(sinks.map((s) => s.closed())).toEqual(['end', 'end'])
    await expect(f.open(recordingSink(), null, [])).rejects.toMatchObject({
      status: 503,
      code: 'unavailable',
    })
  })
})

describe('Frontend listeners', () => {
  it('tells opens and closes of accepted connections, and neither for one that left while opening', async () => {
    // a registry whose first write waits for the test: the connection is "opening" meanwhile
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const registry = new MemoryRegistry()
    const addTopics = registry.addTopics.bind(registry)
    registry.addTopics = async (nodeId, topics) => {
      await gate
      return addTopics(nodeId, topics)
    }
    frontend = new Frontend(
      {
        nodeId: 'n1',
        heartbeatMs: 60_000,
        retryMs: 1000,
        maxBufferedBytes: 1e6,
        maxConnections: 10,
        maxSubscriptionsPerConnection: 5,
        flushWindowMs: 0,
        maxFlushWindowMs: 100,
      },
      registry,
      metrics,
      pino({ level: 'silent' }),
    )
    const told: string[] = []
    const stopOpen = frontend.onOpen((c) => told.push(`open ${c.topics.size}`))
    frontend.onClose((_c, reason) => told.push(`close ${reason}`))
    const leaving = recordingSink()
    const opening = frontend.open(leaving, null, ['a'])
    leaving.end() // the client leaves while its topics are being recorded
    release()
    await opening
    expect(told).toEqual([])
    const staying = await frontend.open(recordingSink(), null, ['b'])
    expect(told).toEqual(['open 1'])
    stopOpen()
    await frontend.open(recordingSink(), null, ['c'])
    frontend.remove(staying, 'client_closed')
    expect(told).toEqual(['open 1', 'close client_closed'])
  })
})
