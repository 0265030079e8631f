import { describe, expect, it } from 'vitest'
import { MemoryHistoryStore } from './memory-store'
import { resolveRules } from './rules'

const [rule] = resolveRules([{ match: '*', size: 3, ttlMs: 10_000 }])
const request = (n: number, key?: string) => ({
  topic: 't',
  id: `id${n}`,
  rule: rule!,
  head: `{"topic":"t","id":"id${n}","ts":1,`,
  tail: `,"data":${n}}`,
  key,
})

describe('MemoryHistoryStore', () => {
  it('gives consecutive offsets in one epoch, the position inside the JSON', async () => {
    const store = new MemoryHistoryStore()
    const [a, b] = await store.append([request(1), request(2)])
    expect(b!.offset).toBe(a!.offset + 1)
    expect(a!.epoch).toBe(b!.epoch)
    expect(JSON.parse(a!.json)).toEqual({
      topic: 't',
      id: 'id1',
      ts: 1,
      pos: { epoch: a!.epoch, offset: 1 },
      data: 1,
    })
    await store.close()
  })

  it('reads what follows a position, knows when the range is no longer retained whole, and the last n', async () => {
    const store = new MemoryHistoryStore()
    const appended = await store.append([1, 2, 3, 4, 5].map((n) => request(n)))
    const epoch = appended[0]!.epoch
    const after3 = await store.read('t', rule!, { after: { epoch, offset: 3 } })
    expect(after3).toMatchObject({ epoch, latest: 5, complete: true })
    expect(after3.events.map((e) => e.offset)).toEqual([4, 5])
    expect((await store.read('t', rule!, { after: { epoch, offset: 5 } })).events).toEqual([]) // up to date
    // size 3 keeps offsets 3-5: after 1 means 2 is missing
    expect(await store.read('t', rule!, { after: { epoch, offset: 1 } })).toMatchObject({ complete: false })
    expect(await store.read('t', rule!, { after: { epoch: 'other', offset: 3 } })).toMatchObject({
      epoch,
      complete: false,
    })
    expect((await store.read('t', rule!, { last: 2 })).events.map((e) => e.offset)).toEqual([4, 5])
    await store.close()
  })

  it('forgets events past their TTL', async () => {
    let now = 1_000_000
    const store = new MemoryHistoryStore(() => now)
    const [first] = await store.append([request(1)])
    now += 11_000
    const read = await store.read('t', rule!, { after: { epoch: first!.epoch, offset: 0 } })
    expect(read).toMatchObject({ latest: 1, events: [], complete: false })
    await store.close()
  })

  it('records a key once: a retried publish answers the first record, stores nothing', async () => {
    const store = new MemoryHistoryStore()
    const [first] = await store.append([request(1, 'k1')])
    const [again, other] = await store.append([request(2, 'k1'), request(3, 'k2')])
    expect(again).toMatchObject({ duplicate: true, offset: first!.offset, id: 'id1' })
    expect(other).toMatchObject({ duplicate: false, offset: 2 })
    await store.close()
  })

  // found by the route fuzz: a batch answered one key two ids, once the record fell out of the ring by size
  it('keeps a key for the TTL even when its event was trimmed by size: a retry still counts once', async () => {
    let now = 1_000_000
    const store = new MemoryHistoryStore(() => now)
    const [first] = await store.append([request(1, 'k1')])
    // three more events push the keyed one out of the ring (size 3), then the retry, in one batch with them
    const appended = await store.append([request(2), request(3), request(4), request(5, 'k1')])
    expect(appended.at(-1)).toMatchObject({ duplicate: true, offset: first!.offset, id: 'id1' })
    expect(appended.map((a) => a.offset)).toEqual([2, 3, 4, 1])
    // past the TTL the key is forgotten: the same key is a new publish
    now += 11_000
    const [later] = await store.append([request(6, 'k1')])
    expect(later).toMatchObject({ duplicate: false, offset: 5, id: 'id6' })
    await store.close()
  })
})
