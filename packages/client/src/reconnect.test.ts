// Reconnect behaviour in time: heartbeat watchdog, backoff, auth stops, offline, drain hints, state events.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MIN_RETRY_BASE_MS } from './backoff'
import { frame, record, settle, setup, urlTopics, useFakeTime } from './testing/harness'

beforeEach(useFakeTime)
afterEach(() => {
  vi.useRealTimers()
})

async function connectedClient(options = {}) {
  const t = setup(options)
  const likes = record(t.client, 'likes')
  await settle()
  t.server.lastStream().push(frame.connected('conn-1', 1000))
  await settle()
  expect(t.client.state.status).toBe('connected')
  return { ...t, likes }
}

describe('reconnect', () => {
  it('heartbeat watchdog: 2.5 x heartbeatMs without bytes aborts and reconnects', async () => {
    const { client, server } = await connectedClient()
    const stream = server.lastStream()
    await vi.advanceTimersByTimeAsync(2000)
    stream.push(frame.heartbeat()) // bytes reset the watchdog
    await settle()
    await vi.advanceTimersByTimeAsync(2400)
    expect(client.state.status).toBe('connected')
    await vi.advanceTimersByTimeAsync(100)
    expect(client.state).toMatchObject({ status: 'reconnecting', reason: 'heartbeat_timeout', attempt: 1 })
    expect(stream.aborted).toBe(true)
    await vi.advanceTimersByTimeAsync(500) // random 0.5 x baseMs 1000
    expect(server.connects()).toHaveLength(2)
    client.close()
  })

  it('a reconnect that never answers is bounded by the heartbeat the server announced before', async () => {
    const { client, server } = await connectedClient() // the server announced heartbeatMs 1000
    await vi.advanceTimersByTimeAsync(2500) // silent: the watchdog fires
    expect(client.state.reason).toBe('heartbeat_timeout')
    await vi.advanceTimersByTimeAsync(500) // backoff: random 0.5 x baseMs 1000
    expect(server.connects()).toHaveLength(2)
    const blackHoled = server.lastStream() // the network eats the request: no byte ever comes back
    await vi.advanceTimersByTimeAsync(2499)
    expect(blackHoled.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1) // 2.5 x 1000 ms, not 2.5 x the 15 s default
    expect(blackHoled.aborted).toBe(true)
    expect(client.state).toMatchObject({ status: 'reconnecting', reason: 'heartbeat_timeout', attempt: 2 })
    client.close()
  })

  it('an explicit heartbeatTimeoutMs overrides the server heartbeat', async () => {
    const { client } = await connectedClient({ heartbeatTimeoutMs: 10_000 })
    await vi.advanceTimersByTimeAsync(9_999)
    expect(client.state.status).toBe('connected')
    await vi.advanceTimersByTimeAsync(1)
    expect(client.state.reason).toBe('heartbeat_timeout')
    client.close()
  })

  it('backs off exponentially with jitter on repeated failures, capped at maxMs', async () => {
    const t = setup({ random: () => 1, backoff: { baseMs: 100, maxMs: 500 } })
    t.server.connectStatuses.push(503, 503, 503, 503, 503)
    record(t.client, 'a')
    await settle()
    const delays: number[] = []
    for (let i = 0; i < 5; i++) {
      expect(t.client.state).toMatchObject({ status: 'reconnecting', reason: 'http_error', attempt: i + 1 })
      const delay = t.client.state.nextRetryAt! - Date.now()
      delays.push(delay)
      await vi.advanceTimersByTimeAsync(delay)
      await settle()
    }
    expect(delays).toEqual([100, 200, 400, 500, 500])
    expect(t.server.connects()).toHaveLength(6)
    t.client.close()
  })

  it('an option given as undefined keeps its default (exactOptionalPropertyTypes callers)', async () => {
    const t = setup({
      random: () => 1,
      backoff: { baseMs: undefined, maxMs: 5000, stableAfterMs: undefined },
    })
    t.server.connectStatuses.push(503)
    record(t.client, 'a')
    await settle()
    expect(t.client.state.nextRetryAt! - Date.now()).toBe(1000) // DEFAULT_BACKOFF.baseMs, not NaN
    t.client.close()
  })

  it('resets the attempt count once a connection stayed up stableAfterMs', async () => {
    const t = setup({ random: () => 1, backoff: { baseMs: 100, stableAfterMs: 5000 } })
    t.server.connectStatuses.push(503, 503)
    record(t.client, 'a')
    await settle()
    await vi.advanceTimersByTimeAsync(100)
    await settle()
    await vi.advanceTimersByTimeAsync(200)
    await settle()
    t.server.lastStream().push(frame.connected('c', 60_000))
    await settle()
    await vi.advanceTimersByTimeAsync(5000)
    t.server.lastStream().end()
    await settle()
    expect(t.client.state.nextRetryAt! - Date.now()).toBe(100)
    t.client.close()
  })

  it('a connection that drops before stableAfterMs keeps growing the backoff', async () => {
    const t = setup({ random: () => 1, backoff: { baseMs: 100, stableAfterMs: 5000 } })
    record(t.client, 'a')
    await settle()
    for (const expected of [100, 200, 400]) {
      t.server.lastStream().push(frame.connected('c', 60_000))
      await settle()
      t.server.lastStream().end()
      await settle()
      expect(t.client.state.nextRetryAt! - Date.now()).toBe(expected)
      await vi.advanceTimersByTimeAsync(expected)
      await settle()
    }
    t.client.close()
  })

  it('rotates to the next url after a failure', async () => {
    const t = setup({ url: ['http://a.test', 'http://b.test/'], random: () => 0 })
    record(t.client, 'a')
    await settle()
    t.server.lastStream().fail()
    await settle()
    await vi.advanceTimersByTimeAsync(0)
    t.server.lastStream().push(frame.connected('on-b'))
    record(t.client, 'b')
    await settle()
    expect(t.server.connects().map((r) => new URL(r.url).host)).toEqual(['a.test', 'b.test'])
    expect(t.server.posts('/v1/subscribe')[0]!.url).toBe('http://b.test/v1/subscribe')
    t.client.close()
  })

  it('401 closes with reason unauthorized and makes no further requests', async () => {
    const t = setup()
    t.server.connectStatuses.push(401)
    record(t.client, 'a')
    await settle()
    expect(t.client.state).toMatchObject({ status: 'closed', reason: 'unauthorized', nextRetryAt: null })
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    t.online.set(false)
    t.online.set(true)
    record(t.client, 'b')
    await settle()
    expect(t.server.requests).toHaveLength(1)
    expect(t.online.listeners.size).toBe(0)
  })

  it('403 with topics in the URL: at once again without them; 403 then too closes with reason forbidden', async () => {
    const t = setup()
    t.server.connectStatuses.push(403, 403)
    record(t.client, 'a')
    await settle()
    await vi.advanceTimersByTimeAsync(0)
    await settle()
    expect(t.server.connects().map((r) => urlTopics(r.url))).toEqual([['a'], []])
    expect(t.client.state).toMatchObject({ status: 'closed', reason: 'forbidden' })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(t.server.connects()).toHaveLength(2)
  })

  it('a connect refused 400 for its topics is retried at once bare, then each topic is judged by POST', async () => {
    const t = setup()
    t.server.connectStatuses.push({ status: 400, code: 'too_many_subscriptions' })
    const refused: unknown[] = []
    const a = record(t.client, 'a')
    t.client.subscribe('b', () => {}, { onError: (e) => refused.push(e) })
    t.server.setResponder((request) => {
      const { topics } = request.body as { topics: string[] }
      return topics.includes('b')
        ? { status: 400, body: { error: { code: 'too_many_subscriptions', message: 'at most 1' } } }
        : { status: 200, body: { topics } }
    })
    await settle()
    await vi.advanceTimersByTimeAsync(0)
    await settle()
    expect(t.server.connects().map((r) => urlTopics(r.url))).toEqual([['a', 'b'], []])
    t.server.lastStream().push(frame.connected('c1'))
    await settle()
    // [a, b] refused whole, then [a] taken and [b] refused on its own
    expect(t.server.posts('/v1/subscribe').map((r) => (r.body as { topics: string[] }).topics)).toEqual([
      ['a', 'b'],
      ['a'],
      ['b'],
    ])
    expect(refused).toMatchObject([{ code: 'too_many_subscriptions', status: 400, topic: 'b' }])
    expect(t.errors).toEqual(refused)
    expect(t.client.state.status).toBe('connected')
    t.server.lastStream().push(frame.data('a', 'e1') + frame.data('b', 'e2'))
    await settle()
    expect(a.received.map((e) => e.id)).toEqual(['e1'])
    t.client.close()
  })

  it('offline stops the stream and waits; online reconnects at once', async () => {
    const { client, server, online } = await connectedClient()
    online.set(false)
    expect(client.state).toMatchObject({ status: 'reconnecting', reason: 'offline', nextRetryAt: null })
    expect(server.streams[0]!.aborted).toBe(true)
    await vi.advanceTimersByTimeAsync(60_000) // no retries while offline, no watchdog either
    expect(server.connects()).toHaveLength(1)
    online.set(true)
    await settle()
    expect(server.connects()).toHaveLength(2)
    server.lastStream().push(frame.connected('conn-2'))
    await settle()
    expect(client.state).toMatchObject({ status: 'connected', connectionId: 'conn-2' })
    client.close()
  })

  it('coming back online starts the backoff afresh', async () => {
    const t = setup({ random: () => 1, backoff: { baseMs: 100 } })
    t.server.connectStatuses.push(503, 503, 503)
    record(t.client, 'a')
    await settle()
    await vi.advanceTimersByTimeAsync(100)
    await settle()
    expect(t.client.state.attempt).toBe(2)
    t.online.set(false)
    t.online.set(true)
    await settle()
    expect(t.client.state).toMatchObject({ status: 'reconnecting', reason: 'http_error', attempt: 1 })
    expect(t.client.state.nextRetryAt! - Date.now()).toBe(100)
    t.client.close()
  })

  it('starting while offline waits for online before connecting', async () => {
    const t = setup()
    t.online.set(false)
    record(t.client, 'a')
    await settle()
    expect(t.server.requests).toHaveLength(0)
    expect(t.client.state.reason).toBe('offline')
    t.online.set(true)
    await settle()
    expect(t.server.connects()).toHaveLength(1)
    t.client.close()
  })

  it('honours the likewire.reconnect hint: waits delayMs, not counted as a failure', async () => {
    const { client, server } = await connectedClient({ random: () => 1 })
    const stream = server.lastStream()
    stream.push(`retry: 3000\n${frame.reconnect(1234)}${frame.data('likes', 'after-hint')}`)
    await settle()
    expect(client.state).toMatchObject({ status: 'reconnecting', reason: 'server_shutdown', attempt: 0 })
    expect(client.state.nextRetryAt).toBe(Date.now() + 1234)
    expect(stream.aborted).toBe(true)
    await vi.advanceTimersByTimeAsync(1233)
    expect(server.connects()).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(urlTopics(server.connects()[1]!.url)).toEqual(['likes'])
    client.close()
  })

  it('emits the state sequence of a connect, a drop and a reconnect', async () => {
    const t = setup({ random: () => 0.5 })
    record(t.client, 'a')
    await settle()
    t.server.lastStream().push(frame.connected('c1'))
    await settle()
    t.server.lastStream().fail()
    await settle()
    await vi.advanceTimersByTimeAsync(500)
    t.server.lastStream().push(frame.connected('c2'))
    await settle()
    t.client.close()
    const seq = t.changes.map(({ newState: s }) => [
      s.status,
      s.reason,
      s.connectionId,
      s.attempt,
      s.nextRetryAt,
    ])
    expect(seq).toEqual([
      ['connecting', 'connect', null, 0, null],
      ['connected', 'connect', 'c1', 0, null],
      ['reconnecting', 'network_error', null, 1, 1_000_500],
      ['reconnecting', 'network_error', null, 1, null],
      ['connected', 'connect', 'c2', 0, null],
      ['closed', 'client_closed', null, 0, null],
    ])
    // each change's oldState is the previous newState
    for (let i = 1; i < t.changes.length; i++) expect(t.changes[i]!.oldState).toBe(t.changes[i - 1]!.newState)
  })

  it('close() aborts the stream, clears timers and online listeners', async () => {
    const { client, server, online } = await connectedClient()
    client.close()
    client.close()
    expect(client.state).toMatchObject({ status: 'closed', reason: 'client_closed' })
    expect(server.lastStream().aborted).toBe(true)
    expect(online.listeners.size).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
    record(client, 'after-close')
    await settle()
    expect(server.connects()).toHaveLength(1)
  })
})

describe('retry: frames', () => {
  /** Connects with `preamble` as the stream's start, then has every later connect answered `503`. */
  async function connectedThen503(preamble: string, options = {}) {
    const t = setup({ random: () => 1, backoff: { baseMs: 1000 }, ...options })
    record(t.client, 'a')
    await settle()
    t.server.lastStream().push(`${preamble}${frame.connected('c1', 60_000)}`)
    await settle()
    expect(t.client.state.status).toBe('connected')
    t.server.connectStatuses.push(503, 503, 503, 503)
    return t
  }

  /** Lets each scheduled retry run and returns the delays the client chose. */
  async function retryDelays(t: ReturnType<typeof setup>, count: number) {
    const delays: number[] = []
    for (let i = 0; i < count; i++) {
      const delay = t.client.state.nextRetryAt! - Date.now()
      delays.push(delay)
      await vi.advanceTimersByTimeAsync(delay)
      await settle()
    }
    return delays
  }

  it("a drain's retry: 0 delays one reconnect only: failed connects after it still back off", async () => {
    const t = await connectedThen503(frame.retry(2000))
    // the server's drain frames, as its frontend writes them with drainJitterMs 0
    t.server.lastStream().push(`${frame.retry(0)}${frame.reconnect(0)}`)
    await settle()
    expect(t.client.state).toMatchObject({ status: 'reconnecting', reason: 'server_shutdown' })
    // the drain's own reconnect is immediate, then the preamble's 2000 ms stays the backoff base
    expect(await retryDelays(t, 4)).toEqual([0, 2000, 4000, 8000])
    expect(t.server.connects()).toHaveLength(5)
    t.client.close()
  })

  it("the preamble's retry: replaces the base delay, but never below MIN_RETRY_BASE_MS", async () => {
    const t = await connectedThen503(frame.retry(0))
    expect(MIN_RETRY_BASE_MS).toBe(100)
    t.server.lastStream().end()
    await settle()
    expect(await retryDelays(t, 3)).toEqual([100, 200, 400])
    t.client.close()
  })

  it('a later retry: only lengthens the next delay once, and leaves the base alone', async () => {
    const t = await connectedThen503(frame.retry(200), { backoff: { baseMs: 1000, maxMs: 30_000 } })
    t.server.lastStream().push(frame.retry(5000))
    t.server.lastStream().end()
    await settle()
    expect(await retryDelays(t, 3)).toEqual([5000, 400, 800])
    t.client.close()
  })

  it('a later retry: shorter than the backoff does not shorten it', async () => {
    const t = await connectedThen503(frame.retry(2000))
    t.server.lastStream().push(frame.retry(0))
    t.server.lastStream().end()
    await settle()
    expect(await retryDelays(t, 2)).toEqual([2000, 4000])
    t.client.close()
  })
})

describe('headers', () => {
  it('sends headers and async getHeaders on connect and on every POST', async () => {
    let token = 0
    const t = setup({
      headers: { 'X-App': 'demo', Authorization: 'Bearer static' },
      getHeaders: async () => ({ Authorization: `Bearer ${++token}` }),
    })
    record(t.client, 'a')
    await settle()
    t.server.lastStream().push(frame.connected())
    record(t.client, 'b')
    await settle()
    const [connect, post] = t.server.requests
    expect(connect!.headers).toMatchObject({ 'x-app': 'demo', authorization: 'Bearer 1' })
    expect(post!.headers).toMatchObject({
      'x-app': 'demo',
      authorization: 'Bearer 2',
      'content-type': 'application/json',
    })
    t.client.close()
  })

  it('a getHeaders that throws is reported and retried with backoff', async () => {
    let fail = true
    const t = setup({
      random: () => 0,
      getHeaders: () => {
        if (fail) throw new Error('no token yet')
        return { Authorization: 'Bearer ok' }
      },
    })
    record(t.client, 'a')
    await settle()
    expect(t.errors).toHaveLength(1)
    expect(t.client.state).toMatchObject({ status: 'reconnecting', reason: 'network_error' })
    fail = false
    await vi.advanceTimersByTimeAsync(0)
    await settle()
    expect(t.server.connects()[0]!.headers.authorization).toBe('Bearer ok')
    t.client.close()
  })
})
