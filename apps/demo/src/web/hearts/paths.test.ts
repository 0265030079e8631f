import { describe, expect, it } from 'vitest'
import { HEART_PX, planFlight } from './paths'

const translate = (frame: Keyframe) => {
  const match = /translate\((-?[\d.]+)px, (-?[\d.]+)px\)/.exec(String(frame.transform))
  return { x: Number(match?.[1]), y: Number(match?.[2]) }
}

/** A seeded generator (mulberry32), so the flights are the same on every run. */
function seeded(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('planFlight', () => {
  it('rises most of the column, inside its width, fading in and out', () => {
    const random = seeded(1)
    for (let i = 0; i < 200; i++) {
      const flight = planFlight(240, 400, false, random)
      const points = flight.keyframes.map(translate)
      for (const { x } of points) expect(x).toBeGreaterThanOrEqual(0)
      for (const { x } of points) expect(x).toBeLessThanOrEqual(240 - HEART_PX)
      expect(points.at(-1)!.y).toBeLessThan(-0.6 * 400)
      expect(flight.keyframes[0]!.opacity).toBe(0)
      expect(flight.keyframes.at(-1)!.opacity).toBe(0)
    }
  })

  it('starts across the whole column and takes different paths', () => {
    const random = seeded(2)
    const flights = Array.from({ length: 100 }, () => planFlight(240, 400, false, random))
    const starts = flights.map((f) => f.start)
    expect(Math.min(...starts)).toBeLessThan(0.2)
    expect(Math.max(...starts)).toBeGreaterThan(0.8)
    const ends = new Set(flights.map((f) => Math.round(translate(f.keyframes.at(-1)!).x / 10)))
    expect(ends.size).toBeGreaterThan(10)
  })

  it('with reduced motion, barely rises and does not sway', () => {
    const flight = planFlight(240, 400, true, seeded(3))
    const points = flight.keyframes.map(translate)
    expect(new Set(points.map((p) => p.x)).size).toBe(1)
    expect(Math.min(...points.map((p) => p.y))).toBeGreaterThan(-0.2 * 400)
  })
})
