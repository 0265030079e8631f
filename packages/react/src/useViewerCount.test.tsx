import type { LikewireClient } from '@likewire/client'
import { cleanup, renderHook, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Harness, startLikewire, trackSubscriptions, uniqueTopic } from '../test/harness'
import { LikewireProvider } from './LikewireProvider'
import { useTopic } from './useTopic'
import { useViewerCount } from './useViewerCount'

let h: Harness
let client: LikewireClient
const wrapper = ({ children }: { children: ReactNode }) => (
  <LikewireProvider client={client}>{children}</LikewireProvider>
)

beforeEach(async () => {
  h = await startLikewire()
  client = h.client()
})

afterEach(async () => {
  cleanup()
  await h.close()
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
