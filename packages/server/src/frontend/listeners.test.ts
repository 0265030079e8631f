import { describe, expect, it } from 'vitest'
import { Listeners } from './listeners'

describe('Listeners', () => {
  it('calls every listener until its removal, and a listener added twice is two subscriptions', () => {
    const listeners = new Listeners<[n: number]>()
    const calls: string[] = []
    const a = (n: number) => calls.push(`a${n}`)
    const removeA1 = listeners.add(a)
    const removeA2 = listeners.add(a)
    const removeB = listeners.add((n) => calls.push(`b${n}`))
    listeners.emit(1)
    removeA1()
    removeA1() // idempotent
    listeners.emit(2)
    removeA2()
    removeB()
    listeners.emit(3)
    expect(calls).toEqual(['a1', 'a1', 'b1', 'a2', 'b2'])
    expect(listeners.size).toBe(0)
  })
})
