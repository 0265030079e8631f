import { describe, expect, it } from 'vitest'
import { createMetrics } from '../metrics/metrics'
import type { EncodedEvent } from '../protocol/frames'
import { Connection } from './connection'
import { Fanout } from './fanout'
import type { ConnectionSink } from './sink'
import { TopicTable } from './topic-table'

/** A connection recording each write's bytes (one string per write), subscribed to `live`. */
function subscriber(table: TopicTable, id: string, started = true) {
  const writes: string[] = []
  const sink: ConnectionSink = {
    write: (frames) => void writes.push(Buffer.concat(frames as Buffer[]).toString()),
    bufferedBytes: () => 0,
    end: () => {},
    destroy: () => {},
    onClose: () => {},
  }
  const connection = new Connection(id, null, sink)
  if (started) connection.start(Buffer.from('>'))
  table.add('live', connection)
  return { connection, writes }
}

function fanout(table: TopicTable, maxBufferedBytes = 1 << 20) {
  const dropped: Connection[] = []
  const f = new Fanout({
    table,
    metrics: createMetrics({ defaultMetrics: false }),
    maxBufferedBytes,
    flushWindowMs: 0,
    maxFlushWindowMs: 100,
    drop: (connection) => dropped.push(connection),
    history: undefined,
  })
  return { fanout: f, dropped }
}

const event = (n: number, data: unknown = n): EncodedEvent => {
  const json = JSON.stringify({ topic: 'live', id: `e${n}`, ts: 1, data })
  return { topic: 'live', id: `e${n}`, ts: 1, json }
}
const frame = (e: EncodedEvent) => `data: ${e.json}\n\n`
const nextFlush = () => new Promise((resolve) => setImmediate(resolve))

describe('Fanout', () => {
  it('writes each subscriber once per flush, with every event of the tick in order, tick after tick', async () => {
    const table = new TopicTable()
    const { fanout: f } = fanout(table)
    const subs = [subscriber(table, 'a'), subscriber(table, 'b'), subscriber(table, 'c')]
    const events = [event(1), event(2), event(3), event(4)]
    for (const e of events.slice(0, 3)) f.deliver([e])
    await nextFlush()
    f.deliver([events[3]!])
    await nextFlush()
    for (const { writes } of subs)
      expect(writes).toEqual(['>', events.slice(0, 3).map(frame).join(''), frame(events[3]!)])
  })

  it('still flushes what a connection queues after it was written at once past half its bound', async () => {
    const table = new TopicTable()
    const big = event(1, 'x'.repeat(600))
    const { fanout: f, dropped } = fanout(table, 1000)
    const { writes } = subscriber(table, 'a')
    f.deliver([event(0)])
    f.deliver([big]) // past half of 1000 bytes queued: written in this tick
    f.deliver([event(2)])
    expect(writes).toEqual(['>', frame(event(0)) + frame(big)])
    await nextFlush()
    expect(writes).toEqual(['>', frame(event(0)) + frame(big), frame(event(2))])
    expect(dropped).toEqual([])
  })

  it('sends what was queued before a stream started with its start, and what came after in the next flush', async () => {
    const table = new TopicTable()
    const { fanout: f } = fanout(table)
    const { connection, writes } = subscriber(table, 'a', false)
    f.deliver([event(1)])
    await nextFlush() // held: nothing written yet
    expect(writes).toEqual([])
    f.deliver([event(2)])
    connection.start(Buffer.from('>'))
    f.deliver([event(3)])
    await nextFlush()
    expect(writes).toEqual(['>', frame(event(1)) + frame(event(2)), frame(event(3))])
  })
})
