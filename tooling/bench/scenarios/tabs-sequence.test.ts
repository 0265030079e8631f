import { describe, expect, it } from 'vitest'
import { countAll, countWithin, markSequence, spread } from './tabs-sequence'

const events = (...offsets: Array<[number, number]>) =>
  offsets.map(([offset, at]) => ({ offset, ts: at, at }))

describe('a tab sequence of history offsets', () => {
  it('counts offsets skipped over as missing and repeats as duplicates, each at the event that shows it', () => {
    const entries = events([5, 10], [6, 20], [9, 30], [9, 40], [7, 50], [10, 60])
    expect(markSequence(entries)).toEqual([
      { missing: 0, duplicate: false },
      { missing: 0, duplicate: false },
      { missing: 2, duplicate: false },
      { missing: 0, duplicate: true },
      { missing: 0, duplicate: true },
      { missing: 0, duplicate: false },
    ])
    expect(countAll(entries)).toEqual({ missing: 2, duplicates: 2 })
  })

  it('attributes to a window by time of receipt, and counts the tail up to the head', () => {
    const entries = events([1, 10], [2, 20], [5, 30], [5, 40])
    const marks = markSequence(entries)
    expect(countWithin(entries, marks, 20, 35)).toEqual({ missing: 2, duplicates: 0 })
    expect(countWithin(entries, marks, 35, 100)).toEqual({ missing: 0, duplicates: 1 })
    expect(countAll(entries, 8)).toEqual({ missing: 5, duplicates: 1 })
    expect(countAll(events([1, 1], [2, 2]), 2)).toEqual({ missing: 0, duplicates: 0 })
  })

  it('spread: median and max, a figure never reached counts as endless', () => {
    expect(spread([300, 100, 200, 900])).toEqual({ median: 200, max: 900 })
    expect(spread([100, null, 300])).toEqual({ median: 300, max: null })
    expect(spread([null, 100, null])).toEqual({ median: null, max: null })
    expect(spread([])).toEqual({ median: null, max: null })
  })
})
