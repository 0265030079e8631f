// History topics through the real client over a fake fetch: positions, resume, dedupe by offset, gaps.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ControlEvent } from './connection'
import type { LikewireEvent, LikewireGap } from './event'
import { frame, settle, setup, urlTopics, useFakeTime } from './testing/harness'
import { connectedOn, param, reconnect } from './testing/history'
import { setupBounded } from './testing/rotating-xhr'

beforeEach(useFakeTime)
afterEach(() => {
  vi.useRealTimers()
})

describe('history topics: positions and resume', () => {
  it('events carry their position; a reconnect resumes each history topic from the last one delivered', async () => {
    const t = await connectedOn('chat:1')
    const likes: LikewireEvent[] = []
    t.client.subscribe('likes', (e) => likes.push(e))
    await settle()
    const stream = t.server.lastStream()
    stream.push(frame.positioned('chat:1', 'E1', 1) + frame.positioned('chat:1', 'E1', 2))
    stream.push(frame.data('likes', 'l1')) // fire-and-forget: no position, nothing to resume
    await settle()
    expect(t.received.map((e) => e.position)).toEqual([
      { epoch: 'E1', offset: 1 },
      { epoch: 'E1', offset: 2 },
    ])
    expect(likes[0]!.position).toBeUndefined()
    expect('position' in likes[0]!).toBe(false)
    await reconnect(t, 'conn-2')
    const url = t.server.connects()[1]!.url
    expect(urlTopics(url)).toEqual(['chat:1', 'likes'])
    expect(param(url, 'resume')).toBe('chat:1~E1~2')
    expect(param(url, 'rewind')).toBeNull()
    t.client.close()
  })

  it('topics past the URL cap are POSTed with their positions in `resume`; the URL stays under the cap', async () => {
    const t = setup()
    const topics = Array.from({ length: 12 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(198)}`)
    for (const topic of topics) t.client.subscribe(topic, () => {})
    await settle()
    t.server.lastStream().push(frame.connected('conn-1'))
    await settle()
    expect(urlTopics(t.server.connects()[0]!.url)).toEqual(topics) // 12 x 201 characters fit without positions
    t.server.lastStream().push(topics.map((topic, i) => frame.positioned(topic, 'E1', i + 1)).join(''))
    await settle()
    await reconnect(t, 'conn-2')
    const url = t.server.connects()[1]!.url
    const inUrl = urlTopics(url)
    expect(inUrl.length).toBeGreaterThan(0)
    expect(inUrl.length).toBeLessThan(topics.length) // each now takes twice the room
    expect(new URL(url).search.length).toBeLessThanOrEqual(4000 + '?topics=&resume='.length)
    expect(param(url, 'resume')!.split(',')).toEqual(
      inUrl.map((topic) => `${topic}~E1~${topics.indexOf(topic) + 1}`),
    )
    const posted = t.server.posts('/v1/subscribe').at(-1)!.body as {
      topics: string[]
      resume: Record<string, unknown>
    }
    expect([...inUrl, ...posted.topics]).toEqual(topics)
    expect(posted.resume).toEqual(
      Object.fromEntries(
        posted.topics.map((topic) => [topic, { epoch: 'E1', offset: topics.indexOf(topic) + 1 }]),
      ),
    )
    t.client.close()
  })

  it('drops a history event at or before the last delivered offset, even past the id dedupe window', async () => {
    const t = await connectedOn('chat:1', { dedupeSize: 1 })
    const stream = t.server.lastStream()
    stream.push([1, 2, 3].map((n) => frame.positioned('chat:1', 'E1', n)).join(''))
    // a resume overlapping what was delivered replays 2 and 3 (the id window only remembers one id)
    stream.push([2, 3, 4].map((n) => frame.positioned('chat:1', 'E1', n)).join(''))
    stream.push(frame.positioned('chat:1', 'E1', 4, 'again', 'other-id')) // same position, other id
    await settle()
    expect(t.received.map((e) => e.data)).toEqual([1, 2, 3, 4])
    expect(t.gaps).toEqual([])
    t.client.close()
  })

  it('a new epoch with no gap frame before it: onGap reason epoch, then the event', async () => {
    const t = await connectedOn('chat:1')
    const order: string[] = []
    t.client.subscribe('chat:1', (e) => order.push(`event ${e.data}`), {
      onGap: (gap) => order.push(`gap ${gap.reason} ${gap.position?.epoch}:${gap.position?.offset}`),
    })
    await settle()
    const stream = t.server.lastStream()
    stream.push(frame.positioned('chat:1', 'E1', 5))
    stream.push(frame.positioned('chat:1', 'E2', 1) + frame.positioned('chat:1', 'E2', 2))
    await settle()
    expect(order).toEqual(['event 5', 'gap epoch E2:0', 'event 1', 'event 2'])
    expect(t.gaps).toEqual([{ topic: 'chat:1', reason: 'epoch', position: { epoch: 'E2', offset: 0 } }])
    await reconnect(t, 'conn-2')
    expect(param(t.server.connects()[1]!.url, 'resume')).toBe('chat:1~E2~2')
    t.client.close()
  })
})

describe('history topics: gap frames', () => {
  it('calls onGap of every callback of that topic that passed one, and moves the position past the gap', async () => {
    const t = await connectedOn('chat:1')
    const second: LikewireGap[] = []
    const other: LikewireGap[] = []
    const plain: LikewireEvent[] = []
    t.client.subscribe('chat:1', () => {}, { onGap: (gap) => second.push(gap) })
    t.client.subscribe('chat:1', (e) => plain.push(e)) // no onGap: nothing to call
    t.client.subscribe('chat:2', () => {}, { onGap: (gap) => other.push(gap) })
    await settle()
    const stream = t.server.lastStream()
    stream.push(frame.positioned('chat:1', 'E1', 1))
    stream.push(frame.gap('chat:1', 'expired', 'E1', 40))
    stream.push(frame.positioned('chat:1', 'E1', 41))
    await settle()
    const expected = { topic: 'chat:1', reason: 'expired', position: { epoch: 'E1', offset: 40 } }
    expect(t.gaps).toEqual([expected])
    expect(second).toEqual([expected])
    expect(other).toEqual([])
    expect(t.received.map((e) => e.data)).toEqual([1, 41])
    expect(ControlEvent.gap).toBe('likewire.gap')
    t.client.close()
  })

  it('a gap at or before the last position is not told again; one without a usable position keeps it', async () => {
    const t = await connectedOn('chat:1')
    const stream = t.server.lastStream()
    stream.push(frame.positioned('chat:1', 'E1', 7))
    stream.push(frame.gap('chat:1', 'expired', 'E1', 5)) // another stream's view: 1-7 were delivered here
    stream.push(frame.gap('chat:1', 'unavailable', '', 0)) // history unreachable, no position known
    stream.push(frame.gap('chat:1', 'epoch', 'E2', 3))
    await settle()
    expect(t.gaps.map((g) => `${g.reason} ${g.position?.epoch}:${g.position?.offset}`)).toEqual([
      'unavailable :0',
      'epoch E2:3',
    ])
    stream.push(frame.positioned('chat:1', 'E2', 3) + frame.positioned('chat:1', 'E2', 4))
    await settle()
    expect(t.received.map((e) => `${e.position!.epoch}:${e.data}`)).toEqual(['E1:7', 'E2:4'])
    t.client.close()
  })

  it('the unavailable gap leaves the position where it was: a reconnect resumes from it', async () => {
    const t = await connectedOn('chat:1')
    t.server
      .lastStream()
      .push(frame.positioned('chat:1', 'E1', 3) + frame.gap('chat:1', 'unavailable', '', 0))
    await settle()
    await reconnect(t, 'conn-2')
    expect(param(t.server.connects()[1]!.url, 'resume')).toBe('chat:1~E1~3')
    t.client.close()
  })

  it('reports a malformed gap frame to onError and goes on', async () => {
    const t = await connectedOn('chat:1')
    t.server.lastStream().push('event: likewire.gap\ndata: {"topic":"chat:1"}\n\n')
    t.server.lastStream().push(frame.positioned('chat:1', 'E1', 1))
    await settle()
    expect(String(t.errors[0])).toMatch(/malformed gap frame/)
    expect(t.gaps).toEqual([])
    expect(t.received).toHaveLength(1)
    t.client.close()
  })
})

describe('history topics: stream replacement (xhr)', () => {
  const positioned = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => frame.positioned('likes', 'E1', from + i)).join('')

  it('the replacement resumes from the position at the moment it is opened; the overlap is delivered once', async () => {
    const { xhr, client, received, first } = await setupBounded(400, { replacementGraceMs: 0, dedupeSize: 1 })
    first.push(positioned(1, 6)) // past the bound: a replacement opens
    await settle()
    const second = xhr.connects()[1]!
    expect(new URL(second.url).searchParams.get('resume')).toBe('likes~E1~6')
    first.push(positioned(7, 8)) // the live stream keeps delivering meanwhile
    second.respond(200)
    // the replacement replays from 6 on: 7 and 8 again, then 9
    second.push(`${frame.retry(2000)}${frame.connected('x2')}${positioned(7, 9)}`)
    await settle()
    expect(first.aborted).toBe(true)
    expect(received.map((e) => e.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    client.close()
  })

  it('a topic subscribed while the replacement opens is POSTed to it with the position of that moment', async () => {
    const { xhr, client, first } = await setupBounded(400, { replacementGraceMs: 0 })
    first.push(positioned(1, 6))
    await settle()
    const second = xhr.connects()[1]!
    client.subscribe('chat:1', () => {}, { rewind: 3 }) // a fresh topic, POSTed to the live stream first
    await settle()
    expect(JSON.parse(xhr.posts()[0]!.body!)).toEqual({
      connectionId: 'x1',
      topics: ['chat:1'],
      rewind: { 'chat:1': 3 },
    })
    first.push(frame.positioned('chat:1', 'C', 4) + positioned(7, 7))
    await settle()
    second.respond(200)
    second.push(frame.connected('x2'))
    await settle()
    expect(JSON.parse(xhr.posts()[1]!.body!)).toEqual({
      connectionId: 'x2',
      topics: ['chat:1'],
      resume: { 'chat:1': { epoch: 'C', offset: 4 } },
    })
    client.close()
  })
})
