// The xhr transport's stream replacement against a real server: publishing never stops, nothing is lost or doubled.
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient } from '../src/index'
import { createNodeXhr } from './node-xhr'

let lw: Likewire | undefined
let listening: Listening | undefined
let client: LikewireClient | undefined
afterEach(async () => {
  client?.close()
  await lw?.close()
  await listening?.close()
})

const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 15_000, interval: 10 })

describe('xhr transport: stream replacement past xhrMaxResponseChars', () => {
  it('replaces the stream many times while events are published; each arrives exactly once', async () => {
    lw = createLikewire({ logLevel: 'silent', processMetrics: false })
    listening = await listen(lw.app, { port: 0 })
    // each new stream's bytes come late, so events published meanwhile reach the client on both streams
    const xhr = createNodeXhr({ responseDelayMs: 20 })
    client = createClient({
      url: listening.url,
      XMLHttpRequest: xhr.XMLHttpRequest,
      xhrMaxResponseChars: 4000, // about 40 events per stream
      onError: () => {},
    })
    const statuses: string[] = []
    client.onStateChange(({ newState }) => statuses.push(newState.status))
    const got: { topic: string; id: string }[] = []
    const acked = new Set<string>()
    client.subscribe('a', (e) => got.push(e), { onSubscribed: () => acked.add('a') })
    await eventually(() => expect(acked.has('a')).toBe(true))
    // added by POST on the live stream: each replacement must carry it too
    client.subscribe('b', (e) => got.push(e), { onSubscribed: () => acked.add('b') })
    await eventually(() => expect(acked.has('b')).toBe(true))

    const published: string[] = []
    for (let i = 0; i < 600; i++) {
      const topic = i % 2 === 0 ? 'a' : 'b'
      const { id } = await lw.publish(topic, { i, pad: 'x'.repeat(20) })
      published.push(id)
      // paced in real time, so streams open, connect and are aborted while publishing goes on
      if (i % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 1))
    }

    await eventually(() => expect(got.length).toBeGreaterThanOrEqual(published.length))
    const ids = got.map((e) => e.id)
    expect(new Set(ids).size).toBe(ids.length) // nothing twice
    expect([...ids].sort()).toEqual([...published].sort()) // nothing lost
    const streams = () => xhr.instances.filter((x) => x.method === 'GET')
    expect(streams().length).toBeGreaterThan(5) // the bound was passed and the stream replaced, repeatedly
    // every replaced stream is let go once its grace after the takeover is over: one stays open
    await eventually(() => expect(streams().filter((x) => !x.aborted)).toHaveLength(1))
    expect(statuses).not.toContain('reconnecting') // replacements never show as a reconnect
    expect(client.state.status).toBe('connected')
  })
})
