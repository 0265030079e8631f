// Subscriptions the server refuses for good (4xx a retry gets again), against a real server: the refused
// one is dropped and told, the others go on; never a client retrying for ever or closed for one topic.
import { createHmac } from 'node:crypto'
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient, LikewireError, type OnlineSource } from '../src/index'

const SECRET = 'a-client-test-secret-of-32-bytes-or-more'
let lw: Likewire | undefined
let listening: Listening | undefined
const clients: LikewireClient[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await lw?.close()
  await listening?.close()
})

// a ceiling, not a timing assertion
const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 15_000, interval: 20 })
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
function sign(claims: Record<string, unknown>): string {
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`
}

async function start(options: Parameters<typeof createLikewire>[0] = {}) {
  lw = createLikewire({ logLevel: 'silent', processMetrics: false, retryMs: 100, ...options })
  listening = await listen(lw.app, { port: 0 })
  return listening.url
}

function client(url: string, options: Partial<Parameters<typeof createClient>[0]> = {}) {
  const errors: unknown[] = []
  const c = createClient({
    url,
    share: false,
    backoff: { baseMs: 20, maxMs: 200 },
    onError: (e) => errors.push(e),
    ...options,
  })
  clients.push(c)
  return { c, errors }
}

/** Subscribes `topic`, recording its events and the refusal its onError is told. */
function sub(c: LikewireClient, topic: string) {
  const data: unknown[] = []
  const refusals: LikewireError[] = []
  let acked = false
  const unsubscribe = c.subscribe(topic, (e) => data.push(e.data), {
    onSubscribed: () => (acked = true),
    onError: (e) => refusals.push(e),
  })
  return { data, refusals, acked: () => acked, unsubscribe }
}

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
  return {
    source,
    set(value: boolean) {
      online = value
      for (const listener of [...listeners]) listener(value)
    },
  }
}

describe('subscriptions the server refuses', () => {
  it('a topic the token does not grant, in the connect URL: refused alone (403 forbidden), the client stays up', async () => {
    const url = await start({ auth: { jwt: { secret: SECRET } } })
    const { c, errors } = client(url, { getToken: () => sign({ sub: 'ann', topics: ['chat:*'] }) })
    const chat = sub(c, 'chat:1')
    const room = sub(c, 'room:1') // same tick: both in the connect URL, which the server refuses whole
    await eventually(() => expect(room.refusals).toHaveLength(1))
    expect(room.refusals[0]).toBeInstanceOf(LikewireError)
    expect(room.refusals[0]).toMatchObject({ code: 'forbidden', status: 403, topic: 'room:1' })
    expect(errors).toEqual(room.refusals)
    await eventually(() => expect(chat.acked()).toBe(true))
    expect(c.state.status).toBe('connected')
    await lw!.publish('chat:1', 'hi')
    await lw!.publish('room:1', 'never')
    await eventually(() => expect(chat.data).toEqual(['hi']))
    expect(room.data).toEqual([])
  })

  it('a 403 naming its refused topics: those are dropped and the rest connect again at once, no bare connect, no POST', async () => {
    const url = await start({ auth: { jwt: { secret: SECRET } } })
    const requests: string[] = []
    const { c, errors } = client(url, {
      getToken: () => sign({ sub: 'ann', topics: ['chat:*'] }),
      fetch: (input, init) => {
        const { pathname, searchParams } = new URL(String(input))
        requests.push(`${init?.method ?? 'GET'} ${pathname} ${searchParams.get('topics') ?? ''}`.trim())
        return globalThis.fetch(input, init)
      },
    })
    const subs = ['room:1', 'chat:1', 'room:2'].map((topic) => sub(c, topic))
    await eventually(() => expect(subs[1]!.acked()).toBe(true))
    expect(subs.map((s) => s.refusals.map((e) => e.topic))).toEqual([['room:1'], [], ['room:2']])
    expect(errors).toHaveLength(2)
    expect(requests).toEqual(['GET /v1/connect room:1,chat:1,room:2', 'GET /v1/connect chat:1'])
    await lw!.publish('chat:1', 'hi')
    await eventually(() => expect(subs[1]!.data).toEqual(['hi']))
  })

  it('a topic refused at two connects in a row (subscribed again in onError) goes the bare way: no connect spin', async () => {
    const url = await start({ auth: { jwt: { secret: SECRET } } })
    const requests: string[] = []
    const { c } = client(url, {
      getToken: () => sign({ sub: 'ann', topics: ['chat:*'] }),
      fetch: (input, init) => {
        const { pathname, searchParams } = new URL(String(input))
        const what =
          init?.method === 'POST'
            ? JSON.parse(String(init.body)).topics.join(',')
            : searchParams.get('topics')
        requests.push(`${init?.method ?? 'GET'} ${pathname} ${what ?? ''}`.trim())
        return globalThis.fetch(input, init)
      },
    })
    const chat = sub(c, 'chat:1')
    const refusals: LikewireError[] = []
    c.subscribe('room:1', () => {}, {
      onError: (e) => {
        refusals.push(e)
        // an app that tries once more, at once
        if (refusals.length === 1)
          c.subscribe('room:1', () => {}, { onError: (again) => refusals.push(again) })
      },
    })
    await eventually(() => expect(refusals).toHaveLength(2))
    await eventually(() => expect(chat.acked()).toBe(true))
    expect(requests).toEqual([
      'GET /v1/connect chat:1,room:1',
      'GET /v1/connect chat:1,room:1',
      'GET /v1/connect',
      'POST /v1/subscribe chat:1,room:1',
      'POST /v1/subscribe chat:1',
    ])
  })

  it('a refused POST naming its topics: those are dropped, the rest asked again in one request (no halving)', async () => {
    const url = await start({ auth: { jwt: { secret: SECRET } } })
    const posts: string[][] = []
    const { c } = client(url, {
      getToken: () => sign({ sub: 'ann', topics: ['chat:*'] }),
      fetch: (input, init) => {
        if (init?.method === 'POST') posts.push(JSON.parse(String(init.body)).topics)
        return globalThis.fetch(input, init)
      },
    })
    const first = sub(c, 'chat:1')
    await eventually(() => expect(first.acked()).toBe(true))
    const later = ['room:1', 'chat:2', 'room:2', 'chat:3'].map((topic) => sub(c, topic))
    await eventually(() => expect(later[1]!.acked() && later[3]!.acked()).toBe(true))
    expect(later.map((s) => s.refusals.map((e) => e.code))).toEqual([['forbidden'], [], ['forbidden'], []])
    expect(posts).toEqual([
      ['room:1', 'chat:2', 'room:2', 'chat:3'],
      ['chat:2', 'chat:3'],
    ])
  })

  it('past the subscription limit at connect: the latest topics are refused (too_many_subscriptions), the first ones flow', async () => {
    const url = await start({ maxSubscriptionsPerConnection: 3 })
    const { c, errors } = client(url)
    const subs = ['t1', 't2', 't3', 't4', 't5'].map((topic) => sub(c, topic))
    await eventually(() => expect(subs.map((s) => s.refusals.length)).toEqual([0, 0, 0, 1, 1]))
    expect(subs[3]!.refusals[0]).toMatchObject({ code: 'too_many_subscriptions', status: 400, topic: 't4' })
    expect(errors).toHaveLength(2)
    await eventually(() => expect(subs.slice(0, 3).every((s) => s.acked())).toBe(true))
    for (const topic of ['t1', 't2', 't3', 't4', 't5']) await lw!.publish(topic, topic)
    await eventually(() => expect(subs.map((s) => s.data)).toEqual([['t1'], ['t2'], ['t3'], [], []]))
    expect(c.state.status).toBe('connected')
  })

  it('past the limit by POST: refused and dropped, so a reconnect carries only what the server took', async () => {
    const url = await start({ maxSubscriptionsPerConnection: 2 })
    const online = switchableOnline()
    const { c, errors } = client(url, { onlineSource: online.source })
    const first = [sub(c, 'a'), sub(c, 'b')]
    await eventually(() => expect(first.every((s) => s.acked())).toBe(true))
    const extra = sub(c, 'c')
    await eventually(() => expect(extra.refusals).toHaveLength(1))
    expect(errors).toEqual(extra.refusals)
    online.set(false)
    online.set(true) // a new stream: its connect URL holds a and b, not the refused c
    await eventually(() => expect(c.state.status).toBe('connected'))
    await lw!.publish('a', 1)
    await eventually(() => expect(first[0]!.data).toEqual([1]))
    expect(errors).toHaveLength(1)
    extra.unsubscribe() // dropped already: nothing to do
    // a place freed is a place taken: the refused topic subscribed again is a new subscription
    first[1]!.unsubscribe()
    const again = sub(c, 'c')
    await eventually(() => expect(again.acked()).toBe(true))
    await lw!.publish('c', 'x')
    await eventually(() => expect(again.data).toEqual(['x']))
    expect(extra.data).toEqual([])
    expect(errors).toHaveLength(1)
  })
})
