import { openStream, type Stream } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { REPLAY_MS } from '../src/presence/publishing'
import { membersTopic, presenceTopic } from '../src/protocol/topic'
import type { MemoryPresenceStore } from '../src/registry/memory-presence'
import { MemoryRegistry } from '../src/registry/memory-registry'
import type { PresenceScope, PresenceStore, Swept } from '../src/registry/presence-store'
import { type Running, startLikewire } from './helpers'

// A store call whose script ran but whose reply was lost (a Redis timeout), and a publish that failed:
// the change must still reach watchers, exactly, from the state the store holds. The registry here is
// the real in-memory one, with a fault switched on per call: the store call runs, then throws.

type Fault = { method: keyof PresenceStore; when: (args: unknown[], result: unknown) => boolean }

/** MemoryRegistry whose presence store loses the next reply matching a fault, and whose lookups can fail. */
class FlakyRegistry extends MemoryRegistry {
  readonly faults: Fault[] = []
  readonly lookupFaults: Array<(topics: readonly string[]) => boolean> = []
  private readonly flaky: PresenceStore

  constructor() {
    super()
    const inner = super.presenceStore()
    this.flaky = new Proxy(inner, {
      get: (target, name) => {
        const value = Reflect.get(target, name)
        if (typeof value !== 'function') return value
        return async (...args: unknown[]) => {
          const result = await value.apply(target, args)
          const fault = this.faults.findIndex((f) => f.method === name && f.when(args, result))
          if (fault === -1) return result
          this.faults.splice(fault, 1)
          throw new Error(`reply of ${String(name)} lost (it ran)`)
        }
      },
    })
  }

  override presenceStore(): MemoryPresenceStore {
    return this.flaky as MemoryPresenceStore
  }

  override async nodesFor(topics: readonly string[]): Promise<Map<string, string[]>> {
    const fault = this.lookupFaults.findIndex((f) => f(topics))
    if (fault === -1) return super.nodesFor(topics)
    this.lookupFaults.splice(fault, 1)
    throw new Error('registry timeout')
  }
}

let server: Running
const streams: Stream[] = []
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close()
  await server?.close()
})

async function connect(query: Record<string, string>): Promise<Stream> {
  const stream = await openStream(`${server.url}/v1/connect?${new URLSearchParams(query)}`)
  streams.push(stream)
  expect(stream.status).toBe(200)
  await vi.waitFor(() => stream.connectionId())
  return stream
}

const statusesOf = (stream: Stream, memberId: string) =>
  stream
    .data()
    .map((event) => event.data as { memberId?: string; status?: string })
    .filter((data) => data.memberId === memberId)
    .map((data) => data.status)

const holds = (args: unknown[], memberId: string, topic: string | null = null) =>
  (args[1] as PresenceScope[]).some((s) => s.memberId === memberId && s.topic === topic)

describe('presence changes whose reply or publish was lost', () => {
  it('reach watchers all the same, as the state in the store, once each: online, offline, members', async () => {
    const registry = new FlakyRegistry()
    server = await startLikewire({
      registry,
      authenticate: (request) => {
        const member = new URL(request.url).searchParams.get('member')
        return member === null ? {} : { memberId: member }
      },
      presence: { graceMs: 500, intervalMs: 50 },
    })
    const watched = [presenceTopic('ann'), presenceTopic('bob'), membersTopic('live')]
    const watcher = await connect({ topics: watched.join(',') })
    const members = () => watcher.data().filter((e) => e.topic === membersTopic('live'))
    await vi.waitFor(() => expect(watcher.data()).toHaveLength(3)) // the snapshots

    // ann's join ran, its reply was lost: retried, the store answers `none` (already held)
    registry.faults.push({
      method: 'join',
      when: (args, result) => holds(args, 'ann') && (result as string[]).includes('joined'),
    })
    const ann = await connect({ member: 'ann', topics: 'live' })
    await vi.waitFor(() => expect(registry.faults).toEqual([]))
    // bob's online publish fails, and the drain of his joining `live` ran but its reply was lost
    registry.lookupFaults.push((topics) => topics.includes(presenceTopic('bob')))
    registry.faults.push({
      method: 'drainMembers',
      when: (args, result) => args[0] === 'live' && result !== null && result !== 'busy',
    })
    await connect({ member: 'bob', topics: 'live' })
    await vi.waitFor(
      () => {
        expect(registry.faults).toEqual([])
        expect(registry.lookupFaults).toEqual([])
        expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online'])
        expect(statusesOf(watcher, 'bob')).toEqual(['offline', 'online'])
        expect(members().at(-1)?.data).toEqual({
          topic: 'live',
          count: 2,
          members: expect.arrayContaining([
            { memberId: 'ann', since: expect.any(Number) },
            { memberId: 'bob', since: expect.any(Number) },
          ]),
          snapshot: true,
        })
      },
      { timeout: REPLAY_MS + 3000 },
    )

    // ann's offline was taken by a sweep whose reply was lost
    registry.faults.push({
      method: 'sweep',
      when: (_, result) => (result as Swept[]).some((s) => s.memberId === 'ann' && s.topic === null),
    })
    ann.close()
    await vi.waitFor(
      () => {
        expect(registry.faults).toEqual([])
        expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online', 'offline'])
        // her leaving `live`, swept with it: the topic's snapshot from the store
        expect(members().at(-1)?.data).toEqual({
          topic: 'live',
          count: 1,
          members: [{ memberId: 'bob', since: expect.any(Number) }],
          snapshot: true,
        })
      },
      { timeout: REPLAY_MS + 3000 },
    )
    // published and confirmed: never again, however many sweeps and replays come
    const events = watcher.data().length
    await new Promise((resolve) => setTimeout(resolve, REPLAY_MS + 500))
    expect(watcher.data()).toHaveLength(events)
    expect(statusesOf(watcher, 'ann')).toEqual(['offline', 'online', 'offline'])
    expect(statusesOf(watcher, 'bob')).toEqual(['offline', 'online'])
  }, 30_000)
})

describe('a presence snapshot whose read fails', () => {
  it('is read again; past the retries the watcher is closed (its client subscribes again), never left without state', async () => {
    const registry = new FlakyRegistry()
    server = await startLikewire({ registry, presence: { graceMs: 500 } })
    // one lost read: retried, the watcher gets its snapshot
    registry.faults.push({ method: 'presence', when: () => true })
    const once = await connect({ topics: presenceTopic('ann') })
    await vi.waitFor(() => expect(statusesOf(once, 'ann')).toEqual(['offline']))
    expect(registry.faults).toEqual([])
    // every read lost: the stream is ended rather than left silent
    for (let i = 0; i < 4; i++) registry.faults.push({ method: 'presence', when: () => true })
    const never = await connect({ topics: presenceTopic('bob') })
    await vi.waitFor(() => expect(never.ended).toBe(true), { timeout: 5000 })
    expect(statusesOf(never, 'bob')).toEqual([])
    expect(once.ended).toBe(false)
  })
})
