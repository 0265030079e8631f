import { openStream, type Stream } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type Running, startLikewire } from './helpers'

let server: Running
const streams: Stream[] = []
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close()
  await server?.close()
})

describe('viewer counts', () => {
  it('publishes the subscriber count of a topic on <topic>/$viewers as viewers come and go', async () => {
    server = await startLikewire({ viewerCountIntervalMs: 20 })
    const watcher = await openStream(
      `${server.url}/v1/connect?topics=${encodeURIComponent('video:red/$viewers')}`,
    )
    streams.push(watcher)
    const counts = () => watcher.data().map((e) => (e.data as { count: number }).count)
    await vi.waitFor(() => expect(counts()).toEqual([0]))
    const viewers = await Promise.all(
      [1, 2, 3].map(() => openStream(`${server.url}/v1/connect?topics=video:red`)),
    )
    streams.push(...viewers)
    await vi.waitFor(() => expect(counts().at(-1)).toBe(3))
    viewers[0]!.close()
    await vi.waitFor(() => expect(counts().at(-1)).toBe(2))
    expect(watcher.data().at(-1)).toMatchObject({
      topic: 'video:red/$viewers',
      data: { topic: 'video:red', count: 2 },
    })
  })
})

describe('health and metrics', () => {
  it('serves /healthz and Prometheus /metrics', async () => {
    server = await startLikewire({ nodeId: 'n-health' })
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', nodeId: 'n-health' })
    await server.lw.publish('t', 1)
    const metrics = await fetch(`${server.url}/metrics`)
    expect(metrics.headers.get('content-type')).toContain('text/plain')
    const text = await metrics.text()
    expect(text).toMatch(/^likewire_published_events_total 1$/m)
    expect(text).toContain('# TYPE likewire_delivery_latency_seconds histogram')
  })
})
