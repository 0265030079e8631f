import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ExpiryWheel } from './expiry-wheel'

// the wheel is about time: fake timers (and Date) let the test move the clock second by second
beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000_000_000 })
})
afterEach(() => {
  vi.useRealTimers()
})

function wheel() {
  const expired: string[] = []
  const failed = (error: unknown) => {
    throw error // a test whose expiry throws says so with its own wheel
  }
  return { expired, wheel: new ExpiryWheel<string>((item) => expired.push(item), failed) }
}

describe('ExpiryWheel', () => {
  it('ends each item once its time has come, not before', () => {
    const { expired, wheel: w } = wheel()
    const now = Date.now()
    w.add('a', now + 1500)
    w.add('b', now + 3000)
    vi.advanceTimersByTime(1400)
    expect(expired).toEqual([])
    vi.advanceTimersByTime(700)
    expect(expired).toEqual(['a'])
    vi.advanceTimersByTime(900)
    expect(expired).toEqual(['a'])
    vi.advanceTimersByTime(200)
    expect(expired).toEqual(['a', 'b'])
    expect(w.size).toBe(0)
  })

  it('ends an item already past on the next tick', () => {
    const { expired, wheel: w } = wheel()
    w.add('late', Date.now() - 60_000)
    expect(expired).toEqual([])
    vi.advanceTimersByTime(1001)
    expect(expired).toEqual(['late'])
  })

  it('forgets a deleted item, and a re-added one keeps only its new time', () => {
    const { expired, wheel: w } = wheel()
    const now = Date.now()
    w.add('gone', now + 1000)
    w.delete('gone')
    w.delete('never-added')
    w.add('moved', now + 1000)
    w.add('moved', now + 5000)
    vi.advanceTimersByTime(3000)
    expect(expired).toEqual([])
    vi.advanceTimersByTime(3000)
    expect(expired).toEqual(['moved'])
  })

  it('runs one timer however many items, and none while empty', () => {
    const { expired, wheel: w } = wheel()
    const now = Date.now()
    for (let i = 0; i < 1000; i++) w.add(`c${i}`, now + 1000 + (i % 7) * 1000)
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(10_000)
    expect(expired.length).toBe(1000)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('catches up after the loop stalled: every slot passed is ended', () => {
    const { expired, wheel: w } = wheel()
    const now = Date.now()
    w.add('a', now + 1000)
    w.add('b', now + 4000)
    w.add('c', now + 9000)
    // a stalled loop: the clock jumps without the timer firing in between
    vi.setSystemTime(now + 5500)
    vi.advanceTimersToNextTimer()
    expect(expired.sort()).toEqual(['a', 'b'])
    vi.advanceTimersByTime(4000)
    expect(expired.sort()).toEqual(['a', 'b', 'c'])
  })

  it('a wheel idle for long starts from now, not from its last tick', () => {
    const { expired, wheel: w } = wheel()
    w.add('a', Date.now() + 1000)
    vi.advanceTimersByTime(2000)
    vi.setSystemTime(Date.now() + 86_400_000)
    w.add('b', Date.now() + 2000)
    vi.advanceTimersByTime(1000)
    expect(expired).toEqual(['a'])
    vi.advanceTimersByTime(1100)
    expect(expired).toEqual(['a', 'b'])
  })

  it('an expiry that throws is reported, and the others of its slot and later slots still end', () => {
    const expired: string[] = []
    const failures: Array<[string, string]> = []
    const w = new ExpiryWheel<string>(
      (item) => {
        if (item.startsWith('bad')) throw new Error(`cannot end ${item}`)
        expired.push(item)
      },
      (error, item) => failures.push([item, (error as Error).message]),
    )
    const now = Date.now()
    for (const item of ['a', 'bad1', 'b', 'bad2', 'c']) w.add(item, now + 1000)
    w.add('d', now + 2000)
    w.add('e', now + 2000)
    expect(() => vi.advanceTimersByTime(1100)).not.toThrow()
    expect(expired).toEqual(['a', 'b', 'c'])
    expect(failures).toEqual([
      ['bad1', 'cannot end bad1'],
      ['bad2', 'cannot end bad2'],
    ])
    expect(w.size).toBe(2)
    // what an item's own end listener does after a failed expiry: forgetting it must not throw
    for (const item of ['a', 'bad1', 'c']) expect(() => w.delete(item)).not.toThrow()
    w.delete('e')
    vi.advanceTimersByTime(1000)
    expect(expired).toEqual(['a', 'b', 'c', 'd'])
    expect(w.size).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('an expiry that ends another item of its slot: that one is forgotten, never ended twice', () => {
    const expired: string[] = []
    const w: ExpiryWheel<string> = new ExpiryWheel<string>(
      (item) => {
        expired.push(item)
        if (item === 'a') w.delete('b') // e.g. a close listener ending a sibling stream
      },
      (error) => {
        throw error
      },
    )
    const now = Date.now()
    for (const item of ['a', 'b', 'c']) w.add(item, now + 1000)
    expect(() => vi.advanceTimersByTime(1100)).not.toThrow()
    expect(expired).toEqual(['a', 'c'])
    expect(w.size).toBe(0)
  })

  it('close stops everything', () => {
    const { expired, wheel: w } = wheel()
    w.add('a', Date.now() + 1000)
    w.close()
    vi.advanceTimersByTime(5000)
    expect(expired).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })
})
