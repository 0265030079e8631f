import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { EncodedEvent } from '../protocol/frames'
import { type SequenceGap, Sequencer } from './sequencer'

const ev = (offset: number, epoch = 'E', topic = 't'): EncodedEvent => ({
  topic,
  id: `${epoch}${offset}`,
  ts: 1,
  json: `{"n":${offset}}`,
  pos: { epoch, offset },
})
const ff = (id: string): EncodedEvent => ({ topic: 'f', id, ts: 1, json: '{}' })
const offsets = (events: readonly EncodedEvent[]) => events.map((e) => e.pos?.offset ?? e.id)

/** A sequencer with topic `t` subscribed: its order starts at the first event (no anchor position). */
async function make(history: EncodedEvent[] = [], unreachable = false) {
  const released: EncodedEvent[][] = []
  const gaps: SequenceGap[] = []
  const sequencer = new Sequencer(
    {
      release: (events) => released.push(events),
      gap: (gap) => gaps.push(gap),
      fill: async (_topic, after) => {
        if (unreachable) throw new Error('down')
        return history.filter((e) => e.pos!.epoch === after.epoch && e.pos!.offset > after.offset)
      },
    },
    100,
  )
  sequencer.anchor('t', () => Promise.reject(new Error('no anchor: start at the first event')))
  await vi.advanceTimersByTimeAsync(0)
  return { sequencer, released, gaps }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('Sequencer (a node delivers each history topic in offset order, once)', () => {
  it('passes in-order events and fire-and-forget ones straight through, and drops what it delivered already', async () => {
    const { sequencer } = await make()
    const batch = [ev(1), ff('x'), ev(2)]
    expect(sequencer.order(batch)).toBe(batch) // nothing to reorder: the same array, no copy
    expect(offsets(sequencer.order([ev(2), ev(3)]))).toEqual([3])
  })

  it('holds an event ahead of a hole and releases it when the late one arrives', async () => {
    const { sequencer, released } = await make()
    sequencer.order([ev(1)])
    expect(offsets(sequencer.order([ff('a'), ev(3), ev(4)]))).toEqual(['a'])
    expect(offsets(sequencer.order([ev(2)]))).toEqual([2, 3, 4])
    vi.advanceTimersByTime(1000)
    expect(released).toEqual([]) // no repair ran: the hole closed by itself
  })

  it('fills a hole that stays open from history', async () => {
    const { sequencer, released, gaps } = await make([ev(1), ev(2), ev(3)])
    sequencer.order([ev(1)])
    sequencer.order([ev(4)])
    await vi.advanceTimersByTimeAsync(100)
    expect(released.map(offsets)).toEqual([[2, 3, 4]])
    expect(gaps).toEqual([])
  })

  it('tells a gap when history no longer has the hole (or cannot be read), and goes on after it', async () => {
    for (const [unreachable, reason] of [
      [false, 'expired'],
      [true, 'unavailable'],
    ] as const) {
      const { sequencer, released, gaps } = await make([ev(3)], unreachable)
      sequencer.order([ev(1)])
      sequencer.order([ev(4), ev(5)])
      await vi.advanceTimersByTimeAsync(100)
      // history keeps 3 but not 2: told that up to 2 is missing, then 3; unreachable: up to 3 is missing
      expect(gaps).toEqual([{ topic: 't', reason, resumeAt: { epoch: 'E', offset: unreachable ? 3 : 2 } }])
      expect(released.map(offsets)).toEqual([unreachable ? [4, 5] : [3, 4, 5]])
      expect(offsets(sequencer.order([ev(6)]))).toEqual([6])
    }
  })

  it('tells an epoch gap when the topic history was lost, then follows the new epoch', async () => {
    const { sequencer, gaps } = await make()
    sequencer.order([ev(5)])
    expect(offsets(sequencer.order([ev(1, 'F')]))).toEqual([1])
    expect(gaps).toEqual([{ topic: 't', reason: 'epoch', resumeAt: { epoch: 'F', offset: 0 } }])
  })

  it('keeps no state for a topic it forgot (no subscriber left): a stray delivery passes and leaves nothing', async () => {
    const { sequencer } = await make()
    sequencer.order([ev(5)])
    sequencer.forget('t')
    expect(offsets(sequencer.order([ev(9)]))).toEqual([9])
    // a new first subscriber anchors afresh: the stray event 9 left no order behind
    sequencer.anchor('t', async () => ({ epoch: 'E', offset: 11 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(offsets(sequencer.order([ev(10), ev(12)]))).toEqual([12])
  })

  it("anchors a topic's order at its first subscriber: an earlier event overtaken by a later one is not lost", async () => {
    const { sequencer, released } = await make([ev(9), ev(10)])
    let anchored = (_: { epoch: string; offset: number }) => {}
    sequencer.forget('t')
    sequencer.anchor('t', () => new Promise((resolve) => (anchored = resolve)))
    // 10 arrives first (another dispatcher), then 8 (recorded before the subscription), while anchoring
    expect(offsets(sequencer.order([ev(10), ev(8)]))).toEqual([])
    anchored({ epoch: 'E', offset: 8 })
    await vi.advanceTimersByTimeAsync(0)
    expect(released.map(offsets)).toEqual([]) // 9 is missing: held, not skipped
    expect(offsets(sequencer.order([ev(9)]))).toEqual([9, 10])
  })

  it('an anchor that cannot read history starts at the first event held', async () => {
    const { sequencer, released } = await make()
    sequencer.forget('t')
    sequencer.anchor('t', () => Promise.reject(new Error('down')))
    sequencer.order([ev(4), ev(5)])
    await vi.advanceTimersByTimeAsync(0)
    expect(released.map(offsets)).toEqual([[4, 5]])
  })
})
