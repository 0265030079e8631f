// Member presence and topic members against a real server: identified members come from an `authenticate`
// hook reading `x-member` (as a JWT's `sub` would name them), graces are short and never measured.
import {
  createLikewire,
  type Likewire,
  type Listening,
  listen,
  presenceTopic as serverPresenceTopic,
} from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  type ClientOptions,
  createClient,
  type LikewireClient,
  type MemberPresence,
  presenceTopic,
  type TopicMembers,
  viewersTopic,
} from '../src/index'
import { fakeLocks } from '../src/testing/fake-locks'

let lw: Likewire | undefined
let listening: Listening | undefined
const clients: LikewireClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await lw?.close()
  await listening?.close()
})

// a ceiling, not a timing assertion: a loaded 2-core machine can take seconds
const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 10_000, interval: 20 })

async function server(): Promise<string> {
  lw = createLikewire({
    logLevel: 'silent',
    processMetrics: false,
    retryMs: 100,
    viewerCountIntervalMs: 50,
    presence: { graceMs: 300, intervalMs: 50 },
    authenticate: (request) => {
      const member = request.headers.get('x-member')
      return member === null ? {} : { memberId: decodeURIComponent(member) }
    },
  })
  listening = await listen(lw.app, { port: 0 })
  return listening.url
}

/** A browser of its own: anonymous, or member `member` (headers carry it URI-encoded: `zoë` is no ByteString). */
function client(url: string, member?: string, options: Partial<ClientOptions> = {}): LikewireClient {
  const c = createClient({
    url,
    share: false,
    backoff: { baseMs: 20, maxMs: 200 },
    onError: () => {},
    ...(member === undefined ? {} : { headers: { 'x-member': encodeURIComponent(member) } }),
    ...options,
  })
  clients.push(c)
  return c
}

/** A member with a connection subscribed to `topics` (at least one topic, or it never connects). */
function member(url: string, id: string, topics: string[] = ['elsewhere']): LikewireClient {
  const c = client(url, id)
  for (const topic of topics) c.subscribe(topic, () => {})
  return c
}

const presences = (c: LikewireClient, id: string) => {
  const seen: MemberPresence[] = []
  c.watchPresence(id, (presence) => seen.push(presence))
  return seen
}
const membersOf = (c: LikewireClient, topic: string) => {
  const seen: TopicMembers[] = []
  c.members(topic, (members) => seen.push(members))
  return seen
}
const ids = (members: TopicMembers | undefined) => members?.members.map((m) => m.memberId)

describe('member presence', () => {
  it('offline before, online on connect, offline after the grace; a late watcher gets the current status', async () => {
    const url = await server()
    const watcher = client(url)
    const seen = presences(watcher, 'zoë')
    await eventually(() => expect(seen).toEqual([{ memberId: 'zoë', status: 'offline', since: null }]))

    const zoe = member(url, 'zoë')
    await eventually(() => expect(seen).toHaveLength(2))
    const online = seen[1]!
    expect(online).toEqual({ memberId: 'zoë', status: 'online', since: expect.any(Number) })

    // the stream holds the topic already: the server sends nothing more, the client hands the last status
    const late = presences(watcher, 'zoë')
    await eventually(() => expect(late).toEqual([online]))

    zoe.close()
    await eventually(() => expect(seen.map((p) => p.status)).toEqual(['offline', 'online', 'offline']))
    expect(seen[2]!.since).toBeGreaterThanOrEqual(online.since!)
    await eventually(() => expect(late).toEqual([online, seen[2]]))
  })

  it('names the presence topic exactly as the server does, for any member id', () => {
    let seed = 42
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    const ids = ['ann', 'auth0|5f2a', 'a=b c', 'zoë', 'ann+tag@example.com', '🙂', 'x'.repeat(128), '\ud800x']
    for (let i = 0; i < 500; i++) {
      const length = 1 + Math.floor(random() * 12)
      // anything from ASCII to astral planes, surrogates included
      const codes = Array.from({ length }, () => Math.floor(random() * (random() < 0.5 ? 0x80 : 0x110000)))
      ids.push(codes.map((c) => String.fromCodePoint(c < 0x20 ? c + 0x20 : c)).join(''))
    }
    for (const id of ids) expect(presenceTopic(id)).toBe(serverPresenceTopic(id))
  })
})

describe('topic members', () => {
  it('a snapshot, then joins and leaves; anonymous connections are not members; a late callback gets them at once', async () => {
    const url = await server()
    const watcher = client(url)
    const seen = membersOf(watcher, 'room')
    const viewers: number[] = []
    watcher.subscribe<{ count: number }>(viewersTopic('room'), (e) => viewers.push(e.data.count))
    await eventually(() => expect(seen).toEqual([{ count: 0, members: [] }]))

    // an anonymous viewer is counted as a viewer before any member joins, never as a member
    client(url).subscribe('room', () => {})
    await eventually(() => expect(viewers.at(-1)).toBe(1))
    member(url, 'ann', ['room'])
    await eventually(() => expect(ids(seen.at(-1))).toEqual(['ann']))
    const bob = member(url, 'bob', ['room'])
    await eventually(() => expect(ids(seen.at(-1))).toEqual(['ann', 'bob'])) // oldest first
    expect(seen.at(-1)!.count).toBe(2)
    expect(seen.every((m) => m.count === m.members.length)).toBe(true)

    const late = membersOf(watcher, 'room')
    await eventually(() => expect(late).toEqual([seen.at(-1)]))

    bob.close()
    await eventually(() => expect(ids(seen.at(-1))).toEqual(['ann']))
    expect(seen.at(-1)!.count).toBe(1)
    await eventually(() => expect(late.at(-1)).toEqual(seen.at(-1)))
  })

  it('a reconnect after the server cut its stream gets a fresh snapshot that replaces what it held', async () => {
    const url = await server()
    // the watcher's connects wait at a gate: what changes while it is away, it can only learn from the snapshot
    let release: () => void = () => {}
    let gate: Promise<void> = Promise.resolve()
    const watcher = client(url, undefined, {
      fetch: async (input, init) => {
        if (init?.method !== 'POST') await gate
        return fetch(input, init)
      },
    })
    const seen = membersOf(watcher, 'room')
    const bobSeen = presences(watcher, 'bob')
    const ann = member(url, 'ann', ['room'])
    const bob = member(url, 'bob')
    await eventually(() => expect(ids(seen.at(-1))).toEqual(['ann']))
    await eventually(() => expect(bobSeen.at(-1)?.status).toBe('online'))

    gate = new Promise((resolve) => {
      release = resolve
    })
    listening!.server.closeAllConnections()
    await eventually(() => expect(watcher.state.status).toBe('reconnecting'))
    ann.close()
    bob.close()
    member(url, 'lena', ['room'])
    // another browser, not held back, sees the server's state settle
    const observer = client(url)
    const settled = membersOf(observer, 'room')
    const bobNow = presences(observer, 'bob')
    await eventually(() => expect(ids(settled.at(-1))).toEqual(['lena']))
    await eventually(() => expect(bobNow.at(-1)?.status).toBe('offline'))
    expect(ids(seen.at(-1))).toEqual(['ann']) // still what it held

    release()
    await eventually(() => expect(seen.at(-1)).toEqual(settled.at(-1)))
    expect(seen.at(-1)!.count).toBe(1)
    await eventually(() => expect(bobSeen.at(-1)).toEqual(bobNow.at(-1)))
  })
})

describe('tabs sharing one stream', () => {
  it("every tab's watchers get the current state and each change, the late ones from the leader's stream", async () => {
    const url = await server()
    const locks = fakeLocks()
    const share = {
      key: 'watchers',
      locks,
      collectMs: 30,
      channel: (name: string) => new BroadcastChannel(name) as never,
    }
    const [a, b, c] = [0, 1, 2].map(() => {
      const tab = createClient({ url, share, backoff: { baseMs: 20, maxMs: 200 }, onError: () => {} })
      clients.push(tab)
      return tab
    }) as [LikewireClient, LikewireClient, LikewireClient]
    const ann = member(url, 'ann', ['room'])
    const inA = { presence: presences(a, 'ann'), members: membersOf(a, 'room') }
    await eventually(() => expect(inA.presence.at(-1)?.status).toBe('online'))
    await eventually(() => expect(ids(inA.members.at(-1))).toEqual(['ann']))
    expect(lw!.frontend.connectionCount).toBe(2) // ann's and the tabs' one

    // b and c start after a holds the lock: they follow, and the current state comes from a's stream
    const inB = { presence: presences(b, 'ann'), members: membersOf(b, 'room') }
    const inC = { presence: presences(c, 'ann'), members: membersOf(c, 'room') }
    for (const tab of [inB, inC]) {
      await eventually(() => expect(tab.presence).toEqual([inA.presence.at(-1)]))
      await eventually(() => expect(tab.members).toEqual([inA.members.at(-1)]))
    }

    member(url, 'bob', ['room'])
    for (const tab of [inA, inB, inC])
      await eventually(() => expect(ids(tab.members.at(-1))).toEqual(['ann', 'bob']))
    ann.close()
    for (const tab of [inA, inB, inC]) {
      await eventually(() => expect(tab.presence.at(-1)?.status).toBe('offline'))
      await eventually(() => expect(ids(tab.members.at(-1))).toEqual(['bob']))
    }
    expect(locks.holders()).toBe(1)
  })
})
