import { describe, expect, it } from 'vitest'
import {
  memberIndex,
  presenceTopic,
  TOPICS_PER_WATCHER,
  WATCHERS_PER_MEMBER,
  watchedBy,
  watchersFor,
  watchersOf,
} from './presence-assign'

describe('presence assignment (members to watchers)', () => {
  it.each([
    [50, 4],
    [10_000, 200],
    [50_000, 1_000],
    [12_345, 247],
  ])(
    '%i members: %i watchers, each member watched by two different ones, none over the subscription limit',
    (members, watchers) => {
      expect(watchersFor(members)).toBe(watchers)
      const seen = new Int32Array(members)
      let longest = 0
      let repeated = 0
      let notInverse = 0
      for (let w = 0; w < watchers; w++) {
        const list = watchedBy(w, members, watchers)
        longest = Math.max(longest, list.length)
        repeated += list.length - new Set(list).size
        for (const m of list) {
          if (!watchersOf(m, watchers).includes(w)) notInverse++
          seen[m]!++
        }
      }
      expect({ repeated, notInverse }).toEqual({ repeated: 0, notInverse: 0 })
      expect(longest).toBeLessThanOrEqual(TOPICS_PER_WATCHER)
      expect(seen.every((count) => count === WATCHERS_PER_MEMBER)).toBe(true)
      for (let m = 0; m < members; m += 97) {
        const [a, b] = watchersOf(m, watchers)
        expect(a).not.toBe(b)
      }
    },
  )

  it('names members m<i>, reads their index back, and refuses other ids', () => {
    expect(presenceTopic(42)).toBe('member:m42/$presence')
    expect(memberIndex('m42')).toBe(42)
    expect(memberIndex('watcher-3')).toBe(-1)
    expect(memberIndex('mx')).toBe(-1)
    expect(memberIndex('m-1')).toBe(-1)
  })
})
