import type { LikewireClient } from '@likewire/client'
import { renderHook, waitFor } from '@testing-library/react'
import { StrictMode } from 'react'
import { describe, expect, it, vi } from 'vitest'
import {
  type Harness,
  providerFor,
  publishUntil,
  trackSubscriptions,
  uniqueTopic,
  withLiveServer,
} from '../test/harness'
import { useTopicEvents } from './useTopicEvents'

let h: Harness
let client: LikewireClient
const wrapper = providerFor(() => client)
withLiveServer((harness, c) => {
  h = harness
  client = c
})

describe('useTopicEvents', () => {
  it('keeps only the latest `limit` events, oldest first', async () => {
    const topic = uniqueTopic('latest')
    const { result } = renderHook(() => useTopicEvents<number>(topic, { limit: 3 }), { wrapper })
    expect(result.current).toEqual([])
    await publishUntil(h.lw, topic, 0, () => expect(result.current.length).toBeGreaterThan(0))
    for (let i = 1; i <= 5; i++) await h.lw.publish(topic, i)
    await waitFor(() => expect(result.current.at(-1)?.data).toBe(5))
    expect(result.current.map((e) => e.data)).toEqual([3, 4, 5])
    expect(result.current.every((e) => e.topic === topic)).toBe(true)
  })

  it('resets and resubscribes when the topic changes', async () => {
    const first = uniqueTopic('first')
    const second = uniqueTopic('second')
    const subs = trackSubscriptions(client)
    const { result, rerender } = renderHook(({ topic }) => useTopicEvents(topic, { limit: 10 }), {
      wrapper,
      initialProps: { topic: first },
    })
    await publishUntil(h.lw, first, 'a', () => expect(result.current.length).toBeGreaterThan(0))
    rerender({ topic: second })
    expect(result.current).toEqual([])
    expect(subs.live(first)).toBe(0)
    expect(subs.live(second)).toBe(1)
    await publishUntil(h.lw, second, 'b', () => expect(result.current.length).toBeGreaterThan(0))
    expect(result.current.every((e) => e.topic === second && e.data === 'b')).toBe(true)
  })

  it('returns the same array between events', async () => {
    const topic = uniqueTopic('stable')
    const { result, rerender } = renderHook(() => useTopicEvents(topic), { wrapper })
    await publishUntil(h.lw, topic, 'x', () => expect(result.current.length).toBeGreaterThan(0))
    const snapshot = result.current
    rerender()
    expect(result.current).toBe(snapshot)
  })

  it('under StrictMode keeps each event once, on one live subscription', async () => {
    const topic = uniqueTopic('strict')
    const subs = trackSubscriptions(client)
    const { result } = renderHook(() => useTopicEvents(topic), {
      wrapper: ({ children }) => <StrictMode>{wrapper({ children })}</StrictMode>,
    })
    expect(subs.live(topic)).toBe(1)
    await publishUntil(h.lw, topic, 'warmup', () => expect(result.current.length).toBeGreaterThan(0))
    await h.lw.publish(topic, 'once')
    await waitFor(() => expect(result.current.at(-1)?.data).toBe('once'))
    const ids = result.current.map((e) => e.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('rejects a limit that is not a positive integer', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    expect(() => renderHook(() => useTopicEvents('x', { limit: 0 }), { wrapper })).toThrow(RangeError)
    vi.restoreAllMocks()
  })

  it('subscribes to nothing and returns [] for a null topic', () => {
    const subs = trackSubscriptions(client)
    const { result } = renderHook(() => useTopicEvents(null), { wrapper })
    expect(result.current).toEqual([])
    expect(subs.calls()).toBe(0)
  })
})
