import { describe, expect, it } from 'vitest'
import { AdaptiveCadence, flushCadence } from './flush-cadence'

/** An adaptive cadence on a made-up clock: each flush is told its times and the loop's busy share. */
function simulate(maxMs = 200) {
  let busy = 0
  let now = 0
  const cadence = new AdaptiveCadence(maxMs, () => busy)
  return {
    cadence,
    /** Flushes that each take `costMs`, one every `everyMs`, for `forMs`, the loop `load` busy. */
    run(
      forMs: number,
      {
        costMs,
        everyMs,
        load,
        merging,
      }: { costMs: number; everyMs: number; load: number; merging?: boolean },
    ) {
      busy = load
      for (const end = now + forMs; now < end; now += everyMs) cadence.flushed(now, now + costMs, merging)
      return cadence.windowMs
    },
    /** Nothing flushed for `ms`. */
    idle(ms: number) {
      now += ms
    },
  }
}

describe('AdaptiveCadence', () => {
  it('keeps the window at 0 while the loop has room, however long a flush takes', () => {
    const sim = simulate()
    expect(sim.run(5_000, { costMs: 40, everyMs: 100, load: 0.45 })).toBe(0)
    expect(sim.run(5_000, { costMs: 2, everyMs: 3, load: 0.3 })).toBe(0)
  })

  it('grows the window to twice the flush duration once the loop is saturated', () => {
    const sim = simulate()
    expect(sim.run(200, { costMs: 20, everyMs: 25, load: 1 })).toBeLessThan(40)
    expect(sim.run(2_000, { costMs: 20, everyMs: 25, load: 1 })).toBeCloseTo(40, 5)
  })

  it('grows with the load between calm and saturated', () => {
    const sim = simulate()
    const middling = sim.run(5_000, { costMs: 20, everyMs: 25, load: 0.7 })
    expect(middling).toBeGreaterThan(5)
    expect(middling).toBeLessThan(35)
    expect(sim.run(5_000, { costMs: 20, everyMs: 25, load: 0.95 })).toBeGreaterThan(middling)
  })

  it('never picks a window past its bound, nor past half of it while writes merge nothing', () => {
    const sim = simulate(50)
    expect(sim.run(5_000, { costMs: 300, everyMs: 310, load: 1 })).toBe(25)
    expect(sim.run(5_000, { costMs: 300, everyMs: 310, load: 1, merging: true })).toBe(50)
    expect(simulate(0).run(5_000, { costMs: 300, everyMs: 310, load: 1, merging: true })).toBe(0)
  })

  it('grows the window to four flush durations while writes merge frames, and back when they stop', () => {
    const sim = simulate(200)
    expect(sim.run(2_000, { costMs: 20, everyMs: 25, load: 1 })).toBeCloseTo(40, 5)
    expect(sim.run(2_000, { costMs: 20, everyMs: 25, load: 1, merging: true })).toBeCloseTo(80, 5)
    expect(sim.run(2_000, { costMs: 20, everyMs: 25, load: 1 })).toBeCloseTo(40, 5)
    // the ramp applies alike: between calm and saturated, merging or not, it is part of the way
    const middling = sim.run(5_000, { costMs: 20, everyMs: 25, load: 0.7, merging: true })
    expect(middling).toBeGreaterThan(10)
    expect(middling).toBeLessThan(70)
  })

  it('keeps cheap flushes every tick even when the loop is saturated by other work', () => {
    const sim = simulate()
    expect(sim.run(5_000, { costMs: 0.2, everyMs: 1, load: 1 })).toBe(0)
  })

  it('falls back to 0 after a quiet spell, and one busy flush does not raise it again', () => {
    const sim = simulate()
    expect(sim.run(2_000, { costMs: 30, everyMs: 35, load: 1 })).toBeGreaterThan(50)
    sim.idle(2_000)
    // the first flush after the spell: the loop was idle almost all the time it covers
    expect(sim.run(1, { costMs: 30, everyMs: 35, load: 0.02 })).toBe(0)
    expect(sim.run(1, { costMs: 30, everyMs: 35, load: 1 })).toBe(0)
  })

  it('takes a clock that went back as a free flush, never a negative or undefined window', () => {
    const cadence = new AdaptiveCadence(100, () => 1)
    for (let i = 0; i < 100; i++) cadence.flushed(1_000 + i * 30, 1_000 + i * 30 + 25)
    expect(cadence.windowMs).toBeGreaterThan(0)
    cadence.flushed(10, 5) // fake timers installed mid-run
    cadence.flushed(6, 6)
    expect(cadence.windowMs).toBeGreaterThanOrEqual(0)
    expect(Number.isFinite(cadence.windowMs)).toBe(true)
  })
})

describe('flushCadence', () => {
  it('gives a fixed window whatever a flush costs, and an adaptive one for auto', () => {
    const fixed = flushCadence(25, 100)
    fixed.flushed(0, 500)
    expect(fixed.windowMs).toBe(25)
    expect(flushCadence('auto', 100)).toBeInstanceOf(AdaptiveCadence)
    expect(flushCadence('auto', 100).windowMs).toBe(0)
  })
})
