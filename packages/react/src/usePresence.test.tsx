import { type LikewireClient, presenceTopic } from '@likewire/client'
import { renderHook, waitFor } from '@testing-library/react'
import { createElement, type ReactNode, StrictMode } from 'react'
import { describe, expect, it, vi } from 'vitest'
import { type Harness, providerFor, trackSubscriptions, withLiveServer } from '../test/harness'
import { memberClient, presenceServer } from '../test/presence'
import { usePresence } from './usePresence'

let h: Harness
let client: LikewireClient
const wrapper = providerFor(() => client)
const strict = ({ children }: { children: ReactNode }) =>
  createElement(StrictMode, null, wrapper({ children }))
withLiveServer((harness, c) => {
  h = harness
  client = c
}, presenceServer)

const until = (check: () => void) => waitFor(check, { timeout: 10_000 })

describe('usePresence', () => {
  it('null, then the snapshot, online while the member is connected, offline after the grace (StrictMode: one subscription)', async () => {
    const subs = trackSubscriptions(client)
    const { result } = renderHook(() => usePresence('ann'), { wrapper: strict })
    expect(result.current).toBeNull()
    expect(subs.live(presenceTopic('ann'))).toBe(1)
    await until(() => expect(result.current).toEqual({ memberId: 'ann', status: 'offline', since: null }))

    const ann = memberClient(h, 'ann')
    await until(() => expect(result.current?.status).toBe('online'))
    expect(result.current?.since).toEqual(expect.any(Number))
    ann.close()
    await until(() => expect(result.current?.status).toBe('offline'))
    expect(subs.live(presenceTopic('ann'))).toBe(1)
  })

  it('keeps its subscription and its object across re-renders; a component mounted later gets the status at once', async () => {
    const subs = trackSubscriptions(client)
    memberClient(h, 'ann')
    const first = renderHook(() => usePresence('ann'), { wrapper })
    await until(() => expect(first.result.current?.status).toBe('online'))
    const held = first.result.current
    for (let i = 0; i < 3; i++) first.rerender()
    expect(first.result.current).toBe(held)
    expect(subs.calls()).toBe(1)

    // the client's stream holds the topic: the server sends nothing more, the client hands the current status
    const later = renderHook(() => usePresence('ann'), { wrapper })
    await until(() => expect(later.result.current).toEqual(held))
  })

  it('null watches nothing; a new member id shows null, then that member', async () => {
    const subs = trackSubscriptions(client)
    const { result, rerender } = renderHook(({ id }: { id: string | null }) => usePresence(id), {
      wrapper,
      initialProps: { id: null as string | null },
    })
    expect(result.current).toBeNull()
    expect(subs.calls()).toBe(0)
    memberClient(h, 'bob')
    rerender({ id: 'zoë' })
    expect(result.current).toBeNull()
    await until(() => expect(result.current).toEqual({ memberId: 'zoë', status: 'offline', since: null }))
    rerender({ id: 'bob' })
    expect(result.current).toBeNull()
    await until(() => expect(result.current).toMatchObject({ memberId: 'bob', status: 'online' }))
    expect(subs.live(presenceTopic('zoë'))).toBe(0)
    expect(subs.live(presenceTopic('bob'))).toBe(1)
  })

  it('throws a TypeError during render for an invalid member id', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {}) // React reports the error it rethrows
    for (const id of ['', 'a\nb', 'x'.repeat(129)])
      expect(() => renderHook(() => usePresence(id), { wrapper })).toThrow(TypeError)
    vi.restoreAllMocks()
  })
})
