import type { LikewireClient, LikewireEvent } from '@likewire/client'
import { cleanup, render, renderHook } from '@testing-library/react'
import { StrictMode } from 'react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type Harness, publishUntil, startLikewire, trackSubscriptions, uniqueTopic } from '../test/harness'
import { LikewireProvider } from './LikewireProvider'
import { useTopic } from './useTopic'

let h: Harness
let client: LikewireClient

beforeEach(async () => {
  h = await startLikewire()
  client = h.client()
})

afterEach(async () => {
  cleanup()
  await h.close()
})

function Listener(props: { topic: string | null; onEvent: (e: LikewireEvent) => void; enabled?: boolean }) {
  useTopic(props.topic, props.onEvent, { enabled: props.enabled })
  return null
}

describe('useTopic', () => {
  it('receives events published on the topic', async () => {
    const topic = uniqueTopic('receive')
    const received: LikewireEvent[] = []
    render(
      <LikewireProvider client={client}>
        <Listener topic={topic} onEvent={(e) => received.push(e)} />
      </LikewireProvider>,
    )
    await publishUntil(h.lw, topic, { likes: 1 }, () => expect(received.length).toBeGreaterThan(0))
    expect(received[0]).toMatchObject({ topic, data: { likes: 1 } })
    expect(typeof received[0]?.id).toBe('string')
    expect(typeof received[0]?.ts).toBe('number')
  })

  it('keeps one subscription when the callback identity changes, and calls the latest callback', async () => {
    const topic = uniqueTopic('identity')
    const subs = trackSubscriptions(client)
    const first: unknown[] = []
    const latest: unknown[] = []
    const { rerender } = render(
      <LikewireProvider client={client}>
        <Listener topic={topic} onEvent={(e) => first.push(e.data)} />
      </LikewireProvider>,
    )
    await publishUntil(h.lw, topic, 'warmup', () => expect(first).toContain('warmup'))
    for (let i = 0; i < 3; i++) {
      rerender(
        <LikewireProvider client={client}>
          <Listener topic={topic} onEvent={(e) => latest.push(e.data)} />
        </LikewireProvider>,
      )
    }
    const before = first.length
    await publishUntil(h.lw, topic, 'after', () => expect(latest).toContain('after'))
    expect(first.length).toBe(before)
    expect(subs.calls(topic)).toBe(1)
    expect(subs.live(topic)).toBe(1)
  })

  it('under StrictMode ends with exactly one live subscription and delivers each event once', async () => {
    const topic = uniqueTopic('strict')
    const subs = trackSubscriptions(client)
    const received: LikewireEvent[] = []
    render(
      <StrictMode>
        <LikewireProvider client={client}>
          <Listener topic={topic} onEvent={(e) => received.push(e)} />
        </LikewireProvider>
      </StrictMode>,
    )
    // StrictMode mounted twice: subscribe, unsubscribe, subscribe
    expect(subs.calls(topic)).toBe(2)
    expect(subs.live(topic)).toBe(1)
    await publishUntil(h.lw, topic, 'warmup', () => expect(received.length).toBeGreaterThan(0))
    await h.lw.publish(topic, 'once')
    await vi.waitFor(() => expect(received.map((e) => e.data)).toContain('once'))
    const ids = received.map((e) => e.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(received.filter((e) => e.data === 'once')).toHaveLength(1)
    expect(subs.live(topic)).toBe(1)
  })

  it('on a topic switch stops delivering the old topic and delivers the new one', async () => {
    const oldTopic = uniqueTopic('old')
    const newTopic = uniqueTopic('new')
    const subs = trackSubscriptions(client)
    const received: LikewireEvent[] = []
    const { rerender } = render(
      <LikewireProvider client={client}>
        <Listener topic={oldTopic} onEvent={(e) => received.push(e)} />
      </LikewireProvider>,
    )
    await publishUntil(h.lw, oldTopic, 'warmup', () => expect(received.length).toBeGreaterThan(0))
    rerender(
      <LikewireProvider client={client}>
        <Listener topic={newTopic} onEvent={(e) => received.push(e)} />
      </LikewireProvider>,
    )
    const switchedAt = received.length
    // an old-topic publish is sent before each new-topic one, so it would arrive first on the stream
    await vi.waitFor(
      async () => {
        await h.lw.publish(oldTopic, 'stale')
        await h.lw.publish(newTopic, 'fresh')
        expect(received.map((e) => e.data)).toContain('fresh')
      },
      { timeout: 10_000, interval: 100 },
    )
    expect(received.slice(switchedAt).filter((e) => e.topic === oldTopic)).toEqual([])
    expect(subs.live(oldTopic)).toBe(0)
    expect(subs.live(newTopic)).toBe(1)
  })

  it('unsubscribes on unmount', async () => {
    const topic = uniqueTopic('unmount')
    const subs = trackSubscriptions(client)
    const received: unknown[] = []
    const { unmount } = render(
      <LikewireProvider client={client}>
        <Listener topic={topic} onEvent={(e) => received.push(e.data)} />
      </LikewireProvider>,
    )
    await publishUntil(h.lw, topic, 'warmup', () => expect(received).toContain('warmup'))
    unmount()
    expect(subs.live(topic)).toBe(0)
    // a second subscriber on the same client proves the later event was delivered
    const sentinel: unknown[] = []
    const stop = client.subscribe(topic, (e) => sentinel.push(e.data))
    const before = received.length
    await publishUntil(h.lw, topic, 'after', () => expect(sentinel).toContain('after'))
    stop()
    expect(received.length).toBe(before)
  })

  it('subscribes to nothing for a null topic or enabled: false, and subscribes once enabled', async () => {
    const topic = uniqueTopic('enabled')
    const subs = trackSubscriptions(client)
    const received: unknown[] = []
    const onEvent = (e: LikewireEvent) => received.push(e.data)
    const { rerender } = render(
      <LikewireProvider client={client}>
        <Listener topic={null} onEvent={onEvent} />
        <Listener topic={topic} onEvent={onEvent} enabled={false} />
      </LikewireProvider>,
    )
    expect(subs.calls()).toBe(0)
    rerender(
      <LikewireProvider client={client}>
        <Listener topic={null} onEvent={onEvent} />
        <Listener topic={topic} onEvent={onEvent} enabled />
      </LikewireProvider>,
    )
    expect(subs.calls()).toBe(1)
    await publishUntil(h.lw, topic, 'on', () => expect(received).toContain('on'))
  })

  it('throws a clear error outside a LikewireProvider', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    expect(() => renderHook(() => useTopic('x', () => {}))).toThrow(/LikewireProvider/)
    vi.restoreAllMocks()
  })
})
