// Tabs sharing one stream, simulated in one process: each "tab" is a client on a real BroadcastChannel
// (Node has one), electing with an in-memory Web Locks (or the fallback), against a real server.
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient, type LikewireEvent, type LikewireGap } from '../src/index'
import type { LockManagerLike } from '../src/share/election'
import type { ChannelLike } from '../src/share/messages'
import { fakeLocks } from '../src/testing/fake-locks'

let lw: Likewire | undefined
let listening: Listening | undefined
const tabs: LikewireClient[] = []
const channels: ChannelLike[] = []

afterEach(async () => {
  for (const tab of tabs.splice(0)) tab.close()
  for (const channel of channels.splice(0)) channel.close()
  await lw?.close()
  await listening?.close()
})

const eventually = <T>(check: () => T, timeout = 15_000) => vi.waitFor(check, { timeout, interval: 20 })

async function server() {
  lw = createLikewire({
    logLevel: 'silent',
    processMetrics: false,
    retryMs: 100,
    history: [{ match: 'chat:*', size: 1000 }],
  })
  listening = await listen(lw.app, { port: 0 })
  return listening.url
}

/** A channel a test can cut, both ways, as a tab that crashed or hung says and hears nothing. */
function cuttable(name: string): ChannelLike & { cut(): void } {
  const real = new BroadcastChannel(name) as unknown as ChannelLike
  channels.push(real)
  let cut = false
  const wrapper: ChannelLike & { cut(): void } = {
    onmessage: null,
    postMessage: (message) => {
      if (!cut) real.postMessage(message)
    },
    close: () => real.close(),
    cut: () => {
      cut = true
    },
  }
  real.onmessage = (event) => {
    if (!cut) wrapper.onmessage?.(event)
  }
  return wrapper
}

function tab(
  url: string,
  locks: LockManagerLike | null,
  key = 'user-1',
  random?: () => number,
  fetch?: typeof globalThis.fetch,
) {
  let channel: ReturnType<typeof cuttable> | undefined
  const client = createClient({
    url,
    random,
    fetch,
    backoff: { baseMs: 20, maxMs: 200 },
    onError: () => {},
    share: {
      key,
      locks,
      collectMs: 50,
      leaderTimeoutMs: 1000,
      channel: (name) => {
        channel = cuttable(name)
        return channel
      },
    },
  })
  tabs.push(client)
  return { client, cut: () => channel?.cut() }
}

/** Subscribes and records, resolving once the subscription is acknowledged. */
async function recorder(c: LikewireClient, topic: string) {
  const events: LikewireEvent[] = []
  const gaps: LikewireGap[] = []
  let acked = false
  const unsubscribe = c.subscribe(topic, (e) => events.push(e), {
    onGap: (gap) => gaps.push(gap),
    onSubscribed: () => {
      acked = true
    },
  })
  await eventually(() => expect(acked).toBe(true))
  return { events, gaps, data: () => events.map((e) => e.data), unsubscribe }
}

const streams = () => Number(/likewire_connections (\d+)/.exec(lwMetrics())?.[1] ?? Number.NaN)
const streamsOpened = () =>
  Number(/likewire_connections_opened_total (\d+)/.exec(lwMetrics())?.[1] ?? Number.NaN)
let metricsText = ''
const lwMetrics = () => metricsText
async function refreshMetrics() {
  metricsText = await lw!.metrics.metrics()
}

/** A random for one tab: each takeover jitter 150 ms, its tab id still its own. */
let drawn = 0
const halfway = () => () => 0.5 + ++drawn * 1e-9
/** A random for one tab: no takeover jitter at all (a follower that would steal does so at once). */
const noJitter = () => () => ++drawn * 1e-9

/** Web Locks in memory, counting the steals asked of it. */
function countedLocks(options?: Parameters<typeof fakeLocks>[0]) {
  const inner = fakeLocks(options)
  const counted = { steals: 0 }
  const locks: LockManagerLike = {
    request(name, request, callback) {
      if (request.steal) counted.steals++
      return inner.request(name, request, callback)
    },
  }
  return Object.assign(counted, { locks, holders: inner.holders, crash: inner.crash })
}

/** Until each tab knows where it stands on a quiet history topic (the leader's position frame, then its beat). */
const floored = (clients: LikewireClient[], topic: string) =>
  eventually(() => {
    for (const c of clients) expect(c.positionOf(topic)).toBeDefined()
  })

/** Publishes 1, 2, 3, ... on `topic` until stopped (to the server it was given: never the next test's). */
function publishing(server: Likewire, topic: string) {
  let n = 0
  let running = true
  const done = (async () => {
    while (running) {
      await server.publish(topic, ++n)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  })()
  return {
    count: () => n,
    stop: async () => {
      running = false
      await done
      return n
    },
  }
}

describe('tabs share one stream', () => {
  it('three tabs: one stream; each tab gets only its topics; an unsubscribe never cuts another tab', async () => {
    const url = await server()
    const locks = fakeLocks()
    const [a, b, c] = [tab(url, locks), tab(url, locks), tab(url, locks)]
    const aChat = await recorder(a.client, 'chat:1')
    const bChat = await recorder(b.client, 'chat:1')
    const bLikes = await recorder(b.client, 'likes')
    const cLikes = await recorder(c.client, 'likes')
    await refreshMetrics()
    expect(streams()).toBe(1)
    expect(locks.holders()).toBe(1)
    await lw!.publish('chat:1', 'hi')
    await lw!.publish('likes', 'heart')
    await eventually(() => {
      expect(aChat.data()).toEqual(['hi'])
      expect(bChat.data()).toEqual(['hi'])
      expect(bLikes.data()).toEqual(['heart'])
      expect(cLikes.data()).toEqual(['heart'])
    })
    // every tab sees the shared stream's state
    for (const t of [a, b, c]) expect(t.client.state.status).toBe('connected')
    bLikes.unsubscribe() // c still holds likes
    await lw!.publish('likes', 'second')
    await eventually(() => expect(cLikes.data()).toEqual(['heart', 'second']))
    expect(bLikes.data()).toEqual(['heart'])
  })

  it('the leader tab crashes: another takes over and every tab resumes its history topic, nothing lost or doubled', async () => {
    const url = await server()
    const locks = fakeLocks()
    const tabsOf = [tab(url, locks), tab(url, locks), tab(url, locks)]
    const records: Array<Awaited<ReturnType<typeof recorder>>> = []
    const quiet: Array<Awaited<ReturnType<typeof recorder>>> = []
    for (const t of tabsOf) records.push(await recorder(t.client, 'chat:1'))
    // a topic without an event until the leader is gone: the followers resume it from the leader's position
    for (const t of tabsOf) quiet.push(await recorder(t.client, 'chat:2'))
    await floored(
      tabsOf.slice(1).map((t) => t.client),
      'chat:2',
    )
    let n = 0
    let publishing = true
    const loop = (async () => {
      while (publishing) {
        await lw!.publish('chat:1', ++n)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()
    await eventually(() => expect(records[1]!.events.length).toBeGreaterThan(20))
    // the first tab leads (it asked the lock first): it says nothing more and its lock is gone
    tabsOf[0]!.cut()
    tabsOf[0]!.client.close()
    for (const m of ['a', 'b', 'c']) await lw!.publish('chat:2', m) // no tab leads now
    await eventually(() =>
      expect(records[1]!.events.length).toBeGreaterThan(n - records[1]!.events.length + 40),
    )
    publishing = false
    await loop
    for (const r of records.slice(1)) {
      await eventually(() => expect(r.data().at(-1)).toBe(n))
      expect(r.data()).toEqual(Array.from({ length: n }, (_, i) => i + 1))
      expect(r.gaps).toEqual([])
    }
    for (const r of quiet.slice(1)) expect(r.data()).toEqual(['a', 'b', 'c'])
    await refreshMetrics()
    expect(streams()).toBe(1)
  })

  // Chromium: a closing leader's bye reaches the followers before the next one is granted the lock. The
  // lock queue hands it on: a follower that stole it then (at once, here) would take it from the tab granted.
  it('the leader tab closes, its lock granted after its bye: no steal, one new stream, every tab keeps its events', async () => {
    const url = await server()
    const locks = countedLocks({ grantDelayMs: 30 })
    const tabsOf = [0, 1, 2].map(() => tab(url, locks.locks, 'user-1', noJitter()))
    const records: Array<Awaited<ReturnType<typeof recorder>>> = []
    const quiet: Array<Awaited<ReturnType<typeof recorder>>> = []
    for (const t of tabsOf) records.push(await recorder(t.client, 'chat:1'))
    for (const t of tabsOf) quiet.push(await recorder(t.client, 'chat:2'))
    await floored(
      tabsOf.slice(1).map((t) => t.client),
      'chat:2',
    )
    const loop = publishing(lw!, 'chat:1')
    await eventually(() => expect(records[2]!.events.length).toBeGreaterThan(10))
    tabsOf[0]!.client.close() // the leader (it asked the lock first): it says bye, then its lock moves on
    for (const m of ['a', 'b', 'c']) await lw!.publish('chat:2', m)
    const closedAt = loop.count()
    await eventually(() => expect(records[2]!.events.length).toBeGreaterThan(closedAt + 60))
    const n = await loop.stop()
    for (const r of records.slice(1)) {
      await eventually(() => expect(r.data().at(-1)).toBe(n))
      expect(r.data()).toEqual(Array.from({ length: n }, (_, i) => i + 1))
    }
    for (const r of quiet.slice(1)) await eventually(() => expect(r.data()).toEqual(['a', 'b', 'c']))
    expect(locks.steals).toBe(0)
    await refreshMetrics()
    expect(streamsOpened()).toBe(2)
    expect(streams()).toBe(1)
  })

  it('a hung leader (silent, lock held) is replaced: a follower steals the lock, and the old one steps down', async () => {
    const url = await server()
    const locks = fakeLocks()
    const [a, b] = [tab(url, locks), tab(url, locks)]
    const aChat = await recorder(a.client, 'chat:1')
    const bChat = await recorder(b.client, 'chat:1')
    await lw!.publish('chat:1', 1)
    await eventually(() => expect(bChat.data()).toEqual([1]))
    a.cut() // the leader hears and says nothing, still holding the lock and its stream
    await lw!.publish('chat:1', 2) // reaches the old leader's stream only
    await eventually(() => expect(b.client.state.reason).toBe('leader_change'))
    await eventually(() => expect(b.client.state.status).toBe('connected'))
    await lw!.publish('chat:1', 3)
    await eventually(() => expect(bChat.data()).toEqual([1, 2, 3])) // 2 from history: b resumed after 1
    // the old leader lost its lock: its stream is closed, one stream is left
    await eventually(async () => {
      await refreshMetrics()
      expect(streams()).toBe(1)
    })
    expect(aChat.data()[0]).toBe(1)
  })

  it('a follower about to steal from a silent leader is granted the lock first: it never steals it from itself', async () => {
    const url = await server()
    const locks = fakeLocks()
    const [a, b] = [tab(url, locks, 'user-1', halfway()), tab(url, locks, 'user-1', halfway())]
    await recorder(a.client, 'chat:1')
    const bChat = await recorder(b.client, 'chat:1')
    // the leader hangs; once b takes it for gone (its steal armed, 150 ms away) the leader's tab crashes
    b.client.onStateChange(({ newState }) => {
      if (newState.reason !== 'leader_change') return
      setTimeout(() => {
        a.client.close()
        locks.crash() // the browser drops a crashed tab's lock: b, next in line, is granted it
      }, 20)
    })
    a.cut()
    await eventually(() => expect(b.client.state.reason).toBe('leader_change'))
    await eventually(() => expect(b.client.state.status).toBe('connected'))
    await new Promise((resolve) => setTimeout(resolve, 400)) // past b's steal
    await lw!.publish('chat:1', 1)
    await eventually(() => expect(bChat.data()).toEqual([1]))
    await refreshMetrics()
    expect(streamsOpened()).toBe(2)
  })

  it('without Web Locks the fallback elects one leader, and another after the leader leaves', async () => {
    const url = await server()
    const [a, b] = [tab(url, null), tab(url, null)]
    const aLikes = await recorder(a.client, 'likes')
    const bLikes = await recorder(b.client, 'likes')
    await refreshMetrics()
    expect(streams()).toBe(1)
    await lw!.publish('likes', 'before')
    await eventually(() => {
      expect(aLikes.data()).toEqual(['before'])
      expect(bLikes.data()).toEqual(['before'])
    })
    const reasons: Array<string | null> = []
    b.client.onStateChange(({ newState }) => reasons.push(newState.reason))
    a.client.close() // the leader (b subscribed once a was connected: it followed a)
    await eventually(() => expect(reasons).toContain('leader_change'))
    await eventually(() => expect(b.client.state.status).toBe('connected'))
    await lw!.publish('likes', 'after')
    await eventually(() => expect(bLikes.data()).toEqual(['before', 'after']))
    await refreshMetrics()
    expect(streams()).toBe(1)
    expect(streamsOpened()).toBe(2)
  })

  it('a follower remounts a topic (unsubscribe and subscribe in one tick): the server subscription stays, nothing lost', async () => {
    const url = await server()
    const locks = fakeLocks()
    const unsubscribes: string[] = []
    const spied: typeof globalThis.fetch = (input, init) => {
      if (String(input).endsWith('/v1/unsubscribe')) unsubscribes.push(String(init?.body))
      return globalThis.fetch(input, init)
    }
    const a = tab(url, locks, 'user-1', undefined, spied) // leads: its stream's requests are seen
    const b = tab(url, locks, 'user-1', undefined, spied)
    await recorder(a.client, 'likes')
    const old = await recorder(b.client, 'chat:1')
    const loop = publishing(lw!, 'chat:1')
    await eventually(() => expect(old.events.length).toBeGreaterThan(5))
    // StrictMode's double mount, a keyed remount
    old.unsubscribe()
    const events: LikewireEvent[] = []
    b.client.subscribe('chat:1', (e) => events.push(e))
    await eventually(() => expect(events.length).toBeGreaterThan(5))
    const n = await loop.stop()
    await eventually(() => expect(events.at(-1)?.data).toBe(n))
    expect([...old.data(), ...events.map((e) => e.data)]).toEqual(Array.from({ length: n }, (_, i) => i + 1))
    expect(unsubscribes).toEqual([])
  })

  it('tabs with another key (another user) never share', async () => {
    const url = await server()
    const locks = fakeLocks()
    const ann = tab(url, locks, 'ann')
    const bob = tab(url, locks, 'bob')
    const annLikes = await recorder(ann.client, 'likes')
    const bobLikes = await recorder(bob.client, 'likes')
    await refreshMetrics()
    expect(streams()).toBe(2)
    await lw!.publish('likes', 'x')
    await eventually(() => {
      expect(annLikes.data()).toEqual(['x'])
      expect(bobLikes.data()).toEqual(['x'])
    })
  })
})
