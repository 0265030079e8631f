import { openStream, type Stream } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createPublisher } from '../src/publisher/publisher'
import { type Running, startLikewire } from './helpers'

let server: Running
let stream: Stream | undefined
afterEach(async () => {
  stream?.close()
  await server?.close()
})

describe('createPublisher', () => {
  it("one caller's bad event fails only that publish, never the batch it shares", async () => {
    server = await startLikewire()
    stream = await openStream(`${server.url}/v1/connect?topics=t`)
    await vi.waitFor(() => stream!.connectionId())
    const publisher = createPublisher({ dispatchers: [server.url] })
    const results = await Promise.allSettled([
      publisher.publish('t', 1),
      publisher.publish('t', undefined),
      publisher.publish('t', { big: 10n }),
      publisher.publish('bad topic', 2),
      publisher.publish('t', 'x'.repeat(70_000)),
      publisher.publish('t', 3),
    ])
    expect(
      results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code: string }).code)),
    ).toEqual(['ok', 'invalid_request', 'invalid_request', 'invalid_topic', 'payload_too_large', 'ok'])
    await vi.waitFor(() => expect(stream!.data().map((e) => e.data)).toEqual([1, 3]))
    await publisher.close()
  })

  it("cuts a tick of large events into requests under the server's body limit", async () => {
    server = await startLikewire({ maxRequestBytes: 1024 * 1024 })
    stream = await openStream(`${server.url}/v1/connect?topics=t`, {}, { retain: false })
    await vi.waitFor(() => stream!.connectionId())
    const publisher = createPublisher({ dispatchers: [server.url] })
    const data = 'x'.repeat(60_000)
    const ids = await Promise.all(Array.from({ length: 20 }, () => publisher.publish('t', data)))
    expect(new Set(ids.map((r) => r.id)).size).toBe(20)
    await vi.waitFor(() => expect(stream!.dataCount).toBe(20))
    await publisher.close()
  })

  it('counts a batch in UTF-8 bytes, so non-ASCII events never push a request past the limit', async () => {
    server = await startLikewire({ maxRequestBytes: 200_000 })
    stream = await openStream(`${server.url}/v1/connect?topics=t`, {}, { retain: false })
    await vi.waitFor(() => stream!.connectionId())
    // 16,000 characters, 48,000 bytes each: a batch cut by characters would be 3x the server's limit
    const publisher = createPublisher({ dispatchers: [server.url], maxBatchBytes: 190_000 })
    const data = '\u4e16'.repeat(16_000)
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => publisher.publish('t', data)))
    expect(results.map((r) => r.status)).toEqual(Array(10).fill('fulfilled'))
    await vi.waitFor(() => expect(stream!.dataCount).toBe(10))
    await publisher.close()
  })

  it("does not retry a 4xx: the caller's error is final", async () => {
    server = await startLikewire({ apiKey: 'right' })
    let requests = 0
    const publisher = createPublisher({
      dispatchers: [server.url, server.url],
      apiKey: 'wrong',
      fetch: (input, init) => {
        requests++
        return fetch(input, init)
      },
    })
    await expect(publisher.publish('t', 1)).rejects.toMatchObject({ code: 'unauthorized' })
    expect(requests).toBe(1)
  })
})
