// Tabs sharing one stream, against a real server: the subscription limit counts every tab's topics, and a
// follower's topic past it is refused to that follower alone; the leader's stream goes on for all.
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient, type LikewireError } from '../src/index'
import type { ChannelLike } from '../src/share/messages'
import { fakeLocks } from '../src/testing/fake-locks'

let lw: Likewire | undefined
let listening: Listening | undefined
const tabs: LikewireClient[] = []
const channels: ChannelLike[] = []

afterEach(async () => {
  for (const tab of tabs.splice(0)) tab.close()
  for (const channel of channels.splice(0)) channel.close()
  await lw?.close()
  await listening?.close()
})

const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 15_000, interval: 20 })

function tab(url: string, locks: ReturnType<typeof fakeLocks>) {
  const errors: unknown[] = []
  const client = createClient({
    url,
    backoff: { baseMs: 20, maxMs: 200 },
    onError: (e) => errors.push(e),
    share: {
      key: 'user-1',
      locks,
      collectMs: 30,
      channel: (name) => {
        const channel = new BroadcastChannel(name) as unknown as ChannelLike
        channels.push(channel)
        return channel
      },
    },
  })
  tabs.push(client)
  return { client, errors }
}

/** Subscribes, recording events and the refusal; resolves once acknowledged or refused. */
async function sub(c: LikewireClient, topic: string) {
  const data: unknown[] = []
  const refusals: LikewireError[] = []
  let acked = false
  c.subscribe(topic, (e) => data.push(e.data), {
    onSubscribed: () => (acked = true),
    onError: (e) => refusals.push(e),
  })
  await eventually(() => expect(acked || refusals.length > 0).toBe(true))
  return { data, refusals, acked: () => acked }
}

describe('shared tabs: refused subscriptions', () => {
  it("a follower's topic past the limit of the union is refused to that follower; every other topic flows", async () => {
    lw = createLikewire({
      logLevel: 'silent',
      processMetrics: false,
      retryMs: 100,
      maxSubscriptionsPerConnection: 3,
    })
    listening = await listen(lw.app, { port: 0 })
    const locks = fakeLocks()
    const leader = tab(listening.url, locks)
    const follower = tab(listening.url, locks)
    const a = await sub(leader.client, 'a')
    const b = await sub(leader.client, 'b')
    const c = await sub(follower.client, 'c')
    expect([a, b, c].every((s) => s.acked())).toBe(true)
    const d = await sub(follower.client, 'd') // the fourth topic of one stream
    expect(d.acked()).toBe(false)
    expect(d.refusals).toMatchObject([{ code: 'too_many_subscriptions', status: 400, topic: 'd' }])
    expect(follower.errors).toEqual(d.refusals)
    expect(leader.errors).toEqual([])
    for (const topic of ['a', 'b', 'c', 'd']) await lw.publish(topic, topic)
    await eventually(() => expect([a.data, b.data, c.data]).toEqual([['a'], ['b'], ['c']]))
    expect(d.data).toEqual([])
    for (const t of [leader, follower]) expect(t.client.state.status).toBe('connected')
    // the leader's own topic past the limit is refused to the leader tab, the same way
    const e = await sub(leader.client, 'e')
    expect(e.refusals).toMatchObject([{ code: 'too_many_subscriptions', topic: 'e' }])
    expect(leader.errors).toEqual(e.refusals)
    expect(follower.errors).toHaveLength(1)
  })
})
