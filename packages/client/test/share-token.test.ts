// Tabs sharing one stream with tokens that expire: the leader's getToken serves every tab.
import { createHmac } from 'node:crypto'
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient } from '../src/index'
import type { ChannelLike } from '../src/share/messages'
import { fakeLocks } from '../src/testing/fake-locks'

const SECRET = 'a-client-test-secret-of-32-bytes-or-more'
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

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
let jti = 0
function sign(claims: Record<string, unknown>): string {
  const body = `${b64({ alg: 'HS256' })}.${b64({ ...claims, jti: String(++jti) })}`
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`
}
const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 15_000, interval: 20 })

describe('tabs sharing a stream, with getToken', () => {
  it("the leader's getToken is called for the stream and at each expiry; a follower's never, and it loses nothing", async () => {
    lw = createLikewire({
      logLevel: 'silent',
      processMetrics: false,
      retryMs: 100,
      auth: { jwt: { secret: SECRET } },
      history: [{ match: 'chat:*', size: 1000 }],
    })
    listening = await listen(lw.app, { port: 0 })
    const locks = fakeLocks()
    const calls = { leader: 0, follower: 0 }
    const tab = (name: keyof typeof calls) => {
      const client = createClient({
        url: listening!.url,
        backoff: { baseMs: 20, maxMs: 200 },
        onError: () => {},
        getToken: () => {
          calls[name]++
          return sign({ sub: 'ann', exp: Math.floor(Date.now() / 1000) + 2 })
        },
        // the user, not the token: tabs holding tokens of their own still share
        share: {
          key: 'ann',
          locks,
          collectMs: 50,
          channel: (channelName) => {
            const channel = new BroadcastChannel(channelName) as unknown as ChannelLike
            channels.push(channel)
            return channel
          },
        },
      })
      tabs.push(client)
      return client
    }
    const leader = tab('leader')
    const first: unknown[] = []
    leader.subscribe('chat:1', (e) => first.push(e.data))
    await eventually(() => expect(leader.state.status).toBe('connected'))
    const follower = tab('follower')
    const received: unknown[] = []
    let acked = false
    follower.subscribe('chat:1', (e) => received.push(e.data), { onSubscribed: () => (acked = true) })
    await eventually(() => expect(acked).toBe(true))

    let n = 0
    const deadline = Date.now() + 4500
    while (Date.now() < deadline) {
      await lw.publish('chat:1', ++n)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await eventually(() => expect(received.at(-1)).toBe(n))
    expect(received).toEqual(Array.from({ length: n }, (_, i) => i + 1))
    expect(calls.leader).toBeGreaterThanOrEqual(2) // the first connect, then each renewal before expiry
    expect(calls.follower).toBe(0)
    // a stream replaced by a renewal stays open for its grace (or until its token expires), then goes
    await eventually(async () => {
      const metrics = await lw!.metrics.metrics()
      expect(
        Number(/likewire_disconnects_total\{reason="token_expired"\} (\d+)/.exec(metrics)?.[1]),
      ).toBeGreaterThanOrEqual(1)
      expect(Number(/likewire_connections (\d+)/.exec(metrics)?.[1])).toBe(1)
    })
  })

  it('without share.key, tabs share only when their tokens are the same; a failing getToken leaves a tab alone, not stuck', async () => {
    lw = createLikewire({
      logLevel: 'silent',
      processMetrics: false,
      retryMs: 100,
      auth: { jwt: { secret: SECRET } },
    })
    listening = await listen(lw.app, { port: 0 })
    const locks = fakeLocks()
    const tab = (getToken: () => string) => {
      const client = createClient({
        url: listening!.url,
        backoff: { baseMs: 20, maxMs: 200 },
        onError: () => {},
        getToken,
        share: {
          locks,
          collectMs: 50,
          channel: (channelName) => {
            const channel = new BroadcastChannel(channelName) as unknown as ChannelLike
            channels.push(channel)
            return channel
          },
        },
      })
      tabs.push(client)
      client.subscribe('chat:1', () => {})
      return client
    }
    const connections = async () =>
      Number(/likewire_connections (\d+)/.exec(await lw!.metrics.metrics())?.[1] ?? Number.NaN)
    const ann = sign({ sub: 'ann' })
    const sameToken = [tab(() => ann), tab(() => ann)]
    await eventually(() => expect(sameToken.map((t) => t.state.status)).toEqual(['connected', 'connected']))
    await eventually(async () => expect(await connections()).toBe(1))
    // another user's tab: another token, another group, its own stream
    const bob = tab(() => sign({ sub: 'bob' }))
    await eventually(() => expect(bob.state.status).toBe('connected'))
    await eventually(async () => expect(await connections()).toBe(2))
    // a token service down when the tab starts: reported, the tab goes on alone and connects once it is back
    let down = true
    const alone = tab(() => {
      if (down) throw new Error('token service down')
      return ann
    })
    await new Promise((resolve) => setTimeout(resolve, 200))
    down = false
    await eventually(() => expect(alone.state.status).toBe('connected'))
    await eventually(async () => expect(await connections()).toBe(3))
  })

  it('a leader whose credentials are refused (401) gives the stream up: a tab whose credentials work leads, every tab gets events', async () => {
    lw = createLikewire({
      logLevel: 'silent',
      processMetrics: false,
      retryMs: 100,
      auth: { jwt: { secret: SECRET } },
    })
    listening = await listen(lw.app, { port: 0 })
    const locks = fakeLocks()
    const tab = (getToken: () => string) => {
      const client = createClient({
        url: listening!.url,
        backoff: { baseMs: 20, maxMs: 200 },
        onError: () => {},
        getToken,
        share: {
          key: 'ann',
          locks,
          collectMs: 50,
          channel: (channelName) => {
            const channel = new BroadcastChannel(channelName) as unknown as ChannelLike
            channels.push(channel)
            return channel
          },
        },
      })
      tabs.push(client)
      return client
    }
    // a tab left with a token the server no longer takes (signed with an old key) leads first
    const stale = tab(() => `${sign({ sub: 'ann' }).slice(0, -4)}AAAA`)
    const staleGot: unknown[] = []
    stale.subscribe('likes', (e) => staleGot.push(e.data))
    await eventually(() => expect(stale.state).toMatchObject({ status: 'closed', reason: 'unauthorized' }))
    const fresh = tab(() => sign({ sub: 'ann' }))
    const freshGot: unknown[] = []
    fresh.subscribe('likes', (e) => freshGot.push(e.data))
    await eventually(() =>
      expect([stale.state.status, fresh.state.status]).toEqual(['connected', 'connected']),
    )
    await eventually(async () => {
      await lw!.publish('likes', 'x')
      expect(freshGot).toContain('x')
      expect(staleGot).toContain('x')
    })
    expect(Number(/likewire_connections (\d+)/.exec(await lw.metrics.metrics())?.[1])).toBe(1)
  })
})
