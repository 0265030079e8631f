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

  it('watchPresence and members before configure throw a clear error', async () => {
    const { members, watchPresence } = await import('./default-client')
    expect(() => watchPresence('ann', () => {})).toThrow(/configure\(\{ url \}\) before watchPresence/)
    expect(() => members('live', () => {})).toThrow(/configure\(\{ url \}\) before members/)
  })

  it('watchPresence(memberId, cb) and members(topic, cb) run on the default client', async () => {
    const { configure, members, watchPresence } = await import('./default-client')
    const server = createFakeFetch()
    const client = configure({
      url: 'http://rt.test',
      fetch: server.fetch,
      onlineSource: fakeOnline().source,
    })
    const seen: unknown[] = []
    watchPresence('zoë', (presence) => seen.push(presence))
    members('live', (m) => seen.push(m))
    await settle()
    server
      .lastStream()
      .push(
        frame.connected() +
          frame.data('member:zo=C3=AB/$presence', 'e1', { memberId: 'zoë', status: 'online', since: 3 }) +
          frame.data('live/$members', 'e2', { topic: 'live', count: 0, members: [], snapshot: true }),
      )
    await settle()
    expect(seen).toEqual([
      { memberId: 'zoë', status: 'online', since: 3 },
      { count: 0, members: [] },
    ])
    client.close()
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
