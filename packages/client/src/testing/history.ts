// Shared setup for the history-topic tests: a client over the fake fetch, subscribed to one topic.
import { expect, vi } from 'vitest'
import type { LikewireEvent, LikewireGap } from '../event'
import { frame, settle, setup } from './harness'

/** A query parameter of a recorded URL. */
export const param = (url: string, name: string) => new URL(url).searchParams.get(name)
/** Subscribes `topic` (recording events and gaps), connects, and returns the harness. */
export async function connectedOn(topic: string, options: { rewind?: number; dedupeSize?: number } = {}) {
  const t = setup(options.dedupeSize === undefined ? {} : { dedupeSize: options.dedupeSize })
  const received: LikewireEvent[] = []
  const gaps: LikewireGap[] = []
  const unsubscribe = t.client.subscribe(topic, (e) => received.push(e), {
    onGap: (gap) => gaps.push(gap),
    rewind: options.rewind,
  })
  await settle()
  t.server.lastStream().push(frame.connected('conn-1'))
  await settle()
  expect(t.client.state.status).toBe('connected')
  return { ...t, received, gaps, unsubscribe }
}

/** Ends the current stream and lets the client reconnect once its backoff delay is over. */
export async function reconnect(t: ReturnType<typeof setup>, id: string) {
  t.server.lastStream().end()
  await settle()
  await vi.advanceTimersByTimeAsync(t.client.state.nextRetryAt! - Date.now())
  await settle()
  t.server.lastStream().push(frame.connected(id))
  await settle()
}
