// watchPresence and members on a real client over a fake fetch: what each callback is handed, and when.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { frame, settle, setup, urlTopics, useFakeTime } from '../testing/harness'
import { membersTopic, presenceTopic } from '../topic'
import type { TopicMembers } from './members'
import type { MemberPresence } from './presence'

beforeEach(() => useFakeTime())
afterEach(() => vi.useRealTimers())

const status = (memberId: string, s: 'online' | 'offline', since: number | null) => ({
  memberId,
  status: s,
  since,
})

describe('watchPresence', () => {
  it('subscribes the member presence topic and calls back on each change, a repeated status once', async () => {
    const { client, server } = setup()
    const seen: MemberPresence[] = []
    client.watchPresence('auth0|ann', (p) => seen.push(p))
    await settle()
    const stream = server.lastStream()
    expect(urlTopics(stream.request.url)).toEqual(['member:auth0=7Cann/$presence'])
    const topic = presenceTopic('auth0|ann')
    stream.push(frame.connected() + frame.data(topic, 'e1', status('auth0|ann', 'offline', null)))
    stream.push(frame.data(topic, 'e2', status('auth0|ann', 'online', 10)))
    stream.push(frame.data(topic, 'e3', status('auth0|ann', 'online', 10))) // a snapshot repeating it
    stream.push(frame.data(topic, 'e4', { nonsense: true }))
    stream.push(frame.data(topic, 'e5', status('auth0|ann', 'offline', 20)))
    await settle()
    expect(seen).toEqual([
      status('auth0|ann', 'offline', null),
      status('auth0|ann', 'online', 10),
      status('auth0|ann', 'offline', 20),
    ])
    client.close()
  })

  it('an older change arriving after a newer one (two nodes, two dispatchers) is never given', async () => {
    const { client, server } = setup()
    const seen: MemberPresence[] = []
    client.watchPresence('ann', (p) => seen.push(p))
    await settle()
    const stream = server.lastStream()
    const topic = presenceTopic('ann')
    stream.push(frame.connected() + frame.data(topic, 'e1', status('ann', 'online', 10)))
    // she left at 20 and came back at 25: the online of her new node overtook the old node's offline
    stream.push(frame.data(topic, 'e2', status('ann', 'online', 25)))
    stream.push(frame.data(topic, 'e3', status('ann', 'offline', 20)))
    await settle()
    expect(seen).toEqual([status('ann', 'online', 10), status('ann', 'online', 25)])
    // and a late watcher is handed the newer status, not the last to arrive
    const late: MemberPresence[] = []
    client.watchPresence('ann', (p) => late.push(p))
    await settle()
    expect(late).toEqual([status('ann', 'online', 25)])
    client.close()
  })

  it('a second watcher of a member the client watches gets the last status at once', async () => {
    const { client, server } = setup()
    const first: MemberPresence[] = []
    client.watchPresence('ann', (p) => first.push(p))
    await settle()
    server
      .lastStream()
      .push(frame.connected() + frame.data(presenceTopic('ann'), 'e1', status('ann', 'online', 5)))
    await settle()
    const later: MemberPresence[] = []
    const stop = client.watchPresence('ann', (p) => later.push(p))
    await settle()
    expect(later).toEqual([status('ann', 'online', 5)])
    expect(first).toEqual([status('ann', 'online', 5)])
    expect(server.requests.filter((r) => r.method === 'POST')).toEqual([]) // the stream had it already
    stop()
    stop() // idempotent
    client.close()
  })

  it('throws a TypeError at the call for an invalid member id or callback', () => {
    const { client } = setup()
    for (const id of ['', 'x'.repeat(129), 'a\nb', 'tab\tbed', 'del\u007f', 42 as never])
      expect(() => client.watchPresence(id, () => {})).toThrow(TypeError)
    expect(() => client.watchPresence('ann', 'nope' as never)).toThrow(TypeError)
    client.close()
  })
})

describe('members', () => {
  const topic = membersTopic('live:1')
  const snapshot = (count: number, members: { memberId: string; since: number }[]) => ({
    topic: 'live:1',
    count,
    members,
    snapshot: true,
  })

  it('folds the snapshot and changes; a later callback gets the current members at once', async () => {
    const { client, server } = setup()
    const first: TopicMembers[] = []
    client.members('live:1', (m) => first.push(m))
    await settle()
    const stream = server.lastStream()
    expect(urlTopics(stream.request.url)).toEqual(['live:1/$members'])
    stream.push(frame.connected() + frame.data(topic, 'e1', snapshot(1, [{ memberId: 'priya', since: 1 }])))
    stream.push(
      frame.data(topic, 'e2', {
        topic: 'live:1',
        count: 2,
        joined: [{ memberId: 'marco', since: 2 }],
        left: [],
      }),
    )
    await settle()
    const both = {
      count: 2,
      members: [
        { memberId: 'priya', since: 1 },
        { memberId: 'marco', since: 2 },
      ],
    }
    expect(first).toEqual([{ count: 1, members: [{ memberId: 'priya', since: 1 }] }, both])
    const later: TopicMembers[] = []
    client.members('live:1', (m) => later.push(m))
    await settle()
    expect(later).toEqual([both])
    // a reconnect's snapshot replaces what each holds
    stream.fail()
    await vi.advanceTimersByTimeAsync(60_000)
    await settle()
    const next = server.lastStream()
    expect(next).not.toBe(stream)
    next.push(
      frame.connected('conn-2') + frame.data(topic, 'e3', snapshot(1, [{ memberId: 'lena', since: 3 }])),
    )
    await settle()
    const replaced = { count: 1, members: [{ memberId: 'lena', since: 3 }] }
    expect(first.at(-1)).toEqual(replaced)
    expect(later.at(-1)).toEqual(replaced)
    client.close()
  })

  it('a change that comes before the first snapshot is never handed out as the list; a newer one is applied over it', async () => {
    const { client, server } = setup()
    const first: TopicMembers[] = []
    client.members('live:1', (m) => first.push(m))
    await settle()
    const stream = server.lastStream()
    /** A members event stamped at `ts` (the dispatcher's time). */
    const at = (id: string, ts: number, data: unknown) =>
      `id: ${id}\ndata: ${JSON.stringify({ topic, id, ts, data })}\n\n`
    // published while the server read the snapshot: one before its read (stamped earlier), one after
    stream.push(
      frame.connected() +
        at('c1', 100, { topic: 'live:1', count: 2, joined: [{ memberId: 'marco', since: 90 }], left: [] }) +
        at('c2', 300, {
          topic: 'live:1',
          count: 3,
          joined: [{ memberId: 'lena', since: 290 }],
          left: ['tom'],
        }),
    )
    await settle()
    expect(first).toEqual([]) // a change is a difference, not the list
    const later: TopicMembers[] = []
    client.members('live:1', (m) => later.push(m)) // joins before the snapshot too
    await settle()
    expect(later).toEqual([])
    stream.push(
      at('s', 200, {
        ...snapshot(3, [
          { memberId: 'priya', since: 1 },
          { memberId: 'marco', since: 90 },
          { memberId: 'tom', since: 50 },
        ]),
      }),
    )
    await settle()
    // marco was in the snapshot already, tom left after it, lena joined after it; the count is c2's (newer)
    const members = {
      count: 3,
      members: [
        { memberId: 'priya', since: 1 },
        { memberId: 'marco', since: 90 },
        { memberId: 'lena', since: 290 },
      ],
    }
    expect(first).toEqual([members])
    expect(later).toEqual([members])
    client.close()
  })

  it('throws a TypeError at the call for a topic that cannot have members', () => {
    const { client } = setup()
    for (const t of ['', 'a b', 'live/$viewers', 'x'.repeat(201), 'member:ann', 7 as never])
      expect(() => client.members(t, () => {})).toThrow(TypeError)
    expect(() => client.members('live', undefined as never)).toThrow(TypeError)
    client.close()
  })
})
