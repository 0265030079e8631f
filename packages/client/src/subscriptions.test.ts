// Subscription sharing, batching, queueing and resubscription, through the real client over a fake fetch.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { frame, record, settle, setup, urlTopics, useFakeTime } from './testing/harness'

beforeEach(useFakeTime)
afterEach(() => {
  vi.useRealTimers()
})

async function connectedClient(options = {}) {
  const t = setup(options)
  const first = record(t.client, 'first')
  await settle()
  t.server.lastStream().push(frame.connected('conn-1'))
  await settle()
  expect(t.client.state.status).toBe('connected')
  return { ...t, first }
}

describe('subscriptions', () => {
  it('opens lazily: no request before the first subscribe', async () => {
    const t = setup()
    await settle()
    expect(t.server.requests).toHaveLength(0)
    expect(t.client.state).toMatchObject({ status: 'closed', reason: null })
    t.client.close()
  })

  it('subscribes made in the opening tick all go in the connect URL', async () => {
    const t = setup()
    record(t.client, 'a')
    record(t.client, 'b:1')
    record(t.client, 'live:42/$viewers')
    await settle()
    expect(t.server.connects()).toHaveLength(1)
    const url = t.server.connects()[0]!.url
    expect(url.startsWith('http://rt.test/realtime/v1/connect?topics=')).toBe(true)
    expect(urlTopics(url)).toEqual(['a', 'b:1', 'live:42/$viewers'])
    expect(t.server.connects()[0]!.headers.accept).toBe('text/event-stream')
    t.client.close()
  })

  it('two callbacks on one topic share one server subscription and both receive', async () => {
    const { client, server } = await connectedClient()
    const a = record(client, 'likes')
    const b = record(client, 'likes')
    await settle()
    expect(server.posts('/v1/subscribe')).toHaveLength(1)
    expect(server.posts('/v1/subscribe')[0]!.body).toEqual({ connectionId: 'conn-1', topics: ['likes'] })
    server.lastStream().push(frame.data('likes', 'e1', 1))
    await settle()
    expect(a.received).toHaveLength(1)
    expect(b.received).toHaveLength(1)
    // dropping one callback keeps the server subscription; dropping the last removes it
    a.unsubscribe()
    await settle()
    expect(server.posts('/v1/unsubscribe')).toHaveLength(0)
    b.unsubscribe()
    b.unsubscribe() // idempotent
    await settle()
    expect(server.posts('/v1/unsubscribe').map((r) => r.body)).toEqual([
      { connectionId: 'conn-1', topics: ['likes'] },
    ])
    client.close()
  })

  it('batches subscribes of one tick into one POST, and unsubscribes into another', async () => {
    const { client, server } = await connectedClient()
    const subs = ['x', 'y', 'z'].map((topic) => record(client, topic))
    await settle()
    expect(server.posts('/v1/subscribe').map((r) => r.body)).toEqual([
      { connectionId: 'conn-1', topics: ['x', 'y', 'z'] },
    ])
    for (const s of subs) s.unsubscribe()
    await settle()
    expect(server.posts('/v1/unsubscribe').map((r) => r.body)).toEqual([
      { connectionId: 'conn-1', topics: ['x', 'y', 'z'] },
    ])
    client.close()
  })

  it('keeps one round of POSTs in flight, so the server applies changes in the order they were made', async () => {
    const { client, server } = await connectedClient()
    let release = () => {}
    server.setResponder(
      (request) =>
        new Promise((resolve) => {
          release = () =>
            resolve({ status: 200, body: { topics: (request.body as { topics: string[] }).topics } })
        }),
    )
    const t = record(client, 't')
    await settle()
    expect(server.posts().map((r) => r.url.split('/v1')[1])).toEqual(['/subscribe'])
    t.unsubscribe() // while the subscribe is in flight: nothing may overtake it
    await settle()
    record(client, 't') // and back: the server must end with t
    await settle()
    expect(server.posts()).toHaveLength(1)
    release()
    await settle()
    // in order, the net change after the first round is none: the server keeps t, no more requests
    expect(server.posts()).toHaveLength(1)
    record(client, 'u')
    await settle()
    release()
    await settle()
    expect(server.posts().map((r) => r.body)).toEqual([
      { connectionId: 'conn-1', topics: ['t'] },
      { connectionId: 'conn-1', topics: ['u'] },
    ])
    client.close()
  })

  it('a subscribe and unsubscribe in the same tick send nothing', async () => {
    const { client, server } = await connectedClient()
    record(client, 'flash').unsubscribe()
    await settle()
    expect(server.posts()).toHaveLength(0)
    client.close()
  })

  it('does not deliver to a callback after its unsubscribe', async () => {
    const { client, server, first } = await connectedClient()
    first.unsubscribe()
    server.lastStream().push(frame.data('first', 'e1'))
    await settle()
    expect(first.received).toHaveLength(0)
    client.close()
  })

  it('queues subscribes made while disconnected and sends them in the next connect URL', async () => {
    const { client, server } = await connectedClient({ random: () => 0 })
    server.lastStream().fail()
    await settle()
    expect(client.state.status).toBe('reconnecting')
    record(client, 'late')
    await settle()
    expect(server.posts()).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(0)
    expect(urlTopics(server.connects()[1]!.url)).toEqual(['first', 'late'])
    client.close()
  })

  it('sends topics subscribed while the connect is in flight by POST once connected', async () => {
    const t = setup()
    record(t.client, 'a')
    await settle() // connect request made with topics=a
    record(t.client, 'b')
    await settle()
    expect(t.server.posts()).toHaveLength(0)
    t.server.lastStream().push(frame.connected('conn-9'))
    await settle()
    expect(t.server.posts('/v1/subscribe').map((r) => r.body)).toEqual([
      { connectionId: 'conn-9', topics: ['b'] },
    ])
    t.client.close()
  })

  it('resubscribes every topic after a reconnect', async () => {
    const { client, server } = await connectedClient({ random: () => 0 })
    record(client, 'second')
    await settle()
    server.lastStream().end()
    await settle()
    await vi.advanceTimersByTimeAsync(0)
    expect(urlTopics(server.connects()[1]!.url)).toEqual(['first', 'second'])
    server.lastStream().push(frame.connected('conn-2'))
    server.lastStream().push(frame.data('second', 'e2'))
    await settle()
    expect(client.state.connectionId).toBe('conn-2')
    expect(server.posts('/v1/subscribe')).toHaveLength(1) // only the one made before the drop
    client.close()
  })

  it('reconnects when a subscribe is answered 404 unknown_connection', async () => {
    const { client, server } = await connectedClient({ random: () => 0 })
    server.setResponder(() => ({ status: 404, body: { error: { code: 'unknown_connection', message: '' } } }))
    record(client, 'other')
    await settle()
    expect(client.state).toMatchObject({ status: 'reconnecting', reason: 'unknown_connection' })
    expect(server.streams[0]!.aborted).toBe(true)
    await vi.advanceTimersByTimeAsync(0)
    expect(urlTopics(server.connects()[1]!.url)).toEqual(['first', 'other'])
    client.close()
  })

  it('reports other subscribe errors through onError without dropping the stream', async () => {
    const { client, server, errors } = await connectedClient()
    server.setResponder(() => ({
      status: 400,
      body: { error: { code: 'too_many_subscriptions', message: '' } },
    }))
    record(client, 'other')
    await settle()
    expect(errors).toMatchObject([{ code: 'too_many_subscriptions', status: 400 }])
    expect(client.state.status).toBe('connected')
    client.close()
  })

  it('drops re-delivered events by id', async () => {
    const { client, server, first } = await connectedClient({ random: () => 0, dedupeSize: 2 })
    const stream = server.lastStream()
    stream.push(frame.data('first', 'e1') + frame.data('first', 'e1') + frame.data('first', 'e2'))
    await settle()
    expect(first.received.map((e) => e.id)).toEqual(['e1', 'e2'])
    // a re-delivery after a reconnect is dropped too
    stream.end()
    await settle()
    await vi.advanceTimersByTimeAsync(0)
    server
      .lastStream()
      .push(frame.connected('conn-2') + frame.data('first', 'e2') + frame.data('first', 'e3'))
    await settle()
    expect(first.received.map((e) => e.id)).toEqual(['e1', 'e2', 'e3'])
    client.close()
  })

  it('a callback that throws does not stop delivery to the others', async () => {
    const { client, server, errors } = await connectedClient()
    const boom = new Error('boom')
    client.subscribe('t', () => {
      throw boom
    })
    const after = record(client, 't')
    server.lastStream().push(frame.data('t', 'e1'))
    await settle()
    expect(after.received).toHaveLength(1)
    expect(errors).toEqual([boom])
    client.close()
  })

  it('rejects an invalid topic synchronously', () => {
    const { client } = setup()
    expect(() => client.subscribe('a,b', () => {})).toThrow(TypeError)
    expect(() => client.subscribe('', () => {})).toThrow(TypeError)
    client.close()
  })
})
