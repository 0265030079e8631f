// credentialsTimeoutMs against a real server: a getToken or getHeaders that never settles is a failed
// attempt (onError, backoff), never a client stuck for ever.
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient, LikewireError } from '../src/index'

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
const never = () => new Promise<never>(() => {})

async function start() {
  lw = createLikewire({ logLevel: 'silent', processMetrics: false, retryMs: 100 })
  listening = await listen(lw.app, { port: 0 })
  return listening.url
}

const timeouts = (errors: unknown[]) =>
  errors.filter((e) => e instanceof LikewireError && e.code === 'credentials_timeout')

describe('credentialsTimeoutMs', () => {
  it('a getToken that never settles is a failed attempt: reported, backed off, and the next token connects', async () => {
    const url = await start()
    const errors: unknown[] = []
    let calls = 0
    const c = createClient({
      url,
      share: false,
      getToken: () => (++calls === 1 ? never() : `token-${calls}`),
      credentialsTimeoutMs: 200,
      backoff: { baseMs: 20, maxMs: 200 },
      onError: (e) => errors.push(e),
    })
    clients.push(c)
    const got: unknown[] = []
    let acked = false
    c.subscribe('likes', (e) => got.push(e.data), { onSubscribed: () => (acked = true) })
    await eventually(() => expect(acked).toBe(true))
    expect(calls).toBe(2)
    expect(timeouts(errors)).toHaveLength(1)
    expect((timeouts(errors)[0] as Error).message).toMatch(/getToken \(credentialsTimeoutMs\)/)
    await lw!.publish('likes', 'heart')
    await eventually(() => expect(got).toEqual(['heart']))
  })

  it('a getHeaders that never settles for a subscribe POST: the POST fails, the stream is replaced with the topic in its URL', async () => {
    const url = await start()
    const errors: unknown[] = []
    let calls = 0
    const c = createClient({
      url,
      share: false,
      getHeaders: () => (++calls === 2 ? never() : { 'X-Call': String(calls) }),
      credentialsTimeoutMs: 200,
      backoff: { baseMs: 20, maxMs: 200 },
      onError: (e) => errors.push(e),
    })
    clients.push(c)
    let first = false
    c.subscribe('a', () => {}, { onSubscribed: () => (first = true) })
    await eventually(() => expect(first).toBe(true)) // connect: getHeaders call 1
    const got: unknown[] = []
    let acked = false
    c.subscribe('b', (e) => got.push(e.data), { onSubscribed: () => (acked = true) }) // its POST: call 2 hangs
    await eventually(() => expect(acked).toBe(true))
    expect(timeouts(errors)).toHaveLength(1)
    await lw!.publish('b', 'x')
    await eventually(() => expect(got).toEqual(['x']))
  })
})
