import type { LikewireClient } from '@likewire/client'
import { cleanup, renderHook, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Harness, startLikewire, uniqueTopic } from '../test/harness'
import { LikewireProvider } from './LikewireProvider'
import { useConnectionState } from './useConnectionState'
import { useTopic } from './useTopic'

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

function useStateWhileSubscribed(topic: string) {
  useTopic(topic, () => {})
  return useConnectionState()
}

describe('useConnectionState', () => {
  it('moves to connected, with the connection id', async () => {
    const { result } = renderHook(() => useStateWhileSubscribed(uniqueTopic('state')), { wrapper })
    await waitFor(() => expect(result.current.status).toBe('connected'))
    expect(result.current.connectionId).toEqual(expect.any(String))
  })

  it('moves to closed when the client is closed', async () => {
    const { result } = renderHook(() => useStateWhileSubscribed(uniqueTopic('closed')), { wrapper })
    await waitFor(() => expect(result.current.status).toBe('connected'))
    client.close()
    await waitFor(() => expect(result.current.status).toBe('closed'))
  })

  it('returns the same object between state changes', async () => {
    const { result, rerender } = renderHook(() => useStateWhileSubscribed(uniqueTopic('stable')), { wrapper })
    await waitFor(() => expect(result.current.status).toBe('connected'))
    const snapshot = result.current
    rerender()
    rerender()
    expect(result.current).toBe(snapshot)
  })
})
