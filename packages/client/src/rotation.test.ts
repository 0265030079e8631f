// The xhr transport's make-before-break stream replacement, through the real client on the fake XMLHttpRequest.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createClient } from './create-client'
import type { LikewireEvent } from './event'
import type { ClientOptions } from './options'
import { createFakeXhr } from './testing/fake-xhr'
import { frame, settle, useFakeTime } from './testing/harness'
import { events, setupBounded } from './testing/rotating-xhr'

beforeEach(useFakeTime)
afterEach(() => {
  vi.useRealTimers()
})

// these tests take the promotion from the old stream's abort, so it must come at promotion, with no grace
const abortAtOnce = { replacementGraceMs: 0 }

describe('xhr stream replacement past xhrMaxResponseChars', () => {
  it('opens a new stream past the bound, aborts the old one once the new one is connected, loses nothing', async () => {
    const { xhr, client, received, statuses, first } = await setupBounded(400, abortAtOnce)
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
    const { xhr, client, received, first, hold, release } = await setupBounded(400, abortAtOnce)
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
    const { xhr, client, first, hold, release } = await setupBounded(400, abortAtOnce)
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
    const { xhr, client, received, statuses, first } = await setupBounded(400, abortAtOnce)
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

describe('the replaced stream stays open for replacementGraceMs', () => {
  /** A client whose stream x1 was just replaced by x2, with the default grace (3000 ms). */
  async function replaced(options: Partial<ClientOptions> = {}) {
    const setup = await setupBounded(400, options)
    setup.first.push(events('likes', 1, 6)) // past the bound
    await settle()
    const second = setup.xhr.connects()[1]!
    second.respond(200)
    second.push(frame.connected('x2'))
    await settle()
    // the replacement is in charge at once; the old stream is still open
    expect(setup.client.state).toMatchObject({ status: 'connected', connectionId: 'x2' })
    expect(setup.first.aborted).toBe(false)
    return { ...setup, second }
  }
  const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `e${from + i}`)

  it('delivers once what reaches the old stream within the grace, then aborts it', async () => {
    const { client, received, statuses, first, second } = await replaced()
    // sent by a dispatcher that looked the topic up before x2's subscription was recorded: on x1 only
    first.push(events('likes', 7, 7))
    second.push(events('likes', 8, 8)) // published later: on both streams
    first.push(events('likes', 8, 8))
    await vi.advanceTimersByTimeAsync(2999)
    first.push(events('likes', 9, 9)) // the last moment of the grace
    expect(first.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(first.aborted).toBe(true)
    first.push(events('likes', 10, 10)) // past the grace: not read
    second.push(events('likes', 11, 11))
    await settle()
    expect(received.map((e) => e.id)).toEqual([...ids(1, 9), 'e11'])
    expect(statuses).toEqual(['connecting', 'connected', 'connected'])
    expect(second.aborted).toBe(false)
    client.close()
    expect(second.aborted).toBe(true)
  })

  it('a failure of the old stream during the grace changes nothing', async () => {
    const { xhr, client, received, statuses, first, second } = await replaced()
    first.push(events('likes', 7, 7))
    expect(received.map((e) => e.id)).toEqual(ids(1, 7)) // still read from the old stream
    first.fail()
    await vi.advanceTimersByTimeAsync(0) // a reconnect would be due now (backoff with random 0)
    second.push(events('likes', 7, 8)) // e7 again: dropped as seen
    await vi.advanceTimersByTimeAsync(3000) // the end of the grace finds it gone already
    expect(xhr.connects()).toHaveLength(2)
    expect(client.state).toMatchObject({ status: 'connected', connectionId: 'x2', attempt: 0 })
    expect(statuses).toEqual(['connecting', 'connected', 'connected'])
    expect(received.map((e) => e.id)).toEqual(ids(1, 8))
    expect(second.aborted).toBe(false)
    client.close()
  })

  it('a heartbeat timeout of the old stream during the grace changes nothing', async () => {
    const { xhr, client, statuses, first, second } = await replaced({ heartbeatTimeoutMs: 1000 })
    await vi.advanceTimersByTimeAsync(900)
    second.push(frame.heartbeat()) // the new stream stays healthy; the old one has gone silent
    await vi.advanceTimersByTimeAsync(100)
    expect(first.aborted).toBe(true) // its watchdog gave up on it, within the grace
    await vi.advanceTimersByTimeAsync(0)
    expect(xhr.connects()).toHaveLength(2)
    expect(client.state).toMatchObject({ status: 'connected', connectionId: 'x2', attempt: 0 })
    expect(statuses).toEqual(['connecting', 'connected', 'connected'])
    client.close()
  })

  it('close() during the grace aborts the old stream too', async () => {
    const { client, first, second } = await replaced()
    client.close()
    expect(first.aborted).toBe(true)
    expect(second.aborted).toBe(true)
  })

  it('when the new stream breaks during the grace, the old one goes too and the client reconnects', async () => {
    const { xhr, client, first, second } = await replaced()
    second.fail()
    await settle()
    expect(first.aborted).toBe(true)
    expect(client.state).toMatchObject({ status: 'reconnecting', attempt: 1 })
    await vi.advanceTimersByTimeAsync(0)
    expect(xhr.connects()).toHaveLength(3)
    client.close()
  })

  it('must be a timer delay: 0 up to 2^31 - 1 ms', () => {
    const options = {
      url: 'http://rt.test',
      transport: 'xhr' as const,
      XMLHttpRequest: createFakeXhr(() => ({ status: 200, body: {} })).XMLHttpRequest,
    }
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
      expect(() => createClient({ ...options, replacementGraceMs: bad })).toThrow(/replacementGraceMs/)
    }
    for (const good of [0, 2 ** 31 - 1, undefined]) {
      createClient({ ...options, replacementGraceMs: good }).close()
    }
  })
})
