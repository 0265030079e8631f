import { connect as tcpConnect } from 'node:net'
import { openStream, post, type Stream } from '@likewire/testkit'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Running, startLikewire } from './helpers'

let server: Running
let live: Stream
let connectionId: string
beforeAll(async () => {
  server = await startLikewire({
    maxSubscriptionsPerConnection: 3,
    maxPayloadBytes: 1024,
    maxRequestBytes: 8192,
    maxBatchSize: 5,
  })
  live = await openStream(`${server.url}/v1/connect?topics=witness`)
  await vi.waitFor(() => live.connectionId())
  connectionId = live.connectionId()
})
afterAll(async () => {
  live.close()
  await server.close()
})

type Case = [
  name: string,
  method: string,
  path: string,
  body: string | undefined,
  status: number,
  code: string,
]
const big = (n: number) => JSON.stringify({ topic: 't', data: 'x'.repeat(n) })
const cases = (): Case[] => [
  [
    'connect: bad topic in query',
    'GET',
    '/v1/connect?topics=ok,bad%20topic',
    undefined,
    400,
    'invalid_topic',
  ],
  ['connect: too many topics', 'GET', '/v1/connect?topics=a,b,c,d', undefined, 400, 'too_many_subscriptions'],
  ['connect: empty topic in list', 'GET', '/v1/connect?topics=a,,b', undefined, 400, 'invalid_topic'],
  ['connect: wrong method', 'POST', '/v1/connect', '{}', 405, 'method_not_allowed'],
  ['connect: HEAD opens no stream', 'HEAD', '/v1/connect', undefined, 405, ''],
  ['subscribe: malformed JSON', 'POST', '/v1/subscribe', '{"connectionId":', 400, 'invalid_json'],
  ['subscribe: not an object', 'POST', '/v1/subscribe', '[1,2]', 400, 'invalid_request'],
  [
    'subscribe: unknown connection',
    'POST',
    '/v1/subscribe',
    '{"connectionId":"nope","topics":["a"]}',
    404,
    'unknown_connection',
  ],
  ['subscribe: missing connection', 'POST', '/v1/subscribe', '{"topics":["a"]}', 404, 'unknown_connection'],
  [
    'subscribe: topics not an array',
    'POST',
    '/v1/subscribe',
    `{"connectionId":"${connectionId}","topics":"a"}`,
    400,
    'invalid_request',
  ],
  [
    'subscribe: topic not a string',
    'POST',
    '/v1/subscribe',
    `{"connectionId":"${connectionId}","topics":[42]}`,
    400,
    'invalid_topic',
  ],
  [
    'subscribe: topic too long',
    'POST',
    '/v1/subscribe',
    `{"connectionId":"${connectionId}","topics":["${'a'.repeat(201)}"]}`,
    400,
    'invalid_topic',
  ],
  [
    'subscribe: past the per-connection limit',
    'POST',
    '/v1/subscribe',
    `{"connectionId":"${connectionId}","topics":["b","c","d"]}`,
    400,
    'too_many_subscriptions',
  ],
  ['subscribe: wrong method', 'GET', '/v1/subscribe', undefined, 405, 'method_not_allowed'],
  ['unsubscribe: malformed JSON', 'POST', '/v1/unsubscribe', 'nope', 400, 'invalid_json'],
  [
    'unsubscribe: unknown connection',
    'POST',
    '/v1/unsubscribe',
    '{"connectionId":"x","topics":[]}',
    404,
    'unknown_connection',
  ],
  ['unsubscribe: wrong method', 'DELETE', '/v1/unsubscribe', undefined, 405, 'method_not_allowed'],
  ['publish: malformed JSON', 'POST', '/v1/publish', '{"topic":"t",', 400, 'invalid_json'],
  ['publish: empty body', 'POST', '/v1/publish', '', 400, 'invalid_json'],
  ['publish: missing data', 'POST', '/v1/publish', '{"topic":"t"}', 400, 'invalid_request'],
  ['publish: bad topic', 'POST', '/v1/publish', '{"topic":"a b","data":1}', 400, 'invalid_topic'],
  [
    'publish: to a viewers meta topic',
    'POST',
    '/v1/publish',
    '{"topic":"t/$viewers","data":1}',
    400,
    'invalid_topic',
  ],
  ['publish: not an object', 'POST', '/v1/publish', '"hello"', 400, 'invalid_request'],
  ['publish: empty batch', 'POST', '/v1/publish', '{"events":[]}', 400, 'invalid_request'],
  [
    'publish: batch too large',
    'POST',
    '/v1/publish',
    JSON.stringify({ events: Array(6).fill({ topic: 't', data: 1 }) }),
    413,
    'payload_too_large',
  ],
  [
    'publish: bad event in batch',
    'POST',
    '/v1/publish',
    '{"events":[{"topic":"t","data":1},{"topic":""}]}',
    400,
    'invalid_topic',
  ],
  ['publish: data over the payload limit', 'POST', '/v1/publish', big(2000), 413, 'payload_too_large'],
  ['publish: body over the request limit', 'POST', '/v1/publish', big(10_000), 413, 'payload_too_large'],
  ['publish: wrong method', 'GET', '/v1/publish', undefined, 405, 'method_not_allowed'],
  ['unknown route', 'GET', '/v2/connect', undefined, 404, 'not_found'],
]

describe('bad input gets a 4xx with a stable code', () => {
  it.each(cases().map((c) => [c[0], c] as const))('%s', async (_name, testCase) => {
    const [, method, path, body, status, code] = cases().find((c) => c[0] === testCase[0])!
    const res = await fetch(`${server.url}${path}`, {
      method,
      body,
      headers: { 'Content-Type': 'application/json' },
    })
    expect(res.status).toBe(status)
    if (method === 'HEAD') return // a HEAD answer has no body to read
    const json = (await res.json()) as { error: { code: string; message: string } }
    expect(json.error.code).toBe(code)
    expect(json.error.message.length).toBeGreaterThan(5)
  })

  it('leaves other clients streams unharmed, and nothing was published by a refused request', async () => {
    await post(`${server.url}/v1/publish`, { topic: 'witness', data: 'after' })
    await vi.waitFor(() => expect(live.data().map((e) => e.data)).toEqual(['after']))
    expect(live.ended).toBe(false)
  })

  it('answers oversized headers with 431 and keeps serving', async () => {
    const res = await new Promise<string>((resolve) => {
      const socket = tcpConnect(server.listening.port, '127.0.0.1', () => {
        socket.write(`GET /v1/connect HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`)
      })
      let text = ''
      socket.on('data', (d) => {
        text += d
      })
      socket.on('close', () => resolve(text))
      socket.on('error', () => resolve(text))
    })
    expect(res).toMatch(/^HTTP\/1.1 431/)
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })

  it('reads a chunked body (no Content-Length) and refuses one over the limit as it streams', async () => {
    const chunked = (text: string) =>
      fetch(`${server.url}/v1/publish`, {
        method: 'POST',
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(text))
            controller.close()
          },
        }),
        duplex: 'half',
      } as RequestInit)
    expect((await chunked('{"topic":"witness","data":"chunked"}')).status).toBe(202)
    const tooBig = await chunked(JSON.stringify({ topic: 'witness', data: 'x'.repeat(10_000) }))
    expect(tooBig.status).toBe(413)
    expect(((await tooBig.json()) as { error: { code: string } }).error.code).toBe('payload_too_large')
  })

  it('survives a client that hangs up in the middle of a request body', async () => {
    await new Promise<void>((resolve) => {
      const socket = tcpConnect(server.listening.port, '127.0.0.1', () => {
        socket.write(
          'POST /v1/publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"topic":"witness","da',
        )
        setTimeout(() => {
          socket.destroy()
          resolve()
        }, 50)
      })
    })
    await post(`${server.url}/v1/publish`, { topic: 'witness', data: 'still-alive' })
    await vi.waitFor(() => expect(live.data().map((e) => e.data)).toContain('still-alive'))
    expect(live.data().map((e) => e.data)).not.toContain(undefined)
  })
})
