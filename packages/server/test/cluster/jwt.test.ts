// Tokens in a cluster: each frontend verifies them itself; a routed subscribe is judged by the owner.
import { openStream, post, startRedis } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { SECRET as JWT_SECRET, nowSeconds, token } from '../tokens'
import { cleanups } from './cleanup'
import { dispatcherNode, frontendNode } from './nodes'

describe('JWT identity across frontends', () => {
  it("a subscribe that reaches another frontend is checked against the owner connection's token", async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const auth = { jwt: { secret: JWT_SECRET } }
    const a = await frontendNode(redis.url, { auth })
    const b = await frontendNode(redis.url, { auth })
    const d = await dispatcherNode(redis.url)
    cleanups.push(a.close, b.close, d.close)

    // every frontend refuses a connect without a token by itself
    for (const fe of [a, b]) expect((await fetch(`${fe.url}/v1/connect`)).status).toBe(401)

    const t = await token({ sub: 'ann', topics: ['room:*'] })
    const s = await openStream(`${a.url}/v1/connect?topics=room:1`, { Authorization: `Bearer ${t}` })
    cleanups.push(() => s.close())
    await vi.waitFor(() => s.connectionId())
    const connectionId = s.connectionId()

    // through b, which does not hold the stream: the owner (a) decides with the connection's own claims
    const refused = await fetch(`${b.url}/v1/subscribe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://app.example' },
      body: JSON.stringify({ connectionId, topics: ['chat:1'] }),
    })
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden')
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer realm="likewire", error="insufficient_scope"',
    )
    expect(refused.headers.get('access-control-allow-origin')).toBe('*')
    const granted = await post(`${b.url}/v1/subscribe`, { connectionId, topics: ['room:2'] })
    expect(granted.status).toBe(200)
    expect(granted.body.topics.sort()).toEqual(['room:1', 'room:2'])

    await post(`${d.url}/v1/publish`, { topic: 'room:2', data: 'routed' })
    await vi.waitFor(() => expect(s.data().map((e) => e.data)).toEqual(['routed']))
  })

  it("a cluster frontend ends a stream at its token's exp", async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe = await frontendNode(redis.url, { auth: { jwt: { secret: JWT_SECRET } } })
    cleanups.push(fe.close)
    const t = await token({ sub: 'ann', exp: nowSeconds() + 2 })
    const s = await openStream(`${fe.url}/v1/connect?topics=room:1`, { Authorization: `Bearer ${t}` })
    cleanups.push(() => s.close())
    await vi.waitFor(() => expect(s.ended).toBe(true), { timeout: 10_000, interval: 50 })
    const hint = s.events.find((e) => e.event === 'likewire.reconnect')
    expect(JSON.parse(hint!.data)).toEqual({ reason: 'token_expired', delayMs: 0 })
  })
})
