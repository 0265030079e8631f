// Tokens renewed before their exp, make-before-break, at a jittered time: through the real client over a
// fake fetch, in fake time (the test is about when).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { frame, record, settle, setup, useFakeTime } from './testing/harness'
import { renewalDelay, TOKEN_EXPIRY_JITTER_MS, TOKEN_RENEW_LEAD_MS, tokenExpiry } from './token-renewal'

beforeEach(useFakeTime)
afterEach(() => {
  vi.useRealTimers()
})

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
/** A JWT's shape (the client reads `exp`, never the signature). */
const jwt = (claims: Record<string, unknown>) => `${b64({ alg: 'HS256' })}.${b64(claims)}.c2ln`
// the fake server sends no heartbeats: its streams must not be taken for dead while time runs
const quiet = { heartbeatTimeoutMs: 600_000 }
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })

describe('tokenExpiry and renewalDelay', () => {
  it("reads a Bearer JWT's exp (seconds) as epoch ms, and nothing else", () => {
    expect(tokenExpiry(bearer(jwt({ sub: 'ann', exp: 1800 })))).toBe(1_800_000)
    expect(tokenExpiry({ authorization: `Bearer ${jwt({ exp: 1800, name: 'Zoë ✓' })}` })).toBe(1_800_000)
    expect(tokenExpiry(bearer(jwt({ sub: 'ann' })))).toBeUndefined()
    expect(tokenExpiry(bearer(jwt({ exp: '1800' })))).toBeUndefined()
    expect(tokenExpiry(bearer('opaque-token'))).toBeUndefined()
    expect(tokenExpiry(bearer('a.%%%.b'))).toBeUndefined()
    expect(tokenExpiry({})).toBeUndefined()
  })

  it('renews a lead before exp, less a random share of the jitter; a short token past its middle', () => {
    const hour = 3_600_000
    expect(renewalDelay(hour, () => 0)).toBe(hour - TOKEN_RENEW_LEAD_MS)
    expect(renewalDelay(hour, () => 0.5)).toBe(hour - TOKEN_RENEW_LEAD_MS - TOKEN_EXPIRY_JITTER_MS / 2)
    expect(renewalDelay(2000, () => 0)).toBe(1500)
    expect(renewalDelay(2000, () => 1)).toBe(1000)
    expect(renewalDelay(0, () => 0)).toBeNull()
    expect(renewalDelay(40 * 24 * hour, () => 0)).toBeNull() // past a timer's reach
  })
})

describe('a token renewed before it expires', () => {
  /** A client whose getToken hands out JWTs that live `lifeMs` from now, and its jitter draw. */
  async function connected(lifeMs: number, random: number) {
    let n = 0
    const getToken = vi.fn(async () =>
      jwt({ sub: 'ann', exp: Math.floor((Date.now() + lifeMs) / 1000), n: ++n }),
    )
    const t = setup({ getToken, random: () => random, replacementGraceMs: 0, ...quiet })
    const likes = record(t.client, 'likes')
    await settle()
    t.server.lastStream().push(frame.connected('c1'))
    await settle()
    expect(t.client.state.status).toBe('connected')
    return { ...t, getToken, likes }
  }

  it('opens a replacement with a fresh token at exp - lead - jitter, which takes over: never reconnecting', async () => {
    const t = await connected(60_000, 0.5)
    // 60 s left: renewed 5 s (the lead) plus half of the 10 s jitter before exp
    await vi.advanceTimersByTimeAsync(50_000 - 1)
    expect(t.server.connects()).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    await settle()
    expect(t.server.connects()).toHaveLength(2)
    expect(t.getToken).toHaveBeenCalledTimes(2)
    const [first, second] = t.server.streams
    expect(second!.request.headers.authorization).not.toBe(first!.request.headers.authorization)
    first!.push(frame.data('likes', 'e1'))
    second!.push(frame.connected('c2') + frame.data('likes', 'e1') + frame.data('likes', 'e2'))
    await settle()
    expect(first!.aborted).toBe(true)
    expect(t.client.state).toMatchObject({ status: 'connected', connectionId: 'c2' })
    expect(t.changes.map((c) => c.newState.status)).not.toContain('reconnecting')
    expect(t.likes.received.map((e) => e.id)).toEqual(['e1', 'e2'])
    t.client.close()
  })

  it('tokens of one burst (one exp) are renewed at times spread by the jitter, not in one instant', async () => {
    const early = await connected(60_000, 0.9)
    const late = await connected(60_000, 0.1)
    const renewedAt = (t: typeof early) => t.server.connects().length > 1
    await vi.advanceTimersByTimeAsync(60_000 - TOKEN_RENEW_LEAD_MS - 0.9 * TOKEN_EXPIRY_JITTER_MS)
    await settle()
    expect([renewedAt(early), renewedAt(late)]).toEqual([true, false])
    await vi.advanceTimersByTimeAsync(0.8 * TOKEN_EXPIRY_JITTER_MS)
    await settle()
    expect([renewedAt(early), renewedAt(late)]).toEqual([true, true])
    early.client.close()
    late.client.close()
  })

  it('a replacement handed the same token is not renewed again: the server ends it at exp', async () => {
    const token = jwt({ sub: 'ann', exp: Math.floor((Date.now() + 60_000) / 1000) })
    const t = setup({ getToken: async () => token, random: () => 0, replacementGraceMs: 0, ...quiet })
    record(t.client, 'likes')
    await settle()
    t.server.lastStream().push(frame.connected('c1'))
    await settle()
    await vi.advanceTimersByTimeAsync(55_000)
    await settle()
    expect(t.server.connects()).toHaveLength(2)
    t.server.lastStream().push(frame.connected('c2'))
    await settle()
    await vi.advanceTimersByTimeAsync(4_000)
    await settle()
    expect(t.server.connects()).toHaveLength(2)
    t.client.close()
  })
})
