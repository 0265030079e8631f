// Tokens that expire, client and server for real: getToken, the token_expired hint, the one retry.
import { createHmac } from 'node:crypto'
import { createLikewire, type Likewire, type Listening, listen } from '@likewire/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type LikewireClient, type LikewireEvent } from '../src/index'

const SECRET = 'a-client-test-secret-of-32-bytes-or-more'
let lw: Likewire | undefined
let listening: Listening | undefined
const clients: LikewireClient[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await lw?.close()
  await listening?.close()
  lw = undefined
  listening = undefined
})

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
/** An HS256 JWT signed here (what an app's backend hands its pages). */
function sign(claims: Record<string, unknown>, secret = SECRET): string {
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`
}
const seconds = () => Math.floor(Date.now() / 1000)

async function start() {
  lw = createLikewire({
    logLevel: 'silent',
    processMetrics: false,
    retryMs: 100,
    auth: { jwt: { secret: SECRET } },
    history: [{ match: 'chat:*', size: 1000 }],
  })
  listening = await listen(lw.app, { port: 0 })
  return { lw, url: listening.url }
}

function client(url: string, getToken: () => string | Promise<string>, errors: unknown[] = []) {
  const c = createClient({
    url,
    getToken,
    backoff: { baseMs: 20, maxMs: 200 },
    onError: (e) => errors.push(e),
  })
  clients.push(c)
  return c
}

/** Every [status, reason] the client went through (a retry's time changing alone is not counted). */
function states(c: LikewireClient) {
  const seen: Array<[string, string | null]> = []
  c.onStateChange(({ oldState, newState }) => {
    if (oldState.status !== newState.status || oldState.reason !== newState.reason)
      seen.push([newState.status, newState.reason])
  })
  return seen
}

// a ceiling, not a timing assertion
const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 15_000, interval: 20 })
const errorsOf = async (code: string) => {
  const line = (await lw!.metrics.metrics())
    .split('\n')
    .find((l) => l.startsWith(`likewire_http_errors_total{code="${code}"}`))
  return line ? Number(line.split(' ').pop()) : 0
}

describe('tokens that expire', () => {
  it('a token is renewed before exp by a stream that takes over: never reconnecting, no event lost on any topic', async () => {
    const { lw, url } = await start()
    const issued: string[] = []
    // every token lives 2-3 seconds: it is renewed at least once while events flow
    const c = client(url, () => {
      issued.push(
        sign({ sub: 'ann', exp: seconds() + 3, topics: ['chat:*', 'likes'], jti: String(issued.length) }),
      )
      return issued.at(-1)!
    })
    const seen = states(c)
    const chat: LikewireEvent[] = []
    const likes: LikewireEvent[] = []
    let acked = 0
    c.subscribe('chat:1', (e) => chat.push(e), { onSubscribed: () => acked++ })
    c.subscribe('likes', (e) => likes.push(e), { onSubscribed: () => acked++ })
    await eventually(() => expect(acked).toBe(2))
    let n = 0
    const deadline = Date.now() + 5000
    while (Date.now() < deadline) {
      n++
      await lw.publish('chat:1', n)
      await lw.publish('likes', n) // fire-and-forget: kept only because the old stream stays until the new one has it
      await new Promise((resolve) => setTimeout(resolve, 15))
    }
    await eventually(() => expect(chat.at(-1)?.data).toBe(n))
    await eventually(() => expect(likes.at(-1)?.data).toBe(n))
    const all = Array.from({ length: n }, (_, i) => i + 1)
    expect(chat.map((e) => e.data)).toEqual(all)
    expect(likes.map((e) => e.data)).toEqual(all)
    expect(seen).toEqual([
      ['connecting', 'connect'],
      ['connected', 'connect'],
    ])
    expect(issued.length).toBeGreaterThanOrEqual(2)
    expect(new Set(issued).size).toBe(issued.length)
  })

  it('a token the app hands again (cached) is not renewed twice: the server ends the stream at exp, the SDK resumes with a fresh one', async () => {
    const { lw, url } = await start()
    const issued: string[] = []
    let held: { token: string; exp: number } | null = null
    // an app that caches its token until it has expired
    const c = client(url, () => {
      if (!held || held.exp <= seconds()) {
        held = {
          token: sign({ sub: 'ann', exp: seconds() + 2, jti: String(issued.length) }),
          exp: seconds() + 2,
        }
        issued.push(held.token)
      }
      return held.token
    })
    const seen = states(c)
    const received: LikewireEvent[] = []
    let acked = false
    c.subscribe('chat:1', (e) => received.push(e), { onSubscribed: () => (acked = true) })
    await eventually(() => expect(acked).toBe(true))
    let n = 0
    const deadline = Date.now() + 3500
    while (Date.now() < deadline) {
      await lw.publish('chat:1', ++n)
      await new Promise((resolve) => setTimeout(resolve, 15))
    }
    await eventually(() => expect(received.at(-1)?.data).toBe(n))
    // each event exactly once, in order, across the reconnect
    expect(received.map((e) => e.data)).toEqual(Array.from({ length: n }, (_, i) => i + 1))
    expect(seen).toContainEqual(['reconnecting', 'token_expired'])
    expect(issued.length).toBeGreaterThanOrEqual(2)
    expect(c.state.status).toBe('connected')
    const expired = (await lw.metrics.metrics()).match(
      /likewire_disconnects_total\{reason="token_expired"\} (\d+)/,
    )
    expect(Number(expired?.[1])).toBeGreaterThanOrEqual(1)
  })

  it('a connect answered 401 token_expired is retried once with a fresh token', async () => {
    const { url } = await start()
    let calls = 0
    const c = client(url, () => sign({ sub: 'ann', exp: seconds() + (++calls === 1 ? -10 : 600) }))
    const seen = states(c)
    c.subscribe('chat:1', () => {})
    await eventually(() => expect(c.state.status).toBe('connected'))
    expect(calls).toBe(2)
    expect(seen.slice(0, 3)).toEqual([
      ['connecting', 'connect'],
      ['reconnecting', 'token_expired'],
      ['connected', 'connect'],
    ])
    expect(await errorsOf('token_expired')).toBe(1)
  })

  it('a second 401 token_expired in a row ends closed (token_expired): never a loop', async () => {
    const { url } = await start()
    let calls = 0
    const c = client(url, () => {
      calls++
      return sign({ sub: 'ann', exp: seconds() - 10 })
    })
    c.subscribe('chat:1', () => {})
    await eventually(() => expect(c.state).toMatchObject({ status: 'closed', reason: 'token_expired' }))
    expect(calls).toBe(2)
    expect(await errorsOf('token_expired')).toBe(2)
  })

  it('401 unauthorized stays terminal: a bad token is not retried', async () => {
    const { url } = await start()
    let calls = 0
    const c = client(url, () => {
      calls++
      return sign({ sub: 'ann' }, 'another-secret-that-is-32-bytes-long!!')
    })
    c.subscribe('chat:1', () => {})
    await eventually(() => expect(c.state).toMatchObject({ status: 'closed', reason: 'unauthorized' }))
    expect(calls).toBe(1)
  })

  it("a topic outside the token's topics claim is refused (403 forbidden), the others flow", async () => {
    const { lw, url } = await start()
    const errors: unknown[] = []
    const c = client(url, () => sign({ sub: 'ann', topics: ['chat:*'] }), errors)
    const chat: unknown[] = []
    c.subscribe('chat:1', (e) => chat.push(e.data))
    await eventually(() => expect(c.state.status).toBe('connected'))
    c.subscribe('room:1', () => {})
    await eventually(() =>
      expect(errors).toContainEqual(expect.objectContaining({ code: 'forbidden', status: 403 })),
    )
    await lw.publish('chat:1', 'still here')
    await eventually(() => expect(chat).toEqual(['still here']))
  })
})
