import { describe, expect, it } from 'vitest'
import { backoffDelay } from './backoff'

const opts = { baseMs: 1000, maxMs: 30_000 }

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt (random at its top)', () => {
    const top = () => 1
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(a, opts, top))).toEqual([1000, 2000, 4000, 8000, 16_000])
  })

  it('caps the ceiling at maxMs, even for huge attempt numbers', () => {
    expect(backoffDelay(5, opts, () => 1)).toBe(30_000)
    expect(backoffDelay(10_000, opts, () => 1)).toBe(30_000)
  })

  it('uses full jitter: the delay is random x ceiling, from 0 up', () => {
    expect(backoffDelay(3, opts, () => 0)).toBe(0)
    expect(backoffDelay(3, opts, () => 0.25)).toBe(2000)
    expect(backoffDelay(3, opts, () => 0.5)).toBe(4000)
  })

  it('stays within [0, ceiling] for any random value', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, opts, Math.random)
        expect(d).toBeGreaterThanOrEqual(0)
        expect(d).toBeLessThanOrEqual(Math.min(30_000, 1000 * 2 ** attempt))
      }
    }
    // a misbehaving random source is clamped
    expect(backoffDelay(0, opts, () => 7)).toBe(1000)
    expect(backoffDelay(0, opts, () => -1)).toBe(0)
  })

  it('calls random once per delay', () => {
    let calls = 0
    backoffDelay(2, opts, () => {
      calls++
      return 0.3
    })
    expect(calls).toBe(1)
  })
})
