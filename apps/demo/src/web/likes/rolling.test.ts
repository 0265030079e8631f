import { describe, expect, it } from 'vitest'
import { rollToward } from './rolling'

describe('rollToward', () => {
  it('rolls up smoothly, never past the target, and lands on it', () => {
    let shown = 1000
    const seen: number[] = []
    for (let frame = 0; frame < 60 && shown !== 1500; frame++) {
      shown = rollToward(shown, 1500, 1000 / 60)
      seen.push(shown)
    }
    expect(shown).toBe(1500)
    // eased: more than a few frames, each one a step up, none beyond the target
    expect(seen.length).toBeGreaterThan(5)
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!)
    expect(Math.max(...seen)).toBe(1500)
  })

  it('follows a target that keeps rising and is exact once it stops', () => {
    let shown = 0
    let target = 0
    for (let frame = 0; frame < 180; frame++) {
      if (frame % 6 === 0 && frame < 90) target += 200
      shown = rollToward(shown, target, 1000 / 60)
      expect(shown).toBeLessThanOrEqual(target)
    }
    expect(shown).toBe(target)
  })

  it('goes straight down to a lower target (never ahead of the truth)', () => {
    expect(rollToward(500, 480, 16)).toBe(480)
  })

  it('a long frame closes the gap rather than overshooting', () => {
    expect(rollToward(0, 100, 5000)).toBe(100)
  })
})
