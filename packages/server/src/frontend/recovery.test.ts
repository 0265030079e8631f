import { describe, expect, it } from 'vitest'
import { createMetrics } from '../metrics/metrics'
import type { EncodedEvent } from '../protocol/frames'
import type { Connection } from './connection'
import { Recovery } from './recovery'

const ev = (offset: number, epoch = 'E'): EncodedEvent => ({
  topic: 't',
  id: `id${offset}`,
  ts: 1,
  json: `{"topic":"t","id":"id${offset}","ts":1,"pos":{"epoch":"${epoch}","offset":${offset}},"data":${offset}}`,
  pos: { epoch, offset },
})
const connection = { closed: false } as unknown as Connection

function make(stored: number[]) {
  const written: string[] = []
  const recovery = new Recovery({
    dropSlow: () => {},
    read: async (_topic, from) => ({
      epoch: 'E',
      latest: Math.max(...stored),
      events: stored
        .filter((o) => !('after' in from) || o > from.after.offset)
        .map((offset) => ({ offset, json: ev(offset).json })),
      complete: true,
    }),
    send: (_connection, frame) => {
      const text = frame.toString()
      written.push(
        text.startsWith('event: ') ? text.split('\n')[0]! : (text.match(/"data":(\d+)/)?.[1] ?? '?'),
      )
    },
    metrics: createMetrics({ defaultMetrics: false }),
  })
  return { recovery, written }
}

describe('Recovery (one subscriber catching up on a history topic)', () => {
  it('writes the missed range, then what was held live meanwhile, each offset once', async () => {
    const { recovery, written } = make([3, 4, 5, 6])
    recovery.begin(connection, 't')
    expect(recovery.hold(connection, 't', { event: ev(6) })).toBe(true)
    expect(recovery.hold(connection, 't', { event: ev(7) })).toBe(true)
    await recovery.run(connection, 't', { resume: { epoch: 'E', offset: 2 } })
    expect(written).toEqual(['3', '4', '5', '6', '7'])
  })

  it('after the catch-up, drops live events it already wrote until the live order passes them', async () => {
    // the history read reached events recorded but not yet delivered live to this node (6, 7)
    const { recovery, written } = make([3, 4, 5, 6, 7])
    recovery.begin(connection, 't')
    await recovery.run(connection, 't', { resume: { epoch: 'E', offset: 2 } })
    expect(written).toEqual(['3', '4', '5', '6', '7'])
    const live = [6, 7, 8, 9].map((offset) => recovery.hold(connection, 't', { event: ev(offset) }))
    // 6 and 7 were written by the catch-up; 8 and 9 are for the caller to write as usual
    expect(live).toEqual([true, true, false, false])
    expect(recovery.catchingOn('t')).toBeUndefined()
  })

  it('a gap when the range is no longer retained, without an empty epoch when nothing is known', async () => {
    const { recovery, written } = make([])
    const unreadable = new Recovery({
      dropSlow: () => {},
      read: async () => {
        throw new Error('down')
      },
      send: (_c, frame) => written.push(frame.toString()),
      metrics: createMetrics({ defaultMetrics: false }),
    })
    unreadable.begin(connection, 't')
    await unreadable.run(connection, 't', { rewind: 5 })
    expect(written).toEqual(['event: likewire.gap\ndata: {"topic":"t","reason":"unavailable"}\n\n'])
    void recovery
  })

  it('live events in another epoch than the catch-up ended at (history lost while unreadable) come after an epoch gap', async () => {
    const written: string[] = []
    const unreadable = new Recovery({
      dropSlow: () => {},
      read: async () => {
        throw new Error('down')
      },
      send: (_c, frame) => written.push(frame.toString()),
      metrics: createMetrics({ defaultMetrics: false }),
    })
    unreadable.begin(connection, 't')
    await unreadable.run(connection, 't', { resume: { epoch: 'E', offset: 2 } })
    // history came back empty: a new epoch starts at 1, and the subscriber still stands at E:2
    expect(unreadable.hold(connection, 't', { event: ev(1, 'F') })).toBe(false)
    expect(unreadable.hold(connection, 't', { event: ev(2, 'F') })).toBe(false)
    expect(written).toEqual([
      'event: likewire.gap\ndata: {"topic":"t","reason":"unavailable","epoch":"E","offset":2}\n\n',
      'event: likewire.gap\ndata: {"topic":"t","reason":"epoch","epoch":"F","offset":0}\n\n',
    ])
  })

  it('a live gap past the catch-up is where the subscriber goes on: no second gap for the events after it', async () => {
    const { recovery, written } = make([3])
    recovery.begin(connection, 't')
    await recovery.run(connection, 't', { resume: { epoch: 'E', offset: 2 } })
    // the node's order moved to a new epoch (told to every subscriber), then its first event
    const gap = { topic: 't', reason: 'epoch' as const, resumeAt: { epoch: 'F', offset: 0 } }
    expect(recovery.hold(connection, 't', { gap })).toBe(false)
    expect(recovery.hold(connection, 't', { event: ev(1, 'F') })).toBe(false)
    expect(written).toEqual(['3'])
  })
})
