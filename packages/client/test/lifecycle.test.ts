// Apps that sleep, against a real server: a lifecycle source parks the stream (frozen at once, passive
// after parkAfterMs) and its return resumes history topics; React Native's AppState through appStateSource.
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  type Activity,
  type AppStateLike,
  appStateSource,
  createClient,
  type LifecycleSource,
  type LikewireClient,
  type LikewireEvent,
} from '../src/index'
import { fakeLocks } from '../src/testing/fake-locks'

let lw: Likewire | undefined
let listening: Listening | undefined
const clients: LikewireClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await lw?.close()
  await listening?.close()
})
const eventually = <T>(check: () => T, timeout = 15_000) => vi.waitFor(check, { timeout, interval: 20 })

async function server() {
  lw = createLikewire({
    logLevel: 'silent',
    processMetrics: false,
    retryMs: 100,
    history: [{ match: 'chat:*', size: 100 }],
  })
  listening = await listen(lw.app, { port: 0 })
  return listening.url
}

/** A lifecycle source a test drives, as the page lifecycle or AppState would. */
function switchable(initial: Activity = 'active'): LifecycleSource & { set(a: Activity): void } {
  let current = initial
  const listeners = new Set<(a: Activity) => void>()
  return {
    activity: () => current,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    set(next) {
      current = next
      for (const l of [...listeners]) l(next)
    },
  }
}

const connections = async () => Number(/likewire_connections (\d+)/.exec(await lw!.metrics.metrics())?.[1])

async function recorded(c: LikewireClient, topic: string) {
  const events: LikewireEvent[] = []
  let acked = false
  c.subscribe(topic, (e) => events.push(e), { onSubscribed: () => (acked = true) })
  await eventually(() => expect(acked).toBe(true))
  return events
}

describe('apps that sleep', () => {
  it('frozen parks the stream at once (closed on the server); resumed, it reconnects and gets what it missed', async () => {
    const url = await server()
    const life = switchable()
    const c = createClient({ url, lifecycleSource: life, backoff: { baseMs: 20 }, onError: () => {} })
    clients.push(c)
    const events = await recorded(c, 'chat:1')
    await lw!.publish('chat:1', 1)
    await eventually(() => expect(events.map((e) => e.data)).toEqual([1]))
    life.set('frozen')
    expect(c.state).toMatchObject({ status: 'reconnecting', reason: 'parked', nextRetryAt: null })
    await eventually(async () => expect(await connections()).toBe(0))
    await lw!.publish('chat:1', 2)
    await lw!.publish('chat:1', 3)
    life.set('active')
    await eventually(() => expect(c.state.status).toBe('connected'))
    await lw!.publish('chat:1', 4)
    await eventually(() => expect(events.map((e) => e.data)).toEqual([1, 2, 3, 4]))
  })

  it('passive parks only after parkAfterMs; active again before that keeps the stream', async () => {
    const url = await server()
    const life = switchable()
    const c = createClient({ url, lifecycleSource: life, parkAfterMs: 300, onError: () => {} })
    clients.push(c)
    await recorded(c, 'chat:1')
    const id = c.state.connectionId
    life.set('passive')
    await new Promise((resolve) => setTimeout(resolve, 100))
    life.set('active') // back within the grace: nothing happened
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(c.state).toMatchObject({ status: 'connected', connectionId: id })
    life.set('passive')
    await eventually(() => expect(c.state.reason).toBe('parked'))
  })

  it("React Native: appStateSource maps AppState's background to passive and the rest to active", () => {
    const listeners: Array<(s: string) => void> = []
    const appState: AppStateLike = {
      currentState: 'active',
      addEventListener: (_type, listener) => {
        listeners.push(listener)
        return { remove: () => listeners.splice(listeners.indexOf(listener), 1) }
      },
    }
    const source = appStateSource(appState)
    const seen: Activity[] = []
    const stop = source.subscribe((a) => seen.push(a))
    for (const state of ['inactive', 'background', 'background', 'active']) listeners[0]!(state)
    expect(seen).toEqual(['passive', 'active'])
    appState.currentState = 'background'
    expect(source.activity()).toBe('passive')
    stop()
    expect(listeners).toHaveLength(0)
  })

  it('a shared leader that is frozen resigns: another tab takes over, and the frozen one catches up on return', async () => {
    const url = await server()
    const locks = fakeLocks()
    const lives = [switchable(), switchable()]
    const tabs = lives.map((life) =>
      createClient({
        url,
        lifecycleSource: life,
        onError: () => {},
        share: {
          key: 'k',
          locks,
          collectMs: 30,
          leaderTimeoutMs: 800,
          channel: (name) => new BroadcastChannel(name) as never,
        },
      }),
    )
    clients.push(...tabs)
    const first = await recorded(tabs[0]!, 'chat:1')
    const second = await recorded(tabs[1]!, 'chat:1')
    // a topic without an event before the leader goes: the leader tab's own subscription keeps its place too
    const firstQuiet = await recorded(tabs[0]!, 'chat:2')
    await recorded(tabs[1]!, 'chat:2')
    await eventually(() => expect(tabs[1]!.positionOf('chat:2')).toBeDefined()) // the leader's stream has it
    await lw!.publish('chat:1', 1)
    await eventually(() => expect(second.map((e) => e.data)).toEqual([1]))
    lives[0]!.set('frozen') // the first tab leads (it asked the lock first)
    expect(tabs[0]!.state.reason).toBe('parked')
    await lw!.publish('chat:2', 'a') // no tab leads now
    await eventually(() => expect(tabs[1]!.state.status).toBe('connected'))
    await lw!.publish('chat:1', 2)
    await lw!.publish('chat:2', 'b')
    await eventually(() => expect(second.map((e) => e.data)).toEqual([1, 2]))
    expect(first.map((e) => e.data)).toEqual([1])
    lives[0]!.set('active')
    await lw!.publish('chat:1', 3)
    await eventually(() => expect(first.map((e) => e.data)).toEqual([1, 2, 3])) // 2 from the leader's buffer
    await eventually(() => expect(firstQuiet.map((e) => e.data)).toEqual(['a', 'b']))
    expect(second.map((e) => e.data)).toEqual([1, 2, 3])
    expect(await connections()).toBe(1)
  })

  it('a single shared tab (its own leader), parked with a quiet history topic, gets what was published meanwhile', async () => {
    const url = await server()
    const life = switchable()
    const c = createClient({
      url,
      lifecycleSource: life,
      onError: () => {},
      share: {
        key: 'solo',
        locks: fakeLocks(),
        collectMs: 30,
        channel: (name) => new BroadcastChannel(name) as never,
      },
    })
    clients.push(c)
    const events = await recorded(c, 'chat:1')
    await eventually(() => expect(c.positionOf('chat:1')).toBeDefined()) // where it stands, without an event
    life.set('frozen')
    await eventually(async () => expect(await connections()).toBe(0))
    await lw!.publish('chat:1', 1)
    await lw!.publish('chat:1', 2)
    life.set('active')
    await eventually(() => expect(c.state.status).toBe('connected'))
    await lw!.publish('chat:1', 3)
    await eventually(() => expect(events.map((e) => e.data)).toEqual([1, 2, 3]))
  })
})
