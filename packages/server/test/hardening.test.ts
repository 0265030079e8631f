import { openStream, post } from '@likewire/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type Running, startLikewire } from './helpers'

let server: Running | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** `[[[...1...]]]` nested `depth` deep, as raw JSON text (JSON.parse copes, JSON.stringify would not). */
const nested = (depth: number, inner = '1') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`

describe('deeply nested JSON', () => {
  it('answers 400 json_too_deep on every JSON route, and a stream on the same server keeps its events', async () => {
    server = await startLikewire({ maxRequestBytes: 1024 * 1024 })
    const witness = await openStream(`${server.url}/v1/connect?topics=witness`)
    await vi.waitFor(() => witness.connectionId())
    const connectionId = witness.connectionId()
    const deep = nested(20_000)
    const bodies: Array<[path: string, body: string]> = [
      ['/v1/publish', `{"topic":"t","data":${deep}}`],
      ['/v1/publish', `{"topic":${deep},"data":1}`],
      ['/v1/publish', `{"events":[{"topic":"t","data":${deep}}]}`],
      ['/v1/subscribe', `{"connectionId":"${connectionId}","topics":[${deep}]}`],
      ['/v1/subscribe', `{"connectionId":${deep},"topics":["a"]}`],
      ['/v1/unsubscribe', `{"connectionId":"${connectionId}","topics":${deep}}`],
    ]
    for (const [path, body] of bodies) {
      const res = await post(`${server.url}${path}`, body)
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({
        path,
        status: 400,
        code: 'json_too_deep',
      })
    }
    // the limit is documented as 64 levels of data, alone or in a batch (the envelope does not count)
    const ok = await post(`${server.url}/v1/publish`, `{"topic":"witness","data":${nested(64)}}`)
    expect(ok.status).toBe(202)
    const batch = await post(
      `${server.url}/v1/publish`,
      `{"events":[{"topic":"witness","data":${nested(64)}}]}`,
    )
    expect(batch.status).toBe(202)
    const deeper = await post(
      `${server.url}/v1/publish`,
      `{"events":[{"topic":"witness","data":${nested(65)}}]}`,
    )
    expect(deeper.body.error.code).toBe('json_too_deep')
    // a body within 64 levels skips each event's own check; one just past it must still meet that check
    const single = await post(`${server.url}/v1/publish`, `{"topic":"witness","data":${nested(65)}}`)
    expect(single.body.error.code).toBe('json_too_deep')
    await vi.waitFor(() =>
      expect(witness.data().map((e) => e.id)).toEqual([...ok.body.ids, ...batch.body.ids]),
    )
    witness.close()
  })

  it('refuses unserializable data published in-process with a 400, not a stack overflow', async () => {
    server = await startLikewire()
    let deep: unknown = 1
    for (let i = 0; i < 20_000; i++) deep = [deep]
    await expect(server.lw.publish('t', deep)).rejects.toMatchObject({ status: 400, code: 'json_too_deep' })
    const circular: Record<string, unknown> = {}
    circular.self = circular
    await expect(server.lw.publish('t', circular)).rejects.toMatchObject({
      status: 400,
      code: 'invalid_request',
    })
    await expect(server.lw.publish('t', 10n)).rejects.toMatchObject({ status: 400, code: 'invalid_request' })
  })

  it('describes a non-string topic without serializing it', async () => {
    server = await startLikewire()
    const res = await post(`${server.url}/v1/publish`, `{"topic":{"a":${nested(5000)}},"data":1}`)
    expect(res.status).toBe(400)
    const huge = await post(`${server.url}/v1/publish`, { topic: 'x'.repeat(100_000), data: 1 })
    expect(huge.body.error.code).toBe('invalid_topic')
    // the message names the topic, but never echoes 100 KB back
    expect(huge.body.error.message.length).toBeLessThan(400)
  })
})

describe('error answers of the stream carry CORS headers', () => {
  it.each([
    ['401', { authenticate: () => null }, '/v1/connect', 401, 'unauthorized'],
    ['403', { authorize: () => false }, '/v1/connect?topics=a', 403, 'forbidden'],
    ['400', {}, '/v1/connect?topics=bad%20topic', 400, 'invalid_topic'],
    ['429', { maxConnections: 0 }, '/v1/connect', 429, 'too_many_connections'],
  ] as const)('%s at connect', async (_name, options, path, status, code) => {
    server = await startLikewire({ ...options, cors: { origins: ['https://app.example'] } })
    const res = await fetch(`${server.url}${path}`, { headers: { Origin: 'https://app.example' } })
    expect(res.status).toBe(status)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(res.headers.get('vary')).toMatch(/origin/i)
  })

  it('503 at connect while draining, and never to an origin that is not allowed', async () => {
    server = await startLikewire({ cors: { origins: ['https://app.example'] } })
    server.lw.frontend.drain(0)
    const draining = await fetch(`${server.url}/v1/connect`, { headers: { Origin: 'https://app.example' } })
    expect(draining.status).toBe(503)
    expect(draining.headers.get('access-control-allow-origin')).toBe('https://app.example')
    const evil = await fetch(`${server.url}/v1/connect`, { headers: { Origin: 'https://evil.example' } })
    expect(evil.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('bearer credentials', () => {
  it('takes the scheme in any case, and answers 401 with WWW-Authenticate', async () => {
    server = await startLikewire({ apiKey: 'k' })
    const event = { topic: 't', data: 1 }
    expect((await post(`${server.url}/v1/publish`, event, { Authorization: 'bearer k' })).status).toBe(202)
    expect((await post(`${server.url}/v1/publish`, event, { Authorization: 'BEARER  k' })).status).toBe(202)
    const refused = await fetch(`${server.url}/v1/publish`, {
      method: 'POST',
      body: JSON.stringify(event),
      headers: { Authorization: 'Basic k' },
    })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer realm="likewire"/)
  })

  it('takes a key that holds spaces', async () => {
    server = await startLikewire({ apiKey: 'correct horse battery' })
    const ok = await post(
      `${server.url}/v1/publish`,
      { topic: 't', data: 1 },
      { Authorization: 'Bearer correct horse battery' },
    )
    expect(ok.status).toBe(202)
    const wrong = await post(
      `${server.url}/v1/publish`,
      { topic: 't', data: 1 },
      { Authorization: 'Bearer correct horse' },
    )
    expect(wrong.status).toBe(401)
  })

  it('answers a header of 16 KiB of spaces and tabs (read in one pass) with its 401', async () => {
    server = await startLikewire({ apiKey: 'k' })
    const event = { topic: 't', data: 1 }
    for (const header of [`Bearer a${' '.repeat(16_000)}b`, `Bearer ${' \t'.repeat(8000)}k`]) {
      const res = await post(`${server.url}/v1/publish`, event, { Authorization: header })
      expect(res.status).toBe(401)
      expect(res.body).toMatchObject({ error: { code: 'unauthorized' } })
    }
    expect((await post(`${server.url}/v1/publish`, event, { Authorization: 'Bearer \t k \t' })).status).toBe(
      202,
    )
  })

  it('a 401 at connect has WWW-Authenticate too', async () => {
    server = await startLikewire({ authenticate: () => false })
    const res = await fetch(`${server.url}/v1/connect`)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="likewire"/)
  })
})

describe('the error classifier', () => {
  it("a bug in a hook is a logged 500, even when its message mentions 'body'", async () => {
    const logged: unknown[] = []
    const pino = (await import('pino')).default
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) })
    server = await startLikewire({
      logger,
      cors: { origins: ['https://app.example'] },
      authenticate: () => {
        const request = undefined as unknown as { body: unknown }
        return request.body // TypeError: Cannot read properties of undefined (reading 'body')
      },
    })
    const res = await fetch(`${server.url}/v1/connect`, { headers: { Origin: 'https://app.example' } })
    expect(res.status).toBe(500)
    // a page on an allowed origin can read even this answer
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('internal_error')
    expect(logged).toEqual([expect.objectContaining({ msg: 'unexpected error in a route' })])
  })

  it('a client hanging up mid-body is not a 500 and not logged as one', async () => {
    const logged: unknown[] = []
    const pino = (await import('pino')).default
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) })
    server = await startLikewire({ logger })
    const { request } = await import('node:http')
    await new Promise<void>((resolve) => {
      const req = request(`${server!.url}/v1/publish`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' },
      })
      req.on('error', () => resolve())
      req.write('{"topic":"t","data":"')
      setTimeout(() => {
        req.destroy()
        resolve()
      }, 100)
    })
    // the server noticed the abort (no crash), and the next request is served
    expect((await post(`${server.url}/v1/publish`, { topic: 't', data: 1 })).status).toBe(202)
    expect(logged).toEqual([])
  })
})
