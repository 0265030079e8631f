import { openStream, post, type Stream } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { LikewireOptions } from '../src/options'
import { membersTopic, presenceTopic } from '../src/protocol/topic'
import { metric, type Running, startLikewire } from './helpers'

// Embedded presence against a real server: a custom authenticate hook names the member (`?member=`), as a
// JWT's `sub` does. Graces are short and never measured: tests wait for what they expect.

let server: Running
const streams: Stream[] = []
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close()
  await server?.close()
})

async function start(presence: LikewireOptions['presence'] = {}): Promise<Running> {
  server = await startLikewire({
    authenticate: (request) => {
      const member = new URL(request.url).searchParams.get('member')
      return member === null ? {} : { memberId: member }
    },
    presence: { graceMs: 1000, intervalMs: 50, ...presence },
    viewerCountIntervalMs: 50,
  })
  return server
}

async function connect(query: Record<string, string>): Promise<Stream> {
  const stream = await openStream(`${server.url}/v1/connect?${new URLSearchParams(query)}`)
  streams.push(stream)
  expect(stream.status).toBe(200)
  await vi.waitFor(() => stream.connectionId())
  return stream
}

/** Waits until the server closed a stream and told the store (the close is a transition on its own). */
async function closed(stream: Stream, connections: number): Promise<void> {
  stream.close()
  await vi.waitFor(() => expect(server.lw.frontend.connectionCount).toBe(connections))
  await server.lw.core.presence!.settled()
}

const statuses = (stream: Stream) =>
  stream.data().map((event) => event.data as { memberId: string; status: string; since: number | null })

describe('member presence (embedded)', () => {
  it('online on connect, a snapshot on subscribe, offline once after the grace after the last close', async () => {
    await start()
    const watcher = await connect({ topics: presenceTopic('ann') })
    await vi.waitFor(() =>
      expect(statuses(watcher)).toEqual([{ memberId: 'ann', status: 'offline', since: null }]),
    )
    const ann = await connect({ member: 'ann', topics: 'room' })
    await vi.waitFor(() => expect(statuses(watcher)).toHaveLength(2))
    const online = statuses(watcher)[1]!
    expect(online).toEqual({ memberId: 'ann', status: 'online', since: expect.any(Number) })
    expect(watcher.data()[1]!.topic).toBe('member:ann/$presence')

    // a watcher that subscribes later by POST gets the current status
    const late = await connect({ topics: 'other' })
    const res = await post(`${server.url}/v1/subscribe`, {
      connectionId: late.connectionId(),
      topics: [presenceTopic('ann')],
    })
    expect(res.status).toBe(200)
    await vi.waitFor(() => expect(statuses(late)).toEqual([online]))

    await closed(ann, 2)
    await vi.waitFor(() => expect(statuses(watcher)).toHaveLength(3), { timeout: 3000 })
    const offline = statuses(watcher)[2]!
    expect(offline).toMatchObject({ memberId: 'ann', status: 'offline' })
    expect(offline.since).toBeGreaterThanOrEqual(online.since!)
    expect(await metric(server.lw, 'likewire_presence_changes_total', '{status="offline"}')).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 600)) // several sweeps later: still one offline
    expect(statuses(watcher).map((s) => s.status)).toEqual(['offline', 'online', 'offline'])
    expect(statuses(late).map((s) => s.status)).toEqual(['online', 'offline'])
  })

  it('a member back within the grace is never offline: each flap absorbed and counted, nothing published', async () => {
    await start({ graceMs: 3000 })
    const watcher = await connect({ topics: presenceTopic('ann') })
    let ann = await connect({ member: 'ann' })
    await vi.waitFor(() => expect(statuses(watcher).map((s) => s.status)).toEqual(['offline', 'online']))
    for (let i = 0; i < 3; i++) {
      await closed(ann, 1)
      ann = await connect({ member: 'ann' })
    }
    await server.lw.core.presence!.settled()
    expect(await metric(server.lw, 'likewire_presence_flaps_absorbed_total')).toBe(3)
    expect(await metric(server.lw, 'likewire_presence_members_online')).toBe(1)
    // two connections of one member: closing one is no transition at all
    const second = await connect({ member: 'ann' })
    await closed(second, 2)
    // nothing pending: a sweep as if the grace were long over takes no one
    const store = server.lw.registry.presenceStore!()
    expect(await store.sweep(Date.now() + 60_000, 100, Date.now())).toEqual([])
    expect(statuses(watcher).map((s) => s.status)).toEqual(['offline', 'online'])
    expect(await metric(server.lw, 'likewire_presence_changes_total', '{status="online"}')).toBe(1)
  })

  it('two connections of one member: closing one is no transition, even long past the grace', async () => {
    const graceMs = 200
    await start({ graceMs })
    const watcher = await connect({ topics: presenceTopic('ann') })
    const first = await connect({ member: 'ann' })
    const second = await connect({ member: 'ann' })
    await vi.waitFor(() => expect(statuses(watcher).map((s) => s.status)).toEqual(['offline', 'online']))
    await closed(second, 2)
    // twice the grace: a leave recorded for the closed connection would be swept now
    await new Promise((resolve) => setTimeout(resolve, 2 * graceMs))
    await server.lw.core.presence!.sweep()
    expect(statuses(watcher).map((s) => s.status)).toEqual(['offline', 'online'])
    expect(await metric(server.lw, 'likewire_presence_members_online')).toBe(1)
    expect(await metric(server.lw, 'likewire_presence_changes_total', '{status="offline"}')).toBe(0)
    // the same wait and sweep do take the member once its last connection closed
    await closed(first, 1)
    await new Promise((resolve) => setTimeout(resolve, 2 * graceMs))
    await server.lw.core.presence!.sweep()
    await vi.waitFor(() =>
      expect(statuses(watcher).map((s) => s.status)).toEqual(['offline', 'online', 'offline']),
    )
  })
})

describe('topic members (embedded)', () => {
  type Members = {
    topic: string
    count: number
    members?: Array<{ memberId: string; since: number }>
    joined?: Array<{ memberId: string; since: number }>
    left?: string[]
    snapshot?: true
  }
  const members = (stream: Stream) => stream.data().map((event) => event.data as Members)

  it('a snapshot of the first N oldest with the exact count, then joins and leaves; anonymous viewers are no members', async () => {
    await start({ membersLimit: 2 })
    for (const member of ['priya', 'marco', 'zoe']) {
      await connect({ member, topics: 'live' })
      await server.lw.core.presence!.settled() // one after another: oldest first is this order
    }
    await connect({ topics: 'live' }) // anonymous
    const watcher = await connect({ topics: `${membersTopic('live')},live/$viewers` })
    await vi.waitFor(() => expect(members(watcher).find((m) => m.snapshot)).toBeDefined())
    const snapshot = members(watcher).find((m) => m.snapshot)!
    expect(snapshot).toEqual({
      topic: 'live',
      count: 3,
      members: [
        { memberId: 'priya', since: expect.any(Number) },
        { memberId: 'marco', since: expect.any(Number) },
      ],
      snapshot: true,
    })
    // the anonymous viewer is counted among the viewers, not the members
    const viewers = () => watcher.data().filter((e) => e.topic === 'live/$viewers')
    await vi.waitFor(() => expect(viewers().at(-1)?.data).toEqual({ topic: 'live', count: 4 }))

    const dev = await connect({ member: 'dev', topics: 'live' })
    // the others' joins may still come in a window of their own: dev's is the one with dev
    const withDev = () => members(watcher).find((m) => m.joined?.some((j) => j.memberId === 'dev'))
    await vi.waitFor(() => expect(withDev()).toBeDefined())
    expect(withDev()).toMatchObject({ topic: 'live', count: 4, left: [] })
    // unsubscribing is leaving too, after the grace
    const res = await post(`${server.url}/v1/unsubscribe`, {
      connectionId: dev.connectionId(),
      topics: ['live'],
    })
    expect(res.status).toBe(200)
    await vi.waitFor(() => expect(members(watcher).find((m) => m.left?.length)).toBeDefined(), {
      timeout: 3000,
    })
    expect(members(watcher).find((m) => m.left?.length)).toEqual({
      topic: 'live',
      count: 3,
      joined: [],
      left: ['dev'],
    })
  })

  it('more changes in one window than the limit: a snapshot stands for them, the count exact', async () => {
    // a window long enough that no tick falls between the joins: the test publishes it itself
    await start({ membersLimit: 2, intervalMs: 60_000 })
    const watcher = await connect({ topics: membersTopic('live') })
    await vi.waitFor(() =>
      expect(members(watcher)).toEqual([{ topic: 'live', count: 0, members: [], snapshot: true }]),
    )
    await Promise.all(['a', 'b', 'c', 'd'].map((member) => connect({ member, topics: 'live' })))
    await server.lw.core.presence!.settled()
    await server.lw.core.presence!.publishMembers()
    await vi.waitFor(() => expect(members(watcher)).toHaveLength(2))
    expect(members(watcher)[1]).toEqual({
      topic: 'live',
      count: 4,
      members: [expect.objectContaining({ memberId: expect.any(String) }), expect.anything()],
      snapshot: true,
    })
  })
})

describe('meta topics of presence: bad input', () => {
  it('nobody publishes to them', async () => {
    await start()
    for (const topic of [membersTopic('live'), presenceTopic('ann')]) {
      const res = await post(`${server.url}/v1/publish`, { topic, data: { status: 'online' } })
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe('invalid_topic')
    }
  })

  it('a flood of presence subscriptions is bounded per connection; other streams are unharmed', async () => {
    await start()
    const bystander = await connect({ topics: 'news' })
    const flooder = await connect({ topics: 'x' })
    const presenceOf = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => presenceTopic(`member-${from + i}`))
    const ok = await post(`${server.url}/v1/subscribe`, {
      connectionId: flooder.connectionId(),
      topics: presenceOf(99),
    })
    expect(ok.status).toBe(200)
    await vi.waitFor(() => expect(flooder.data()).toHaveLength(99)) // a snapshot each
    const more = await post(`${server.url}/v1/subscribe`, {
      connectionId: flooder.connectionId(),
      topics: presenceOf(2, 99),
    })
    expect(more.status).toBe(400)
    expect(more.body.error.code).toBe('too_many_subscriptions')
    const bad = await post(`${server.url}/v1/subscribe`, {
      connectionId: flooder.connectionId(),
      topics: ['member:a b/$presence'],
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('invalid_topic')
    await server.lw.publish('news', 'still here')
    await vi.waitFor(() => expect(bystander.data().map((e) => e.data)).toEqual(['still here']))
  })
})
