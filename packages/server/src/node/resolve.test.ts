import { describe, expect, it } from 'vitest'
import type { LikewireOptions } from '../options'
import { resolveOptions } from './resolve'

describe('resolveOptions', () => {
  it('flushes adaptively by default, up to 200 ms, and refuses a window that cannot work', () => {
    expect(resolveOptions({})).toMatchObject({ flushWindowMs: 'auto', maxFlushWindowMs: 200 })
    // an option given as undefined keeps its default; 0 is a window, not a missing one
    const window = (options: LikewireOptions) =>
      (resolveOptions(options) as { flushWindowMs: unknown }).flushWindowMs
    expect(window({ flushWindowMs: undefined })).toBe('auto')
    expect(window({ flushWindowMs: 0 })).toBe(0)
    expect(() => resolveOptions({ flushWindowMs: -1 })).toThrow(
      "flushWindowMs must be 'auto' or 0 to 10000, got -1",
    )
    expect(() => resolveOptions({ flushWindowMs: 'fast' as 'auto' })).toThrow(/got fast/)
    expect(() => resolveOptions({ maxFlushWindowMs: Number.NaN })).toThrow(
      'maxFlushWindowMs must be 0 to 10000, got NaN',
    )
    expect(() => resolveOptions({ maxFlushWindowMs: 60_000 })).toThrow(/got 60000/)
  })
})
