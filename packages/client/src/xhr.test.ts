// The XMLHttpRequest transport (React Native) through the real client: same parser, same edge cases.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createClient } from './create-client'
import type { LikewireEvent } from './event'
import { createFakeXhr } from './testing/fake-xhr'
import { fakeOnline, frame, settle, useFakeTime } from './testing/harness'

beforeEach(useFakeTime)
afterEach(() => {
  vi.useRealTimers()
})

async function setupXhr() {
  const xhr = createFakeXhr((req) => ({ status: 200, body: { topics: JSON.parse(req.body ?? '{}').topics } }))
  const client = createClient({
    url: 'http://rt.test',
    transport: 'xhr',
    XMLHttpRequest: xhr.XMLHttpRequest,
    fetch: () => Promise.reject(new Error('fetch must not be used')),
    onlineSource: fakeOnline().source,
    headers: { Authorization: 'Bearer t' },
    random: () => 0,
    onError: () => {},
  })
  const received: LikewireEvent[] = []
  client.subscribe('likes', (e) => received.push(e))
  await settle()
  const stream = xhr.connects()[0]!
  return { xhr, client, received, stream }
}

describe('xhr transport', () => {
  it('streams incremental responseText into the parser, with CRLF split between \\r and \\n', async () => {
    const { client, received, stream } = await setupXhr()
    expect(stream.url).toBe('http://rt.test/v1/connect?topics=likes')
    expect(stream.requestHeaders).toMatchObject({ accept: 'text/event-stream', authorization: 'Bearer t' })
    stream.respond(200)
    stream.push('retry: 2000\r\n\r')
    stream.push(`\n${frame.connected('x1')}id: e1\r`)
    stream.push('\ndata: {"topic":"likes","id":"e1","ts":1,\ndata: "data":2}\r\n')
    await settle()
    expect(client.state).toMatchObject({ status: 'connected', connectionId: 'x1' })
    expect(received).toHaveLength(0)
    stream.push(': ping\r\n\r\n')
    await settle()
    expect(received.map((e) => e.data)).toEqual([2])
    client.close()
    expect(stream.aborted).toBe(true)
  })

  it('drops a BOM that the platform left in responseText', async () => {
    const { client, received, stream } = await setupXhr()
    stream.respond(200)
    stream.push(`\uFEFF${frame.connected('b1')}`)
    stream.push(frame.data('likes', 'e1'))
    await settle()
    expect(client.state.connectionId).toBe('b1')
    expect(received).toHaveLength(1)
    client.close()
  })

  it('does not deliver a partial event when the response ends, and reconnects', async () => {
    const { xhr, client, received, stream } = await setupXhr()
    stream.respond(200)
    stream.push(frame.connected())
    stream.push('data: {"topic":"likes","id":"e1","ts":1,"data":1}\n')
    stream.finish()
    await settle()
    expect(client.state).toMatchObject({ status: 'reconnecting', reason: 'stream_ended' })
    await vi.advanceTimersByTimeAsync(0)
    expect(xhr.connects()).toHaveLength(2)
    expect(received).toHaveLength(0)
    client.close()
  })

  it('treats a network failure as network_error', async () => {
    const { client, stream } = await setupXhr()
    stream.fail()
    await settle()
    expect(client.state).toMatchObject({ status: 'reconnecting', reason: 'network_error' })
    client.close()
  })

  it('sends subscribe POSTs through XMLHttpRequest with the headers', async () => {
    const { xhr, client, stream } = await setupXhr()
    stream.respond(200)
    stream.push(frame.connected('x1'))
    client.subscribe('comments', () => {})
    await settle()
    const post = xhr.posts()[0]!
    expect(post.url).toBe('http://rt.test/v1/subscribe')
    expect(JSON.parse(post.body!)).toEqual({ connectionId: 'x1', topics: ['comments'] })
    expect(post.requestHeaders).toMatchObject({
      authorization: 'Bearer t',
      'content-type': 'application/json',
    })
    client.close()
  })

  it('stops on 401 without retrying', async () => {
    const { xhr, client, stream } = await setupXhr()
    stream.respond(401)
    await settle()
    expect(client.state).toMatchObject({ status: 'closed', reason: 'unauthorized' })
    expect(stream.aborted).toBe(true)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(xhr.instances).toHaveLength(1)
  })
})
