import { describe, expect, it } from 'vitest'
import type { EncodedEvent } from '../protocol/frames'
import { decodeDeliveries, encodeDeliveries } from './deliveries'
import { restartDelay } from './supervisor'

const event = (id: string, pos?: EncodedEvent['pos']): EncodedEvent => {
  const json = JSON.stringify({ topic: 't', id, ts: 1, ...(pos ? { pos } : {}), data: id })
  return pos ? { topic: 't', id, ts: 1, json, pos } : { topic: 't', id, ts: 1, json }
}

describe('deliveries from the primary to a worker', () => {
  it('round-trip as columns, positions kept where events have them and absent where not', () => {
    const events = [event('a'), event('b', { epoch: 'E1', offset: 7 }), event('c')]
    const batch = structuredClone(encodeDeliveries(events))
    expect(batch.topics).toEqual(['t', 't', 't'])
    expect(decodeDeliveries(batch)).toEqual(events)
    const plain = encodeDeliveries([event('d')])
    expect(plain.epochs).toBeUndefined() // fire-and-forget batches carry no position columns
    expect(decodeDeliveries(plain)).toEqual([event('d')])
  })
})

describe('replacing dead workers', () => {
  it('is immediate after a stable run, then backs off 1 s, 2 s, 4 s ... up to 30 s while workers die quickly', () => {
    expect([0, 1, 2, 3, 5, 6, 20].map(restartDelay)).toEqual([0, 1000, 2000, 4000, 16_000, 30_000, 30_000])
  })
})
