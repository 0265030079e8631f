import { openStream, post, type Stream } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type Running, startLikewire } from './helpers'

let server: Running
const streams: Stream[] = []
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close()
  await server?.close()
})

async function connect(query = ''): Promise<Stream> {
  const stream = await openStream(`${server.url}/v1/connect${query}`)
  streams.push(stream)
  await vi.waitFor(() => stream.connectionId())
  return stream
}

describe('connect, subscribe, publish, deliver', () => {
  it('opens an SSE stream with the protocol headers and preamble', async () => {
    server = await startLikewire({ heartbeatMs: 10_000, nodeId: 'node-a' })
    const stream = await connect('?topics=a,b')
    expect(stream.status).toBe(200)
    expect(stream.headers['content-type']).toBe('text/event-stream')
    expect(stream.headers['cache-control']).toBe('no-cache')
    expect(stream.headers['x-accel-buffering']).toBe('no')
    expect(stream.raw.startsWith('retry: 2000\n\n')).toBe(true)
    const connected = JSON.parse(stream.events[0]!.data)
    expect(connected).toMatchObject({ nodeId: 'node-a', heartbeatMs: 10_000 })
    expect(connected.connectionId).toMatch(/^node-a\.[0-9a-f-]{36}$/)
  })

  it('delivers a published event to subscribers of its topic only, once', async () => {
    server = await startLikewire()
    const red = await connect('?topics=live:red')
    const green = await connect('?topics=live:green')
    const res = await post(`${server.url}/v1/publish`, { topic: 'live:red', data: { like: 1 } })
    expect(res.status).toBe(202)
    expect(res.body.ids).toHaveLength(1)
    await vi.waitFor(() => expect(red.data()).toHaveLength(1))
    const [event] = red.data()
    expect(event).toMatchObject({ topic: 'live:red', id: res.body.ids[0], data: { like: 1 } })
    expect(typeof event!.ts).toBe('number')
    // fire-and-forget: the id is in the JSON, no SSE id line (that is a history topic's position)
    expect(red.events.find((e) => e.event === undefined)!.id).toBeUndefined()
    // a second publish to green proves green's stream works while it never saw red's event
    await post(`${server.url}/v1/publish`, { topic: 'live:green', data: 2 })
    await vi.waitFor(() => expect(green.data()).toHaveLength(1))
    expect(green.data()[0]!.topic).toBe('live:green')
    expect(red.data()).toHaveLength(1)
  })

  it('subscribes and unsubscribes over POST, and publishes batches', async () => {
    server = await startLikewire()
    const stream = await connect()
    const connectionId = stream.connectionId()
    const sub = await post(`${server.url}/v1/subscribe`, { connectionId, topics: ['x', 'y'] })
    expect(sub).toEqual({ status: 200, body: { topics: ['x', 'y'] } })
    const batch = await post(`${server.url}/v1/publish`, {
      events: [
        { topic: 'x', data: 1 },
        { topic: 'y', data: 2 },
        { topic: 'z', data: 3 },
      ],
    })
    expect(batch.status).toBe(202)
    expect(new Set(batch.body.ids).size).toBe(3)
    await vi.waitFor(() => expect(stream.data().map((e) => e.data)).toEqual([1, 2]))
    const unsub = await post(`${server.url}/v1/unsubscribe`, { connectionId, topics: ['x'] })
    expect(unsub).toEqual({ status: 200, body: { topics: ['y'] } })
    await post(`${server.url}/v1/publish`, {
      events: [
        { topic: 'x', data: 4 },
        { topic: 'y', data: 5 },
      ],
    })
    await vi.waitFor(() => expect(stream.data().map((e) => e.data)).toEqual([1, 2, 5]))
  })

  it('publishes in-process through the same path', async () => {
    server = await startLikewire()
    const stream = await connect('?topics=t')
    const { id } = await server.lw.publish('t', { n: 1 })
    await vi.waitFor(() => expect(stream.data()).toEqual([expect.objectContaining({ id, data: { n: 1 } })]))
    await expect(server.lw.publish('bad topic', 1)).rejects.toMatchObject({ code: 'invalid_topic' })
  })

  it('sends heartbeats at the configured interval', async () => {
    server = await startLikewire({ heartbeatMs: 100 })
    const stream = await connect()
    await vi.waitFor(() =>
      expect(stream.events.filter((e) => e.event === 'likewire.heartbeat').length).toBeGreaterThanOrEqual(2),
    )
    const beat = stream.events.find((e) => e.event === 'likewire.heartbeat')!
    expect(JSON.parse(beat.data).t).toBeGreaterThan(0)
  })

  it('keeps many connections and topics apart (no cross-talk)', async () => {
    server = await startLikewire()
    const all = await Promise.all(Array.from({ length: 30 }, (_, i) => connect(`?topics=room:${i % 10}`)))
    await server.lw.publishMany(Array.from({ length: 10 }, (_, i) => ({ topic: `room:${i}`, data: i })))
    for (const [i, stream] of all.entries()) {
      await vi.waitFor(() => expect(stream.data().map((e) => e.data)).toEqual([i % 10]))
    }
  })
})

describe('embedded nodes sharing an InProcessTransport and a registry', () => {
  it("reach each other's subscribers in-process", async () => {
    const { InProcessTransport } = await import('../src/transport/in-process')
    const { MemoryRegistry } = await import('../src/registry/memory-registry')
    const shared = { registry: new MemoryRegistry(), transport: new InProcessTransport() }
    const a = await startLikewire(shared)
    const b = await startLikewire(shared)
    try {
      const onB = await openStream(`${b.url}/v1/connect?topics=t`)
      await vi.waitFor(() => onB.connectionId())
      const { id } = await a.lw.publish('t', 'from a')
      await vi.waitFor(() => expect(onB.data().map((e) => e.id)).toEqual([id]))
      onB.close()
    } finally {
      await a.close()
      await b.close()
    }
  })
})
