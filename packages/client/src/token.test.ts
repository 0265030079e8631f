// getToken and expired tokens in time: fresh credentials for every connect, one retry, never a loop.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createFakeXhr } from './testing/fake-xhr'
import { frame, record, settle, setup, useFakeTime } from './testing/harness'

beforeEach(useFakeTime)
afterEach(() => {
  vi.useRealTimers()
})

const expiredFrame = `retry: 0\n\nevent: likewire.reconnect\ndata: {"reason":"token_expired","delayMs":0}\n\n`

/** A getToken handing out t1, t2, ... and counting its calls. */
function tokens() {
  let n = 0
  return {
    getToken: vi.fn(async () => `t${++n}`),
    get calls() {
      return n
    },
  }
}

describe('getToken', () => {
  it('sends its token as the one Authorization, on the connect and the POSTs of its stream', async () => {
    const { getToken } = tokens()
    const { client, server } = setup({ getToken, headers: { authorization: 'Bearer stale', 'X-App': '1' } })
    record(client, 'a')
    await settle()
    expect(server.connects()[0]!.headers).toMatchObject({ authorization: 'Bearer t1', 'x-app': '1' })
    server.lastStream().push(frame.connected('c1'))
    await settle()
    record(client, 'b')
    await settle()
    expect(server.posts('/v1/subscribe')[0]!.headers).toMatchObject({ authorization: 'Bearer t1' })
    expect(getToken).toHaveBeenCalledTimes(1) // before each connect, not each POST
    client.close()
  })

  it('a token_expired hint: at once, fresh credentials, positions kept, state token_expired', async () => {
    const { getToken } = tokens()
    const { client, server, changes } = setup({ getToken })
    record(client, 'chat:1')
    await settle()
    server.lastStream().push(frame.connected('c1') + frame.positioned('chat:1', 'E', 7))
    await settle()
    server.lastStream().push(expiredFrame)
    await settle()
    await vi.advanceTimersByTimeAsync(0)
    await settle()
    expect(changes.map((c) => [c.newState.status, c.newState.reason])).toContainEqual([
      'reconnecting',
      'token_expired',
    ])
    expect(server.connects()).toHaveLength(2)
    const again = server.connects()[1]!
    expect(again.headers.authorization).toBe('Bearer t2')
    expect(new URL(again.url).searchParams.get('resume')).toBe('chat:1~E~7')
    server.lastStream().push(frame.connected('c2'))
    await settle()
    expect(client.state).toMatchObject({ status: 'connected', attempt: 0 })
    client.close()
  })

  it('401 token_expired at connect: retried once at once with a fresh token', async () => {
    const { getToken } = tokens()
    const { client, server } = setup({ getToken })
    server.connectStatuses.push({ status: 401, code: 'token_expired' })
    record(client, 'a')
    await settle()
    await vi.advanceTimersByTimeAsync(0)
    await settle()
    expect(server.connects().map((r) => r.headers.authorization)).toEqual(['Bearer t1', 'Bearer t2'])
    server.lastStream().push(frame.connected('c1'))
    await settle()
    expect(client.state.status).toBe('connected')
    client.close()
  })

  it('a second 401 token_expired in a row ends closed (token_expired): never a loop', async () => {
    const { getToken } = tokens()
    const { client, server } = setup({ getToken })
    server.connectStatuses.push(...Array(5).fill({ status: 401, code: 'token_expired' }))
    record(client, 'a')
    await settle()
    await vi.advanceTimersByTimeAsync(60_000)
    await settle()
    expect(client.state).toMatchObject({ status: 'closed', reason: 'token_expired' })
    expect(server.connects()).toHaveLength(2)
    expect(getToken).toHaveBeenCalledTimes(2)
  })

  it('the run is counted afresh after a connect succeeds: expiry, refusal, retry, expiry, refusal, retry', async () => {
    const { getToken } = tokens()
    const { client, server } = setup({ getToken })
    // real turns for the streams' promises, and a fake millisecond for each 0 ms retry
    const flush = async () => {
      for (let i = 0; i < 5; i++) {
        await settle()
        await vi.advanceTimersByTimeAsync(1)
      }
    }
    record(client, 'a')
    await flush()
    for (const id of ['c1', 'c2']) {
      server.lastStream().push(frame.connected(id))
      await flush()
      server.connectStatuses.push({ status: 401, code: 'token_expired' })
      server.lastStream().push(expiredFrame)
      await flush()
    }
    server.lastStream().push(frame.connected('c3'))
    await flush()
    expect(client.state).toMatchObject({ status: 'connected', connectionId: 'c3' })
    expect(server.connects()).toHaveLength(5)
    expect(getToken).toHaveBeenCalledTimes(5)
    client.close()
  })

  it('401 unauthorized stays terminal, with getToken or not', async () => {
    const { getToken } = tokens()
    const { client, server } = setup({ getToken })
    server.connectStatuses.push(401)
    record(client, 'a')
    await settle()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(client.state).toMatchObject({ status: 'closed', reason: 'unauthorized' })
    expect(server.connects()).toHaveLength(1)
  })

  it('a getToken that throws or gives no token is a failed attempt: reported, then backoff', async () => {
    let calls = 0
    const getToken = async () => {
      calls++
      if (calls === 1) throw new Error('token service down')
      return calls === 2 ? '' : 'good'
    }
    const { client, server, errors } = setup({ getToken })
    record(client, 'a')
    await settle()
    expect(client.state).toMatchObject({ status: 'reconnecting', reason: 'network_error', attempt: 1 })
    expect(errors).toEqual([new Error('token service down')])
    await vi.advanceTimersByTimeAsync(5_000) // two backoffs, and no watchdog yet
    await settle()
    expect(String(errors[1])).toMatch(/getToken must return a non-empty token/)
    expect(server.connects().map((r) => r.headers.authorization)).toEqual(['Bearer good'])
    client.close()
  })

  it('the xhr transport tells 401 token_expired from 401 unauthorized too', async () => {
    const xhr = createFakeXhr(() => ({ status: 200, body: {} }))
    const { getToken } = tokens()
    const { client } = setup({ getToken, fetch: undefined, XMLHttpRequest: xhr.XMLHttpRequest })
    record(client, 'a')
    await settle()
    xhr.connects()[0]!.respond(401, 'token_expired')
    await settle()
    await vi.advanceTimersByTimeAsync(0)
    await settle()
    expect(xhr.connects().map((x) => x.requestHeaders.authorization)).toEqual(['Bearer t1', 'Bearer t2'])
    xhr.connects()[1]!.respond(401, 'unauthorized')
    await settle()
    expect(client.state).toMatchObject({ status: 'closed', reason: 'unauthorized' })
  })
})
