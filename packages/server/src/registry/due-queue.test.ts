import { describe, expect, it } from 'vitest'
import { DueQueue } from './due-queue'

describe('DueQueue', () => {
  it('takes what is due, oldest first, visiting only those and the first one not due', () => {
    const queue = new DueQueue<string>()
    for (let i = 0; i < 100_000; i++) queue.set(`m${i}`, 1000 + i, `v${i}`)
    queue.visited = 0
    expect(queue.take(999, 10)).toEqual([])
    expect(queue.visited).toBe(1) // 100,000 waiting, nothing due: one look
    expect(queue.take(1000, 10)).toEqual([{ key: 'm0', at: 1000, value: 'v0' }])
    expect(queue.visited).toBe(3) // the due one and the first not due
    expect(queue.take(1004, 2).map((e) => e.key)).toEqual(['m1', 'm2']) // at most the limit
    expect(queue.size).toBe(99_997)
  })

  it('a key set again moves last (a rejoin and a new leave), a deleted one is never taken', () => {
    const queue = new DueQueue<number>()
    queue.set('a', 1, 1)
    queue.set('b', 2, 2)
    queue.set('c', 3, 3)
    queue.set('a', 4, 4)
    expect(queue.delete('b')).toBe(true)
    expect(queue.take(3, 10).map((e) => e.key)).toEqual(['c'])
    expect(queue.take(10, 10).map((e) => e.key)).toEqual(['a'])
    expect(queue.size).toBe(0)
  })

  it('an earlier time set after a later one is taken late, with it, never early', () => {
    const queue = new DueQueue<null>()
    queue.set('late', 10, null)
    queue.set('early', 5, null)
    expect(queue.take(7, 10)).toEqual([])
    expect(queue.take(10, 10).map((e) => e.key)).toEqual(['late', 'early'])
  })
})
