// The hooks on history topics, against a real server: rewind in useTopicEvents and useTopic, onGap in both.
import { createClient, type LikewireClient, type LikewireEvent, type LikewireGap } from '@likewire/client'
import { render, renderHook, waitFor } from '@testing-library/react'
import { StrictMode } from 'react'
import { describe, expect, it } from 'vitest'
import { type Harness, providerFor, trackSubscriptions, uniqueTopic, withLiveServer } from '../test/harness'
import { LikewireProvider } from './LikewireProvider'
import { useTopic } from './useTopic'
import { useTopicEvents } from './useTopicEvents'

let h: Harness
let client: LikewireClient
const wrapper = providerFor(() => client)
// uniqueTopic names start with `test:`: every topic of these tests keeps a history
withLiveServer(
  (harness, c) => {
    h = harness
    client = c
  },
  { history: [{ match: 'test:*', size: 3 }] },
)

const publish = async (topic: string, ...values: number[]) => {
  for (const value of values) await h.lw.publish(topic, value)
}
const data = (events: readonly LikewireEvent[]) => events.map((e) => e.data)

/** A client of its own, whose network the test switches off and on. */
function offlineClient() {
  let online = true
  const listeners = new Set<(online: boolean) => void>()
  const away = createClient({
    url: h.url,
    onError: () => {},
    onlineSource: {
      isOnline: () => online,
      subscribe: (listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
    },
  })
  const setOnline = (value: boolean) => {
    online = value
    for (const listener of [...listeners]) listener(value)
  }
  return {
    client: away,
    close: () => away.close(),
    /**
     * Offline while 5 more are published to `topic` (after 1 and 2; 3 retained), then back: one `expired`
     * gap at 7 reaches the latest onGap only, and 8 follows the 2 already received.
     */
    async missPastRetention(
      topic: string,
      gaps: { firstGaps: LikewireGap[]; latestGaps: LikewireGap[] },
      received: () => unknown[],
    ) {
      setOnline(false)
      await publish(topic, 3, 4, 5, 6, 7) // 3 retained: 5-7; 3 and 4 are gone
      setOnline(true)
      await waitFor(() =>
        expect(gaps.latestGaps.map((g) => [g.reason, g.position?.offset])).toEqual([['expired', 7]]),
      )
      expect(gaps.firstGaps).toEqual([])
      await waitFor(() => expect(away.state.status).toBe('connected'))
      await publish(topic, 8)
      await waitFor(() => expect(received()).toEqual([2, 8]))
    },
  }
}

describe('useTopicEvents with rewind', () => {
  it('shows the last `rewind` events published before mount, then live ones', async () => {
    const topic = uniqueTopic('rewind')
    await publish(topic, 1, 2, 3)
    const { result } = renderHook(() => useTopicEvents<number>(topic, { limit: 10, rewind: 2 }), { wrapper })
    expect(result.current).toEqual([])
    await waitFor(() => expect(data(result.current)).toEqual([2, 3]))
    expect(result.current.map((e) => e.position?.offset)).toEqual([2, 3])
    await publish(topic, 4)
    await waitFor(() => expect(data(result.current)).toEqual([2, 3, 4]))
  })

  it('under StrictMode: the last n once each, on one live subscription', async () => {
    const topic = uniqueTopic('rewind-strict')
    await publish(topic, 1, 2, 3)
    const subs = trackSubscriptions(client)
    const { result } = renderHook(() => useTopicEvents<number>(topic, { rewind: 2 }), {
      wrapper: ({ children }) => <StrictMode>{wrapper({ children })}</StrictMode>,
    })
    expect(subs.live(topic)).toBe(1)
    await waitFor(() => expect(data(result.current)).toEqual([2, 3]))
    await publish(topic, 4)
    await waitFor(() => expect(data(result.current)).toEqual([2, 3, 4]))
  })

  it('a component mounting later on a topic the client holds rewinds from the client buffer', async () => {
    const topic = uniqueTopic('rewind-late')
    await publish(topic, 1, 2, 3)
    const first = renderHook(() => useTopicEvents<number>(topic, { rewind: 3 }), { wrapper })
    await waitFor(() => expect(data(first.result.current)).toEqual([1, 2, 3]))
    await publish(topic, 4)
    await waitFor(() => expect(data(first.result.current)).toEqual([1, 2, 3, 4]))
    const late = renderHook(() => useTopicEvents<number>(topic, { rewind: 2 }), { wrapper })
    await waitFor(() => expect(data(late.result.current)).toEqual([3, 4]))
    await publish(topic, 5)
    await waitFor(() => expect(data(late.result.current)).toEqual([3, 4, 5]))
  })
})

describe('useTopicEvents onGap', () => {
  it('calls the latest onGap (no resubscribe for a new identity), keeps the list and goes on after the gap', async () => {
    const topic = uniqueTopic('events-gap')
    await publish(topic, 1, 2)
    const away = offlineClient()
    try {
      const subs = trackSubscriptions(away.client)
      const firstGaps: LikewireGap[] = []
      const latestGaps: LikewireGap[] = []
      const { result, rerender } = renderHook(
        ({ onGap }: { onGap: (gap: LikewireGap) => void }) =>
          useTopicEvents<number>(topic, { rewind: 1, limit: 10, onGap }),
        {
          wrapper: ({ children }) => <LikewireProvider client={away.client}>{children}</LikewireProvider>,
          initialProps: { onGap: (gap) => firstGaps.push(gap) },
        },
      )
      await waitFor(() => expect(data(result.current)).toEqual([2]))
      for (let i = 0; i < 3; i++) rerender({ onGap: (gap) => latestGaps.push(gap) })
      await away.missPastRetention(topic, { firstGaps, latestGaps }, () => data(result.current))
      expect(subs.calls(topic)).toBe(1)
    } finally {
      away.close()
    }
  })
})

describe('useTopic on a history topic', () => {
  function Listener(props: {
    topic: string
    onEvent: (e: LikewireEvent) => void
    onGap: (gap: LikewireGap) => void
    rewind?: number
  }) {
    useTopic(props.topic, props.onEvent, { rewind: props.rewind, onGap: props.onGap })
    return null
  }

  it('rewinds, and calls the latest onGap without resubscribing when its identity changes', async () => {
    const topic = uniqueTopic('gap')
    await publish(topic, 1, 2)
    const away = offlineClient()
    try {
      const subs = trackSubscriptions(away.client)
      const received: unknown[] = []
      const firstGaps: LikewireGap[] = []
      const latestGaps: LikewireGap[] = []
      const tree = (onGap: (gap: LikewireGap) => void) => (
        <LikewireProvider client={away.client}>
          <Listener topic={topic} rewind={1} onEvent={(e) => received.push(e.data)} onGap={onGap} />
        </LikewireProvider>
      )
      const { rerender } = render(tree((gap) => firstGaps.push(gap)))
      await waitFor(() => expect(received).toEqual([2]))
      for (let i = 0; i < 3; i++) rerender(tree((gap) => latestGaps.push(gap)))
      expect(subs.calls(topic)).toBe(1)
      await away.missPastRetention(topic, { firstGaps, latestGaps }, () => received)
      expect(subs.calls(topic)).toBe(1)
    } finally {
      away.close()
    }
  })
})
