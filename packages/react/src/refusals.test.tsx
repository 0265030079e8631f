// A subscription the server refuses for good reaches the hooks' onError, against a real server whose
// `authorize` forbids every topic holding "secret".
import type { LikewireClient, LikewireError } from '@likewire/client'
import { render, renderHook, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import {
  type Harness,
  providerFor,
  publishUntil,
  trackSubscriptions,
  uniqueTopic,
  withLiveServer,
} from '../test/harness'
import { LikewireProvider } from './LikewireProvider'
import { useTopic } from './useTopic'
import { useTopicEvents } from './useTopicEvents'

let h: Harness
let client: LikewireClient
const wrapper = providerFor(() => client)
withLiveServer(
  (harness) => {
    h = harness
    // the client's own onError is told too: quiet here, the hooks' callbacks are what is tested
    client = harness.client({ onError: () => {} })
  },
  { authorize: (_identity, topic) => !topic.includes('secret') },
)

/** Cuts the client's stream and waits until `open` delivers again on the new one. */
async function afterReconnect(open: string, delivered: () => boolean) {
  const before = client.state.connectionId
  h.cut()
  // a ceiling for the client's reconnect backoff, not a timing assertion
  await waitFor(
    () => {
      expect(client.state.status).toBe('connected')
      expect(client.state.connectionId).not.toBe(before)
    },
    { timeout: 15_000 },
  )
  await publishUntil(h.lw, open, 'ok', () => expect(delivered()).toBe(true))
}

const refusal = (e: LikewireError) => ({ code: e.code, status: e.status, topic: e.topic })

describe('onError on the topic hooks', () => {
  it('useTopicEvents: a forbidden topic calls the latest onError (no resubscribe for a new identity); the list stays empty', async () => {
    const topic = uniqueTopic('secret-events')
    const subs = trackSubscriptions(client)
    const first: LikewireError[] = []
    const latest: LikewireError[] = []
    const { result, rerender } = renderHook(
      ({ onError }: { onError: (e: LikewireError) => void }) => useTopicEvents(topic, { onError }),
      { wrapper, initialProps: { onError: (e) => first.push(e) } },
    )
    for (let i = 0; i < 3; i++) rerender({ onError: (e) => latest.push(e) })
    await waitFor(() => expect(latest.map(refusal)).toEqual([{ code: 'forbidden', status: 403, topic }]))
    expect(first).toEqual([])
    expect(subs.calls(topic)).toBe(1)
    // an allowed topic on the same client still flows: the refusal dropped one subscription only
    const open = uniqueTopic('open-events')
    const other = renderHook(() => useTopicEvents(open), { wrapper })
    await publishUntil(h.lw, open, 'ok', () => expect(other.result.current.length).toBeGreaterThan(0))
    // the refused topic is gone from the client: a reconnect does not ask for it (nor refuse it) again
    await afterReconnect(open, () => other.result.current.length > 1)
    expect(latest).toHaveLength(1)
    expect(subs.calls(topic)).toBe(1)
    expect(result.current).toEqual([])
  })

  it('useTopic: a forbidden topic calls onError, never the callback', async () => {
    const topic = uniqueTopic('secret-callback')
    const open = uniqueTopic('open-callback')
    const errors: LikewireError[] = []
    const events: unknown[] = []
    function Listener() {
      useTopic(topic, (e) => events.push(e.data), { onError: (e) => errors.push(e) })
      useTopic(open, (e) => events.push(e.data))
      return null
    }
    render(
      <LikewireProvider client={client}>
        <Listener />
      </LikewireProvider>,
    )
    await waitFor(() => expect(errors.map(refusal)).toEqual([{ code: 'forbidden', status: 403, topic }]))
    await publishUntil(h.lw, open, 'ok', () => expect(events.length).toBeGreaterThan(0))
    // the refused topic is gone from the client: a reconnect does not ask for it (nor refuse it) again
    const before = events.length
    await afterReconnect(open, () => events.length > before)
    expect(errors).toHaveLength(1)
    expect(new Set(events)).toEqual(new Set(['ok']))
  })
})
