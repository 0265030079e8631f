import { afterEach, describe, expect, it, vi } from 'vitest'
import { MemoryHistoryStore } from '../history/memory-store'
import type { Position } from '../history/positions'
import { resolveRules } from '../history/rules'
import type { HistoryRead } from '../history/store'
import { CoalescedReads, retried } from './history-reads'

const [rule] = resolveRules([{ match: '*', size: 5, ttlMs: 60_000 }])
type From = { after: Position } | { last: number }

let store: MemoryHistoryStore
afterEach(() => store?.close())

/** A store holding offsets 4-8 of topic t (1-3 trimmed by the size of 5), and reads counted. */
async function setup() {
  store = new MemoryHistoryStore()
  const appended = await store.append(
    [1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({
      topic: 't',
      id: `id${n}`,
      rule: rule!,
      head: `{"topic":"t","id":"id${n}","ts":1,`,
      tail: `,"data":${n}}`,
    })),
  )
  const asked: From[] = []
  const reads = new CoalescedReads((topic, from) => {
    asked.push(from)
    return store.read(topic, rule!, from)
  })
  return { reads, asked, epoch: appended[0]!.epoch }
}

describe('CoalescedReads (catch-ups of one topic in one tick share one store read)', () => {
  it('answers every position exactly as its own read would, from one read of the lowest', async () => {
    const { reads, asked, epoch } = await setup()
    // below the retained range, at its edge, inside, at the latest, past the latest
    const positions = [0, 2, 3, 5, 7, 8, 9].map((offset) => ({ epoch, offset }))
    const answers = await Promise.all(positions.map((after) => reads.get('t', { after })))
    expect(asked).toEqual([{ after: { epoch, offset: 0 } }])
    for (const [i, after] of positions.entries()) {
      const alone: HistoryRead = await store.read('t', rule!, { after })
      expect(answers[i], `after ${after.offset}`).toEqual(alone)
    }
  })

  it('reads each epoch apart, and the last n of the largest n once', async () => {
    const { reads, asked, epoch } = await setup()
    const answers = await Promise.all([
      reads.get('t', { after: { epoch, offset: 6 } }),
      reads.get('t', { after: { epoch: 'old', offset: 2 } }),
      reads.get('t', { last: 0 }),
      reads.get('t', { last: 3 }),
      reads.get('t', { last: 2 }),
    ])
    expect(asked).toHaveLength(3)
    expect(asked).toContainEqual({ last: 3 })
    expect(answers[0]!.events.map((e) => e.offset)).toEqual([7, 8])
    expect(answers[1]).toMatchObject({ epoch, complete: false, events: [] })
    expect(answers[2]!.events).toEqual([])
    expect(answers[3]!.events.map((e) => e.offset)).toEqual([6, 7, 8])
    expect(answers[4]!.events.map((e) => e.offset)).toEqual([7, 8])
  })

  it('reads again in a later tick, and a failed read fails every waiter of it', async () => {
    const { reads, asked, epoch } = await setup()
    await reads.get('t', { after: { epoch, offset: 7 } })
    await reads.get('t', { after: { epoch, offset: 7 } })
    expect(asked).toHaveLength(2)
    const failing = new CoalescedReads(() => Promise.reject(new Error('store down')))
    const both = [failing.get('t', { last: 1 }), failing.get('t', { after: { epoch, offset: 1 } })]
    for (const answer of both) await expect(answer).rejects.toThrow('store down')
  })
})

describe('CoalescedReads: one read of a topic in flight', () => {
  it('whoever asks while a read is out waits for the next one, which answers all of them; then none', async () => {
    const { epoch } = await setup()
    const asked: From[] = []
    const releases: Array<() => void> = []
    // a store whose answers the test lets through one at a time
    const reads = new CoalescedReads(async (topic, from) => {
      asked.push(from)
      await new Promise<void>((resolve) => releases.push(resolve))
      return store.read(topic, rule!, from)
    })
    const first = reads.get('t', { after: { epoch, offset: 7 } })
    await vi.waitFor(() => expect(asked).toHaveLength(1))
    // asked while the first read is out: not answered by it (taken before they subscribed), nor read now
    const later = [5, 6].map((offset) => reads.get('t', { after: { epoch, offset } }))
    await new Promise((resolve) => setImmediate(resolve))
    expect(asked).toHaveLength(1)
    releases.shift()!()
    expect((await first).events.map((e) => e.offset)).toEqual([8])
    // the next read, from the lowest of the waiting positions, answers both
    await vi.waitFor(() =>
      expect(asked).toEqual([{ after: { epoch, offset: 7 } }, { after: { epoch, offset: 5 } }]),
    )
    releases.shift()!()
    const [five, six] = await Promise.all(later)
    expect(five!.events.map((e) => e.offset)).toEqual([6, 7, 8])
    expect(six!.events.map((e) => e.offset)).toEqual([7, 8])
    await new Promise((resolve) => setImmediate(resolve))
    expect(asked).toHaveLength(2)
  })
})

describe('retried (a history read that failed once is tried again before a subscriber gets a gap)', () => {
  it('answers once a retry succeeds, and fails after the last delay with the last error', async () => {
    let calls = 0
    const flaky = retried(async () => {
      calls++
      if (calls < 3) throw new Error(`timeout ${calls}`)
      return { epoch: 'E', latest: 0, events: [], complete: true }
    }, [1, 1, 1])
    expect(await flaky('t', { last: 1 })).toMatchObject({ epoch: 'E' })
    expect(calls).toBe(3)
    calls = 0
    const down = retried(async () => {
      calls++
      throw new Error(`down ${calls}`)
    }, [1, 1])
    await expect(down('t', { last: 1 })).rejects.toThrow('down 3')
    expect(calls).toBe(3)
  })
})
