import { describe, expect, it } from 'vitest'
import { FRAME_MS, frameStats } from './frame-stats'

describe('frameStats', () => {
  it('counts no dropped frame at a steady 60 fps, even with jitter', () => {
    const deltas = Array.from({ length: 600 }, (_, i) => FRAME_MS + (i % 2 ? 1.5 : -1.5))
    const stats = frameStats(deltas)
    expect(stats.dropped).toBe(0)
    expect(stats.fps).toBeCloseTo(60, 0)
    expect(stats.p50).toBeGreaterThan(14)
    expect(stats.p99).toBeLessThan(19)
  })

  it('counts the refreshes a long frame missed, and shows it in the tail', () => {
    const deltas = [...Array.from({ length: 98 }, () => FRAME_MS), 50, 100]
    const stats = frameStats(deltas)
    // 50 ms = 3 refreshes (2 missed), 100 ms = 6 (5 missed)
    expect(stats.dropped).toBe(7)
    expect(stats.droppedShare).toBeCloseTo(7 / 107, 3)
    expect(stats.max).toBeCloseTo(100, 0)
    expect(stats.p99).toBeGreaterThanOrEqual(49)
    expect(stats.p50).toBeLessThan(17)
  })

  it('an empty window is zeros, not an error', () => {
    expect(frameStats([])).toMatchObject({ frames: 0, fps: 0, dropped: 0, droppedShare: 0 })
  })
})
