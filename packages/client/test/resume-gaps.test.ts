// Gaps go to the callbacks that miss events, against a real server: a callback's resume is its own, and a
// gap in what another callback asked for is neither told to it nor moves it back.
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createClient,
  type EventPosition,
  type LikewireClient,
  type LikewireGap,
  type OnlineSource,
} from '../src/index'

let lw: Likewire | undefined
let listening: Listening | undefined
const clients: LikewireClient[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await lw?.close()
  await listening?.close()
})

// a ceiling, not a timing assertion
const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 15_000, interval: 20 })
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** A server keeping the last 10 events of chat:*, with 1..20 published on chat:1; its epoch. */
async function published20(): Promise<{ url: string; epoch: string }> {
  lw = createLikewire({
    logLevel: 'silent',
    processMetrics: false,
    retryMs: 100,
    history: [{ match: 'chat:*', size: 10 }],
  })
  listening = await listen(lw.app, { port: 0 })
  const probe = client()
  probe.subscribe('chat:1', () => {})
  // the server tells a fresh subscription where it starts: that names the topic's epoch
  await eventually(() => expect(probe.positionOf('chat:1')).toBeDefined())
  const epoch = probe.positionOf('chat:1')!.epoch
  probe.close()
  for (const n of range(1, 20)) await lw.publish('chat:1', n)
  return { url: listening.url, epoch }
}

function client(url = listening!.url, options: { onlineSource?: OnlineSource } = {}) {
  const c = createClient({
    url,
    share: false,
    backoff: { baseMs: 20, maxMs: 200 },
    onError: () => {},
    ...options,
  })
  clients.push(c)
  return c
}

/** Subscribes chat:1 with `options`, recording what this one callback is handed. */
function recorder(c: LikewireClient, options: { resumeFrom?: EventPosition; rewind?: number } = {}) {
  const data: unknown[] = []
  const gaps: LikewireGap[] = []
  c.subscribe('chat:1', (e) => data.push(e.data), { ...options, onGap: (gap) => gaps.push(gap) })
  return { data, gaps }
}

describe('history topics: a gap is told only to the callbacks it concerns', () => {
  it('two resumes in one tick: the one whose events expired hears the gap, the one that had them all does not', async () => {
    const { url, epoch } = await published20()
    const c = client(url)
    const upToDate = recorder(c, { resumeFrom: { epoch, offset: 20 } })
    const old = recorder(c, { resumeFrom: { epoch, offset: 2 } }) // 3..10 are gone: the stream goes on after 20
    await eventually(() => expect(old.gaps).toHaveLength(1))
    expect(old.gaps).toEqual([{ topic: 'chat:1', reason: 'expired', position: { epoch, offset: 20 } }])
    await lw!.publish('chat:1', 21)
    await eventually(() => expect(upToDate.data).toEqual([21]))
    await eventually(() => expect(old.data).toEqual([21]))
    expect(upToDate.gaps).toEqual([])
  })

  it('a callback that asked nothing, beside one resuming from an expired position, hears no gap', async () => {
    const { url, epoch } = await published20()
    const c = client(url)
    const live = recorder(c)
    const old = recorder(c, { resumeFrom: { epoch, offset: 2 } })
    await eventually(() => expect(old.gaps).toHaveLength(1))
    await lw!.publish('chat:1', 21)
    await eventually(() => expect(live.data).toEqual([21]))
    expect(live.gaps).toEqual([])
  })

  it('a late callback that asked nothing starts live: not told a later resume of another, told a gap in what follows', async () => {
    const { url, epoch } = await published20()
    const online = switchableOnline()
    const c = client(url, { onlineSource: online.source })
    const first = recorder(c, { resumeFrom: { epoch, offset: 15 } })
    await eventually(() => expect(first.data.at(-1)).toBe(20))
    const late = recorder(c) // the client holds the topic at 20
    const back = recorder(c, { resumeFrom: { epoch, offset: 5 } }) // not in the client's buffer: its own gap
    await eventually(() => expect(back.gaps).toHaveLength(1))
    expect([first.gaps, late.gaps]).toEqual([[], []])
    // away while 21..35 are published: the server keeps 26..35, so every callback misses 21..25
    online.set(false)
    for (const n of range(21, 35)) await lw!.publish('chat:1', n)
    online.set(true)
    await eventually(() => expect(late.gaps).toHaveLength(1))
    expect(first.gaps).toHaveLength(1)
    expect(back.gaps).toHaveLength(2)
    await lw!.publish('chat:1', 36)
    await eventually(() => expect(late.data.at(-1)).toBe(36))
    expect(first.data).toEqual([16, 17, 18, 19, 20, 36])
  })
})

/** An online source the test switches. */
function switchableOnline() {
  let online = true
  const listeners = new Set<(online: boolean) => void>()
  const source: OnlineSource = {
    isOnline: () => online,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  return {
    source,
    set(value: boolean) {
      online = value
      for (const listener of [...listeners]) listener(value)
    },
  }
}
