import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createFakeFetch } from './testing/fake-fetch'
import { fakeOnline, frame, settle, useFakeTime } from './testing/harness'

beforeEach(() => {
  useFakeTime()
  vi.resetModules() // each test gets a fresh module-level default client
})
afterEach(() => {
  vi.useRealTimers()
})

describe('module-level default client', () => {
  it('subscribe before configure throws a clear error', async () => {
    const { subscribe } = await import('./default-client')
    expect(() => subscribe('a', () => {})).toThrow(/configure/)
  })

  it('configure({url}) + subscribe(topic, cb) deliver events', async () => {
    const { configure, subscribe } = await import('./default-client')
    const server = createFakeFetch()
    const client = configure({
      url: 'http://rt.test',
      fetch: server.fetch,
      onlineSource: fakeOnline().source,
    })
    const got: unknown[] = []
    const unsubscribe = subscribe('likes', (e) => got.push(e.data))
    await settle()
    server.lastStream().push(frame.connected() + frame.data('likes', 'e1', 7))
    await settle()
    expect(got).toEqual([7])
    unsubscribe()
    client.close()
  })

  it('configure again closes the previous default client', async () => {
    const { configure, getDefaultClient } = await import('./default-client')
    const server = createFakeFetch()
    const first = configure({ url: 'http://rt.test', fetch: server.fetch, onlineSource: fakeOnline().source })
    const second = configure({
      url: 'http://rt.test',
      fetch: server.fetch,
      onlineSource: fakeOnline().source,
    })
    expect(first.state).toMatchObject({ status: 'closed', reason: 'client_closed' })
    expect(getDefaultClient()).toBe(second)
    second.close()
  })
})
