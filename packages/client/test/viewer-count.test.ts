// Viewer counts (`viewersTopic`) against a real server: the server sends its snapshot once per stream, so a
// callback that subscribes a count the stream already holds (a later component, another tab) must get the
// last count from the client, or it would show nothing until the count changes.
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient, viewersTopic } from '../src/index'
import { fakeLocks } from '../src/testing/fake-locks'

let lw: Likewire | undefined
let listening: Listening | undefined
const clients: LikewireClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await lw?.close()
  await listening?.close()
})
const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 10_000, interval: 20 })

async function server() {
  lw = createLikewire({ logLevel: 'silent', processMetrics: false, viewerCountIntervalMs: 100 })
  listening = await listen(lw.app, { port: 0 })
  return listening.url
}

/** Subscribes the count of `likes` and records each count it is handed. */
function counts(c: LikewireClient): number[] {
  const seen: number[] = []
  c.subscribe<{ count: number }>(viewersTopic('likes'), (event) => seen.push(event.data.count))
  return seen
}

describe('viewer counts', () => {
  it('a callback that subscribes a count the stream already holds gets the last count at once', async () => {
    const url = await server()
    const c = createClient({ url, onError: () => {} })
    clients.push(c)
    c.subscribe('likes', () => {})
    const first = counts(c)
    await eventually(() => expect(first.at(-1)).toBe(1)) // a snapshot of 0 may come first
    const later = counts(c) // the server's snapshot went to the stream once, before this callback
    await eventually(() => expect(later).toEqual([1]))
    // a change still reaches both, once
    const other = createClient({ url, onError: () => {} })
    clients.push(other)
    other.subscribe('likes', () => {})
    await eventually(() => expect(later).toEqual([1, 2]))
    expect(first.slice(-2)).toEqual([1, 2])
  })

  it('a tab subscribing a count another tab of its browser holds gets it from the shared stream', async () => {
    const url = await server()
    const locks = fakeLocks()
    const share = {
      key: 'k',
      locks,
      collectMs: 30,
      channel: (name: string) => new BroadcastChannel(name) as never,
    }
    const [a, b] = [
      createClient({ url, share, onError: () => {} }),
      createClient({ url, share, onError: () => {} }),
    ]
    clients.push(a, b)
    a.subscribe('likes', () => {})
    const inA = counts(a)
    await eventually(() => expect(inA.at(-1)).toBe(1))
    const inB = counts(b) // the same stream: the count does not change, the server sends nothing more
    await eventually(() => expect(inB).toEqual([1]))
  })
})
