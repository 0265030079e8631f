import { openStream, post, type Stream } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { LikewireOptions } from '../src/options'
import { membersTopic, presenceTopic, viewersTopic } from '../src/protocol/topic'
import type { MemoryRegistry } from '../src/registry/memory-registry'
import { metric, type Running, startLikewire } from './helpers'

// The snapshots a subscribe to meta topics sends, against a real server: once per topic new to the
// connection, and paced by what the client takes, so a large burst never drops its own subscriber.

let server: Running
const streams: Stream[] = []
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close()
  await server?.close()
})

async function start(options: LikewireOptions = {}): Promise<Running> {
  server = await startLikewire({ viewerCountIntervalMs: 50, ...options })
  return server
}

async function connect(query: string): Promise<Stream> {
  const stream = await openStream(`${server.url}/v1/connect?${query}`)
  streams.push(stream)
  expect(stream.status).toBe(200)
  await vi.waitFor(() => stream.connectionId())
  return stream
}

const subscribe = (stream: Stream, topics: string[]) =>
  post(`${server.url}/v1/subscribe`, { connectionId: stream.connectionId(), topics })

/** Every frame queued before it has reached the stream once a marker published now has. */
async function caughtUp(stream: Stream, marker: number): Promise<void> {
  await server.lw.publish('marker', marker)
  await vi.waitFor(() =>
    expect(stream.data().some((e) => e.topic === 'marker' && e.data === marker)).toBe(true),
  )
}

const countsOf = (stream: Stream) => {
  const counts: Record<string, number> = {}
  for (const { topic } of stream.data()) if (topic !== 'marker') counts[topic] = (counts[topic] ?? 0) + 1
  return counts
}

describe('snapshots only for topics new to the connection', () => {
  it('a repeated subscribe reads and sends no snapshot again; a fresh or re-added topic gets one', async () => {
    await start()
    const watcher = await connect('topics=marker')
    const meta = [membersTopic('x'), viewersTopic('x'), presenceTopic('ann')]
    for (let i = 0; i < 3; i++) expect((await subscribe(watcher, meta)).status).toBe(200)
    await caughtUp(watcher, 1)
    expect(countsOf(watcher)).toEqual({ 'x/$members': 1, 'x/$viewers': 1, 'member:ann/$presence': 1 })

    // alongside topics it holds, only the new ones are sent their state
    const more = [...meta, membersTopic('y'), viewersTopic('y'), presenceTopic('bob')]
    expect((await subscribe(watcher, more)).status).toBe(200)
    await caughtUp(watcher, 2)
    expect(countsOf(watcher)).toEqual({
      'x/$members': 1,
      'x/$viewers': 1,
      'member:ann/$presence': 1,
      'y/$members': 1,
      'y/$viewers': 1,
      'member:bob/$presence': 1,
    })

    // unsubscribed, then subscribed again: new to the connection again, so its state again
    const unsubscribed = await post(`${server.url}/v1/unsubscribe`, {
      connectionId: watcher.connectionId(),
      topics: meta,
    })
    expect(unsubscribed.status).toBe(200)
    expect((await subscribe(watcher, meta)).status).toBe(200)
    await caughtUp(watcher, 3)
    expect(countsOf(watcher)).toMatchObject({ 'x/$members': 2, 'x/$viewers': 2, 'member:ann/$presence': 2 })
  })
})

describe('snapshots paced by what the client takes', () => {
  const TOPICS = 12
  const MEMBERS = 1000
  // 12 snapshots of 1000 members of 90-character ids: about 1.5 MB, six times the connection's bound
  const bound = 256 * 1024
  const memberId = (i: number) => `member-${String(i).padStart(4, '0')}-${'m'.repeat(78)}`
  const topics = Array.from({ length: TOPICS }, (_, t) => `room:${t}`)

  async function crowded(): Promise<void> {
    await start({ maxBufferedBytes: bound, presence: { membersLimit: MEMBERS } })
    // members held by another node of the same store: what a cluster's other frontends record
    const store = (server.lw.core.registry as MemoryRegistry).presenceStore()
    const scopes = topics.flatMap((topic) =>
      Array.from({ length: MEMBERS }, (_, i) => ({ topic, memberId: memberId(i) })),
    )
    await store.join('another-node', scopes, Date.now())
  }

  async function expectEverySnapshot(stream: Stream): Promise<void> {
    // every snapshot came, or the stream ended (dropped): whichever first
    await vi.waitFor(() => expect(stream.ended || stream.data().length >= TOPICS).toBe(true), {
      timeout: 20_000,
    })
    expect(stream.ended).toBe(false)
    const snapshots = stream.data().map((e) => e.data as { topic: string; count: number; members: unknown[] })
    expect(snapshots.map((s) => s.topic).sort()).toEqual([...topics].sort())
    for (const snapshot of snapshots) {
      expect(snapshot.count).toBe(MEMBERS)
      expect(snapshot.members).toHaveLength(MEMBERS)
    }
    expect(stream.raw.length).toBeGreaterThan(4 * bound)
    expect(stream.ended).toBe(false)
    expect(server.lw.frontend.find(stream.connectionId())).toBeDefined()
    expect(await metric(server.lw, 'likewire_disconnects_total', '{reason="slow_consumer"}')).toBe(0)
  }

  it('by POST: many large member lists at once never drop the subscriber', async () => {
    await crowded()
    const watcher = await connect('topics=marker')
    const res = await subscribe(watcher, topics.map(membersTopic))
    expect(res.status).toBe(200)
    await expectEverySnapshot(watcher)
  })

  it('at connect: the same', async () => {
    await crowded()
    const watcher = await connect(`topics=${topics.map(membersTopic).join(',')}`)
    await expectEverySnapshot(watcher)
  })
})
