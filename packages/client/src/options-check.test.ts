// createClient refuses bad options at once, naming the option, instead of a client that fails later.
import { describe, expect, it } from 'vitest'
import { createClient } from './create-client'
import type { ClientOptions } from './options'

const base = { url: 'http://rt.test', share: false } as const
const make = (options: Record<string, unknown>) => () => createClient(options as unknown as ClientOptions)

describe('createClient options', () => {
  it.each([
    [{ url: '' }, /options\.url must be a non-empty URL/],
    [{ url: [] }, /options\.url/],
    [{ url: ['http://a', 7] }, /options\.url/],
    [{ headers: { Authorization: 7 } }, /options\.headers\.Authorization must be a string/],
    [{ headers: 'x' }, /options\.headers must be an object/],
    [{ getToken: 'token' }, /options\.getToken must be a function/],
    [{ getHeaders: {} }, /options\.getHeaders must be a function/],
    [{ transport: 'websocket' }, /options\.transport must be 'fetch' or 'xhr', got "websocket"/],
    [{ fetch: 'fetch' }, /options\.fetch must be a function/],
    [{ heartbeatTimeoutMs: -1 }, /options\.heartbeatTimeoutMs must be a number of ms from 1/],
    [{ heartbeatTimeoutMs: Number.NaN }, /options\.heartbeatTimeoutMs.*got NaN/],
    [{ heartbeatTimeoutMs: '5000' }, /options\.heartbeatTimeoutMs/],
    [{ credentialsTimeoutMs: 0 }, /options\.credentialsTimeoutMs/],
    [{ credentialsTimeoutMs: Number.POSITIVE_INFINITY }, /options\.credentialsTimeoutMs/],
    [{ requestTimeoutMs: -1 }, /options\.requestTimeoutMs/],
    [{ requestTimeoutMs: Number.NaN }, /options\.requestTimeoutMs/],
    [{ parkAfterMs: -5 }, /options\.parkAfterMs/],
    [{ replacementGraceMs: 2 ** 31 }, /options\.replacementGraceMs/],
    [{ xhrMaxResponseChars: 0 }, /options\.xhrMaxResponseChars/],
    [{ backoff: { baseMs: -1 } }, /options\.backoff\.baseMs/],
    [{ backoff: { maxMs: Number.NaN } }, /options\.backoff\.maxMs/],
    [{ backoff: { base: 100 } }, /unknown option backoff\.base \(known: baseMs, maxMs, stableAfterMs\)/],
    [{ backoff: 1000 }, /options\.backoff must be an object/],
    [{ dedupeSize: 1.5 }, /options\.dedupeSize must be a non-negative integer/],
    [{ keepRecent: -1 }, /options\.keepRecent/],
    [{ random: 0.5 }, /options\.random must be a function/],
    [
      { timers: { setTimeout } },
      /options\.timers must be an object with setTimeout\(\) and clearTimeout\(\)/,
    ],
    [{ onlineSource: {} }, /options\.onlineSource/],
    [{ lifecycleSource: { activity: () => 'active' } }, /options\.lifecycleSource/],
    [{ onError: 'log' }, /options\.onError must be a function/],
    [{ share: 'yes' }, /options\.share must be an object/],
    [{ share: { key: '' } }, /options\.share\.key must be a non-empty string/],
    [{ share: { collectMs: -1 } }, /options\.share\.collectMs/],
    [{ share: { leaderTimeoutMs: 0 } }, /options\.share\.leaderTimeoutMs/],
    [{ share: { locks: {} } }, /options\.share\.locks/],
    [{ share: { keys: 'ann' } }, /unknown option share\.keys/],
    [{ heartbeatTimeout: 5000 }, /unknown option heartbeatTimeout \(known: url, /],
  ])('refuses %j', (bad, message) => {
    expect(make({ ...base, ...bad })).toThrow(TypeError)
    expect(make({ ...base, ...bad })).toThrow(message)
  })

  it('refuses a missing options object or url', () => {
    expect(make(undefined as never)).toThrow(/createClient needs an options object/)
    expect(make({ share: false })).toThrow(/options\.url must be set/)
  })

  it('takes every option well formed, and undefined for any optional one', () => {
    const client = createClient({
      url: ['http://a/', 'http://b'],
      headers: { 'X-App': '1' },
      getHeaders: () => ({}),
      getToken: () => 't',
      credentialsTimeoutMs: 5000,
      requestTimeoutMs: 5000,
      transport: 'fetch',
      fetch: globalThis.fetch,
      xhrMaxResponseChars: Number.POSITIVE_INFINITY,
      replacementGraceMs: 0,
      timers: { setTimeout: (cb, ms) => setTimeout(cb, ms), clearTimeout: (h) => clearTimeout(h as never) },
      parkAfterMs: Number.POSITIVE_INFINITY,
      heartbeatTimeoutMs: 1000,
      backoff: { baseMs: 10, maxMs: undefined },
      random: Math.random,
      dedupeSize: 0,
      keepRecent: 10,
      share: false,
      onError: () => {},
      onlineSource: undefined,
    })
    client.close()
  })
})
