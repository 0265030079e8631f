// Rewind through the real client over a fake fetch: asked of the server for a fresh topic, else from the buffer.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MAX_REWIND } from './recovery'
import { frame, settle, setup, useFakeTime } from './testing/harness'
import { connectedOn, param, reconnect } from './testing/history'

beforeEach(useFakeTime)
afterEach(() => {
  vi.useRealTimers()
})

describe('history topics: rewind', () => {
  it('a fresh topic asks the server once, in the connect URL; a reconnect resumes instead', async () => {
    const t = await connectedOn('chat:1', { rewind: 5 })
    expect(param(t.server.connects()[0]!.url, 'rewind')).toBe('chat:1~5')
    await reconnect(t, 'conn-2') // acknowledged, nothing delivered yet: the rewind is not asked again
    const second = t.server.connects()[1]!.url
    expect(param(second, 'rewind')).toBeNull()
    expect(param(second, 'resume')).toBeNull()
    t.server.lastStream().push(frame.positioned('chat:1', 'E1', 9))
    await settle()
    await reconnect(t, 'conn-3')
    expect(param(t.server.connects()[2]!.url, 'resume')).toBe('chat:1~E1~9')
    expect(param(t.server.connects()[2]!.url, 'rewind')).toBeNull()
    t.client.close()
  })

  it('a connect that failed before its acknowledgement asks the rewind again', async () => {
    const t = setup()
    t.server.connectStatuses.push(503)
    t.client.subscribe('chat:1', () => {}, { rewind: 3 })
    await settle()
    await vi.advanceTimersByTimeAsync(500)
    await settle()
    expect(t.server.connects().map((r) => param(r.url, 'rewind'))).toEqual(['chat:1~3', 'chat:1~3'])
    t.client.close()
  })

  it('a topic subscribed on a connected stream asks in the POST; the largest rewind of the tick wins', async () => {
    const t = await connectedOn('likes')
    t.client.subscribe('chat:1', () => {}, { rewind: 2 })
    t.client.subscribe('chat:1', () => {}, { rewind: 4 })
    t.client.subscribe('chat:2', () => {})
    await settle()
    expect(t.server.posts('/v1/subscribe')[0]!.body).toEqual({
      connectionId: 'conn-1',
      topics: ['chat:1', 'chat:2'],
      rewind: { 'chat:1': 4 },
    })
    t.client.close()
  })

  it('a second callback on a subscribed topic rewinds from the client buffer, then gets live events', async () => {
    const t = await connectedOn('chat:1', { rewind: 3 })
    const stream = t.server.lastStream()
    stream.push([1, 2, 3, 4, 5].map((n) => frame.positioned('chat:1', 'E1', n)).join(''))
    await settle()
    const late: unknown[] = []
    const plain: unknown[] = []
    const greedy: unknown[] = []
    t.client.subscribe('chat:1', (e) => late.push(e.data), { rewind: 2 })
    t.client.subscribe('chat:1', (e) => plain.push(e.data))
    t.client.subscribe('chat:1', (e) => greedy.push(e.data), { rewind: 10 }) // the buffer holds 3
    expect(late).toEqual([]) // never inside subscribe
    await settle()
    expect(t.server.posts('/v1/subscribe')).toEqual([]) // the server has the topic: nothing to ask
    stream.push(frame.positioned('chat:1', 'E1', 6))
    await settle()
    expect(late).toEqual([4, 5, 6])
    expect(plain).toEqual([6])
    expect(greedy).toEqual([3, 4, 5, 6])
    expect(t.received.map((e) => e.data)).toEqual([1, 2, 3, 4, 5, 6])
    // the greedy callback asked 10: the buffer grows to 10 while it is there
    stream.push([7, 8, 9, 10, 11, 12].map((n) => frame.positioned('chat:1', 'E1', n)).join(''))
    await settle()
    const later: unknown[] = []
    t.client.subscribe('chat:1', (e) => later.push(e.data), { rewind: 8 })
    await settle()
    expect(later).toEqual([5, 6, 7, 8, 9, 10, 11, 12])
    t.client.close()
  })

  it('the backlog comes before a live event that arrives first, and never after an unsubscribe', async () => {
    const t = await connectedOn('chat:1', { rewind: 2 })
    const stream = t.server.lastStream()
    stream.push(frame.positioned('chat:1', 'E1', 1) + frame.positioned('chat:1', 'E1', 2))
    await settle()
    const late: unknown[] = []
    const gone: unknown[] = []
    t.client.subscribe('chat:1', (e) => late.push(e.data), { rewind: 2 })
    t.client.subscribe('chat:1', (e) => gone.push(e.data), { rewind: 2 })() // unsubscribed at once
    await settle()
    expect(late).toEqual([1, 2])
    expect(gone).toEqual([])
    t.client.close()
  })

  it('no buffer when no callback asked for a rewind: a late rewind gets live events only', async () => {
    const t = await connectedOn('chat:1')
    t.server.lastStream().push(frame.positioned('chat:1', 'E1', 1))
    await settle()
    const late: unknown[] = []
    t.client.subscribe('chat:1', (e) => late.push(e.data), { rewind: 5 })
    t.server.lastStream().push(frame.positioned('chat:1', 'E1', 2))
    await settle()
    expect(late).toEqual([2])
    t.client.close()
  })

  it('a topic unsubscribed and subscribed again later starts afresh: rewind again, no resume', async () => {
    const t = await connectedOn('chat:1', { rewind: 2 })
    t.server.lastStream().push(frame.positioned('chat:1', 'E1', 1))
    await settle()
    t.unsubscribe()
    await settle()
    expect(t.server.posts('/v1/unsubscribe')).toHaveLength(1)
    const again: unknown[] = []
    t.client.subscribe('chat:1', (e) => again.push(e.data), { rewind: 2 })
    await settle()
    expect(t.server.posts('/v1/subscribe')[0]!.body).toEqual({
      connectionId: 'conn-1',
      topics: ['chat:1'],
      rewind: { 'chat:1': 2 },
    })
    t.server.lastStream().push(frame.positioned('chat:1', 'E1', 1)) // the server's rewind: not a duplicate
    await settle()
    expect(again).toEqual([1])
    t.client.close()
  })

  it('refuses a rewind that is not an integer from 0 to MAX_REWIND', () => {
    const { client } = setup()
    for (const rewind of [-1, 1.5, Number.NaN, MAX_REWIND + 1]) {
      expect(() => client.subscribe('chat:1', () => {}, { rewind })).toThrow(TypeError)
    }
    expect(() => client.subscribe('chat:1', () => {}, { rewind: 0 })).not.toThrow()
    client.close()
  })
})
