import { type LikewireClient, membersTopic, viewersTopic } from '@likewire/client'
import { renderHook, waitFor } from '@testing-library/react'
import { createElement, type ReactNode, StrictMode } from 'react'
import { describe, expect, it, vi } from 'vitest'
import { type Harness, providerFor, trackSubscriptions, uniqueTopic, withLiveServer } from '../test/harness'
import { gatedFetch, memberClient, presenceServer } from '../test/presence'
import { useMembers } from './useMembers'

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
const ids = (members: { members: readonly { memberId: string }[] } | null) =>
  members?.members.map((m) => m.memberId)

describe('useMembers', () => {
  it('the snapshot, then joins and leaves, oldest first; anonymous viewers are no members (StrictMode: one subscription)', async () => {
    const topic = uniqueTopic('members')
    const subs = trackSubscriptions(client)
    const { result } = renderHook(() => useMembers(topic), { wrapper: strict })
    expect(result.current).toBeNull()
    expect(subs.live(membersTopic(topic))).toBe(1)
    await until(() => expect(result.current).toEqual({ count: 0, members: [] }))

    // an anonymous viewer, counted as one before any member joins, never as a member
    const viewers: number[] = []
    client.subscribe<{ count: number }>(viewersTopic(topic), (e) => viewers.push(e.data.count))
    h.client().subscribe(topic, () => {})
    await until(() => expect(viewers.at(-1)).toBe(1))
    memberClient(h, 'ann', [topic])
    await until(() => expect(ids(result.current)).toEqual(['ann']))
    const bob = memberClient(h, 'bob', [topic])
    await until(() => expect(ids(result.current)).toEqual(['ann', 'bob']))
    expect(result.current?.count).toBe(2)
    bob.close()
    await until(() => expect(ids(result.current)).toEqual(['ann']))
    expect(result.current?.count).toBe(1)
    expect(subs.live(membersTopic(topic))).toBe(1)
  })

  it('keeps its subscription and its object across re-renders; a component mounted later gets the members at once', async () => {
    const topic = uniqueTopic('identity')
    memberClient(h, 'ann', [topic])
    const subs = trackSubscriptions(client)
    const first = renderHook(() => useMembers(topic), { wrapper })
    await until(() => expect(ids(first.result.current)).toEqual(['ann']))
    const held = first.result.current
    for (let i = 0; i < 3; i++) first.rerender()
    expect(first.result.current).toBe(held)
    expect(subs.calls()).toBe(1)

    const later = renderHook(() => useMembers(topic), { wrapper })
    await until(() => expect(later.result.current).toEqual(held))
  })

  it('after the server cut its streams, the fresh snapshot replaces what it held', async () => {
    const topic = uniqueTopic('reconnect')
    const gate = gatedFetch()
    client = h.client({ fetch: gate.fetch, backoff: { baseMs: 20, maxMs: 200 } })
    const { result } = renderHook(() => useMembers(topic), { wrapper })
    const ann = memberClient(h, 'ann', [topic])
    await until(() => expect(ids(result.current)).toEqual(['ann']))

    gate.shut()
    h.cut()
    await until(() => expect(client.state.status).toBe('reconnecting'))
    ann.close()
    memberClient(h, 'bob', [topic])
    const observer = renderHook(() => useMembers(topic), { wrapper: providerFor(() => h.client()) })
    await until(() => expect(ids(observer.result.current)).toEqual(['bob']))
    expect(ids(result.current)).toEqual(['ann']) // held back: still what it had

    gate.open()
    await until(() =>
      expect(result.current).toEqual({ count: 1, members: [expect.objectContaining({ memberId: 'bob' })] }),
    )
  })

  it('null watches nothing; an invalid topic throws a TypeError during render', () => {
    const subs = trackSubscriptions(client)
    const { result } = renderHook(() => useMembers(null), { wrapper })
    expect(result.current).toBeNull()
    expect(subs.calls()).toBe(0)
    vi.spyOn(console, 'error').mockImplementation(() => {})
    for (const topic of ['', 'a b', 'live/$viewers', 'member:ann'])
      expect(() => renderHook(() => useMembers(topic), { wrapper })).toThrow(TypeError)
    vi.restoreAllMocks()
  })
})
