// The app's callbacks that throw, against a real server: reported to onError, the client goes on.
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient } from '../src/index'

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

describe('callbacks that throw', () => {
  it('an onSubscribed that throws, on the ack or at once on a held topic, goes to onError; events still flow', async () => {
    lw = createLikewire({ logLevel: 'silent', processMetrics: false, retryMs: 100 })
    listening = await listen(lw.app, { port: 0 })
    const errors: unknown[] = []
    const c = createClient({ url: listening.url, share: false, onError: (e) => errors.push(e) })
    clients.push(c)
    const first = new Error('first onSubscribed')
    const got: unknown[] = []
    c.subscribe('likes', (e) => got.push(['first', e.data]), {
      onSubscribed: () => {
        throw first
      },
    })
    await eventually(() => expect(errors).toEqual([first]))
    // the stream holds the topic: this one's onSubscribed runs at once, after subscribe returns
    const late = new Error('late onSubscribed')
    let returned = false
    c.subscribe('likes', (e) => got.push(['late', e.data]), {
      onSubscribed: () => {
        expect(returned).toBe(true)
        throw late
      },
    })
    returned = true
    await eventually(() => expect(errors).toEqual([first, late]))
    await lw.publish('likes', 1)
    await eventually(() =>
      expect(got).toEqual([
        ['first', 1],
        ['late', 1],
      ]),
    )
    expect(c.state.status).toBe('connected')
  })
})
