import { openStream, post } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type Running, startLikewire } from './helpers'

/** An error answer's body. */
interface ErrorBody {
  error: { code: string; message: string; topics?: string[] }
}

let server: Running
afterEach(async () => {
  await server?.close()
})

describe('authentication, authorization and API keys', () => {
  const options = {
    apiKey: 'secret-key',
    authenticate: (request: Request) => {
      const token = request.headers.get('authorization')
      return token === 'Bearer alice' ? { user: 'alice' } : null
    },
    authorize: (identity: unknown, topic: string) =>
      !topic.startsWith('private:') || topic === `private:${(identity as { user: string }).user}`,
  }

  it('answers 401 at connect without an identity, 403 for a refused topic', async () => {
    server = await startLikewire(options)
    const anonymous = await fetch(`${server.url}/v1/connect`)
    expect(anonymous.status).toBe(401)
    expect(((await anonymous.json()) as ErrorBody).error.code).toBe('unauthorized')
    const refused = await fetch(`${server.url}/v1/connect?topics=private:bob`, {
      headers: { Authorization: 'Bearer alice' },
    })
    expect(refused.status).toBe(403)
    // the 403 names the topic it refused, so a client can drop it and keep the rest
    expect((await refused.json()) as ErrorBody).toMatchObject({
      error: { code: 'forbidden', topics: ['private:bob'] },
    })
  })

  it('authorizes subscribes with the identity of the connection', async () => {
    server = await startLikewire(options)
    const stream = await openStream(`${server.url}/v1/connect?topics=private:alice`, {
      Authorization: 'Bearer alice',
    })
    await vi.waitFor(() => stream.connectionId())
    const connectionId = stream.connectionId()
    expect((await post(`${server.url}/v1/subscribe`, { connectionId, topics: ['private:bob'] })).status).toBe(
      403,
    )
    expect((await post(`${server.url}/v1/subscribe`, { connectionId, topics: ['public'] })).status).toBe(200)
    stream.close()
  })

  it('requires the API key on publish when one is configured', async () => {
    server = await startLikewire(options)
    const event = { topic: 't', data: 1 }
    expect((await post(`${server.url}/v1/publish`, event)).body.error.code).toBe('unauthorized')
    expect((await post(`${server.url}/v1/publish`, event, { Authorization: 'Bearer wrong' })).status).toBe(
      401,
    )
    expect(
      (await post(`${server.url}/v1/publish`, event, { Authorization: 'Bearer secret-key' })).status,
    ).toBe(202)
  })
})

describe('CORS', () => {
  it('allows any origin without credentials by default, on the stream and the POSTs', async () => {
    server = await startLikewire()
    const stream = await openStream(`${server.url}/v1/connect`, { Origin: 'https://app.example' })
    expect(stream.headers['access-control-allow-origin']).toBe('*')
    expect(stream.headers['access-control-allow-credentials']).toBeUndefined()
    stream.close()
    const res = await fetch(`${server.url}/v1/publish`, {
      method: 'POST',
      headers: { Origin: 'https://app.example' },
      body: '{"topic":"t","data":1}',
    })
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.status).toBe(202)
  })

  it("answers a backend's publish (no Origin) with the same JSON, without CORS headers", async () => {
    server = await startLikewire()
    const stream = await openStream(`${server.url}/v1/connect?topics=t`)
    await vi.waitFor(() => stream.connectionId())
    const res = await fetch(`${server.url}/v1/publish`, { method: 'POST', body: '{"topic":"t","data":1}' })
    expect(res.status).toBe(202)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    const { ids } = (await res.json()) as { ids: string[] }
    expect(ids).toHaveLength(1)
    await vi.waitFor(() => expect(stream.data().map((e) => e.id)).toEqual(ids))
    stream.close()
  })

  it('with an allowlist: credentials for listed origins only, and the Last-Event-ID preflight', async () => {
    server = await startLikewire({ cors: { origins: ['https://good.example'], credentials: true } })
    const good = await openStream(`${server.url}/v1/connect`, { Origin: 'https://good.example' })
    expect(good.headers['access-control-allow-origin']).toBe('https://good.example')
    expect(good.headers['access-control-allow-credentials']).toBe('true')
    good.close()
    const evil = await openStream(`${server.url}/v1/connect`, { Origin: 'https://evil.example' })
    expect(evil.headers['access-control-allow-origin']).toBeUndefined()
    evil.close()

    const preflight = await fetch(`${server.url}/v1/connect`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://good.example',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'last-event-id, authorization',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://good.example')
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('last-event-id')
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true')
  })
})
