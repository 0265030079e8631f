import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient } from '../src/index'

let lw: Likewire
let listening: Listening
let client: LikewireClient
afterEach(async () => {
  client?.close()
  await lw?.close()
  await listening?.close()
})

const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 10_000, interval: 10 })

describe('onSubscribed: the server acknowledged the subscription', () => {
  it('fires for connect-URL topics and POSTed ones; a publish right after it is always delivered', async () => {
    lw = createLikewire({ logLevel: 'silent', processMetrics: false })
    listening = await listen(lw.app, { port: 0 })
    client = createClient({ url: listening.url })
    const got: unknown[] = []
    const acks: string[] = []
    client.subscribe('first', (e) => got.push(e.data), { onSubscribed: () => acks.push('first') })
    await eventually(() => expect(acks).toEqual(['first']))
    await lw.publish('first', 1)

    // added by POST on the live stream: acknowledged by the 200, not before
    let later = false
    client.subscribe('later', (e) => got.push(e.data), {
      onSubscribed: () => {
        later = true
        void lw.publish('later', 2) // published the instant it is acknowledged: must arrive
      },
    })
    expect(later).toBe(false)
    await eventually(() => expect(got).toEqual([1, 2]))

    // a second callback on a topic the stream already has is live at once
    let second = false
    client.subscribe('first', () => {}, {
      onSubscribed: () => {
        second = true
      },
    })
    await eventually(() => expect(second).toBe(true))
    expect(acks).toEqual(['first'])
  })

  it('fires again after a reconnect, once the new stream has the topic', async () => {
    lw = createLikewire({ logLevel: 'silent', processMetrics: false })
    listening = await listen(lw.app, { port: 0 })
    client = createClient({ url: listening.url, backoff: { baseMs: 20, maxMs: 100 } })
    const acks: Array<string | null> = []
    client.subscribe('t', () => {}, { onSubscribed: () => acks.push(client.state.connectionId) })
    await eventually(() => expect(acks).toHaveLength(1))
    listening.server.closeAllConnections()
    await eventually(() => expect(acks).toHaveLength(2))
    expect(acks[1]).not.toBe(acks[0])
    expect(acks[1]).toBe(client.state.connectionId)
  })
})
