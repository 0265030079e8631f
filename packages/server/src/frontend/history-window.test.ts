import { describe, expect, it } from 'vitest'
import type { Position } from '../history/positions'
import { type EncodedEvent, sharedDataFrame } from '../protocol/frames'
import { HistoryWindows, type WindowLimits } from './history-window'

const ev = (offset: number, { epoch = 'E', topic = 't', ts = 1000 } = {}): EncodedEvent => ({
  topic,
  id: `${topic}-${offset}`,
  ts,
  json: `{"topic":"${topic}","id":"${topic}-${offset}","ts":${ts},"pos":{"epoch":"${epoch}","offset":${offset}},"data":${offset}}`,
  pos: { epoch, offset },
})
const at = (offset: number, epoch = 'E'): Position => ({ epoch, offset })
/** The offsets of the frames a window answered. */
const offsets = (frames: Buffer[] | undefined) =>
  frames?.map((f) => Number(/"offset":(\d+)/.exec(f.toString())![1]))

function windows(limits: Partial<WindowLimits> = {}, rule = { size: 100, ttlMs: 60_000 }) {
  let now = 1000
  const w = new HistoryWindows(
    { events: 10, bytes: 1_000_000, ...limits },
    (topic) => (topic.startsWith('x') ? undefined : rule),
    () => now,
  )
  return { w, tick: (ms: number) => (now += ms) }
}

describe('HistoryWindows (recent events a frontend answers resumes from)', () => {
  it('answers the frames after a position inside it, up to the latest, built once per event', () => {
    const { w } = windows()
    const events = [1, 2, 3, 4, 5].map((n) => ev(n))
    w.record(events)
    const read = w.after('t', at(2), at(5))
    expect(read && { epoch: read.epoch, latest: read.latest }).toEqual({ epoch: 'E', latest: 5 })
    expect(offsets(read?.frames)).toEqual([3, 4, 5])
    expect(read!.frames[0]).toBe(sharedDataFrame(events[2]!))
    // at its first event's predecessor, and at the latest (nothing missed)
    expect(offsets(w.after('t', at(0), at(5))?.frames)).toEqual([1, 2, 3, 4, 5])
    expect(offsets(w.after('t', at(5), at(5))?.frames)).toEqual([])
  })

  it('answers nothing outside it: older than its first event, past its latest, another epoch, no window', () => {
    const { w } = windows()
    w.record([3, 4, 5].map((n) => ev(n)))
    expect(w.after('t', at(1), at(5))).toBeUndefined() // 2 is not kept
    expect(w.after('t', at(2), at(5))).toBeDefined()
    expect(w.after('t', at(6), at(6))).toBeUndefined()
    expect(w.after('t', at(3, 'OTHER'), at(5))).toBeUndefined()
    expect(w.after('u', at(3), at(5))).toBeUndefined()
  })

  it("answers only when it ends where the node's order stands (else events it never kept would be skipped)", () => {
    const { w } = windows()
    w.record([1, 2, 3].map((n) => ev(n)))
    expect(w.after('t', at(1), at(4))).toBeUndefined()
    expect(w.after('t', at(1), undefined)).toBeUndefined()
    expect(w.after('t', at(1), at(3, 'F'))).toBeUndefined()
  })

  it('never hides a hole: an event that does not follow on restarts it there', () => {
    const { w } = windows()
    w.record([1, 2, 3, 5, 6].map((n) => ev(n)))
    expect(w.after('t', at(2), at(6))).toBeUndefined()
    expect(w.after('t', at(3), at(6))).toBeUndefined() // 4 never came: not answered as if it were nothing
    expect(offsets(w.after('t', at(4), at(6))?.frames)).toEqual([5, 6])
  })

  it('restarts at an event of another epoch (history lost): the old positions are not answered', () => {
    const { w } = windows()
    w.record([1, 2, 3].map((n) => ev(n)))
    w.record([ev(1, { epoch: 'F' }), ev(2, { epoch: 'F' })])
    expect(w.after('t', at(2), at(2, 'F'))).toBeUndefined()
    expect(offsets(w.after('t', at(0, 'F'), at(2, 'F'))?.frames)).toEqual([1, 2])
  })

  it("keeps at most `events` per topic, and never more than the topic's rule keeps", () => {
    const { w } = windows({ events: 3 })
    w.record([1, 2, 3, 4, 5].map((n) => ev(n)))
    expect(w.after('t', at(1), at(5))).toBeUndefined()
    expect(offsets(w.after('t', at(2), at(5))?.frames)).toEqual([3, 4, 5])
    const small = windows({ events: 10 }, { size: 2, ttlMs: 60_000 }).w
    small.record([1, 2, 3, 4].map((n) => ev(n)))
    expect(small.after('t', at(1), at(4))).toBeUndefined()
    expect(offsets(small.after('t', at(2), at(4))?.frames)).toEqual([3, 4])
  })

  it('keeps nothing with `events: 0`, nor topics without a rule', () => {
    const none = windows({ events: 0 }).w
    none.record([1, 2].map((n) => ev(n)))
    expect(none.after('t', at(0), at(2))).toBeUndefined()
    expect(none.bytes).toBe(0)
    const { w } = windows()
    w.record([1, 2].map((n) => ev(n, { topic: 'x1' })))
    expect(w.bytes).toBe(0)
  })

  it('is bounded in bytes: the topics fed least recently lose their oldest events first', () => {
    const frame = sharedDataFrame(ev(1, { topic: 'a' })).length
    // room for about 6 events of these sizes in all
    const { w } = windows({ events: 10, bytes: 6 * (frame + 40) })
    w.record([1, 2, 3].map((n) => ev(n, { topic: 'a' })))
    w.record([1, 2, 3].map((n) => ev(n, { topic: 'b' })))
    w.record([4, 5].map((n) => ev(n, { topic: 'b' })))
    expect(w.bytes).toBeLessThanOrEqual(6 * (frame + 40))
    // a (fed least recently) lost its oldest; b kept everything
    expect(offsets(w.after('b', at(0), at(5))?.frames)).toEqual([1, 2, 3, 4, 5])
    expect(w.after('a', at(0), at(3))).toBeUndefined()
    expect(offsets(w.after('a', at(2), at(3))?.frames)).toEqual([3])
  })

  it("serves no event past its rule's TTL (the store would not have it either)", () => {
    const { w, tick } = windows({}, { size: 100, ttlMs: 5_000 })
    w.record([ev(1, { ts: 1000 }), ev(2, { ts: 4000 }), ev(3, { ts: 7000 })])
    tick(6_500) // now 7,500: offset 1 (ts 1,000) is past 5 s
    expect(w.after('t', at(0), at(3))).toBeUndefined()
    expect(offsets(w.after('t', at(1), at(3))?.frames)).toEqual([2, 3])
  })

  it('detached (no subscriber left), answers nothing until brought up to date; then goes on', () => {
    const { w } = windows()
    w.record([1, 2, 3].map((n) => ev(n)))
    w.detach('t')
    expect(w.after('t', at(1), at(3))).toBeUndefined()
    // what arrives meanwhile is outside the node's order: ignored, not a restart
    w.record([ev(9)])
    expect(w.detachedEnd('t', 30_000)).toEqual(at(3))
    w.attach('t', [ev(4), ev(5)])
    expect(offsets(w.after('t', at(1), at(5))?.frames)).toEqual([2, 3, 4, 5])
    w.record([ev(6)])
    expect(offsets(w.after('t', at(4), at(6))?.frames)).toEqual([5, 6])
  })

  it('detached: dropped when what it is brought up to date with does not follow on, or it lingered too long', () => {
    const { w, tick } = windows()
    w.record([1, 2, 3].map((n) => ev(n)))
    w.detach('t')
    w.attach('t', [ev(5)])
    expect(w.detachedEnd('t', 30_000)).toBeUndefined()
    expect(w.bytes).toBe(0)
    w.record([1, 2].map((n) => ev(n)))
    w.detach('t')
    w.attach('t', undefined) // the store could not say what came since
    expect(w.bytes).toBe(0)
    w.record([1, 2].map((n) => ev(n)))
    w.detach('t')
    tick(31_000)
    expect(w.detachedEnd('t', 30_000)).toBeUndefined()
    w.record([1, 2].map((n) => ev(n, { topic: 'u' })))
    w.detach('u')
    tick(31_000)
    w.sweep(30_000)
    expect(w.bytes).toBe(0)
  })
})
