import type { LikewireClient } from '@likewire/client'
import { renderHook, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { type Harness, providerFor, uniqueTopic, withLiveServer } from '../test/harness'
import { useConnectionState } from './useConnectionState'
import { useTopic } from './useTopic'

let _h: Harness
let client: LikewireClient
const wrapper = providerFor(() => client)
withLiveServer((harness, c) => {
  _h = harness
  client = c
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
