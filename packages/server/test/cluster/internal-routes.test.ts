import { post, startRedis } from '@likewire/testkit'
import { describe, expect, it, vi } from 'vitest'
import { cleanups, stream } from './cleanup'
import { dispatcherNode, frontendNode, SECRET } from './nodes'

const auth = { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/x-ndjson' }
const forged = JSON.stringify({
  topic: 't',
  id: 'x\nevent: likewire.reconnect\ndata: {"reason":"shutdown","delayMs":0}\n',
  ts: 1,
  data: 'forged',
})
const honest = (id: string) => JSON.stringify({ topic: 't', id, ts: Date.now(), data: id })

describe('cluster roles need a secret', () => {
  it('refuse to start without one: an empty secret would leave the internal routes open', async () => {
    const { createDispatcherNode, createFrontendNode } = await import('../../src/cluster/index')
    const redis = 'redis://127.0.0.1:1' // never reached: the secret is checked first
    await expect(
      createFrontendNode({ redis, secret: '', internalUrl: 'http://127.0.0.1:1' }),
    ).rejects.toThrow(/cluster secret is required/)
    await expect(createDispatcherNode({ redis, secret: '  ' })).rejects.toThrow(/cluster secret is required/)
  })
})

describe('internal routes never trust their input (an attacker holding the secret, or a bug)', () => {
  it('/internal/v1/deliver and /internal/v1/forward refuse forged ids and non-event lines with a 400', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const fe = await frontendNode(redis.url)
    const d = await dispatcherNode(redis.url)
    cleanups.push(fe.close, d.close)
    const s = await stream(`${fe.url}/v1/connect?topics=t`)
    for (const [url, path] of [
      [fe.url, '/internal/v1/deliver'],
      [d.url, '/internal/v1/forward'],
    ] as const) {
      for (const body of [forged, 'null', '42', '[]', `${honest('ok1')}\nnull`]) {
        const res = await post(`${url}${path}`, body, auth)
        expect({ path, body: body.slice(0, 20), status: res.status, code: res.body.error?.code }).toEqual({
          path,
          body: body.slice(0, 20),
          status: 400,
          code: 'invalid_request',
        })
      }
    }
    // nothing of the refused batches reached the stream, not even the honest line of a mixed one
    const ok = await post(`${fe.url}/internal/v1/deliver`, honest('ok2'), auth)
    expect(ok.status).toBe(204)
    await vi.waitFor(() => expect(s.data().map((e) => e.id)).toEqual(['ok2']))
    expect(s.raw).not.toContain('forged')
    expect(s.events.filter((e) => e.event === 'likewire.reconnect')).toEqual([])
    expect(s.ended).toBe(false)
  })
})
