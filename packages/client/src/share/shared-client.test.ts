import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { LikewireClient } from '../api'
import { createClient } from '../create-client'
import type { Activity, LifecycleSource } from '../lifecycle'
import { createFakeFetch } from '../testing/fake-fetch'
import { fakeLocks } from '../testing/fake-locks'
import { fakeOnline, frame, settle, useFakeTime } from '../testing/harness'
import { param } from '../testing/history'
import type { LockManagerLike } from './election'
import type { ChannelLike, ShareMessage } from './messages'

/** A channel the test speaks on as the other tabs: what this tab posts, and messages handed to it. */
function scriptedChannel() {
  const posted: ShareMessage[] = []
  const channel: ChannelLike = {
    postMessage: (message) => void posted.push(message as ShareMessage),
    onmessage: null,
    close: () => {},
  }
  return { channel, posted, say: (message: ShareMessage) => channel.onmessage?.({ data: message }) }
}

// a lock this tab waits for forever: it stays a follower, whatever the test's "leader" does
const neverGranted = { request: () => new Promise<unknown>(() => {}) }

const clients: LikewireClient[] = []
afterEach(() => {
  for (const c of clients.splice(0)) c.close()
  vi.useRealTimers()
})

describe('a follower tab', () => {
  it('hands its subscriptions to the same tab again when it leads under a new term, and ignores the old term', async () => {
    const { channel, posted, say } = scriptedChannel()
    const client = createClient({
      url: 'http://127.0.0.1:9/unused',
      share: { key: 'k', channel: () => channel, locks: neverGranted },
    })
    clients.push(client)
    const got: unknown[] = []
    client.subscribe('t', (event) => got.push(event.data))
    await vi.waitFor(() => expect(posted.some((m) => m.k === 'hello')).toBe(true))
    const self = posted.find((m) => m.k === 'hello')!.from
    const subsTo = () => posted.filter((m) => m.k === 'subs' && m.to === 'L')

    say({ k: 'leader', from: 'L', term: 1 })
    expect(subsTo()).toHaveLength(1)
    const sub = (subsTo()[0] as Extract<ShareMessage, { k: 'subs' }>).subs[0]!
    expect(sub.topic).toBe('t')

    // the same tab leads again (it resigned and was granted the lock anew): its new hub has nothing of ours
    say({ k: 'leader', from: 'L', term: 2 })
    expect(subsTo()).toHaveLength(2)

    const event = { topic: 't', id: 'e1', ts: 1, data: 'new' }
    say({
      k: 'out',
      from: 'L',
      term: 1,
      items: [{ tab: self, sub: sub.id, event: { ...event, data: 'old' } }],
    })
    say({ k: 'out', from: 'L', term: 2, items: [{ tab: self, sub: sub.id, event }] })
    expect(got).toEqual(['new'])
  })

  it('unsubscribing and subscribing a topic again in one tick (a remount) tells the leader once, position kept', async () => {
    const { channel, posted, say } = scriptedChannel()
    const client = createClient({
      url: 'http://127.0.0.1:9/unused',
      share: { key: 'k', channel: () => channel, locks: neverGranted },
    })
    clients.push(client)
    const unsubscribe = client.subscribe('chat:1', () => {})
    const self = posted.find((m) => m.k === 'hello')!.from
    say({ k: 'leader', from: 'L', term: 1 })
    const first = (posted.find((m) => m.k === 'subs') as Extract<ShareMessage, { k: 'subs' }>).subs[0]!
    const event = { topic: 'chat:1', id: 'e5', ts: 1, data: 5, position: { epoch: 'E1', offset: 5 } }
    say({ k: 'out', from: 'L', term: 1, items: [{ tab: self, sub: first.id, event }] })
    const told = () => posted.filter((m) => 'to' in m && m.to === 'L')
    const before = told().length
    // StrictMode's double mount, a keyed remount: the topic let go and taken again in one tick
    unsubscribe()
    client.subscribe('chat:1', () => {})
    expect(client.positionOf('chat:1')).toEqual({ epoch: 'E1', offset: 5 })
    await new Promise((resolve) => setTimeout(resolve, 0))
    const after = told().slice(before)
    expect(after).toHaveLength(1)
    expect(after[0]).toMatchObject({
      k: 'subs',
      subs: [{ topic: 'chat:1', resumeFrom: { epoch: 'E1', offset: 5 } }],
    })
    expect((after[0] as Extract<ShareMessage, { k: 'subs' }>).subs[0]!.id).not.toBe(first.id)
  })

  it("with Web Locks, the leader's bye arms no steal (the lock goes to the next tab in line); a silence still does", async () => {
    useFakeTime()
    const { locks, steals } = countingLocks(neverGranted)
    const { channel, posted, say } = scriptedChannel()
    const client = createClient({
      url: 'http://127.0.0.1:9/unused',
      onError: () => {},
      share: { key: 'k', channel: () => channel, locks, leaderTimeoutMs: 1500 },
    })
    clients.push(client)
    client.subscribe('t', () => {})
    say({ k: 'leader', from: 'L', term: 1 })
    await vi.advanceTimersByTimeAsync(400)
    say({ k: 'bye', from: 'L' })
    expect(client.state.reason).toBe('leader_change')
    await vi.advanceTimersByTimeAsync(1000)
    expect(steals).toEqual([])
    // the tab granted the lock announces itself: followed
    say({ k: 'leader', from: 'M', term: 2 })
    expect(posted.at(-1)).toMatchObject({ k: 'subs', to: 'M' })
    say({ k: 'bye', from: 'M' })
    // ... but when no tab speaks up for the leader timeout, the lock is taken from whoever holds it
    await vi.advanceTimersByTimeAsync(1000)
    expect(steals).toEqual([])
    await vi.advanceTimersByTimeAsync(1500)
    expect(steals.length).toBeGreaterThan(0)
  })
})

/** A lifecycle source the test switches, as the page lifecycle would. */
function switchable(): LifecycleSource & { set(a: Activity): void } {
  let current: Activity = 'active'
  const listeners = new Set<(a: Activity) => void>()
  return {
    activity: () => current,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    set(next) {
      current = next
      for (const listener of [...listeners]) listener(next)
    },
  }
}

/** A Web Locks API that grants as fakeLocks does, and records the steals asked of it. */
function countingLocks(inner: LockManagerLike = fakeLocks()) {
  const steals: string[] = []
  const locks: LockManagerLike = {
    request(name, options, callback) {
      if (options.steal) steals.push(name)
      return inner.request(name, options, callback)
    },
  }
  return { locks, steals }
}

/**
 * This tab leads (granted the lock at once), its stream over a fake fetch, the test speaking as the other
 * tabs; time is faked (the beats, the collect window, the tab timeout).
 */
async function leaderTab(share: { leaderTimeoutMs?: number; locks?: LockManagerLike } = {}) {
  const { channel, posted, say } = scriptedChannel()
  const server = createFakeFetch()
  const life = switchable()
  const client = createClient({
    url: 'http://rt.test/realtime',
    fetch: server.fetch,
    onlineSource: fakeOnline().source,
    lifecycleSource: life,
    random: () => 0.5,
    onError: () => {},
    share: { key: 'k', channel: () => channel, locks: share.locks ?? fakeLocks(), collectMs: 50, ...share },
  })
  clients.push(client)
  /** Lets the lock be granted and the collect window pass; the stream connects with what was subscribed. */
  const connect = async () => {
    await vi.advanceTimersByTimeAsync(60)
    await settle()
    server.lastStream().push(frame.connected('conn-1'))
    await settle()
  }
  const self = () => posted.find((m) => m.k === 'hello' || m.k === 'leader')!.from
  const term = () => (posted.filter((m) => m.k === 'leader').at(-1) as { term: number }).term
  return { client, server, life, posted, say, connect, self, term }
}

/** The ids of the events the leader sent one tab. */
const eventsTo = (posted: ShareMessage[], tab: string) =>
  posted.flatMap((m) =>
    m.k === 'out'
      ? m.items.flatMap((item) => (item.tab === tab && 'event' in item ? [item.event.id] : []))
      : [],
  )

const positionFrame = (topic: string, epoch: string, offset: number) =>
  `event: likewire.position\ndata: ${JSON.stringify({ topic, epoch, offset })}\n\n`

describe('the leader tab', () => {
  beforeEach(useFakeTime)
  afterEach(() => {
    for (const c of clients.splice(0)) c.close()
    vi.useRealTimers()
  })

  it("resigning (parked) keeps its own quiet subscription's floor: back, it resumes from there, not afresh", async () => {
    const t = await leaderTab()
    let acked = false
    t.client.subscribe('chat:1', () => {}, { onSubscribed: () => (acked = true) })
    await t.connect()
    expect(acked).toBe(true)
    // where the fresh subscription starts, then no event; the tab is frozen before its next beat
    t.server.lastStream().push(positionFrame('chat:1', 'E1', 7))
    await settle()
    t.life.set('frozen')
    expect(t.client.positionOf('chat:1')).toEqual({ epoch: 'E1', offset: 7 })
    t.life.set('active')
    await t.connect()
    expect(param(t.server.connects().at(-1)!.url, 'resume')).toBe('chat:1~E1~7')
  })

  it("takes its own subscriptions' floors from its beat, as its followers do", async () => {
    const t = await leaderTab()
    t.client.subscribe('chat:1', () => {})
    await t.connect()
    t.server.lastStream().push(positionFrame('chat:1', 'E1', 3))
    await settle()
    expect(t.client.positionOf('chat:1')).toBeUndefined() // acknowledged before the position came
    await vi.advanceTimersByTimeAsync(500)
    expect(t.client.positionOf('chat:1')).toEqual({ epoch: 'E1', offset: 3 })
  })

  it('a follower it dropped after a silence is asked for its subscriptions when heard again, and served again', async () => {
    const t = await leaderTab()
    t.client.subscribe('mine', () => {})
    await t.connect()
    const self = t.self()
    const term = t.term()
    t.say({ k: 'subs', from: 'F', to: self, subs: [{ id: 1, topic: 'likes', rewind: 0 }] })
    await settle()
    const toF = () => eventsTo(t.posted, 'F')
    t.server.lastStream().push(frame.data('likes', 'l1'))
    await settle()
    expect(toF()).toEqual(['l1'])
    // F is throttled (or stuck in an alert()): it says nothing for longer than the tab timeout, but hears the beats
    await vi.advanceTimersByTimeAsync(6000)
    await settle()
    t.server.lastStream().push(frame.data('likes', 'l2'))
    await settle()
    expect(toF()).toEqual(['l1']) // dropped: nothing for it
    t.say({ k: 'alive', from: 'F', to: self, term })
    expect(t.posted.filter((m) => m.k === 'resend' && m.to === 'F')).toHaveLength(1)
    t.say({ k: 'subs', from: 'F', to: self, subs: [{ id: 1, topic: 'likes', rewind: 0 }] })
    await settle()
    t.server.lastStream().push(frame.data('likes', 'l3'))
    await settle()
    expect(toF()).toEqual(['l1', 'l3'])
  })

  it('holds a silent follower longer than the leader timeout it was given (a stall the followers forgive)', async () => {
    const t = await leaderTab({ leaderTimeoutMs: 8000 })
    t.client.subscribe('mine', () => {})
    await t.connect()
    t.say({ k: 'subs', from: 'F', to: t.self(), subs: [{ id: 1, topic: 'likes', rewind: 0 }] })
    await settle()
    await vi.advanceTimersByTimeAsync(7000)
    await settle()
    t.server.lastStream().push(frame.data('likes', 'l1'))
    await settle()
    expect(eventsTo(t.posted, 'F')).toEqual(['l1'])
  })

  it('its stream closed for good (401): it resigns and never asks for the lock again, so another tab can lead', async () => {
    const locks = fakeLocks()
    const requests: Array<{ steal?: boolean }> = []
    const t = await leaderTab({
      locks: {
        request: (name, options, callback) => {
          requests.push(options)
          return locks.request(name, options, callback)
        },
      },
    })
    t.client.subscribe('likes', () => {})
    t.server.connectStatuses.push(401)
    await vi.advanceTimersByTimeAsync(60)
    await settle()
    expect(t.client.state).toMatchObject({ status: 'closed', reason: 'unauthorized' })
    expect(locks.holders()).toBe(0)
    expect(requests).toHaveLength(1)
    expect(t.posted.at(-1)).toMatchObject({ k: 'bye' })
    // a tab with credentials that work leads: this one follows it
    t.say({ k: 'leader', from: 'B', term: t.term() + 1 })
    expect(t.posted.at(-1)).toMatchObject({ k: 'subs', to: 'B' })
    t.say({ k: 'state', from: 'B', term: t.term() + 1, state: { ...t.client.state, status: 'connected' } })
    expect(t.client.state.status).toBe('connected')
    await vi.advanceTimersByTimeAsync(5000)
    expect(requests).toHaveLength(1)
  })
})
