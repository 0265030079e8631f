import type { LikewireClient } from '@likewire/client'
import { renderHook, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { type Harness, providerFor, trackSubscriptions, uniqueTopic, withLiveServer } from '../test/harness'
import { useTopic } from './useTopic'
import { useViewerCount } from './useViewerCount'

let h: Harness
let client: LikewireClient
const wrapper = providerFor(() => client)
withLiveServer((harness, c) => {
  h = harness
  client = c
})

/** A viewer of `topic` that also shows its viewer count, as the demo's live page does. */
function useWatch(topic: string) {
  useTopic(topic, () => {})
  return useViewerCount(topic)
}

describe('useViewerCount', () => {
  it('is null until a count arrives, then follows the number of subscribers', async () => {
    const topic = uniqueTopic('viewers')
    const { result } = renderHook(() => useWatch(topic), { wrapper })
    expect(result.current).toBeNull()
    await waitFor(() => expect(result.current).toBe(1), { timeout: 10_000 })

    const other = h.client()
    const stop = other.subscribe(topic, () => {})
    await waitFor(() => expect(result.current).toBe(2), { timeout: 10_000 })
    stop()
    await waitFor(() => expect(result.current).toBe(1), { timeout: 10_000 })
  })

  it('subscribes to the meta topic `<topic>/$viewers` only', () => {
    const topic = uniqueTopic('meta')
    const subs = trackSubscriptions(client)
    renderHook(() => useViewerCount(topic), { wrapper })
    expect(subs.calls()).toBe(1)
    expect(subs.live(`${topic}/$viewers`)).toBe(1)
  })
})
