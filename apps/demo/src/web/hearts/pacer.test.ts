import { describe, expect, it } from 'vitest'
import { createHeartPacer } from './pacer'

/** Runs `frames` frames of `frameMs`, returning the hearts started in each. */
const run = (pacer: ReturnType<typeof createHeartPacer>, frames: number, frameMs = 1000 / 60) =>
  Array.from({ length: frames }, () => pacer.take(frameMs))

describe('createHeartPacer', () => {
  it('shows a lone like at once', () => {
    const pacer = createHeartPacer()
    expect(pacer.take(16)).toBe(0)
    pacer.add(1)
    expect(pacer.take(16)).toBe(1)
    expect(pacer.pending).toBe(0)
  })

  it('spreads a batch over the following frames, one heart per frame at most', () => {
    const pacer = createHeartPacer({ maxPerSecond: 12, spreadMs: 1000 })
    pacer.add(10)
    const started = run(pacer, 60)
    expect(Math.max(...started)).toBe(1)
    expect(started.reduce((a, b) => a + b, 0)).toBe(10)
    // not all in the first frames: the last heart starts more than half a second after the batch
    expect(started.lastIndexOf(1)).toBeGreaterThan(30)
  })

  it('turns a batch per 100 ms tick into a steady stream at the cap, dropping the excess', () => {
    const pacer = createHeartPacer({ maxPerSecond: 12 })
    const perSlice: number[] = []
    // 3 s of a 2,000 likes/s crowd: 200 likes every 6 frames
    for (let slice = 0; slice < 12; slice++) {
      let started = 0
      for (let frame = 0; frame < 15; frame++) {
        if ((slice * 15 + frame) % 6 === 0) pacer.add(200)
        started += pacer.take(1000 / 60)
      }
      perSlice.push(started)
    }
    // every 250 ms slice starts hearts, about 3 each (12/s), never a clump
    expect(Math.min(...perSlice)).toBeGreaterThanOrEqual(2)
    expect(Math.max(...perSlice)).toBeLessThanOrEqual(4)
    expect(pacer.pending).toBeLessThanOrEqual(12)
    expect(pacer.dropped).toBeGreaterThan(5000)
  })

  it('a long frame (a busy page) starts one heart, never a clump', () => {
    const pacer = createHeartPacer()
    pacer.add(8)
    expect(pacer.take(2000)).toBe(1)
    expect(pacer.take(2000)).toBe(1)
    expect(pacer.pending).toBe(6)
  })

  it('clear drops what waits (a tab shown again), and the next like shows at once', () => {
    const pacer = createHeartPacer()
    pacer.add(8)
    pacer.clear()
    expect(pacer.take(16)).toBe(0)
    expect(pacer.dropped).toBe(8)
    pacer.add(1)
    expect(pacer.take(16)).toBe(1)
  })

  it('ignores counts that are not positive numbers', () => {
    const pacer = createHeartPacer()
    for (const count of [0, -3, Number.NaN]) pacer.add(count)
    expect(pacer.pending).toBe(0)
  })
})
