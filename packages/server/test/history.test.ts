import { openStream, post, type Stream } from '@likewire/testkit'
import { EventSource } from 'eventsource'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { metric, type Running, startLikewire } from './helpers'

let server: Running | undefined
const streams: Stream[] = []
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close()
  await server?.close()
  server = undefined
})

const history = [{ match: 'chat:*', size: 5, ttlMs: 60_000 }]

async function connect(query: string, headers: Record<string, string> = {}): Promise<Stream> {
  const stream = await openStream(`${server!.url}/v1/connect?${query}`, headers)
  streams.push(stream)
  await vi.waitFor(() => stream.connectionId())
  return stream
}

type Positioned = { topic: string; id: string; data: unknown; pos?: { epoch: string; offset: number } }
const events = (stream: Stream) => stream.data() as Positioned[]
const gaps = (stream: Stream) =>
  stream.events.filter((e) => e.event === 'likewire.gap').map((e) => JSON.parse(e.data))

async function publish(topic: string, ...values: unknown[]) {
  const ids: string[] = []
  for (const data of values) ids.push((await server!.lw.publish(topic, data)).id)
  return ids
}

describe('history topics (embedded)', () => {
  it('give each event a position in its topic, as SSE id too; other topics stay fire-and-forget', async () => {
    server = await startLikewire({ history })
    const stream = await connect('topics=chat:1,likes:1')
    await publish('chat:1', 'a', 'b')
    await publish('likes:1', 'x')
    await vi.waitFor(() => expect(events(stream)).toHaveLength(3))
    const [a, b, x] = events(stream)
    expect(b!.pos).toEqual({ epoch: a!.pos!.epoch, offset: a!.pos!.offset + 1 })
    expect(x!.pos).toBeUndefined()
    const frames = stream.events.filter((e) => e.event === undefined)
    expect(frames.map((e) => e.id)).toEqual([`${a!.pos!.epoch}:1`, `${a!.pos!.epoch}:2`, undefined])
  })

  it('tells a fresh subscriber where it starts (likewire.position), and a rewinding one where its rewind starts', async () => {
    server = await startLikewire({ history })
    await publish('chat:1', 1, 2, 3)
    const fresh = await connect('topics=chat:1')
    const position = () =>
      fresh.events.filter((e) => e.event === 'likewire.position').map((e) => JSON.parse(e.data))
    await vi.waitFor(() => expect(position()).toHaveLength(1))
    const { epoch } = position()[0]
    expect(position()).toEqual([{ topic: 'chat:1', epoch, offset: 3 }])
    const rewinding = await connect('topics=chat:1&rewind=chat:1~2')
    await vi.waitFor(() => expect(events(rewinding)).toHaveLength(2))
    expect(rewinding.events.find((e) => e.event === 'likewire.position')!.data).toBe(
      JSON.stringify({ topic: 'chat:1', epoch, offset: 1 }),
    )
    // a resuming subscriber already knows where it is: no position frame
    const resumed = await connect(`topics=chat:1&resume=chat:1~${epoch}~3`)
    await publish('chat:1', 4)
    await vi.waitFor(() => expect(events(resumed).map((e) => e.data)).toEqual([4]))
    expect(resumed.events.filter((e) => e.event === 'likewire.position')).toEqual([])
  })

  it('resume: a client back after missing events gets exactly those, then live ones, each once and in order', async () => {
    server = await startLikewire({ history })
    const first = await connect('topics=chat:1')
    await publish('chat:1', 1, 2)
    await vi.waitFor(() => expect(events(first)).toHaveLength(2))
    const { epoch, offset } = events(first)[1]!.pos!
    first.close()
    await publish('chat:1', 3, 4) // missed while away
    const back = await connect(`topics=chat:1&resume=chat:1~${epoch}~${offset}`)
    await vi.waitFor(() => expect(events(back).map((e) => e.data)).toEqual([3, 4]))
    await publish('chat:1', 5)
    await vi.waitFor(() => expect(events(back).map((e) => e.data)).toEqual([3, 4, 5]))
    expect(gaps(back)).toEqual([])
    expect(await metric(server.lw, 'likewire_recoveries_total', '{result="recovered"}')).toBe(1)
    expect(await metric(server.lw, 'likewire_replayed_events_total')).toBe(2)
  })

  it('resume closes the race with live publishes: events published during the catch-up arrive once, in order', async () => {
    server = await startLikewire({ history: [{ match: 'chat:*', size: 1000 }] })
    const first = await connect('topics=chat:1')
    await publish('chat:1', 0)
    await vi.waitFor(() => expect(events(first)).toHaveLength(1))
    const { epoch } = events(first)[0]!.pos!
    first.close()
    let n = 1
    const publishing = (async () => {
      for (; n <= 300; n++) await server!.lw.publish('chat:1', n)
    })()
    await vi.waitFor(() => expect(n).toBeGreaterThan(50))
    const back = await connect(`topics=chat:1&resume=chat:1~${epoch}~1`)
    await publishing
    await vi.waitFor(() => expect(events(back).at(-1)?.data).toBe(300))
    expect(events(back).map((e) => e.data)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
  })

  it('rewind: a late joiner gets the last n retained events before live ones', async () => {
    server = await startLikewire({ history })
    await publish('chat:1', 1, 2, 3, 4)
    const late = await connect('topics=chat:1&rewind=chat:1~2')
    await vi.waitFor(() => expect(events(late).map((e) => e.data)).toEqual([3, 4]))
    await publish('chat:1', 5)
    await vi.waitFor(() => expect(events(late).map((e) => e.data)).toEqual([3, 4, 5]))
  })

  it('a gap is never silent: expired (no longer retained) and epoch (history lost), then live', async () => {
    server = await startLikewire({ history })
    const first = await connect('topics=chat:1')
    await publish('chat:1', 1)
    await vi.waitFor(() => expect(events(first)).toHaveLength(1))
    const { epoch } = events(first)[0]!.pos!
    first.close()
    await publish('chat:1', 2, 3, 4, 5, 6, 7, 8) // size 5 keeps 4-8: 2 and 3 are gone
    const expired = await connect(`topics=chat:1&resume=chat:1~${epoch}~1`)
    await vi.waitFor(() =>
      expect(gaps(expired)).toEqual([{ topic: 'chat:1', reason: 'expired', epoch, offset: 8 }]),
    )
    const lost = await connect('topics=chat:1&resume=chat:1~OtherEpoch~3')
    await vi.waitFor(() =>
      expect(gaps(lost)).toEqual([{ topic: 'chat:1', reason: 'epoch', epoch, offset: 8 }]),
    )
    await publish('chat:1', 9)
    await vi.waitFor(() => expect(events(expired).map((e) => e.data)).toEqual([9]))
    await vi.waitFor(() => expect(events(lost).map((e) => e.data)).toEqual([9]))
    expect(await metric(server.lw, 'likewire_gaps_total', '{reason="expired"}')).toBe(1)
    expect(await metric(server.lw, 'likewire_gaps_total', '{reason="epoch"}')).toBe(1)
  })

  it('resume and rewind by POST /v1/subscribe', async () => {
    server = await startLikewire({ history })
    const first = await connect('topics=chat:1')
    await publish('chat:1', 1, 2, 3)
    await vi.waitFor(() => expect(events(first)).toHaveLength(3))
    const { epoch } = events(first)[0]!.pos!
    const stream = await connect('')
    const res = await post(`${server.url}/v1/subscribe`, {
      connectionId: stream.connectionId(),
      topics: ['chat:1', 'chat:2'],
      resume: { 'chat:1': { epoch, offset: 1 } },
    })
    expect(res.status).toBe(200)
    await vi.waitFor(() => expect(events(stream).map((e) => e.data)).toEqual([2, 3]))
    await publish('chat:2', 'a', 'b')
    const rewinding = await connect('')
    await post(`${server.url}/v1/subscribe`, {
      connectionId: rewinding.connectionId(),
      topics: ['chat:2'],
      rewind: { 'chat:2': 1 },
    })
    await vi.waitFor(() => expect(events(rewinding).map((e) => e.data)).toEqual(['b']))
  })

  it('refuses malformed resume and rewind with 400 invalid_request', async () => {
    server = await startLikewire({ history })
    for (const query of [
      'topics=chat:1&resume=chat:1~e',
      'topics=chat:1&resume=chat:1~e~x',
      'topics=chat:1&resume=chat:2~e~1',
      'topics=chat:1&rewind=chat:1~0',
      'topics=chat:1&rewind=chat:1',
    ]) {
      const res = await fetch(`${server.url}/v1/connect?${query}`)
      expect({
        query,
        status: res.status,
        code: ((await res.json()) as { error: { code: string } }).error.code,
      }).toEqual({
        query,
        status: 400,
        code: 'invalid_request',
      })
    }
    const stream = await connect('')
    for (const extra of [
      { resume: [] },
      { resume: { 'chat:1': { epoch: 'e' } } },
      { rewind: { 'chat:9': 2 } },
    ]) {
      const res = await post(`${server.url}/v1/subscribe`, {
        connectionId: stream.connectionId(),
        topics: ['chat:1'],
        ...extra,
      })
      expect(res.body.error.code).toBe('invalid_request')
    }
  })

  it('a retried publish with the same key is recorded and delivered once, and answers the first id', async () => {
    server = await startLikewire({ history })
    const stream = await connect('topics=chat:1')
    const first = await post(`${server.url}/v1/publish`, { topic: 'chat:1', data: 'once', key: 'k-1' })
    const retry = await post(`${server.url}/v1/publish`, { topic: 'chat:1', data: 'once', key: 'k-1' })
    expect(retry.body.ids).toEqual(first.body.ids)
    await publish('chat:1', 'after')
    await vi.waitFor(() => expect(events(stream).map((e) => e.data)).toEqual(['once', 'after']))
    const bad = await post(`${server.url}/v1/publish`, { topic: 'chat:1', data: 1, key: 'not a key' })
    expect(bad.body.error.code).toBe('invalid_request')
  })

  it("a plain EventSource resumes its stream's one history topic through Last-Event-ID", async () => {
    server = await startLikewire({ history, retryMs: 100 })
    const seen: string[] = []
    let opens = 0
    const source = new EventSource(`${server.url}/v1/connect?topics=chat:1,likes:1`)
    source.onopen = () => opens++
    source.onmessage = (message) => seen.push(JSON.parse(message.data).data)
    try {
      await vi.waitFor(() => expect(opens).toBe(1))
      await publish('chat:1', 'c1')
      await publish('likes:1', 'like') // fire-and-forget: no SSE id, Last-Event-ID stays a position
      await vi.waitFor(() => expect(seen).toEqual(['c1', 'like']))
      server.listening.server.closeAllConnections() // the stream is cut; EventSource comes back by itself
      await publish('chat:1', 'c2') // missed while it reconnects
      await vi.waitFor(() => expect(opens).toBe(2))
      await publish('chat:1', 'c3')
      await vi.waitFor(() => expect(seen).toEqual(['c1', 'like', 'c2', 'c3']))
    } finally {
      source.close()
    }
  })

  it('a topic that lost its last subscriber here and got new ones: each offset once, nothing from before', async () => {
    server = await startLikewire({ history: [{ match: 'chat:*', size: 1000 }] })
    let publishing = true
    let published = 0
    const loop = (async () => {
      while (publishing) {
        await server!.lw.publish('chat:1', ++published)
        await new Promise((resolve) => setTimeout(resolve, 3))
      }
    })()
    try {
      const first = await connect('topics=chat:1')
      await vi.waitFor(() => expect(events(first).length).toBeGreaterThan(20))
      server.listening.server.closeAllConnections() // the topic's last subscriber here is gone
      await new Promise((resolve) => setTimeout(resolve, 100))
      const { epoch, offset } = events(first).at(-1)!.pos!
      const resumed = await connect(`topics=chat:1&resume=chat:1~${epoch}~${offset}`)
      const publishedBefore = published
      const fresh = await connect('topics=chat:1')
      await vi.waitFor(() => expect(events(fresh).length).toBeGreaterThan(50))
      const offsets = (s: Stream) => events(s).map((e) => e.pos!.offset)
      const consecutive = (list: number[], from: number) => list.every((o, i) => o === from + i)
      expect(consecutive(offsets(resumed), offset + 1)).toBe(true)
      expect(consecutive(offsets(fresh), offsets(fresh)[0]!)).toBe(true)
      // the fresh subscriber gets what was published after it subscribed, not a replay of before
      expect(offsets(fresh)[0]).toBeGreaterThan(publishedBefore - 1)
    } finally {
      publishing = false
      await loop
    }
  })
})
