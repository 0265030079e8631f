import { openStream, type Stream } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MemoryHistoryStore } from '../src/history/memory-store'
import type { HistoryStore } from '../src/history/store'
import { metric, type Running, startLikewire } from './helpers'

let server: Running | undefined
const streams: Stream[] = []
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close()
  await server?.close()
  server = undefined
})

type Positioned = { data: unknown; pos?: { epoch: string; offset: number } }
const data = (stream: Stream) => (stream.data() as Positioned[]).map((e) => e.data)

async function connect(query: string): Promise<Stream> {
  const stream = await openStream(`${server!.url}/v1/connect?${query}`)
  streams.push(stream)
  await vi.waitFor(() => stream.connectionId())
  return stream
}

/** The memory store, its reads after a position counted (what a resume outside the window costs). */
function countedStore(): { store: HistoryStore; resumeReads: () => number } {
  const memory = new MemoryHistoryStore()
  let reads = 0
  const store: HistoryStore = {
    append: (requests) => memory.append(requests),
    read: (topic, rule, from) => {
      if ('after' in from) reads++
      return memory.read(topic, rule, from)
    },
    health: () => memory.health(),
    close: () => memory.close(),
  }
  return { store, resumeReads: () => reads }
}

describe("a frontend's window of recent events (embedded, real HTTP streams)", () => {
  it('answers a resume inside it without reading the store, one older than it from the store; then live, each once', async () => {
    const { store, resumeReads } = countedStore()
    server = await startLikewire({
      history: [{ match: 'chat:*', size: 100, ttlMs: 60_000 }],
      historyStore: store,
      historyWindow: 3,
    })
    // a subscriber that stays: the node delivers the topic live, so its window follows it
    const keeper = await connect('topics=chat:1')
    for (let n = 1; n <= 6; n++) await server.lw.publish('chat:1', n)
    await vi.waitFor(() => expect(data(keeper)).toEqual([1, 2, 3, 4, 5, 6]))
    const epoch = (keeper.data() as Positioned[])[0]!.pos!.epoch

    // the window holds 4, 5, 6: a client at 3 misses 4, 5, 6, all in it
    const inside = await connect(`topics=chat:1&resume=chat:1~${epoch}~3`)
    await vi.waitFor(() => expect(data(inside)).toEqual([4, 5, 6]))
    expect(resumeReads()).toBe(0)
    expect(await metric(server.lw, 'likewire_resumes_total', '{source="window"}')).toBe(1)

    // a client at 1 misses 2 and 3, which the window no longer holds: the store answers
    const older = await connect(`topics=chat:1&resume=chat:1~${epoch}~1`)
    await vi.waitFor(() => expect(data(older)).toEqual([2, 3, 4, 5, 6]))
    expect(resumeReads()).toBe(1)
    expect(await metric(server.lw, 'likewire_resumes_total', '{source="store"}')).toBe(1)

    await server.lw.publish('chat:1', 7)
    await vi.waitFor(() => expect(data(older)).toEqual([2, 3, 4, 5, 6, 7]))
    await vi.waitFor(() => expect(data(inside)).toEqual([4, 5, 6, 7]))
    expect(await metric(server.lw, 'likewire_recoveries_total', '{result="recovered"}')).toBe(2)
    expect(await metric(server.lw, 'likewire_history_window_bytes')).toBeGreaterThan(0)
  })

  it('kept a while after the last subscriber left: a client back at its position is answered from it, brought up to date with one read', async () => {
    const { store, resumeReads } = countedStore()
    server = await startLikewire({
      history: [{ match: 'chat:*', size: 100, ttlMs: 60_000 }],
      historyStore: store,
    })
    const first = await connect('topics=chat:1')
    for (let n = 1; n <= 3; n++) await server.lw.publish('chat:1', n)
    await vi.waitFor(() => expect(data(first)).toEqual([1, 2, 3]))
    const epoch = (first.data() as Positioned[])[0]!.pos!.epoch
    first.close()
    await vi.waitFor(async () => expect(await metric(server!.lw, 'likewire_subscriptions')).toBe(0))
    // published while the node had no subscriber: not delivered here, only in the store
    for (let n = 4; n <= 5; n++) await server.lw.publish('chat:1', n)

    const back = await connect(`topics=chat:1&resume=chat:1~${epoch}~2`)
    await vi.waitFor(() => expect(data(back)).toEqual([3, 4, 5]))
    // one read brought the window up to date (the topic's anchor); the resume itself read nothing
    expect(resumeReads()).toBe(1)
    expect(await metric(server.lw, 'likewire_resumes_total', '{source="window"}')).toBe(1)
    await server.lw.publish('chat:1', 6)
    await vi.waitFor(() => expect(data(back)).toEqual([3, 4, 5, 6]))
  })
})
