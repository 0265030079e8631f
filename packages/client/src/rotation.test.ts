// The xhr transport's make-before-break stream replacement, through the real client on the fake XMLHttpRequest.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { LikewireEvent } from './event'
import { frame, settle, useFakeTime } from './testing/harness'
import { events, setupBounded } from './testing/rotating-xhr'

beforeEach(useFakeTime)
afterEach(() => {
  vi.useRealTimers()
})

describe('xhr stream replacement past xhrMaxResponseChars', () => {
  it('opens a new stream past the bound, aborts the old one once the new one is connected, loses nothing', async () => {
    const { xhr, client, received, statuses, first } = await setupBounded()
    first.push(events('likes', 1, 3))
    await settle()
    expect(xhr.connects()).toHaveLength(1) // under the bound: nothing happens
    first.push(events('likes', 4, 6)) // past 400 characters
    await settle()
    expect(xhr.connects()).toHaveLength(2)
    const second = xhr.connects()[1]!
    expect(second.url).toBe('http://rt.test/v1/connect?topics=likes')
    // until the new stream is connected, the old one stays in charge and keeps delivering
    first.push(events('likes', 7, 8))
    second.respond(200)
    await settle()
    expect(first.aborted).toBe(false)
    expect(client.state.connectionId).toBe('x1')
    // the server queues what was published meanwhile right after the preamble: e8 comes on both
    second.push(`${frame.retry(2000)}${frame.connected('x2')}${events('likes', 8, 10)}`)
    await settle()
    expect(first.aborted).toBe(true)
    first.push(events('likes', 11, 11)) // whatever the aborted stream still had is not read
    second.push(events('likes', 12, 12))
    await settle()
    expect(received.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12].map((n) => `e${n}`))
    expect(client.state).toMatchObject({ status: 'connected', connectionId: 'x2', attempt: 0 })
    expect(statuses).toEqual(['connecting', 'connected', 'connected']) // the id changed, the status never
    client.close()
    expect(second.aborted).toBe(true)
  })

  it('aborts the old stream only once every topic is acknowledged on the new one (subscribe POST 200)', async () => {
    const { xhr, client, received, first, hold, release } = await setupBounded()
    const comments: LikewireEvent[] = []
    first.push(events('likes', 1, 6))
    await settle()
    const second = xhr.connects()[1]!
    // subscribed while the new stream is opening: it is not in that stream's connect URL
    const acks: string[] = []
    client.subscribe('comments', (e) => comments.push(e), { onSubscribed: () => acks.push('comments') })
    await settle()
    expect(acks).toEqual(['comments']) // acknowledged on the old stream
    hold('x2')
    second.respond(200)
    second.push(frame.connected('x2'))
    await settle()
    const post = xhr.posts().find((p) => JSON.parse(p.body!).connectionId === 'x2')!
    expect(JSON.parse(post.body!)).toEqual({ connectionId: 'x2', topics: ['comments'] })
    expect(first.aborted).toBe(false) // `comments` is not acknowledged on x2 yet
    expect(client.state.connectionId).toBe('x1')
    first.push(frame.data('comments', 'c1'))
    second.push(frame.data('likes', 'e7'))
    await settle()
    release('x2')
    await settle()
    expect(first.aborted).toBe(true)
    expect(client.state.connectionId).toBe('x2')
    second.push(frame.data('comments', 'c2'))
    await settle()
    expect(comments.map((e) => e.id)).toEqual(['c1', 'c2'])
    expect(received.map((e) => e.id)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7'])
    expect(acks).toEqual(['comments']) // a replacement is not a reconnect: no second onSubscribed
    client.close()
  })

  it('a topic the old stream had not acknowledged yet gets its onSubscribed from the new one, once', async () => {
    const { xhr, client, first, hold, release } = await setupBounded()
    first.push(events('likes', 1, 6))
    await settle()
    const second = xhr.connects()[1]! // its connect URL has `likes` only
    client.subscribe('extra', () => {})
    await settle() // acknowledged on the old stream: the new one must have it before taking over
    hold('x1') // the old stream's next subscribe POST stays in flight
    const acks: string[] = []
    client.subscribe('comments', () => {}, { onSubscribed: () => acks.push(client.state.connectionId!) })
    await settle()
    expect(acks).toEqual([])
    second.respond(200)
    second.push(frame.connected('x2')) // `extra` and `comments` go to x2 in one POST, answered at once
    await settle()
    expect(first.aborted).toBe(true)
    expect(acks).toEqual(['x2'])
    release('x1') // the old stream's late answer counts for nothing
    await settle()
    expect(acks).toEqual(['x2'])
    client.close()
  })

  it('a replacement that fails leaves the live stream alone and is tried again', async () => {
    const { xhr, client, received, statuses, first } = await setupBounded()
    first.push(events('likes', 1, 6))
    await settle()
    xhr.connects()[1]!.respond(503)
    await settle()
    expect(first.aborted).toBe(false)
    expect(client.state).toMatchObject({ status: 'connected', connectionId: 'x1' })
    await vi.advanceTimersByTimeAsync(0) // backoff with random 0
    expect(xhr.connects()).toHaveLength(3)
    const third = xhr.connects()[2]!
    third.respond(200)
    third.push(`${frame.connected('x3')}${events('likes', 7, 7)}`)
    await settle()
    expect(first.aborted).toBe(true)
    expect(client.state.connectionId).toBe('x3')
    expect(received.map((e) => e.id)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7'])
    expect(statuses).not.toContain('reconnecting')
    client.close()
  })

  it('a replacement that never gets ready is dropped after the heartbeat timeout', async () => {
    const { xhr, client, first } = await setupBounded()
    first.push(events('likes', 1, 6))
    await settle()
    const second = xhr.connects()[1]!
    second.respond(200) // headers, then silence
    await vi.advanceTimersByTimeAsync(37_499)
    first.push(frame.heartbeat()) // the live stream stays healthy
    expect(second.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(second.aborted).toBe(true)
    expect(client.state).toMatchObject({ status: 'connected', connectionId: 'x1' })
    client.close()
  })

  it('when the live stream breaks during a replacement, both go and the client reconnects as usual', async () => {
    const { xhr, client, first } = await setupBounded()
    first.push(events('likes', 1, 6))
    await settle()
    const second = xhr.connects()[1]!
    first.fail()
    await settle()
    expect(second.aborted).toBe(true)
    expect(client.state).toMatchObject({ status: 'reconnecting', attempt: 1 })
    await vi.advanceTimersByTimeAsync(0)
    expect(xhr.connects()).toHaveLength(3)
    client.close()
  })

  it('Infinity never replaces the stream', async () => {
    const { xhr, client, first } = await setupBounded(Number.POSITIVE_INFINITY)
    first.push(events('likes', 1, 200))
    await settle()
    expect(xhr.connects()).toHaveLength(1)
    client.close()
  })
})
